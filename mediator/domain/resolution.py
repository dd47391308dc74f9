"""Checking a resolution-form draft and turning it into a `Decision` (pure functions).

The same checks run in the form (inline, as the agent types) and in every store before a write,
so a decision the form would refuse cannot be written through another door either.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from mediator.domain.enums import Outcome, Status
from mediator.domain.models import Decision, DecisionDraft, Dispute
from mediator.domain.money import fee_refund, format_amount, minor_units, quantum

#: Statuses from which a dispute can be decided.
DECIDABLE = frozenset({Status.OPEN, Status.ESCALATED, Status.AWAITING_INFO})


def refund_for(dispute: Dispute, draft: DecisionDraft) -> Decimal | None:
    """The amount refunded to the buyer by `draft` (the whole price for a full refund)."""
    if draft.outcome is Outcome.BUYER_FULL_REFUND:
        return dispute.order.price
    if draft.outcome in (Outcome.BUYER_PARTIAL_REFUND, Outcome.COMPROMISE):
        return draft.refund_amount
    return None


def check_draft(dispute: Dispute, draft: DecisionDraft) -> list[tuple[str, str]]:
    """(form field, message) for every reason `draft` cannot be written; empty when it can."""
    errors: list[tuple[str, str]] = []
    order = dispute.order
    if dispute.status not in DECIDABLE:
        errors.append(("outcome", f"{dispute.id} is already {dispute.status.label}"))
    if not draft.rationale.strip():
        errors.append(("rationale", "a rationale is required: say why, citing evidence"))
    amount = draft.refund_amount
    price = format_amount(order.price, order.currency)
    if draft.outcome is Outcome.BUYER_PARTIAL_REFUND and amount is None:
        errors.append(("refund_amount", "a partial refund needs an amount"))
    if draft.outcome in (Outcome.BUYER_PARTIAL_REFUND, Outcome.COMPROMISE) and amount is not None:
        exponent = amount.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > minor_units(order.currency):
            errors.append(("refund_amount", f"{amount} is finer than {order.currency} allows"))
        elif amount <= 0:
            errors.append(("refund_amount", "P-REFUND-BOUNDS: the refund must be more than 0"))
        elif amount >= order.price:
            errors.append(
                (
                    "refund_amount",
                    f"P-REFUND-BOUNDS: the refund must be less than the price ({price}); "
                    "use a full refund for that",
                )
            )
    if draft.outcome is Outcome.BUYER_FULL_REFUND and amount not in (None, order.price):
        errors.append(("refund_amount", f"a full refund is the whole price ({price})"))
    if not draft.outcome.refunds:
        if amount is not None:
            errors.append(("refund_amount", f"{draft.outcome.label} refunds nothing"))
        if draft.return_required:
            errors.append(("return_required", f"{draft.outcome.label} has no return"))
    pct = draft.seller_keep_pct
    if pct is not None:
        if not draft.return_required:
            errors.append(("seller_keep_pct", "the seller keeps a share only on a return"))
        elif not Decimal(0) <= pct <= Decimal(100):
            errors.append(("seller_keep_pct", "a percentage between 0 and 100"))
        elif pct != pct.quantize(Decimal("0.01")):
            errors.append(("seller_keep_pct", "at most two decimals"))
    return errors


def build_decision(
    dispute: Dispute,
    draft: DecisionDraft,
    *,
    decision_id: str,
    actor: str,
    now: datetime,
    findings: tuple[str, ...] = (),
) -> Decision:
    """The `Decision` a valid `draft` becomes; `fee_refund` is computed (P-REFUND-FEE)."""
    order = dispute.order
    refund = refund_for(dispute, draft)
    fee = None
    if refund is not None:
        refund = refund.quantize(quantum(order.currency))
        fee = fee_refund(
            service_fee=order.service_fee, refund=refund, price=order.price, currency=order.currency
        )
    return Decision(
        id=decision_id,
        dispute_id=dispute.id,
        outcome=draft.outcome,
        refund_amount=refund,
        fee_refund=fee,
        currency=order.currency,
        return_required=draft.return_required,
        seller_keep_pct=draft.seller_keep_pct if draft.return_required else None,
        seller_error=draft.seller_error,
        defective_or_misadvertised=draft.defective_or_misadvertised,
        rationale=draft.rationale.strip(),
        message_to_parties=draft.message_to_parties.strip(),
        decided_by=actor,
        decided_at=now,
        findings=findings,
    )
