"""The policy rule engine: every rule of docs/POLICY.md, checked by pure functions (no I/O).

`decision_findings` answers "what does the policy say about writing this draft on this dispute,
now?" with `Finding`s: blocks (the console refuses), warnings (the agent acknowledges them and
they are stored with the decision) and info (guidance, also stored). Each rule is one small
function named after its ID; every message cites the ID so a staff member can look the rule up.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType

from mediator.domain.enums import OrderKind, Outcome, Reason
from mediator.domain.models import DecisionDraft, Dispute, DisputeRecord, Order
from mediator.domain.money import fee_refund, format_amount, minor_units, quantum
from mediator.domain.rules import RULES, RULES_BY_ID, Rule

__all__ = [
    "ESCALATE_AFTER",
    "INFO_WINDOW",
    "KEEP_CAP",
    "OPEN_AFTER",
    "OPEN_WINDOW",
    "RULES",
    "RULES_BY_ID",
    "Finding",
    "RefundPreview",
    "Rule",
    "Severity",
    "blocking",
    "bounds_problem",
    "decision_findings",
    "defect_applies",
    "escalation_findings",
    "p_info_7d",
    "p_open_72h",
    "p_open_confirmed",
    "p_refund_bounds",
    "p_refund_defective",
    "p_refund_defective_unresolved",
    "p_refund_fee",
    "p_refund_paidout",
    "p_refund_service",
    "p_refund_undelivered",
    "p_return_consent",
    "p_return_keep_50",
    "refund_for",
    "refund_preview",
    "refunds_anything",
    "warnings",
]

#: P-OPEN-15MIN: a dispute cannot be opened within 15 minutes of the order being placed.
OPEN_AFTER = timedelta(minutes=15)
#: P-OPEN-72H: the guarantee window from "Delivered" (72:00 exactly is still in time).
OPEN_WINDOW = timedelta(hours=72)
#: P-ESC-24H: a party may escalate once 24 hours have passed since the dispute was opened.
ESCALATE_AFTER = timedelta(hours=24)
#: P-INFO-7D: an unanswered information request is overdue after 7 days (exactly 7 d is overdue).
INFO_WINDOW = timedelta(days=7)
#: P-RETURN-KEEP-50: on a return the seller keeps at most this share of the price.
KEEP_CAP = Decimal(50)


class Severity(StrEnum):
    BLOCK = "block"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Finding:
    """What one rule says about a draft; `field` is the resolution-form field it belongs to."""

    rule_id: str
    severity: Severity
    message: str
    field: str | None = None

    def __str__(self) -> str:
        return f"{self.rule_id}: {self.message}"


#: Reasons that mean an incorrect or defective delivery (P-REFUND-DEFECTIVE), in words.
DEFECT_REASONS: Mapping[Reason, str] = MappingProxyType(
    {
        Reason.DEFECTIVE: "defective",
        Reason.NOT_AS_DESCRIBED: "not as described",
        Reason.WRONG_SPEC_OR_QUANTITY: "of the wrong specification or quantity",
    }
)


# ----- helpers ------------------------------------------------------------------------------
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _day(at: datetime) -> str:
    """`08 Nov`: how dates appear in findings (UTC; English whatever the locale)."""
    utc = at.astimezone(UTC)
    return f"{utc.day:02d} {_MONTHS[utc.month - 1]}"


def _when(at: datetime) -> str:
    """`08 Nov 14:00 UTC`: how times appear in findings."""
    return f"{_day(at)} {at.astimezone(UTC):%H:%M} UTC"


def _span(delta: timedelta) -> str:
    """A duration in its two largest units, rounded down: `3 days 1 second`, `7 days 7 hours`."""
    seconds = int(delta.total_seconds())
    parts = []
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count} {unit}{'' if count == 1 else 's'}")
    return " ".join(parts[:2]) or "0 seconds"


def _number(amount: Decimal, currency: str) -> str:
    return format_amount(amount, currency).removesuffix(f" {currency}")


def refund_for(dispute: Dispute, draft: DecisionDraft) -> Decimal | None:
    """The amount refunded to the buyer by `draft` (the whole price for a full refund)."""
    if draft.outcome is Outcome.BUYER_FULL_REFUND:
        return dispute.order.price
    if draft.outcome in (Outcome.BUYER_PARTIAL_REFUND, Outcome.COMPROMISE):
        return draft.refund_amount
    return None


@dataclass(frozen=True, slots=True)
class RefundPreview:
    """What `draft` pays back: the refund in the currency's minor units, and the share of the
    service fee that goes with it (P-REFUND-FEE: computed, never typed)."""

    refund: Decimal
    fee: Decimal
    currency: str


def refund_preview(dispute: Dispute, draft: DecisionDraft) -> RefundPreview | None:
    """The refund and fee refund of `draft`, or None when it refunds nothing. The one place they
    are worked out: the form's summary, the confirm dialog and the decision written all show
    this (a refund finer than the currency allows is rounded here; P-REFUND-BOUNDS blocks it)."""
    refund = refund_for(dispute, draft)
    if refund is None:
        return None
    o = dispute.order
    refund = refund.quantize(quantum(o.currency))
    fee = fee_refund(service_fee=o.service_fee, refund=refund, price=o.price, currency=o.currency)
    return RefundPreview(refund, fee, o.currency)


def refunds_anything(dispute: Dispute, draft: DecisionDraft) -> bool:
    """Whether `draft` gives the buyer any money back."""
    refund = refund_for(dispute, draft)
    return refund is not None and refund > 0


def _block(rule_id: str, message: str, field: str | None) -> Finding:
    return Finding(rule_id, Severity.BLOCK, message, field)


# ----- opening and escalating ---------------------------------------------------------------
def p_open_72h(record: DisputeRecord) -> Finding | None:
    """P-OPEN-72H: a dispute opened more than 72 hours after delivery may be out of time."""
    d = record.dispute
    delivered = d.order.delivered_at
    if delivered is None or d.opened_at - delivered <= OPEN_WINDOW:
        return None
    return Finding(
        "P-OPEN-72H",
        Severity.WARNING,
        f"opened {_span(d.opened_at - delivered)} after delivery ({_when(delivered)}), past the "
        f"72-hour guarantee window; whether it is accepted depends on the seller's trust level "
        f"(level {d.seller.trust_level})",
    )


def p_open_confirmed(record: DisputeRecord) -> Finding | None:
    """P-OPEN-CONFIRMED: a dispute opened after the buyer confirmed delivery."""
    d = record.dispute
    confirmed = d.order.confirmed_at
    if confirmed is None or d.opened_at <= confirmed:
        return None
    return Finding(
        "P-OPEN-CONFIRMED",
        Severity.WARNING,
        f"opened after the buyer confirmed delivery on {_when(confirmed)}; the dispute option may "
        f"have been unavailable at the seller's trust level (level {d.seller.trust_level})",
    )


def p_info_7d(record: DisputeRecord, now: datetime) -> Finding | None:
    """P-INFO-7D: staff asked for information and got no answer within 7 days."""
    request = record.info_request
    if request is None or request.answered_at is not None or now < request.asked_at + INFO_WINDOW:
        return None
    return Finding(
        "P-INFO-7D",
        Severity.WARNING,
        f"the {request.party.value} has not answered the request of {_day(request.asked_at)} for "
        f"{(now - request.asked_at).days} days; the guarantee claim may be forfeited for lack of "
        "evidence",
    )


def escalation_findings(dispute: Dispute, at: datetime) -> tuple[Finding, ...]:
    """P-ESC-24H: a party may escalate only once 24 hours have passed since the dispute opened."""
    allowed = dispute.opened_at + ESCALATE_AFTER
    if at >= allowed:
        return ()
    message = (
        f"{dispute.id} was opened {_when(dispute.opened_at)}; a party may escalate it from "
        f"{_when(allowed)} (24 hours after opening), not at {_when(at)}"
    )
    return (_block("P-ESC-24H", message, None),)


# ----- refunds ------------------------------------------------------------------------------
def p_refund_paidout(record: DisputeRecord, draft: DecisionDraft) -> Finding | None:
    """P-REFUND-PAIDOUT: no refund once the order is delivered, confirmed and paid out."""
    d = record.dispute
    o = d.order
    paid = o.paid_out_at
    if o.delivered_at is None or o.confirmed_at is None or paid is None:
        return None
    if not refunds_anything(d, draft):
        return None
    field = "refund_amount" if draft.outcome is Outcome.COMPROMISE else "outcome"
    message = f"order {o.id} was paid out on {_day(paid)}; refunds are no longer available"
    return _block("P-REFUND-PAIDOUT", message, field)


def p_refund_undelivered(record: DisputeRecord, draft: DecisionDraft) -> Finding | None:
    """P-REFUND-UNDELIVERED: an undelivered order is eligible for a full refund."""
    order = record.dispute.order
    if order.delivered_at is not None or draft.outcome is Outcome.BUYER_FULL_REFUND:
        return None
    return Finding(
        "P-REFUND-UNDELIVERED",
        Severity.INFO,
        f"order {order.id} was never delivered: an undelivered order is eligible for a full refund",
        "outcome",
    )


def defect_applies(dispute: Dispute, outcome: Outcome | None) -> bool:
    """Whether "defective or falsely advertised" (the draft's `defective_or_misadvertised`, the
    form's box) counts on `dispute` decided with `outcome`: a product that was delivered (goods;
    a service is refunded on a seller error instead, P-REFUND-SERVICE, and an account is handed
    over, not made), under an outcome that refunds. There it sets the seller's share on a
    return to 0% (P-RETURN-KEEP-50), makes a full refund follow the item's return
    (P-REFUND-DEFECTIVE-UNRESOLVED) and, whatever the reason given, allows a full or partial
    refund (P-REFUND-DEFECTIVE). Elsewhere the flag is ignored by every rule, and the form does
    not show the box: one answer for both."""
    return (
        dispute.order.kind is OrderKind.GOODS
        and dispute.order.delivered_at is not None
        and outcome is not None
        and outcome.refunds
    )


def _flagged(record: DisputeRecord, draft: DecisionDraft) -> bool:
    """The agent said the product was defective or falsely advertised, where that counts."""
    return draft.defective_or_misadvertised is True and defect_applies(
        record.dispute, draft.outcome
    )


def _defective(record: DisputeRecord, draft: DecisionDraft) -> bool:
    return _flagged(record, draft) or record.dispute.reason is Reason.DEFECTIVE


def p_refund_defective(record: DisputeRecord, draft: DecisionDraft) -> Finding | None:
    """P-REFUND-DEFECTIVE: for an incorrect or defective delivery, a full or partial refund."""
    what = DEFECT_REASONS.get(record.dispute.reason)
    if what is None and _flagged(record, draft):
        what = "defective or falsely advertised"
    if what is None:
        return None
    return Finding(
        "P-REFUND-DEFECTIVE",
        Severity.INFO,
        f"the delivery is {what}: a refund may be full or partial",
        "outcome",
    )


def p_refund_defective_unresolved(record: DisputeRecord, draft: DecisionDraft) -> Finding | None:
    """P-REFUND-DEFECTIVE-UNRESOLVED: a full refund on a defective product follows its return."""
    if (
        draft.outcome is not Outcome.BUYER_FULL_REFUND
        or draft.return_required
        or record.dispute.order.kind is OrderKind.SERVICE
        or not _defective(record, draft)
    ):
        return None
    return Finding(
        "P-REFUND-DEFECTIVE-UNRESOLVED",
        Severity.INFO,
        "a full refund for a defective product is due after the buyer returns the item; "
        "a return is expected but not required by this decision",
        "return_required",
    )


def p_return_consent(record: DisputeRecord, draft: DecisionDraft) -> Finding | None:
    """P-RETURN-CONSENT: a return only with the seller's agreement."""
    if not (draft.outcome.refunds and draft.return_required) or draft.seller_agreed_return:
        return None
    message = (
        f"the seller ({record.dispute.seller.id}) has not agreed to a return; a return is only "
        "possible if the seller agrees"
    )
    return _block("P-RETURN-CONSENT", message, "return_required")


def p_return_keep_50(record: DisputeRecord, draft: DecisionDraft) -> Finding | None:
    """P-RETURN-KEEP-50: on a return the seller keeps at most 50% (0% if defective)."""
    pct = draft.seller_keep_pct
    if not (draft.outcome.refunds and draft.return_required) or pct is None:
        return None
    if _flagged(record, draft) and pct > 0:
        message = (
            f"the product was defective or falsely advertised, so on a return the seller keeps "
            f"0%, not {pct}%"
        )
    elif pct > KEEP_CAP:
        message = f"on a return the seller may keep at most 50% of the price, not {pct}%"
    else:
        return None
    return _block("P-RETURN-KEEP-50", message, "seller_keep_pct")


def p_refund_service(record: DisputeRecord, draft: DecisionDraft) -> Finding | None:
    """P-REFUND-SERVICE: a completed service is refunded only after a seller error."""
    d = record.dispute
    o = d.order
    if (
        o.kind is not OrderKind.SERVICE
        or o.delivered_at is None
        or draft.seller_error is True
        or not refunds_anything(d, draft)
    ):
        return None
    message = (
        f"order {o.id} is a service completed on {_when(o.delivered_at)}; it can only be refunded "
        "if the seller made an error during delivery (none is recorded)"
    )
    return _block("P-REFUND-SERVICE", message, "seller_error")


def p_refund_fee(record: DisputeRecord, draft: DecisionDraft) -> Finding | None:
    """P-REFUND-FEE: the share of the service fee refunded with the refund (computed, not typed)."""
    o = record.dispute.order
    refund = refund_for(record.dispute, draft)
    if refund is None:
        return None
    if draft.outcome is not Outcome.BUYER_FULL_REFUND and bounds_problem(refund, o) is not None:
        return None  # P-REFUND-BOUNDS says what is wrong with the amount
    preview = refund_preview(record.dispute, draft)
    assert preview is not None  # a refund within bounds
    c = o.currency
    formula = f"{_number(o.service_fee, c)} × {_number(refund, c)} ÷ {_number(o.price, c)}"
    return Finding(
        "P-REFUND-FEE",
        Severity.INFO,
        f"fee refund {format_amount(preview.fee, c)} ({formula}), computed, never typed",
        "refund_amount",
    )


def bounds_problem(amount: Decimal, order: Order) -> str | None:
    """Why `amount` is not a valid partial refund of `order` (P-REFUND-BOUNDS), or None."""
    currency = order.currency
    places = minor_units(currency)
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        unit = "no decimals" if places == 0 else f"at most {places} decimal places"
        return f"{amount} is finer than {currency} allows ({unit})"
    if amount <= 0:
        return "the refund must be more than 0"
    if amount >= order.price:
        price = format_amount(order.price, currency)
        return f"the refund must be less than the price ({price}); use a full refund for that"
    return None


def p_refund_bounds(record: DisputeRecord, draft: DecisionDraft) -> Finding | None:
    """P-REFUND-BOUNDS: a typed refund is more than 0, less than the price, in minor units."""
    amount = draft.refund_amount
    if draft.outcome not in (Outcome.BUYER_PARTIAL_REFUND, Outcome.COMPROMISE) or amount is None:
        return None
    problem = bounds_problem(amount, record.dispute.order)
    return None if problem is None else _block("P-REFUND-BOUNDS", problem, "refund_amount")


# ----- all together -------------------------------------------------------------------------
DraftRule = Callable[[DisputeRecord, DecisionDraft], Finding | None]

#: The draft rules in document order (the order findings of one severity appear in).
DRAFT_RULES: tuple[DraftRule, ...] = (
    p_refund_paidout,
    p_refund_undelivered,
    p_refund_defective,
    p_refund_defective_unresolved,
    p_return_consent,
    p_return_keep_50,
    p_refund_service,
    p_refund_fee,
    p_refund_bounds,
)
_RANK = {Severity.BLOCK: 0, Severity.WARNING: 1, Severity.INFO: 2}


def decision_findings(
    record: DisputeRecord, draft: DecisionDraft, now: datetime
) -> tuple[Finding, ...]:
    """Every finding for writing `draft` on `record` at `now`: blocks, then warnings, then info."""
    found = [p_open_72h(record), p_open_confirmed(record), p_info_7d(record, now)]
    found.extend(rule(record, draft) for rule in DRAFT_RULES)
    return tuple(sorted((f for f in found if f is not None), key=lambda f: _RANK[f.severity]))


def blocking(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """The findings that stop the action."""
    return tuple(f for f in findings if f.severity is Severity.BLOCK)


def warnings(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """The findings the agent must acknowledge (and that are stored with the decision)."""
    return tuple(f for f in findings if f.severity is Severity.WARNING)
