"""Small builders for policy tests: one dispute whose times, money and kind a test sets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from mediator.domain import (
    DecisionDraft,
    Dispute,
    DisputeRecord,
    EscalationCause,
    InfoRequest,
    OrderKind,
    Outcome,
    Reason,
    Status,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "mediator" / "data" / "examples.jsonl"

#: When the order of a built dispute is placed.
PLACED = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
#: The "now" of policy checks: well after everything a builder sets.
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def example(dispute_id: str) -> DisputeRecord:
    """One of the five example disputes (D-10001 … D-10005) as a version-1 record."""
    for line in EXAMPLES.read_text("utf-8").splitlines():
        dispute = Dispute.model_validate_json(line)
        if dispute.id == dispute_id:
            return DisputeRecord(dispute=dispute, version=1)
    raise KeyError(dispute_id)


def record(
    *,
    kind: OrderKind = OrderKind.GOODS,
    reason: Reason = Reason.OTHER,
    currency: str = "USD",
    price: str = "110.99",
    fee: str = "5.55",
    placed: datetime = PLACED,
    delivered: datetime | None = PLACED + timedelta(days=2),
    confirmed: datetime | None = None,
    paid_out: datetime | None = None,
    opened: datetime = PLACED + timedelta(days=3),
    escalated: datetime | None = None,
    cause: EscalationCause | None = None,
    trust: int = 3,
    info: InfoRequest | None = None,
) -> DisputeRecord:
    """D-10001 with its order and timeline replaced: a goods order with nothing to flag."""
    base = example("D-10001").dispute
    order = base.order.model_copy(
        update={
            "id": "O-9001",
            "kind": kind,
            "currency": currency,
            "price": Decimal(price),
            "service_fee": Decimal(fee),
            "placed_at": placed,
            "delivered_at": delivered,
            "confirmed_at": confirmed,
            "paid_out_at": paid_out,
        }
    )
    dispute = base.model_copy(
        update={
            "id": "D-9001",
            "reason": reason,
            "status": Status.ESCALATED,
            "order": order,
            "opened_at": opened,
            "escalated_at": escalated,
            "escalation_cause": cause,
            "buyer_request": None,
            "buyer_request_amount": None,
            "seller": base.seller.model_copy(update={"trust_level": trust}),
        }
    )
    return DisputeRecord(dispute=dispute, version=1).model_copy(update={"info_request": info})


def draft(outcome: Outcome, refund: str | None = None, **kw: object) -> DecisionDraft:
    """A draft with a rationale; `refund` is the typed amount, as a decimal string."""
    amount = None if refund is None else Decimal(refund)
    return DecisionDraft(outcome=outcome, rationale="per E-1", refund_amount=amount, **kw)
