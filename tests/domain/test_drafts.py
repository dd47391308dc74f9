"""Drafts as data: what counts as empty, one spelling of the acknowledged warnings, JSON."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from mediator.domain import Actor, Outcome
from mediator.domain.drafts import Draft, FormFields

SAVED = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def draft(**changes: object) -> Draft:
    base: dict[str, object] = {
        "dispute_id": "D-10001",
        "agent": "agent.ana",
        "saved_at": SAVED,
        "base_version": 2,
    }
    return Draft.model_validate({**base, **changes})


@pytest.mark.parametrize(
    "typed",
    [{"outcome": Outcome.SELLER_FAVOUR}, {"refund_amount": "1"}, {"seller_keep_pct": "x"},
     {"rationale": "why"}, {"message_to_parties": "hi"}, {"return_required": True},
     {"seller_agreed_return": True}, {"seller_error": True},
     {"defective_or_misadvertised": True}, {"acknowledged": ("P-OPEN-72H",)}],
)  # fmt: skip
def test_anything_chosen_ticked_or_typed_is_not_empty(typed: dict[str, object]) -> None:
    fields = FormFields.model_validate(typed)
    assert not fields.is_empty
    assert not draft(form=fields).is_empty


def test_blanks_are_empty() -> None:
    assert FormFields().is_empty
    assert FormFields(rationale=" \n\t", refund_amount="  ").is_empty
    assert draft().is_empty
    assert draft(note="  ", request_message="\n", request_party=Actor.SELLER).is_empty
    assert not draft(note="n").is_empty
    assert not draft(request_message="send it").is_empty


def test_acknowledged_warnings_have_one_spelling() -> None:
    fields = FormFields(acknowledged=("P-OPEN-72H", "P-INFO-7D", "P-OPEN-72H"))
    assert fields.acknowledged == ("P-INFO-7D", "P-OPEN-72H")
    assert fields == FormFields(acknowledged=("P-INFO-7D", "P-OPEN-72H"))


def test_a_draft_round_trips_through_json_in_utc() -> None:
    paris = timezone(timedelta(hours=1))
    kept = draft(
        saved_at=SAVED.astimezone(paris),
        form=FormFields(outcome=Outcome.COMPROMISE, refund_amount="12,5", rationale="[b]x[/b]"),
        note="note",
        request_party=Actor.BUYER,
        request_message="photos?",
    )
    assert kept.saved_at.utcoffset() == timedelta(0)
    assert Draft.model_validate_json(kept.model_dump_json()) == kept


@pytest.mark.parametrize(
    "bad",
    [{"dispute_id": "../D-1"}, {"dispute_id": "X-1"}, {"agent": ""}, {"base_version": -1},
     {"saved_at": datetime(2026, 11, 22)}, {"surprise": 1}],
)  # fmt: skip
def test_a_malformed_draft_is_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        draft(**bad)
