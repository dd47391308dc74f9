"""Exact money: `Decimal` amounts in a currency's minor units, never floats (P-REFUND-BOUNDS)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from functools import cache

from mediator.domain.text import one_line


class MoneyError(ValueError):
    """An amount that is not exact money in its currency."""


def is_currency_code(code: str) -> bool:
    """Well-formed (three ASCII capitals); `currency_problem` says whether ISO 4217 lists it."""
    return len(code) == 3 and code.isascii() and code.isalpha() and code.isupper()


@cache
def _iso_4217() -> dict[str, int | None]:
    """Code → minor units (None where ISO 4217 lists "N.A.": gold, XDR, XXX…), built once.

    From the `iso4217` package (the ISO 4217 list and its updates, not a table of ours). It is
    imported here, on first use, not with the domain: building its table costs ~15 ms.
    """
    import iso4217

    return {currency.code: currency.exponent for currency in iso4217.Currency}


def currency_problem(code: str) -> str | None:
    """Why `code` cannot be a currency of money here, or None when it can."""
    table = _iso_4217()
    if code not in table:
        return f"{one_line(code, 20)} is not an ISO 4217 currency code"
    if table[code] is None:
        return f"{code} has no minor units in ISO 4217 (a metal, fund or test code): not money"
    return None


def minor_units(currency: str) -> int:
    """Number of decimal places of `currency` in ISO 4217 (JPY 0, USD 2, KWD 3).

    Raises `MoneyError` for a code that is not money (`currency_problem`).
    """
    places = _iso_4217().get(currency)
    if places is None:
        raise MoneyError(currency_problem(currency) or f"{currency!r} is not a currency")
    return places


def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_units(currency))


def parse_amount(text: str, currency: str) -> Decimal:
    """Parse a decimal string as an amount of `currency`, refusing floats, NaN and sub-minor digits.

    Raises `MoneyError` with a sentence a staff member understands.
    """
    cleaned = text.strip().replace(",", "") if isinstance(text, str) else text
    if not isinstance(cleaned, str) or not cleaned:
        raise MoneyError("an amount is required")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise MoneyError(f"{text!r} is not a number") from None
    if not value.is_finite():
        raise MoneyError(f"{text!r} is not a finite amount")
    if "e" in cleaned.lower():
        raise MoneyError(f"{text!r}: write the amount out in full, without an exponent")
    places = minor_units(currency)
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    if -exponent > places:
        unit = "no decimals" if places == 0 else f"at most {places} decimal places"
        raise MoneyError(f"{text!r} has more precision than {currency} allows ({unit})")
    return value.quantize(quantum(currency))


def to_minor(amount: Decimal, currency: str) -> int:
    """Exact conversion to integer minor units (for storage)."""
    scaled = amount.scaleb(minor_units(currency))
    if scaled != scaled.to_integral_value():
        raise MoneyError(f"{amount} is not a whole number of {currency} minor units")
    return int(scaled)


def from_minor(units: int, currency: str) -> Decimal:
    return Decimal(units).scaleb(-minor_units(currency)).quantize(quantum(currency))


def format_amount(amount: Decimal, currency: str) -> str:
    """`1234.5, "USD"` → `"1,234.50 USD"`."""
    places = minor_units(currency)
    return f"{amount.quantize(quantum(currency)):,.{places}f} {currency}"


def fee_refund(*, service_fee: Decimal, refund: Decimal, price: Decimal, currency: str) -> Decimal:
    """P-REFUND-FEE: the share of the service fee refunded with `refund`.

    fee × refund ÷ price, rounded half-even to the currency's minor unit. A full refund refunds
    the whole fee; the result never exceeds the fee.
    """
    if price <= 0 or refund <= 0:
        return Decimal(0).quantize(quantum(currency))
    if refund >= price:
        return service_fee.quantize(quantum(currency))
    share = (service_fee * refund / price).quantize(quantum(currency), rounding=ROUND_HALF_EVEN)
    return min(share, service_fee)


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __str__(self) -> str:
        return format_amount(self.amount, self.currency)
