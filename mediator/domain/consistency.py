"""Cross-field checks of an imported dispute (IMPORT_FORMAT.md "Consistency errors")."""

from __future__ import annotations

from mediator.domain.enums import EscalationCause, Status
from mediator.domain.models import Dispute
from mediator.domain.money import minor_units
from mediator.domain.policy import OPEN_AFTER, escalation_findings


def consistency_errors(d: Dispute) -> list[tuple[str, str]]:
    """(field path, message) for every inconsistency in `d`; empty when it is consistent."""
    errors: list[tuple[str, str]] = []
    if d.status is Status.AWAITING_REVIEW:
        errors.append(
            ("status", "awaiting_review is set here when a decision is proposed, not imported")
        )
    o = d.order
    places = minor_units(o.currency)
    money = [("order.price", o.price), ("order.service_fee", o.service_fee)]
    if d.buyer_request_amount is not None:
        money.append(("buyer_request_amount", d.buyer_request_amount))
    for path, amount in money:
        exponent = amount.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > places:
            errors.append((path, f"{amount} has more decimals than {o.currency} allows ({places})"))
    if o.price <= 0:
        errors.append(("order.price", "the price must be more than 0"))
    if o.service_fee > o.price:
        errors.append(("order.service_fee", "the service fee is larger than the price"))
    if o.paid_out_at is not None and o.delivered_at is None:
        errors.append(("order.paid_out_at", "paid out, but never delivered (delivered_at is null)"))
    if o.confirmed_at is not None and o.delivered_at is None:
        errors.append(
            ("order.confirmed_at", "confirmed, but never delivered (delivered_at is null)")
        )
    times = [
        ("order.delivered_at", o.delivered_at),
        ("order.confirmed_at", o.confirmed_at),
        ("order.paid_out_at", o.paid_out_at),
        ("opened_at", d.opened_at),
        ("escalated_at", d.escalated_at),
    ]
    for path, at in times:
        if at is not None and at < o.placed_at:
            errors.append((path, f"{at.isoformat()} is before the order was placed"))
    if o.placed_at <= d.opened_at < o.placed_at + OPEN_AFTER:
        errors.append(
            ("opened_at", "P-OPEN-15MIN: opened within 15 minutes of the order being placed")
        )
    if d.escalated_at is not None and d.escalated_at < d.opened_at:
        errors.append(("escalated_at", "escalated before the dispute was opened"))
    elif d.escalated_at is not None and d.escalation_cause is EscalationCause.PARTY_REQUEST:
        errors.extend(("escalated_at", str(f)) for f in escalation_findings(d, d.escalated_at))
    if (d.escalated_at is None) != (d.escalation_cause is None):
        errors.append(("escalation_cause", "escalated_at and escalation_cause go together"))
    if d.buyer_request_amount is not None and d.buyer_request_amount > o.price:
        errors.append(("buyer_request_amount", "above the order's price"))
    for kind, ids in (
        ("messages", [m.id for m in d.messages]),
        ("evidence", [e.id for e in d.evidence]),
    ):
        seen: set[str] = set()
        for i, item_id in enumerate(ids):
            if item_id in seen:
                errors.append((f"{kind}[{i}].id", f"duplicate id {item_id!r}"))
            seen.add(item_id)
    return errors
