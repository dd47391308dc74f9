"""Canned replies (issue 19): validation, filling, and placeholders as untrusted text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from mediator.domain.enums import Actor, Outcome
from mediator.domain.macros import (
    Filled,
    Macro,
    MacroBody,
    MacroError,
    Missing,
    checked,
    context_for,
    fill,
    placeholders_in,
    problems,
    refund_answer,
    search,
)
from tests.domain.builders import example

AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def macro(**fields: object) -> Macro:
    base: dict[str, object] = {
        "id": "MAC-1",
        "version": 1,
        "path": "Refunds/Partial, keep item",
        "updated_by": "sup.sam",
        "updated_at": AT,
    }
    return Macro.model_validate({**base, **fields})


def test_folder_and_name_come_from_the_path() -> None:
    m = macro(message="Hi")
    assert (m.folder, m.name) == ("Refunds", "Partial, keep item")
    assert macro(path="Greeting", message="Hi").folder == ""


def test_an_unknown_placeholder_is_named_with_a_close_match() -> None:
    with pytest.raises(MacroError) as caught:
        checked(MacroBody(path="A/B", message="Dear {byuer}, see {order}."))
    assert caught.value.problems == [
        ("message", "unknown placeholder {byuer}: did you mean {buyer}?")
    ]


def test_an_unknown_placeholder_far_from_any_lists_the_known_ones() -> None:
    found = problems(MacroBody(path="A", rationale="{zzzzzz}"))
    assert found[0][0] == "rationale" and "{buyer}" in found[0][1] and "{agent}" in found[0][1]


def test_an_empty_macro_and_bad_amounts_are_refused() -> None:
    assert problems(MacroBody(path="A/B"))[0][0] == "macro"
    assert ("refund", "0 is not more than 0 (P-REFUND-BOUNDS)") in problems(
        MacroBody(path="A", refund=Decimal("0"))
    )
    assert problems(MacroBody(path="A", refund=Decimal("1.2345")))[0][0] == "refund"
    refused = problems(MacroBody(path="A", outcome=Outcome.SELLER_FAVOUR, refund=Decimal("5.00")))
    assert refused == [("refund", "an outcome of seller_favour refunds nothing")]
    with pytest.raises(ValueError, match="negative"):
        MacroBody(path="A", refund="-1.00")
    with pytest.raises(ValueError, match="JSON number"):
        MacroBody(path="A", refund=5)


def test_bad_paths_braces_and_half_an_information_request() -> None:
    assert problems(MacroBody(path="", message="x"))[0][0] == "path"
    assert problems(MacroBody(path="Refunds//x", message="x"))[0][0] == "path"
    assert problems(MacroBody(path="A", message="a { b"))[0][1].startswith("an unmatched brace")
    assert problems(MacroBody(path="A", message="  "))[0] == (
        "message",
        "is empty: leave it out instead",
    )
    assert problems(MacroBody(path="A", info_text="Send a photo"))[0][0] == "info_party"
    assert problems(MacroBody(path="A", message="{{literal}} {buyer}")) == []


def test_fill_uses_the_dispute_and_the_agent() -> None:
    record = example("D-10001")
    m = macro(
        message="Hello {buyer} and {seller}: {order} cost {price}; "
        "refund {refund} (+{fee_refund}).",
        rationale="Decided by {agent}.",
        outcome="buyer_partial_refund",
        refund="20.00",
    )
    context = context_for(record, agent="agent.ana", refund=Decimal("20.00"), tz=UTC)
    filled = fill(m, context)
    assert isinstance(filled, Filled)
    assert filled.texts["message"] == (
        "Hello mira_k and "
        + record.dispute.seller.name
        + ": Wireless earbuds, black cost 49.99 USD; refund 20.00 USD (+1.00 USD)."
    )
    assert filled.texts["rationale"] == "Decided by agent.ana."
    assert (filled.outcome, filled.refund) == (Outcome.BUYER_PARTIAL_REFUND, Decimal("20.00"))
    assert str(filled.ref) == "MAC-1 v1"


def test_a_placeholder_without_a_value_is_asked_never_left_blank() -> None:
    record = example("D-10001")
    m = macro(message="We refund {refund} to {buyer}; fee {fee_refund}.")
    context = context_for(record, agent="agent.ana", refund=None, tz=UTC)
    assert fill(m, context) == Missing(("refund", "fee_refund"))
    assert fill(m, context, {"refund": "   ", "fee_refund": "x"}) == Missing(("refund",))
    # once the refund is known, the fee refund is computed from it (P-REFUND-FEE)
    amount = refund_answer("20", "USD")
    assert amount == Decimal("20")
    filled = fill(m, context_for(record, agent="a", refund=amount, tz=UTC))
    assert isinstance(filled, Filled)
    assert filled.texts["message"] == "We refund 20.00 USD to mira_k; fee 1.00 USD."


def test_the_deadline_is_in_the_agents_time_zone() -> None:
    record = example("D-10001")
    utc = context_for(record, agent="a", refund=None, tz=UTC)["deadline"]
    plus2 = context_for(record, agent="a", refund=None, tz=timezone(timedelta(hours=2)))["deadline"]
    assert utc is not None and plus2 is not None and utc != plus2
    assert utc[11:16] != plus2[11:16]


def test_a_value_cannot_inject_another_placeholder() -> None:
    record = example("D-10001")
    hostile = record.dispute.model_copy(
        update={"buyer": record.dispute.buyer.model_copy(update={"name": "{seller} {{agent}}"})}
    )
    context = context_for(record.model_copy(update={"dispute": hostile}), agent="ana",
                          refund=None, tz=UTC)  # fmt: skip
    filled = fill(macro(message="Dear {buyer}, from {agent}"), context)
    assert isinstance(filled, Filled)
    assert filled.texts["message"] == "Dear {seller} {{agent}}, from ana"


def test_answers_fill_what_the_dispute_lacks_but_not_what_it_has() -> None:
    context = {"buyer": "mira", "agent": None}
    filled = fill(macro(note="{buyer} / {agent}"), context, {"buyer": "X", "agent": "ana"})
    assert isinstance(filled, Filled) and filled.texts["note"] == "mira / ana"


def test_placeholders_in_and_search() -> None:
    assert placeholders_in("{a} {{b}} {a} {c}") == ["a", "c"]
    one = macro(path="Refunds/Partial, keep item", message="x")
    two = macro(id="MAC-2", path="Info/Ask for photo", info_party=Actor.BUYER, info_text="x")
    assert search([one, two], "") == [two, one]
    assert search([one, two], "PART ref") == [one]
    assert refund_answer("1,234.50 USD", "USD") == Decimal("1234.50")
    assert refund_answer("ten", "USD") is None
    assert refund_answer("1.234", "USD") is None
