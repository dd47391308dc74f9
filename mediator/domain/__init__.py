"""The domain: models, enums, exact money, consistency checks. No Textual, no SQL, no I/O."""

from mediator.domain.consistency import consistency_errors
from mediator.domain.enums import (
    QUEUE_STATUSES,
    Actor,
    BuyerRequest,
    Channel,
    EscalationCause,
    EvidenceKind,
    OrderKind,
    Outcome,
    Reason,
    Status,
)
from mediator.domain.models import (
    Decision,
    DecisionDraft,
    Dispute,
    DisputeRecord,
    Evidence,
    InfoRequest,
    Message,
    Order,
    Party,
    Seller,
)
from mediator.domain.money import Money, MoneyError, fee_refund, format_amount, parse_amount

__all__ = [
    "QUEUE_STATUSES",
    "Actor",
    "BuyerRequest",
    "Channel",
    "Decision",
    "DecisionDraft",
    "Dispute",
    "DisputeRecord",
    "EscalationCause",
    "Evidence",
    "EvidenceKind",
    "InfoRequest",
    "Message",
    "Money",
    "MoneyError",
    "Order",
    "OrderKind",
    "Outcome",
    "Party",
    "Reason",
    "Seller",
    "Status",
    "consistency_errors",
    "fee_refund",
    "format_amount",
    "parse_amount",
]
