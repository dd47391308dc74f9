"""Phone numbers in chat text (P-COMM-ONPLATFORM, issue 21): `phone_number` finds them, and
national numbers of every region are recognised quickly (`national_number`).

`phone_number` undoes digits written as words ("seven seven zero…", in the six languages) and
"o" for zero, then asks libphonenumber for international numbers of every region and, with a
call/text cue in the message, national ones; digits next to an order, invoice or tracking word,
or between the two-letter codes of a parcel's number, are not a phone.

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
from phonenumbers import (
    Leniency,
    PhoneMetadata,
    PhoneNumber,
    PhoneNumberFormat,
    PhoneNumberMatcher,
    PhoneNumberType,
)

from mediator.domain.flags_text import compile_words, deaccent, words_of

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


# --- phone numbers in text -----------------------------------------------------------------

_DATE = re.compile(r"\d{4}-\d\d-\d\d|\d{1,2}[./]\d{1,2}[./]\d{2,4}|\d{1,2}:\d\d")
_PHONE_CUE = compile_words(
    r"\b(?:bel|bellen|app?el\w*|chiama\w*|numero|numéro|telefono|téléphone|portable|"
    r"cellulare|telefoon|mobiel|call\w*|text|sms|phone|mobile|cell|tel|ring|whats\w*|viber|signal|zap|reach|contact|"
    r"my (?:number|no|num)|number is|num is|handy\w*|telefon\w*|nummer|ruf\w*|anruf\w*|numer\w*|"
    r"número|telefone|celular|llam\w*|liga|ligo|ligar|ligue|zadzwoń|номер\w*|позвони\w*|звони\w*|тел)\b"
)


#: Digits written as words ("seven seven zero zero…"), in the marketplace's languages.
_DIGIT_WORDS = {
    deaccent(word): digit
    for word, digit in {
        **dict.fromkeys(("zero", "oh", "null", "cero", "zero", "ноль", "нуль"), "0"),
        **dict.fromkeys(("one", "eins", "uno", "um", "jeden", "один"), "1"),
        **dict.fromkeys(("two", "zwei", "dos", "dois", "dwa", "два"), "2"),
        **dict.fromkeys(("three", "drei", "tres", "três", "trzy", "три"), "3"),
        **dict.fromkeys(("four", "vier", "cuatro", "quatro", "cztery", "четыре"), "4"),
        **dict.fromkeys(("five", "fünf", "cinco", "pięć", "пять"), "5"),
        **dict.fromkeys(("six", "sechs", "seis", "sześć", "шесть"), "6"),
        **dict.fromkeys(("seven", "sieben", "siete", "sete", "siedem", "семь"), "7"),
        **dict.fromkeys(("eight", "acht", "ocho", "oito", "osiem", "восемь"), "8"),
        **dict.fromkeys(("nine", "neun", "nueve", "nove", "dziewięć", "девять"), "9"),
        "plus": "+",
    }.items()
}
_DIGIT_WORD = compile_words(
    r"\b(?:"
    + "|".join(sorted({re.escape(w) for w in _DIGIT_WORDS}, key=len, reverse=True))
    + r")\b"
)
_DIGIT_WORD_SET = frozenset(_DIGIT_WORDS)
_DIGIT_WORD_RUN = compile_words(
    rf"(?:{_DIGIT_WORD.pattern})(?:[\s,-]{{1,3}}(?:{_DIGIT_WORD.pattern})){{6,24}}"
)
#: A run of digits with the letter o (or O) for zero: "77OO 9OO 123".
_O_FOR_ZERO = re.compile(r"(?<![a-z])[\do][\do \t.-]{5,20}[\do](?![a-z])")
#: Regions whose national numbers (without +) are looked for: the marketplace's users' countries.
#: International numbers (+44…, 0044…) are recognised for every region. Trying all 245 regions
#: on a national number costs 8-35 ms per candidate with phonenumbers (measured), too slow for
#: import and seed.
_NATIONAL_REGIONS = ("GB", "US", "DE", "AT", "ES", "MX", "PT", "BR", "PL", "RU", "UA")
#: An order, invoice or tracking number: digits next to these words are not a phone number.
_NOT_A_PHONE = compile_words(
    r"\b(?:order|invoice|inv|tracking|transaction|ref|reference|id|ticket|serial|build|"
    r"bestell\w*|rechnung\w*|pedido|factura|fatura|zamówieni\w*|faktur\w*|заказ\w*|счет\w*)\b"
    r"|\bsteam ?id\b|#"
    # issue 21 (third round): tracking numbers
    r"|\b(?:tracking|track|trace|sendung\w*|paket\w*|seguimiento|envío|rastreio|rastreamento|"
    r"objeto|śledzeni\w*|przesyłk\w*|paczk\w*|трек\w*|отслеживан\w*|посылк\w*|"
    r"ups|dhl|dpd|gls|fedex|usps|correos|ctt|inpost|poczta|почта|сдэк|cdek)\b"
)
#: A postal item's number: two letters, nine digits, two letters ("LX 612 345 678 ES").
_TRACKING_AROUND = re.compile(r"[a-z]{2} ?$")
_TRACKING_AFTER = re.compile(r"^ ?[a-z]{2}(?![a-z])")


def has_digit_word(text: str) -> bool:
    """Whether `text` has a digit written as a word (as `_DIGIT_WORD` finds, by its words)."""
    return not _DIGIT_WORD_SET.isdisjoint(words_of(text))


def phone_text(text: str) -> str:
    """`text` with digits written as words and "o" for zero turned into digits."""
    if has_digit_word(text):
        text = _DIGIT_WORD_RUN.sub(
            lambda m: "".join(_DIGIT_WORDS[w] for w in _DIGIT_WORD.findall(m.group())), text
        )
    if "o" in text:
        text = _O_FOR_ZERO.sub(
            lambda m: (
                m.group().replace("o", "0")
                if sum(c.isdigit() for c in m.group()) >= 4
                else m.group()
            ),
            text,
        )
    return text


def phone_number(text: str) -> tuple[str, str] | None:
    """A phone number in `text`, formatted internationally, and as written; or None.

    libphonenumber's matcher (`phonenumbers`) finds the numbers: in international form for
    every region, and in national form for `_NATIONAL_REGIONS` when a call/text cue is in the
    message. Digits next to an order, invoice or tracking word are not taken for a phone.
    """
    if sum(map(str.isdigit, text)) < 7 and not has_digit_word(text):
        return None
    text = phone_text(text)
    if sum(map(str.isdigit, text)) < 7:
        return None
    # 00 44… is +44…
    plus = re.sub(r"(?<![\d+])00(?=[1-9]\d)", "+", text)
    if "+" in plus:
        for match in PhoneNumberMatcher(plus, "ZZ", leniency=Leniency.POSSIBLE):
            if _phone_context_ok(plus, match.start, match.end):
                return _format(match.number), match.raw_string
    if _PHONE_CUE.search(text) is None:
        return None
    # Mobile numbers of every region first (`flags_phones`), then landlines of the
    # marketplace's countries with libphonenumber's matcher.
    for candidate in _NATIONAL_CANDIDATE.finditer(text):
        raw = candidate.group().strip(" \t.-/(")
        if not _phone_context_ok(text, candidate.start(), candidate.end()) or _DATE.fullmatch(raw):
            continue
        if (number := national_number(re.sub(r"\D", "", raw))) is not None:
            region = phonenumbers.region_code_for_number(number)
            return f"{_format(number)} (a national number; {region} assumed)", raw
    for region in _NATIONAL_REGIONS:
        for match in PhoneNumberMatcher(text, region, leniency=Leniency.VALID):
            if _phone_context_ok(text, match.start, match.end) and not _DATE.fullmatch(
                match.raw_string
            ):
                return _format(match.number), match.raw_string
    return None


#: A national number as written: digits with spaces, dots, dashes, slashes or brackets.
_NATIONAL_CANDIDATE = re.compile(r"(?<![\w+])\(?\d[\d \t.\-/()]{5,20}\d(?![\w])")


def _phone_context_ok(text: str, start: int, end: int | None = None) -> bool:
    before = re.split(r"[.!?;,\n]", text[max(0, start - 40) : start])[-1]
    if _NOT_A_PHONE.search(before) is not None:
        return False
    if end is not None and _TRACKING_AROUND.search(text, max(0, start - 3), start) is not None:
        return _TRACKING_AFTER.search(text[end : end + 4]) is None
    return True


def _format(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
