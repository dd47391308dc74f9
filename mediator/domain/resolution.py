"""Checking a resolution-form draft and turning it into a `Decision` (pure functions).

The same checks run in the form (inline, as the agent types) and in every store before a write,
so a decision the form would refuse cannot be written through another door either. The policy
itself (blocks, warnings, guidance) lives in `policy`; this module adds the form's own checks.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from mediator.domain.enums import Outcome, Status
from mediator.domain.models import Decision, DecisionDraft, Dispute, DisputeRecord
from mediator.domain.money import fee_refund, format_amount, quantum
from mediator.domain.policy import (
    Finding,
    Severity,
    blocking,
    decision_findings,
    refund_for,
    warnings,
)

__all__ = ["DECIDABLE", "build_decision", "check_draft", "form_errors", "refund_for"]

#: Statuses from which a dispute can be decided.
DECIDABLE = frozenset({Status.OPEN, Status.ESCALATED, Status.AWAITING_INFO})


def _amount_errors(dispute: Dispute, draft: DecisionDraft) -> list[tuple[str, str]]:
    """A refund amount where the outcome needs one, and none where it does not."""
    errors: list[tuple[str, str]] = []
    order = dispute.order
    amount = draft.refund_amount
    if draft.outcome is Outcome.BUYER_PARTIAL_REFUND and amount is None:
        errors.append(("refund_amount", "a partial refund needs an amount"))
    if draft.outcome is Outcome.BUYER_FULL_REFUND and amount not in (None, order.price):
        price = format_amount(order.price, order.currency)
        errors.append(("refund_amount", f"a full refund is the whole price ({price})"))
    if not draft.outcome.refunds:
        if amount is not None:
            errors.append(("refund_amount", f"{draft.outcome.label} refunds nothing"))
        if draft.return_required:
            errors.append(("return_required", f"{draft.outcome.label} has no return"))
    return errors


def _keep_errors(draft: DecisionDraft) -> list[tuple[str, str]]:
    """The seller's share on a return is a percentage with at most two decimals."""
    pct = draft.seller_keep_pct
    if pct is None:
        return []
    if not draft.return_required:
        return [("seller_keep_pct", "the seller keeps a share only on a return")]
    if not Decimal(0) <= pct <= Decimal(100):
        return [("seller_keep_pct", "a percentage between 0 and 100")]
    if pct != pct.quantize(Decimal("0.01")):
        return [("seller_keep_pct", "at most two decimals")]
    return []


def form_errors(dispute: Dispute, draft: DecisionDraft) -> list[tuple[str, str]]:
    """(form field, message) for every problem with `draft` that is not a policy rule."""
    errors: list[tuple[str, str]] = []
    if dispute.status not in DECIDABLE:
        errors.append(("outcome", f"{dispute.id} is already {dispute.status.label}"))
    if not draft.rationale.strip():
        errors.append(("rationale", "a rationale is required: say why, citing evidence"))
    return errors + _amount_errors(dispute, draft) + _keep_errors(draft)


def _policy_errors(findings: tuple[Finding, ...], draft: DecisionDraft) -> list[tuple[str, str]]:
    """Every block, and every warning the agent has not acknowledged."""
    errors = [(f.field or "outcome", str(f)) for f in blocking(findings)]
    errors.extend(
        ("acknowledge", f"{f.rule_id}: acknowledge this warning before submitting")
        for f in warnings(findings)
        if f.rule_id not in draft.acknowledged
    )
    return errors


def check_draft(
    record: DisputeRecord, draft: DecisionDraft, now: datetime
) -> list[tuple[str, str]]:
    """(form field, message) for every reason `draft` cannot be written at `now`; empty if it can.

    Form errors first, then policy blocks, then one "acknowledge" error per unacknowledged
    policy warning.
    """
    findings = decision_findings(record, draft, now)
    return form_errors(record.dispute, draft) + _policy_errors(findings, draft)


def build_decision(
    record: DisputeRecord,
    draft: DecisionDraft,
    *,
    decision_id: str,
    actor: str,
    now: datetime,
) -> Decision:
    """The `Decision` a valid `draft` becomes.

    `fee_refund` is computed (P-REFUND-FEE); `findings` holds the IDs of the policy warnings and
    guidance that applied at `now`.
    """
    dispute = record.dispute
    order = dispute.order
    refund = refund_for(dispute, draft)
    fee = None
    if refund is not None:
        refund = refund.quantize(quantum(order.currency))
        fee = fee_refund(
            service_fee=order.service_fee, refund=refund, price=order.price, currency=order.currency
        )
    applied = tuple(
        f.rule_id
        for f in decision_findings(record, draft, now)
        if f.severity in (Severity.WARNING, Severity.INFO)
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
        findings=applied,
    )
