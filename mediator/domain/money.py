"""Exact money: `Decimal` amounts in a currency's minor units, never floats (P-REFUND-BOUNDS)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

#: ISO 4217 minor-unit exponents that differ from 2, plus the common 2-digit ones we accept.
_EXPONENTS: dict[str, int] = {
    # zero decimals
    "JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0, "HUF": 2, "XOF": 0, "XAF": 0,
    "UGX": 0, "PYG": 0, "RWF": 0, "KMF": 0, "GNF": 0, "DJF": 0, "VUV": 0, "XPF": 0,
    # three decimals
    "KWD": 3, "BHD": 3, "OMR": 3, "JOD": 3, "TND": 3, "LYD": 3, "IQD": 3,
    # two decimals (the common ones; any other well-formed code defaults to 2)
    "USD": 2, "EUR": 2, "GBP": 2, "CHF": 2, "CAD": 2, "AUD": 2, "NZD": 2, "SEK": 2,
    "NOK": 2, "DKK": 2, "PLN": 2, "CZK": 2, "BRL": 2, "MXN": 2, "INR": 2, "CNY": 2,
    "HKD": 2, "SGD": 2, "TRY": 2, "ZAR": 2, "RUB": 2, "UAH": 2, "AED": 2, "SAR": 2,
}  # fmt: skip


class MoneyError(ValueError):
    """An amount that is not exact money in its currency."""


def is_currency_code(code: str) -> bool:
    return len(code) == 3 and code.isascii() and code.isalpha() and code.isupper()


def minor_units(currency: str) -> int:
    """Number of decimal places of `currency` (JPY 0, USD 2, KWD 3)."""
    return _EXPONENTS.get(currency, 2)


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
