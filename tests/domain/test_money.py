import subprocess
import sys
from decimal import Decimal

import iso4217
import pytest

from mediator.domain.money import (
    MoneyError,
    currency_problem,
    fee_refund,
    format_amount,
    from_minor,
    minor_units,
    parse_amount,
    quantum,
    to_minor,
)


@pytest.mark.parametrize(
    ("text", "currency", "expected"),
    [("49.99", "USD", "49.99"), ("10", "USD", "10.00"), ("1500", "JPY", "1500"),
     ("1.234", "KWD", "1.234"), (" 1,000.5 ", "EUR", "1000.50")],
)  # fmt: skip
def test_parse_amount_is_exact(text: str, currency: str, expected: str) -> None:
    assert parse_amount(text, currency) == Decimal(expected)
    assert str(parse_amount(text, currency)) == expected


@pytest.mark.parametrize(
    ("text", "currency", "message"),
    [("abc", "USD", "is not a number"), ("", "USD", "required"), ("NaN", "USD", "finite"),
     ("1e3", "USD", "exponent"), ("10.001", "USD", "more precision than USD"),
     ("10.5", "JPY", "no decimals"), ("1.2345", "KWD", "at most 3")],
)  # fmt: skip
def test_parse_amount_refuses(text: str, currency: str, message: str) -> None:
    with pytest.raises(MoneyError, match=message):
        parse_amount(text, currency)


def test_minor_units_round_trip() -> None:
    assert to_minor(Decimal("49.99"), "USD") == 4999
    assert to_minor(Decimal("1500"), "JPY") == 1500
    assert to_minor(Decimal("1.234"), "KWD") == 1234
    assert from_minor(4999, "USD") == Decimal("49.99")
    assert from_minor(1234, "KWD") == Decimal("1.234")
    with pytest.raises(MoneyError):
        to_minor(Decimal("0.001"), "USD")


def test_format_amount() -> None:
    assert format_amount(Decimal("1234.5"), "USD") == "1,234.50 USD"
    assert format_amount(Decimal("1500"), "JPY") == "1,500 JPY"


@pytest.mark.parametrize(
    ("fee", "refund", "price", "currency", "expected"),
    [
        ("2.50", "20.00", "49.99", "USD", "1.00"),  # 1.0002 → 1.00 (the IMPORT_FORMAT example)
        ("0.75", "15.00", "15.00", "USD", "0.75"),  # a full refund refunds the whole fee
        ("1.00", "0.50", "2.00", "USD", "0.25"),
        ("0.05", "0.50", "1.00", "USD", "0.02"),  # 0.025 → 0.02 half-even
        ("0.07", "0.50", "1.00", "USD", "0.04"),  # 0.035 → 0.04 half-even
        ("75", "500", "1500", "JPY", "25"),
        ("5", "1", "2", "JPY", "2"),  # 2.5 → 2 half-even, JPY has no minor unit
        ("0.500", "1.001", "2.000", "KWD", "0.250"),
    ],
)  # fmt: skip
def test_fee_refund_p_refund_fee(
    fee: str, refund: str, price: str, currency: str, expected: str
) -> None:
    got = fee_refund(
        service_fee=Decimal(fee), refund=Decimal(refund), price=Decimal(price), currency=currency
    )
    assert got == Decimal(expected)
    assert str(got) == expected


# --- ISO 4217 (from the iso4217 package, not a table of ours) ----------------------------------


@pytest.mark.parametrize(
    ("currency", "places"),
    [("USD", 2), ("EUR", 2), ("HUF", 2), ("JPY", 0), ("ISK", 0), ("KRW", 0), ("CLP", 0),
     ("KWD", 3), ("BHD", 3), ("TND", 3), ("CLF", 4), ("UYW", 4)],
)  # fmt: skip
def test_minor_units_are_iso_4217s(currency: str, places: int) -> None:
    assert minor_units(currency) == places
    assert quantum(currency) == Decimal(1).scaleb(-places)


def test_every_listed_currency_with_minor_units_is_money() -> None:
    for currency in iso4217.Currency:
        if currency.exponent is None:
            assert currency_problem(currency.code) is not None
        else:
            assert currency_problem(currency.code) is None
            assert minor_units(currency.code) == currency.exponent


@pytest.mark.parametrize("code", ["XYZ", "ABC", "usd", "US", "", "\x1b[3"])
def test_unknown_codes_are_not_currencies(code: str) -> None:
    problem = currency_problem(code)
    assert problem is not None and problem.endswith("is not an ISO 4217 currency code")
    assert "\x1b" not in problem
    with pytest.raises(MoneyError, match="is not an ISO 4217 currency code"):
        minor_units(code)
    with pytest.raises(MoneyError):
        parse_amount("1.00", code)
    with pytest.raises(MoneyError):
        format_amount(Decimal("1.00"), code)


@pytest.mark.parametrize("code", ["XAU", "XAG", "XDR", "XXX", "XTS", "XSU"])
def test_codes_without_minor_units_are_not_money(code: str) -> None:
    """ISO 4217 lists "N.A." as their minor units: there is no exact amount to store."""
    assert currency_problem(code) == (
        f"{code} has no minor units in ISO 4217 (a metal, fund or test code): not money"
    )
    with pytest.raises(MoneyError, match="no minor units"):
        to_minor(Decimal("1"), code)


def test_importing_the_domain_does_not_load_the_currency_table() -> None:
    """`iso4217` builds its table when imported (~15 ms): the console's start-up does not pay
    for it; the first amount does, once."""
    code = (
        "import sys, mediator.domain\n"
        "assert 'iso4217' not in sys.modules, 'loaded with the domain'\n"
        "from mediator.domain.money import minor_units\n"
        "assert minor_units('KWD') == 3 and 'iso4217' in sys.modules\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
