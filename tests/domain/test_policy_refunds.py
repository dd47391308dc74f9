"""Refunds: P-REFUND-*, P-RETURN-*, and the fee-refund properties (hypothesis)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mediator.domain import OrderKind, Outcome, Reason
from mediator.domain.models import DecisionDraft, DisputeRecord
from mediator.domain.money import fee_refund, from_minor, minor_units, quantum
from mediator.domain.policy import Finding, Severity, decision_findings, defect_applies
from tests.domain.builders import NOW, PLACED, draft, example, record

DELIVERED = PLACED + timedelta(days=2)
#: Delivered, confirmed, then paid out before the dispute was opened.
PAID = {
    "delivered": DELIVERED,
    "confirmed": DELIVERED + timedelta(hours=1),
    "paid_out": DELIVERED + timedelta(days=1),
    "opened": DELIVERED + timedelta(days=2),
}
FULL, PARTIAL, COMPROMISE = (
    Outcome.BUYER_FULL_REFUND,
    Outcome.BUYER_PARTIAL_REFUND,
    Outcome.COMPROMISE,
)
FAVOUR, FIXED = Outcome.SELLER_FAVOUR, Outcome.SELLER_RESOLUTION


def only(rule_id: str, r: DisputeRecord, d: DecisionDraft) -> list[Finding]:
    return [f for f in decision_findings(r, d, NOW) if f.rule_id == rule_id]


def returning(pct: str | None, *, defective_or_misadvertised: bool | None = None) -> DecisionDraft:
    """A full refund on a return the seller agreed to, keeping `pct`% of the price."""
    return draft(
        FULL,
        return_required=True,
        seller_agreed_return=True,
        seller_keep_pct=None if pct is None else Decimal(pct),
        defective_or_misadvertised=defective_or_misadvertised,
    )


# ----- P-REFUND-PAIDOUT ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("times", "d", "field"),
    [
        (PAID, draft(FULL), "outcome"),
        (PAID, draft(PARTIAL, "10.00"), "outcome"),
        (PAID, draft(COMPROMISE, "0.01"), "refund_amount"),
        (PAID, draft(COMPROMISE), None),  # a compromise without money back
        (PAID, draft(FAVOUR), None),
        (PAID, draft(FIXED), None),
        ({**PAID, "paid_out": None}, draft(FULL), None),  # confirmed, not yet paid out
        ({**PAID, "confirmed": None, "paid_out": None}, draft(FULL), None),
    ],
)
def test_p_refund_paidout(times: dict[str, object], d: DecisionDraft, field: str | None) -> None:
    found = only("P-REFUND-PAIDOUT", record(**times), d)  # type: ignore[arg-type]
    assert [f.field for f in found] == ([] if field is None else [field])
    assert all(f.severity is Severity.BLOCK for f in found)


def test_p_refund_paidout_message() -> None:
    (found,) = only("P-REFUND-PAIDOUT", example("D-10004"), draft(FULL))
    assert str(found) == (
        "P-REFUND-PAIDOUT: order O-5004 was paid out on 08 Nov; refunds are no longer available"
    )


# ----- P-REFUND-SERVICE ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kind", "delivered", "d", "blocked"),
    [
        (OrderKind.SERVICE, DELIVERED, draft(FULL), True),
        (OrderKind.SERVICE, DELIVERED, draft(PARTIAL, "5.00", seller_error=False), True),
        (OrderKind.SERVICE, DELIVERED, draft(COMPROMISE, "5.00"), True),
        (OrderKind.SERVICE, DELIVERED, draft(FULL, seller_error=True), False),
        (OrderKind.SERVICE, DELIVERED, draft(COMPROMISE), False),
        (OrderKind.SERVICE, DELIVERED, draft(FAVOUR), False),
        (OrderKind.SERVICE, None, draft(FULL), False),  # not completed
        (OrderKind.GOODS, DELIVERED, draft(FULL), False),
        (OrderKind.ACCOUNT, DELIVERED, draft(FULL), False),
    ],
)
def test_p_refund_service(
    kind: OrderKind, delivered: datetime | None, d: DecisionDraft, blocked: bool
) -> None:
    r = record(kind=kind, delivered=delivered)
    found = only("P-REFUND-SERVICE", r, d)
    assert [(f.severity, f.field) for f in found] == (
        [(Severity.BLOCK, "seller_error")] if blocked else []
    )


def test_p_refund_service_message() -> None:
    (found,) = only("P-REFUND-SERVICE", example("D-10005"), draft(FULL))
    assert str(found) == (
        "P-REFUND-SERVICE: order O-5005 is a service completed on 15 Nov 09:00 UTC; it can only "
        "be refunded if the seller made an error during delivery (none is recorded)"
    )


# ----- P-RETURN-CONSENT ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("d", "blocked"),
    [
        (draft(FULL, return_required=True), True),
        (draft(PARTIAL, "10.00", return_required=True, seller_agreed_return=False), True),
        (draft(FULL, return_required=True, seller_agreed_return=True), False),
        (draft(FULL), False),
        (draft(FULL, seller_agreed_return=True), False),
    ],
)
def test_p_return_consent(d: DecisionDraft, blocked: bool) -> None:
    found = only("P-RETURN-CONSENT", record(), d)
    assert [(f.severity, f.field) for f in found] == (
        [(Severity.BLOCK, "return_required")] if blocked else []
    )
    if blocked:
        assert "seller agrees" in found[0].message


# ----- P-RETURN-KEEP-50 ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("d", "blocked"),
    [
        (returning(None), False),
        (returning("0"), False),
        (returning("49.99"), False),
        (returning("50"), False),
        (returning("50.00"), False),
        (returning("50.01"), True),
        (returning("100"), True),
        (returning("50.00", defective_or_misadvertised=False), False),
        (returning("0", defective_or_misadvertised=True), False),
        (returning("0.00", defective_or_misadvertised=True), False),
        (returning("0.01", defective_or_misadvertised=True), True),
        (returning("50", defective_or_misadvertised=True), True),
        (draft(FULL, seller_keep_pct=Decimal("80")), False),  # no return: a form error instead
    ],
)
def test_p_return_keep_50(d: DecisionDraft, blocked: bool) -> None:
    found = only("P-RETURN-KEEP-50", record(), d)
    assert [(f.severity, f.field) for f in found] == (
        [(Severity.BLOCK, "seller_keep_pct")] if blocked else []
    )


def test_p_return_keep_50_messages() -> None:
    (over,) = only("P-RETURN-KEEP-50", record(), returning("50.01"))
    assert over.message == "on a return the seller may keep at most 50% of the price, not 50.01%"
    (defective,) = only(
        "P-RETURN-KEEP-50", record(), returning("10", defective_or_misadvertised=True)
    )
    assert "defective or falsely advertised" in defective.message
    assert "keeps 0%, not 10%" in defective.message


# ----- P-REFUND-BOUNDS ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("currency", "price", "amount", "problem"),
    [
        ("USD", "110.99", "110.98", None),  # price − one minor unit
        ("USD", "110.99", "0.01", None),
        ("USD", "110.99", "110.99", "less than the price (110.99 USD); use a full refund"),
        ("USD", "110.99", "111", "less than the price"),
        ("USD", "110.99", "0", "more than 0"),
        ("USD", "110.99", "-0.01", "more than 0"),
        ("USD", "110.99", "0.001", "0.001 is finer than USD allows (at most 2 decimal places)"),
        ("USD", "110.99", "10.005", "finer than USD"),
        ("USD", "110.99", "10.000", "finer than USD"),  # three decimals, even if zeros
        ("JPY", "1500", "1499", None),
        ("JPY", "1500", "1500", "less than the price (1,500 JPY)"),
        ("JPY", "1500", "10.5", "finer than JPY allows (no decimals)"),
        ("KWD", "1.500", "1.499", None),
        ("KWD", "1.500", "1.500", "less than the price (1.500 KWD)"),
        ("KWD", "1.500", "0.0001", "finer than KWD allows (at most 3 decimal places)"),
    ],
)
@pytest.mark.parametrize("outcome", [PARTIAL, COMPROMISE])
def test_p_refund_bounds(
    outcome: Outcome, currency: str, price: str, amount: str, problem: str | None
) -> None:
    r = record(currency=currency, price=price, fee="0")
    found = only("P-REFUND-BOUNDS", r, draft(outcome, amount))
    if problem is None:
        assert found == []
    else:
        (finding,) = found
        assert (finding.severity, finding.field) == (Severity.BLOCK, "refund_amount")
        assert problem in finding.message


@pytest.mark.parametrize("outcome", [FULL, FAVOUR, FIXED])
def test_p_refund_bounds_only_for_typed_amounts(outcome: Outcome) -> None:
    assert only("P-REFUND-BOUNDS", record(), draft(outcome)) == []
    assert only("P-REFUND-BOUNDS", record(), draft(COMPROMISE)) == []  # no amount: nothing back


# ----- P-REFUND-FEE -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("currency", "price", "fee", "refund", "expected"),
    [
        ("USD", "110.99", "5.55", "20.00", "1.00"),  # 1.00009 → 1.00
        ("USD", "1.00", "0.05", "0.50", "0.02"),  # 0.025 → 0.02 (half-even: down to even)
        ("USD", "1.00", "0.07", "0.50", "0.04"),  # 0.035 → 0.04 (half-even: up to even)
        ("USD", "1.00", "0.05", "0.99", "0.05"),  # 0.0495 → 0.05
        ("JPY", "2", "5", "1", "2"),  # 2.5 → 2
        ("JPY", "2", "7", "1", "4"),  # 3.5 → 4
        ("JPY", "1500", "75", "500", "25"),
        ("KWD", "1.000", "0.005", "0.500", "0.002"),  # 0.0025 → 0.002
        ("KWD", "1.000", "0.007", "0.500", "0.004"),  # 0.0035 → 0.004
        ("KWD", "2.000", "0.500", "1.001", "0.250"),  # 0.25025 → 0.250
    ],
)
def test_p_refund_fee_rounds_half_even_to_the_currency(
    currency: str, price: str, fee: str, refund: str, expected: str
) -> None:
    got = fee_refund(
        service_fee=Decimal(fee), refund=Decimal(refund), price=Decimal(price), currency=currency
    )
    assert str(got) == expected
    r = record(currency=currency, price=price, fee=fee)
    (found,) = only("P-REFUND-FEE", r, draft(PARTIAL, refund))
    assert found.severity is Severity.INFO
    assert found.message.startswith(f"fee refund {expected} {currency} (")


def test_p_refund_fee_message() -> None:
    (found,) = only("P-REFUND-FEE", record(), draft(PARTIAL, "20.00"))
    assert str(found) == (
        "P-REFUND-FEE: fee refund 1.00 USD (5.55 × 20.00 ÷ 110.99), computed, never typed"
    )
    (full,) = only("P-REFUND-FEE", record(), draft(FULL))
    assert full.message.startswith("fee refund 5.55 USD (5.55 × 110.99 ÷ 110.99)")


@pytest.mark.parametrize(
    "d",
    [draft(FAVOUR), draft(FIXED), draft(COMPROMISE), draft(PARTIAL, "0"), draft(PARTIAL, "111")],
)
def test_p_refund_fee_only_when_money_goes_back(d: DecisionDraft) -> None:
    assert only("P-REFUND-FEE", record(), d) == []


# ----- guidance: P-REFUND-UNDELIVERED, P-REFUND-DEFECTIVE, P-REFUND-DEFECTIVE-UNRESOLVED -------
@pytest.mark.parametrize(
    ("delivered", "d", "shown"),
    [
        (None, draft(PARTIAL, "10.00"), True),
        (None, draft(FAVOUR), True),
        (None, draft(FIXED), True),
        (None, draft(FULL), False),
        (DELIVERED, draft(PARTIAL, "10.00"), False),
    ],
)
def test_p_refund_undelivered(delivered: datetime | None, d: DecisionDraft, shown: bool) -> None:
    found = only("P-REFUND-UNDELIVERED", record(delivered=delivered), d)
    assert [f.severity for f in found] == ([Severity.INFO] if shown else [])
    if shown:
        assert "an undelivered order is eligible for a full refund" in found[0].message


@pytest.mark.parametrize(
    ("reason", "flag", "words"),
    [
        (Reason.DEFECTIVE, None, "defective"),
        (Reason.NOT_AS_DESCRIBED, None, "not as described"),
        (Reason.WRONG_SPEC_OR_QUANTITY, None, "wrong specification or quantity"),
        (Reason.OTHER, True, "defective or falsely advertised"),
        (Reason.OTHER, False, None),
        (Reason.NOT_RECEIVED, None, None),
        (Reason.LATE_DELIVERY, None, None),
    ],
)
def test_p_refund_defective(reason: Reason, flag: bool | None, words: str | None) -> None:
    d = draft(PARTIAL, "10.00", defective_or_misadvertised=flag)
    found = only("P-REFUND-DEFECTIVE", record(reason=reason), d)
    assert [f.severity for f in found] == ([] if words is None else [Severity.INFO])
    if words is not None:
        assert words in found[0].message
        assert "a refund may be full or partial" in found[0].message


@pytest.mark.parametrize(
    ("reason", "kind", "d", "shown"),
    [
        (Reason.DEFECTIVE, OrderKind.GOODS, draft(FULL), True),
        (Reason.OTHER, OrderKind.GOODS, draft(FULL, defective_or_misadvertised=True), True),
        (Reason.DEFECTIVE, OrderKind.GOODS, draft(FULL, return_required=True), False),
        (Reason.DEFECTIVE, OrderKind.GOODS, draft(PARTIAL, "10.00"), False),
        (Reason.DEFECTIVE, OrderKind.SERVICE, draft(FULL, seller_error=True), False),
        (Reason.NOT_AS_DESCRIBED, OrderKind.GOODS, draft(FULL), False),
    ],
)
def test_p_refund_defective_unresolved(
    reason: Reason, kind: OrderKind, d: DecisionDraft, shown: bool
) -> None:
    found = only("P-REFUND-DEFECTIVE-UNRESOLVED", record(reason=reason, kind=kind), d)
    assert [(f.severity, f.field) for f in found] == (
        [(Severity.INFO, "return_required")] if shown else []
    )


# ----- fee-refund properties (P-REFUND-FEE) -------------------------------------------------
CURRENCIES = st.sampled_from(["USD", "EUR", "JPY", "KRW", "KWD", "BHD"])


@st.composite
def orders(draw: st.DrawFn) -> tuple[str, Decimal, Decimal, Decimal]:
    """(currency, price, fee, refund) in whole minor units, 0 < refund ≤ price, fee ≤ price."""
    currency = draw(CURRENCIES)
    price = draw(st.integers(min_value=1, max_value=10**10))
    fee = draw(st.integers(min_value=0, max_value=price))
    refund = draw(st.integers(min_value=1, max_value=price))
    return (
        currency,
        from_minor(price, currency),
        from_minor(fee, currency),
        from_minor(refund, currency),
    )


def fee_for(currency: str, price: Decimal, fee: Decimal, refund: Decimal) -> Decimal:
    return fee_refund(service_fee=fee, refund=refund, price=price, currency=currency)


@given(orders())
def test_p_refund_fee_never_exceeds_the_fee(order: tuple[str, Decimal, Decimal, Decimal]) -> None:
    assert Decimal(0) <= fee_for(*order) <= order[2]


@given(orders())
def test_p_refund_fee_full_refund_refunds_the_whole_fee(
    order: tuple[str, Decimal, Decimal, Decimal],
) -> None:
    currency, price, fee, _ = order
    assert fee_for(currency, price, fee, price) == fee


@given(orders())
def test_p_refund_fee_refund_and_fee_never_exceed_what_was_paid(
    order: tuple[str, Decimal, Decimal, Decimal],
) -> None:
    _, price, fee, refund = order
    assert refund + fee_for(*order) <= price + fee


@given(orders())
def test_p_refund_fee_is_quantized_to_the_currency(
    order: tuple[str, Decimal, Decimal, Decimal],
) -> None:
    got = fee_for(*order)
    assert got == got.quantize(quantum(order[0]))
    assert got.as_tuple().exponent == -minor_units(order[0])


@given(orders())
def test_p_refund_fee_finding_matches_the_computation(
    order: tuple[str, Decimal, Decimal, Decimal],
) -> None:
    currency, price, fee, refund = order
    r = record(currency=currency, price=str(price), fee=str(fee))
    outcome = FULL if refund == price else PARTIAL
    (found,) = only("P-REFUND-FEE", r, draft(outcome, None if outcome is FULL else str(refund)))
    shown = found.message.removeprefix("fee refund ").split(f" {currency} ")[0]
    assert Decimal(shown.replace(",", "")) == fee_for(*order)


# ----- where "defective or falsely advertised" counts (issue 22) ----------------------------
@pytest.mark.parametrize(
    ("kind", "delivered", "outcome", "applies"),
    [
        (OrderKind.GOODS, DELIVERED, FULL, True),
        (OrderKind.GOODS, DELIVERED, PARTIAL, True),
        (OrderKind.GOODS, DELIVERED, COMPROMISE, True),
        (OrderKind.GOODS, DELIVERED, FAVOUR, False),  # nothing refunded, nothing returned
        (OrderKind.GOODS, DELIVERED, FIXED, False),
        (OrderKind.GOODS, DELIVERED, None, False),  # no outcome chosen yet
        (OrderKind.GOODS, None, FULL, False),  # never delivered: nothing to be defective
        (OrderKind.ACCOUNT, DELIVERED, FULL, False),  # handed over, not made
        (OrderKind.SERVICE, DELIVERED, FULL, False),  # a seller error counts instead
    ],
)
def test_defect_applies(
    kind: OrderKind, delivered: datetime | None, outcome: Outcome | None, applies: bool
) -> None:
    dispute = record(kind=kind, delivered=delivered).dispute
    assert defect_applies(dispute, outcome) is applies


@pytest.mark.parametrize("kind", [OrderKind.ACCOUNT, OrderKind.SERVICE])
def test_the_flag_is_ignored_where_it_does_not_apply(kind: OrderKind) -> None:
    """The form hides the box there; a flag sent anyway (the API, an old draft) changes nothing:
    the seller may keep up to 50% (P-RETURN-KEEP-50), and no guidance cites it."""
    r = record(kind=kind, reason=Reason.OTHER)
    flagged = returning("10", defective_or_misadvertised=True)
    plain = returning("10", defective_or_misadvertised=None)
    assert decision_findings(r, flagged, NOW) == decision_findings(r, plain, NOW)
    assert only("P-RETURN-KEEP-50", r, flagged) == []
    assert only("P-RETURN-KEEP-50", record(reason=Reason.OTHER), flagged) != [], "goods: 0%"
    full = draft(FULL, defective_or_misadvertised=True)
    assert only("P-REFUND-DEFECTIVE", r, full) == []
    assert only("P-REFUND-DEFECTIVE", record(reason=Reason.OTHER), full) != []
