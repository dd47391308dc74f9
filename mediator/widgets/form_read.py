"""The resolution form's fields, as typed, read into a decision draft: no Textual here, and
nothing checked against the rules (that is `domain.resolution.check`)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from mediator.domain.drafts import FormFields
from mediator.domain.enums import OrderKind, Outcome
from mediator.domain.models import DecisionDraft, Dispute
from mediator.domain.money import MoneyError, format_amount, parse_amount
from mediator.domain.policy import defect_applies
from mediator.domain.resolution import refund_preview

#: The outcomes whose refund is typed.
TYPED_REFUND = (Outcome.BUYER_PARTIAL_REFUND, Outcome.COMPROMISE)


def read_draft(fields: FormFields, dispute: Dispute) -> tuple[DecisionDraft | None, dict[str, str]]:
    """`fields` as a draft of a decision on `dispute` (None until an outcome is chosen), and
    the fields that could not be read, by name, in words."""
    errors: dict[str, str] = {}
    outcome = fields.outcome
    currency = dispute.order.currency
    refund: Decimal | None = None
    if outcome in TYPED_REFUND and fields.refund_amount.strip():
        try:
            refund = parse_amount(fields.refund_amount, currency)
        except MoneyError as error:
            errors["refund_amount"] = str(error)
    keep: Decimal | None = None
    raw_keep = fields.seller_keep_pct.strip().rstrip("%")
    if fields.return_required and raw_keep:
        try:
            keep = Decimal(raw_keep)
            if not keep.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            errors["seller_keep_pct"] = f"{raw_keep!r} is not a percentage"
            keep = None
    if outcome is None:
        return None, errors
    draft = DecisionDraft(
        outcome=outcome,
        rationale=fields.rationale,
        refund_amount=refund,
        return_required=fields.return_required if outcome.refunds else False,
        seller_keep_pct=keep,
        seller_error=(fields.seller_error if dispute.order.kind is OrderKind.SERVICE else None),
        defective_or_misadvertised=(
            fields.defective_or_misadvertised
            if defect_applies(dispute, outcome)
            else None  # not asked where it does not count (the box is hidden)
        ),
        message_to_parties=fields.message_to_parties,
        seller_agreed_return=fields.seller_agreed_return,
        acknowledged=frozenset(fields.acknowledged),
        macro=fields.macro,
    )
    return draft, errors


def summary_text(dispute: Dispute, draft: DecisionDraft | None) -> str:
    """The refund and fee refund of `draft` (`refund_preview`), else the price and fee."""
    order = dispute.order
    preview = None if draft is None else refund_preview(dispute, draft)
    if preview is None or preview.refund <= 0:
        return (
            f"Price {format_amount(order.price, order.currency)}"
            f" · service fee {format_amount(order.service_fee, order.currency)}"
        )
    return (
        f"Refund {format_amount(preview.refund, order.currency)}"
        f" + fee {format_amount(preview.fee, order.currency)} (P-REFUND-FEE)"
    )
