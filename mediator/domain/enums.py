"""Enumerations of the interchange format (IMPORT_FORMAT.md, version 1)."""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    """Why a dispute was opened (P-REASONS)."""

    NOT_RECEIVED = "not_received"
    NOT_AS_DESCRIBED = "not_as_described"
    DEFECTIVE = "defective"
    INCOMPLETE = "incomplete"
    WRONG_SPEC_OR_QUANTITY = "wrong_spec_or_quantity"
    LATE_DELIVERY = "late_delivery"
    ACCOUNT_ACCESS_NOT_TRANSFERRED = "account_access_not_transferred"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _REASON_LABELS[self]


_REASON_LABELS = {
    Reason.NOT_RECEIVED: "Not received",
    Reason.NOT_AS_DESCRIBED: "Not as described",
    Reason.DEFECTIVE: "Defective",
    Reason.INCOMPLETE: "Incomplete",
    Reason.WRONG_SPEC_OR_QUANTITY: "Wrong spec/qty",
    Reason.LATE_DELIVERY: "Late delivery",
    Reason.ACCOUNT_ACCESS_NOT_TRANSFERRED: "Account access",
    Reason.OTHER: "Other",
}


class Status(StrEnum):
    OPEN = "open"
    ESCALATED = "escalated"
    AWAITING_INFO = "awaiting_info"
    #: A proposed decision waits for a supervisor (issue 16): out of the agents' queue.
    AWAITING_REVIEW = "awaiting_review"
    RESOLVED = "resolved"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


#: The statuses that make up the escalation queue.
QUEUE_STATUSES: frozenset[Status] = frozenset({Status.ESCALATED, Status.AWAITING_INFO})


class EscalationCause(StrEnum):
    PARTY_REQUEST = "party_request"  # P-ESC-24H
    SELLER_SILENT = "seller_silent"  # P-ESC-SELLER-SILENT
    STALE = "stale"  # P-ESC-STALE
    STAFF = "staff"


class BuyerRequest(StrEnum):
    DELIVERY = "delivery"
    REPLACEMENT = "replacement"
    PARTIAL_REFUND = "partial_refund"
    FULL_REFUND = "full_refund"
    RETURN_AND_REFUND = "return_and_refund"
    OTHER = "other"


class OrderKind(StrEnum):
    GOODS = "goods"
    SERVICE = "service"
    ACCOUNT = "account"


class Channel(StrEnum):
    ORDER_CHAT = "order_chat"
    DISPUTE_CHAT = "dispute_chat"
    STAFF_NOTE = "staff_note"

    @property
    def label(self) -> str:
        return {"order_chat": "order chat", "dispute_chat": "dispute chat"}.get(
            self.value, "staff note"
        )


class Actor(StrEnum):
    """Who wrote a message or submitted evidence."""

    BUYER = "buyer"
    SELLER = "seller"
    STAFF = "staff"
    SYSTEM = "system"


class EvidenceKind(StrEnum):
    SCREENSHOT = "screenshot"
    PHOTO = "photo"
    VIDEO = "video"
    DOCUMENT = "document"
    LINK = "link"
    ORDER_RECORD = "order_record"


class Outcome(StrEnum):
    """The five outcomes of the resolution form (POLICY.md, Outcomes)."""

    SELLER_RESOLUTION = "seller_resolution"
    COMPROMISE = "compromise"
    BUYER_FULL_REFUND = "buyer_full_refund"
    BUYER_PARTIAL_REFUND = "buyer_partial_refund"
    SELLER_FAVOUR = "seller_favour"

    @property
    def label(self) -> str:
        return _OUTCOME_LABELS[self]

    @property
    def refunds(self) -> bool:
        """Whether money goes back to the buyer (possibly, for a compromise)."""
        return self in {
            Outcome.COMPROMISE,
            Outcome.BUYER_FULL_REFUND,
            Outcome.BUYER_PARTIAL_REFUND,
        }


_OUTCOME_LABELS = {
    Outcome.SELLER_RESOLUTION: "Seller resolution",
    Outcome.COMPROMISE: "Compromise",
    Outcome.BUYER_FULL_REFUND: "Buyer favour: full refund",
    Outcome.BUYER_PARTIAL_REFUND: "Buyer favour: partial refund",
    Outcome.SELLER_FAVOUR: "Seller favour",
}
