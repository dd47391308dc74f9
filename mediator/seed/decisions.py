"""The standing decision of a generated resolved dispute (issue 17's figures need decisions).

A decision is built by the same code that builds an agent's (`domain.resolution.build_decision`:
the refund, the fee refund of P-REFUND-FEE and the findings are the policy's own), from a draft
that the policy accepts: refunds only where P-REFUND-PAIDOUT allows them, a seller error recorded
for a refunded service (P-REFUND-SERVICE), a return only with the seller's agreement and 0 % kept
on a defective item (P-RETURN-*), partial amounts strictly between 0 and the price
(P-REFUND-BOUNDS). The outcome agrees with the staff note that closes the transcript ("Resolved:
full refund…"), where there is one.

The randomness is the decision's own: a `random.Random` seeded from (seed, dispute id), never the
generator's, so adding decisions leaves every generated dispute exactly as it was.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from mediator.domain import (
    Channel,
    Decision,
    DecisionDraft,
    Dispute,
    DisputeRecord,
    OrderKind,
    Outcome,
    Reason,
)
from mediator.domain.money import format_amount, from_minor, to_minor
from mediator.domain.policy import (
    DEFECT_REASONS,
    blocking,
    bounds_problem,
    decision_findings,
    defect_applies,
    refund_preview,
)
from mediator.domain.resolution import build_decision
from mediator.domain.review import ReviewVerdict, review_stamp
from mediator.seed import vocab
from mediator.seed.chat import HOUR, MINUTE
from mediator.seed.rand import Weighted, between, pick

_O = Outcome
_R = Reason
#: The share of decisions a supervisor approved (the review rule caught them).
APPROVED_SHARE = 0.03

#: Outcomes by reason, for a dispute whose transcript does not say (no closing staff note).
_OUTCOMES: dict[Reason, tuple[tuple[Outcome, int], ...]] = {
    _R.NOT_RECEIVED: ((_O.BUYER_FULL_REFUND, 70), (_O.SELLER_RESOLUTION, 20),
                      (_O.COMPROMISE, 5), (_O.SELLER_FAVOUR, 5)),
    _R.NOT_AS_DESCRIBED: ((_O.BUYER_FULL_REFUND, 30), (_O.BUYER_PARTIAL_REFUND, 30),
                          (_O.SELLER_RESOLUTION, 15), (_O.COMPROMISE, 10), (_O.SELLER_FAVOUR, 15)),
    _R.DEFECTIVE: ((_O.BUYER_FULL_REFUND, 35), (_O.BUYER_PARTIAL_REFUND, 20),
                   (_O.SELLER_RESOLUTION, 30), (_O.COMPROMISE, 5), (_O.SELLER_FAVOUR, 10)),
    _R.INCOMPLETE: ((_O.SELLER_RESOLUTION, 40), (_O.BUYER_PARTIAL_REFUND, 25),
                    (_O.BUYER_FULL_REFUND, 15), (_O.COMPROMISE, 10), (_O.SELLER_FAVOUR, 10)),
    _R.WRONG_SPEC_OR_QUANTITY: ((_O.SELLER_RESOLUTION, 35), (_O.BUYER_FULL_REFUND, 25),
                                (_O.BUYER_PARTIAL_REFUND, 20), (_O.COMPROMISE, 10),
                                (_O.SELLER_FAVOUR, 10)),
    _R.LATE_DELIVERY: ((_O.SELLER_FAVOUR, 30), (_O.COMPROMISE, 25), (_O.BUYER_PARTIAL_REFUND, 20),
                       (_O.BUYER_FULL_REFUND, 15), (_O.SELLER_RESOLUTION, 10)),
    _R.ACCOUNT_ACCESS_NOT_TRANSFERRED: ((_O.SELLER_RESOLUTION, 45), (_O.BUYER_FULL_REFUND, 35),
                                        (_O.SELLER_FAVOUR, 20)),
    _R.OTHER: ((_O.SELLER_FAVOUR, 40), (_O.COMPROMISE, 20), (_O.BUYER_PARTIAL_REFUND, 15),
               (_O.BUYER_FULL_REFUND, 15), (_O.SELLER_RESOLUTION, 10)),
}  # fmt: skip
_OUTCOME_PICK = {reason: Weighted(pairs) for reason, pairs in _OUTCOMES.items()}
#: P-REFUND-PAIDOUT: what a paid-out order's dispute ends in instead of a refund.
_NO_REFUND_PICK = Weighted(((_O.SELLER_FAVOUR, 3), (_O.SELLER_RESOLUTION, 2)))
_AGENT_PICK = Weighted(vocab.AGENTS)
#: The constant part of each closing staff note (up to its first field), and its outcome.
_NOTES = tuple(
    (note.split("{", 1)[0], outcome)
    for note, outcome in zip(vocab.RESOLVED_NOTE, vocab.RESOLVED_OUTCOMES, strict=True)
)
_SHARES = (10, 15, 20, 25, 30, 40, 50)


def decision_id(dispute_id: str) -> str:
    """The seeded decision's id: stable, from its dispute's (`D-100007` → `R-100007`)."""
    return "R-" + dispute_id.removeprefix("D-")


def decide(dispute: Dispute, *, resolved_at: datetime, now: datetime, seed: int) -> Decision:
    """The standing decision of the resolved `dispute`, written at `resolved_at`."""
    rng = random.Random(f"{seed}:{dispute.id}")
    draft = _draft(rng, dispute, resolved_at)
    record = DisputeRecord(dispute=dispute, version=1)
    findings = decision_findings(record, draft, resolved_at)
    blocks = blocking(findings)
    if blocks:  # a bug in this module: the seed writes only what an agent could
        raise RuntimeError(f"the seeded decision on {dispute.id} is blocked: {blocks[0]}")
    decision = build_decision(
        record,
        draft,
        decision_id=decision_id(dispute.id),
        actor=_AGENT_PICK.pick(rng),
        now=resolved_at,
        findings=findings,
    )
    if rng.random() < APPROVED_SHARE:
        at = min(resolved_at + timedelta(seconds=between(rng, 10 * MINUTE, 6 * HOUR)), now)
        review = review_stamp(
            ReviewVerdict.APPROVE,
            by=pick(rng, vocab.SUPERVISORS),
            at=at,
            note="",
            decision_id=None,
        )
        decision = decision.model_copy(update={"review": review})
    return decision


def _draft(rng: random.Random, d: Dispute, resolved_at: datetime) -> DecisionDraft:
    order = d.order
    outcome, noted = _noted(d, resolved_at)
    if outcome is None:
        outcome = _OUTCOME_PICK[d.reason].pick(rng)
    paid_out = None not in (order.delivered_at, order.confirmed_at, order.paid_out_at)
    refund: Decimal | None = None
    if outcome in (_O.BUYER_PARTIAL_REFUND, _O.COMPROMISE) and not paid_out:
        if noted is not None and bounds_problem(noted, order) is None:
            refund = noted
        else:
            refund = _share(rng, d)
        if refund is None and outcome is _O.BUYER_PARTIAL_REFUND:  # a price of one minor unit
            outcome = _O.BUYER_FULL_REFUND
    if paid_out and outcome in (_O.BUYER_FULL_REFUND, _O.BUYER_PARTIAL_REFUND):
        outcome = _NO_REFUND_PICK.pick(rng)
    refunds = outcome is _O.BUYER_FULL_REFUND or refund is not None
    delivered = order.delivered_at is not None
    # where the policy counts the flag (issue 22: goods, delivered, an outcome that refunds)
    defective = (
        refunds and d.reason in (_R.DEFECTIVE, _R.NOT_AS_DESCRIBED) and defect_applies(d, outcome)
    )
    returned = (
        outcome is _O.BUYER_FULL_REFUND
        and order.kind is OrderKind.GOODS
        and delivered
        and d.reason in DEFECT_REASONS
        and rng.random() < 0.4
    )
    early = outcome is _O.SELLER_FAVOUR and not delivered
    if refunds:
        rationale = f"{pick(rng, vocab.FOUND[d.reason])}; {pick(rng, vocab.BECAUSE[outcome])}"
    elif early:
        rationale = vocab.UNDELIVERED_FAVOUR[0]
    else:
        rationale = pick(rng, vocab.NO_REFUND_BECAUSE[outcome])
    draft = DecisionDraft(
        outcome=outcome,
        rationale=rationale,
        refund_amount=refund,
        return_required=returned,
        # P-RETURN-KEEP-50: nothing kept on a defective or falsely advertised item
        seller_keep_pct=Decimal("0.00") if returned and defective else None,
        # P-REFUND-SERVICE: a completed service is refunded only for the seller's error
        seller_error=True if refunds and delivered and order.kind is OrderKind.SERVICE else None,
        defective_or_misadvertised=True if defective else None,
        seller_agreed_return=returned,  # P-RETURN-CONSENT
    )
    told = vocab.UNDELIVERED_FAVOUR[1] if early else _told(rng, d, draft)
    return draft.model_copy(update={"message_to_parties": told})


def _noted(d: Dispute, resolved_at: datetime) -> tuple[Outcome | None, Decimal | None]:
    """The outcome the closing staff note states (and its amount), if the transcript has one."""
    for m in reversed(d.messages):
        if m.sent_at < resolved_at:
            break
        if m.channel is not Channel.STAFF_NOTE or m.sent_at != resolved_at:
            continue
        for prefix, outcome in _NOTES:
            if m.body.startswith(prefix):
                return outcome, _amount(m.body[len(prefix) :].rstrip("."))
    return None, None


def _amount(text: str) -> Decimal | None:
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


def _share(rng: random.Random, d: Dispute) -> Decimal | None:
    """A share of the price as a partial refund; None when the price has no smaller amount."""
    currency = d.order.currency
    price = to_minor(d.order.price, currency)
    if price < 2:
        return None
    minor = min(max(1, price * pick(rng, _SHARES) // 100), price - 1)
    return from_minor(minor, currency)


def _told(rng: random.Random, d: Dispute, draft: DecisionDraft) -> str:
    """The message to both parties, with the amounts the decision moves (as it will store them)."""
    preview = refund_preview(d, draft)
    if preview is None or preview.refund == 0:
        return pick(rng, vocab.TOLD_NO_REFUND[draft.outcome])
    text = pick(rng, vocab.TOLD[draft.outcome]).format(
        refund=format_amount(preview.refund, preview.currency),
        fee=format_amount(preview.fee, preview.currency),
    )
    return text + vocab.TOLD_RETURN if draft.return_required else text
