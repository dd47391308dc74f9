"""National phone numbers of every region, quickly (P-COMM-ONPLATFORM, issue 21).

libphonenumber's matcher (`phonenumbers.PhoneNumberMatcher`) finds national numbers for one
region at a time; trying all 245 regions costs 8-35 ms per message. Here the regions are
narrowed first, from libphonenumber's own metadata, by what the digits can be: each region's
national prefix ("0" in France, "8" in Russia, none in Italy) and the lengths and pattern of its
mobile numbers. Only the few regions left are asked `is_valid_number`.

Only mobile numbers are looked for this way (people hand out their mobiles, and a landline
pattern such as Germany's accepts almost any digits): the index holds each region's mobile
pattern. Landlines are still found for the marketplace's countries by the matcher.

The index is built on first use (loading every region's metadata takes about 0.1 s), never at
import, so the console starts as fast as before.
"""

from __future__ import annotations

import re
from functools import cache

import phonenumbers
from phonenumbers import PhoneMetadata, PhoneNumber, PhoneNumberType

#: Tried first, so that a number valid in several regions is read as the marketplace's users
#: write it (then every other region, alphabetically).
PREFERRED_REGIONS = (
    *("GB", "US", "DE", "AT", "ES", "MX", "PT", "BR", "PL", "RU", "UA"),
    # then the most populous and the European ones, before the alphabet decides
    *("FR", "IT", "NL", "BE", "CH", "IE", "SE", "NO", "DK", "FI", "CZ", "TR", "CA", "AU", "IN"),
    *("JP", "CN", "ID", "PK", "NG", "BD", "PH", "VN", "EG", "AR", "CO", "ZA", "KR", "SA", "AE"),
)

#: Regions asked per candidate at most: a number no likely region takes is left alone, and the
#: cost stays under about a millisecond.
MAX_TRIES = 12
_MOBILE = (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE)
_Index = dict[tuple[str, int], tuple[tuple[str, "re.Pattern[str]"], ...]]


@cache
def _index() -> _Index:
    """(national prefix, length of the rest) → regions whose mobile numbers can look so."""
    regions = [
        *PREFERRED_REGIONS,
        *sorted(set(phonenumbers.SUPPORTED_REGIONS) - set(PREFERRED_REGIONS)),
    ]
    index: dict[tuple[str, int], list[tuple[str, re.Pattern[str]]]] = {}
    for region in regions:
        meta = PhoneMetadata.metadata_for_region(region)
        if meta is None or meta.mobile is None:
            continue
        pattern = meta.mobile.national_number_pattern
        lengths = meta.mobile.possible_length or ()
        if not pattern or not lengths:
            continue
        compiled = re.compile(pattern)
        prefix = meta.national_prefix if (meta.national_prefix or "").isdigit() else ""
        for length in lengths:
            index.setdefault((prefix or "", length), []).append((region, compiled))
    return {key: tuple(value) for key, value in index.items()}


def national_number(digits: str) -> PhoneNumber | None:
    """The first region's valid mobile number that `digits` (a national number, digits only, 7
    to 13 of them) can be, in `PREFERRED_REGIONS` order then alphabetically; or None."""
    if not 7 <= len(digits) <= 13:
        return None
    index = _index()
    tried: set[str] = set()
    for prefix in ("0", "8", "1", "2", "9", ""):
        if not digits.startswith(prefix):
            continue
        rest = digits[len(prefix) :]
        for region, pattern in index.get((prefix, len(rest)), ()):
            if region in tried or pattern.fullmatch(rest) is None:
                continue
            tried.add(region)
            if len(tried) > MAX_TRIES:
                return None
            try:
                number = phonenumbers.parse(digits, region)
            except phonenumbers.NumberParseException:
                continue
            if phonenumbers.is_valid_number(number) and phonenumbers.number_type(number) in _MOBILE:
                return number
    return None
