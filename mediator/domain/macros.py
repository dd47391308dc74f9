"""Canned replies (issue 19): a macro is a named, versioned template an agent applies to a
dispute. Pure: no I/O, no Textual.

A macro lives in a folder (`Refunds/Partial, keep item`: the folder is everything before the last
`/`) and may fill any of the message to the parties, the rationale, an information request (a
party and the text), a staff note and, optionally, the outcome and the refund of the form. The
service-fee refund is never a macro's to set: it is computed from the refund (P-REFUND-FEE), and
`{fee_refund}` shows that computed value.

Texts may hold placeholders (`PLACEHOLDERS`). `fill` replaces them in one pass over the template,
so a value (a buyer called `{seller}`, say: names are untrusted text) is inserted as it is and
never read as a placeholder itself. A placeholder without a value is never left blank: `fill`
returns the names that must be asked for instead.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import tzinfo
from decimal import Decimal

from pydantic import Field

from mediator.domain.deadlines import next_deadline, timer_name
from mediator.domain.enums import Actor, Outcome
from mediator.domain.models import (
    DisputeRecord,
    MacroRef,
    MoneyStr,
    RequestModel,
    StorableText,
    UtcTime,
)
from mediator.domain.money import fee_refund, format_amount, quantum

#: What a placeholder stands for, in the order the picker asks for them.
PLACEHOLDERS: dict[str, str] = {
    "buyer": "the buyer's display name",
    "seller": "the seller's display name",
    "order": "the order's title",
    "price": "the order's price, with its currency",
    "refund": "the form's refund, with its currency",
    "fee_refund": "the service fee refunded with it (P-REFUND-FEE)",
    "deadline": "the dispute's next deadline, in your time zone",
    "agent": "your name",
}

#: `{name}`: a placeholder is a word in braces; `{{` and `}}` write a literal brace.
_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}\s]*)\}")
#: Longest folder path and name, and longest text a macro may hold (a chat message's size).
MAX_PATH = 200
MAX_TEXT = 10_000

#: The texts a macro may fill, in the order they are shown.
TEXT_FIELDS = ("message", "rationale", "info_text", "note")
FIELD_LABELS = {
    "message": "Message to the parties",
    "rationale": "Rationale",
    "info_text": "Information request",
    "note": "Staff note",
}


class MacroError(ValueError):
    """A macro that cannot be saved: `problems` are (field, message) pairs a person can act
    on; `str()` joins them."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{f}: {m}" for f, m in problems))
        self.problems = problems


class MacroBody(RequestModel):
    """What a supervisor writes: the path and the fields the macro fills (None: untouched).
    Also the body of `POST /macros` and `PUT /macros/{id}`."""

    path: StorableText
    message: StorableText | None = None
    rationale: StorableText | None = None
    #: The information request: which party is asked, and the text (both or neither).
    info_party: Actor | None = None
    info_text: StorableText | None = None
    note: StorableText | None = None
    outcome: Outcome | None = None
    refund: MoneyStr | None = None

    @property
    def folder(self) -> str:
        return self.path.rpartition("/")[0]

    @property
    def name(self) -> str:
        return self.path.rpartition("/")[2]

    def texts(self) -> dict[str, str]:
        """The texts it fills, by field (`TEXT_FIELDS`)."""
        found = {f: getattr(self, f) for f in TEXT_FIELDS}
        return {f: t for f, t in found.items() if t is not None}


class Macro(MacroBody):
    """A stored macro at one version (every edit is a new version; a retired macro is kept so
    that old decisions still name it)."""

    id: str = Field(min_length=1)
    version: int = Field(ge=1)
    updated_by: str
    updated_at: UtcTime
    retired: bool = False

    @property
    def ref(self) -> MacroRef:
        return MacroRef(id=self.id, version=self.version)

    def body(self) -> MacroBody:
        return MacroBody.model_validate(self.model_dump(include=set(MacroBody.model_fields)))


def placeholders_in(text: str) -> list[str]:
    """The placeholder names in `text`, in order of first appearance (unknown ones too)."""
    names: list[str] = []
    for match in _TOKEN.finditer(text):
        name = match.group(1)
        if name is not None and name not in names:
            names.append(name)
    return names


def _unknown(name: str) -> str:
    close = difflib.get_close_matches(name, PLACEHOLDERS, n=1, cutoff=0.6)
    hint = f"did you mean {{{close[0]}}}?" if close else "known: " + _known()
    return f"unknown placeholder {{{name}}}: {hint}"


def _known() -> str:
    return ", ".join(f"{{{p}}}" for p in PLACEHOLDERS)


def problems(body: MacroBody) -> list[tuple[str, str]]:
    """Every reason `body` cannot be saved, as (field, message) pairs; empty when it can."""
    found: list[tuple[str, str]] = []
    path = body.path.strip()
    parts = path.split("/")
    if not path:
        found.append(("path", "a macro needs a name, e.g. 'Refunds/Partial, keep item'"))
    elif any(not p.strip() for p in parts):
        found.append(("path", f"{path!r} has an empty folder or name between '/'"))
    elif len(path) > MAX_PATH:
        found.append(("path", f"longer than {MAX_PATH} characters"))
    elif path != body.path:
        found.append(("path", "remove the spaces around the name"))
    texts = body.texts()
    if not texts and body.outcome is None and body.refund is None:
        found.append(("macro", "an empty macro: give it a message, rationale, note, "
                      "information request, outcome or refund"))  # fmt: skip
    for field, text in texts.items():
        if not text.strip():
            found.append((field, "is empty: leave it out instead"))
        elif len(text) > MAX_TEXT:
            found.append((field, f"longer than {MAX_TEXT} characters"))
        for name in placeholders_in(text):
            if name not in PLACEHOLDERS:
                found.append((field, _unknown(name)))
        stray = _TOKEN.sub("", text)
        if "{" in stray or "}" in stray:
            found.append((field, "an unmatched brace: write {{ or }} for a literal one"))
    if body.info_party not in (None, Actor.BUYER, Actor.SELLER):
        found.append(("info_party", "information is asked of the buyer or the seller"))
    if (body.info_party is None) != (body.info_text is None):
        found.append(("info_party", "an information request needs both the party and the text"))
    if body.refund is not None:
        exponent = body.refund.as_tuple().exponent
        if body.refund <= 0:
            found.append(("refund", f"{body.refund} is not more than 0 (P-REFUND-BOUNDS)"))
        elif isinstance(exponent, int) and exponent < -3:
            found.append(("refund", f"{body.refund} has more decimals than any currency"))
        if body.outcome is Outcome.SELLER_FAVOUR:
            found.append(("refund", "an outcome of seller_favour refunds nothing"))
    return found


def checked(body: MacroBody) -> MacroBody:
    """`body` if it can be saved; raises `MacroError` naming every problem otherwise."""
    found = problems(body)
    if found:
        raise MacroError(found)
    return body


# --- filling ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Filled:
    """A macro filled for one dispute: the texts by field (`TEXT_FIELDS`), and the form values
    it sets. `ref` is what the decision records."""

    ref: MacroRef
    texts: dict[str, str]
    info_party: Actor | None
    outcome: Outcome | None
    refund: Decimal | None


@dataclass(frozen=True, slots=True)
class Missing:
    """Placeholders without a value: ask for each (`PLACEHOLDERS[name]` says what it is), then
    fill again with the answers."""

    names: tuple[str, ...]


def context_for(
    record: DisputeRecord,
    *,
    agent: str,
    refund: Decimal | None,
    tz: tzinfo,
) -> dict[str, str | None]:
    """The placeholders' values on `record`: names and the order's title from the dispute, the
    price with its currency, `refund` (the form's, or the macro's when the form has none) and
    its computed fee refund, the next running deadline in `tz`, and `agent`. None: no value."""
    dispute = record.dispute
    order = dispute.order
    cur = order.currency
    deadline = next_deadline(record)
    fee: Decimal | None = None
    if refund is not None and refund > 0:
        fee = fee_refund(service_fee=order.service_fee, refund=refund, price=order.price,
                         currency=cur)  # fmt: skip
    return {
        "buyer": dispute.buyer.name or None,
        "seller": dispute.seller.name or None,
        "order": order.title or None,
        "price": format_amount(order.price, cur),
        "refund": None if refund is None else format_amount(refund, cur),
        "fee_refund": None if fee is None else format_amount(fee, cur),
        "deadline": None
        if deadline is None
        else f"{deadline.due_at.astimezone(tz):%Y-%m-%d %H:%M %Z} ({timer_name(deadline.rule_id)})",
        "agent": agent or None,
    }


def _substitute(text: str, values: Mapping[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        token = match.group(0)
        if token in ("{{", "}}"):
            return token[0]
        return values[match.group(1)]

    return _TOKEN.sub(one, text)


def fill(
    macro: Macro,
    context: Mapping[str, str | None],
    answers: Mapping[str, str] | None = None,
) -> Filled | Missing:
    """`macro` filled with `context` (`context_for`) and the agent's `answers` to earlier
    `Missing` names (an answer wins over no value; a blank answer is no answer). Returns
    `Missing` while any placeholder used has no value: a placeholder is never left blank. One
    pass: a value is inserted as it is, never searched for placeholders."""
    answers = answers or {}
    texts = macro.texts()
    values: dict[str, str] = {}
    missing: list[str] = []
    for text in texts.values():
        for name in placeholders_in(text):
            if name in values or name in missing:
                continue
            value = context.get(name) if name in PLACEHOLDERS else None
            if not value or not value.strip():
                given = answers.get(name, "")
                value = given if given.strip() else None
            if value is None:
                missing.append(name)
            else:
                values[name] = value
    if missing:
        return Missing(tuple(missing))
    return Filled(
        ref=macro.ref,
        texts={field: _substitute(text, values) for field, text in texts.items()},
        info_party=macro.info_party,
        outcome=macro.outcome,
        refund=macro.refund,
    )


def refund_answer(text: str, currency: str) -> Decimal | None:
    """An answer to `{refund}` as an amount in `currency` (None if it is not one): the form's
    refund is then set to it, so that the decision and the text agree."""
    cleaned = text.strip().removesuffix(currency).strip().replace(",", "")
    try:
        amount = Decimal(cleaned)
    except ArithmeticError:
        return None
    if not amount.is_finite() or amount != amount.quantize(quantum(currency)):
        return None
    return amount


def search(macros: list[Macro], words: str) -> list[Macro]:
    """The macros whose path holds every word of `words` (any case), by path."""
    wanted = words.casefold().split()
    return sorted(
        (m for m in macros if all(w in m.path.casefold() for w in wanted)),
        key=lambda m: m.path.casefold(),
    )
