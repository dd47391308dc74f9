"""Checking a resolution-form draft and turning it into a `Decision` (pure functions).

The same checks run in the form (inline, as the agent types) and in every store before a write,
so a decision the form would refuse cannot be written through another door either. The policy
itself (blocks, warnings, guidance) lives in `policy`; this module adds the form's own checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from mediator.domain.enums import Outcome, Status
from mediator.domain.models import Decision, DecisionDraft, Dispute, DisputeRecord
from mediator.domain.money import format_amount
from mediator.domain.policy import (
    Finding,
    RefundPreview,
    Severity,
    blocking,
    decision_findings,
    refund_for,
    refund_preview,
    warnings,
)

__all__ = [
    "DECIDABLE",
    "RefundPreview",
    "Verdict",
    "build_decision",
    "check",
    "check_draft",
    "form_errors",
    "refund_for",
    "refund_preview",
]

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


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the checks say about writing one draft on one dispute at one moment, worked out once
    (`check`) and then read by whoever needs it: the form's inline errors and findings panel, the
    confirm dialog, the store's write and the decision it builds."""

    #: Every finding of the policy (blocks, then warnings, then information).
    findings: tuple[Finding, ...]
    #: (form field, message) for every reason the draft cannot be written: form errors first,
    #: then policy blocks, then one "acknowledge" error per unacknowledged warning. Empty: it can.
    errors: tuple[tuple[str, str], ...]
    #: Rule ids that forbid the draft (P-REFUND-PAIDOUT, …).
    blocks: tuple[str, ...]
    #: Rule ids of warnings the agent has not acknowledged yet (P-OPEN-72H, …).
    unacknowledged: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.errors


def check(record: DisputeRecord, draft: DecisionDraft, now: datetime) -> Verdict:
    """Check `draft` against the form's rules and the policy at `now` (the policy runs once)."""
    findings = decision_findings(record, draft, now)
    blocks = blocking(findings)
    unacknowledged = tuple(f for f in warnings(findings) if f.rule_id not in draft.acknowledged)
    errors = form_errors(record.dispute, draft)
    errors.extend((f.field or "outcome", str(f)) for f in blocks)
    errors.extend(
        ("acknowledge", f"{f.rule_id}: acknowledge this warning before submitting")
        for f in unacknowledged
    )
    return Verdict(
        findings=findings,
        errors=tuple(errors),
        blocks=tuple(f.rule_id for f in blocks),
        unacknowledged=tuple(f.rule_id for f in unacknowledged),
    )


def check_draft(
    record: DisputeRecord, draft: DecisionDraft, now: datetime
) -> list[tuple[str, str]]:
    """`check(...).errors` as a list: (form field, message) per reason `draft` cannot be written
    at `now`; empty if it can."""
    return list(check(record, draft, now).errors)


def build_decision(
    record: DisputeRecord,
    draft: DecisionDraft,
    *,
    decision_id: str,
    actor: str,
    now: datetime,
    findings: tuple[Finding, ...] | None = None,
) -> Decision:
    """The `Decision` a valid `draft` becomes.

    `fee_refund` is computed (P-REFUND-FEE, `refund_preview`); `findings` holds the IDs of the
    policy warnings and guidance that applied at `now`. Pass the `Verdict.findings` already
    worked out for this draft to spare running the policy again.
    """
    dispute = record.dispute
    preview = refund_preview(dispute, draft)
    if findings is None:
        findings = decision_findings(record, draft, now)
    return Decision(
        id=decision_id,
        dispute_id=dispute.id,
        outcome=draft.outcome,
        refund_amount=None if preview is None else preview.refund,
        fee_refund=None if preview is None else preview.fee,
        currency=dispute.order.currency,
        return_required=draft.return_required,
        seller_keep_pct=draft.seller_keep_pct if draft.return_required else None,
        seller_error=draft.seller_error,
        defective_or_misadvertised=draft.defective_or_misadvertised,
        rationale=draft.rationale.strip(),
        message_to_parties=draft.message_to_parties.strip(),
        decided_by=actor,
        decided_at=now,
        findings=tuple(
            f.rule_id for f in findings if f.severity in (Severity.WARNING, Severity.INFO)
        ),
        macro=draft.macro,
    )
