"""The pure part of bulk actions (issue 19): filling an information request per dispute, the
checks made before a job starts, and the job's fingerprint (its idempotency)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from mediator.domain import Actor
from mediator.domain.bulk_actions import (
    BulkAction,
    BulkKind,
    BulkRequest,
    MissingValue,
    RequestFacts,
    fill_request,
    request_problems,
)

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
FACTS = RequestFacts(
    buyer="mira_k", seller="SoundHub", order="O-5001", price=Decimal("1234.5"), currency="USD"
)


def test_every_placeholder_is_the_disputes_own_value() -> None:
    text = "{buyer}/{seller}/{order}/{price}/{deadline}/{agent}"
    assert fill_request(text, FACTS, agent="agent.ana", now=NOW) == (
        "mira_k/SoundHub/O-5001/1,234.50 USD/2026-11-29 12:00 UTC/agent.ana"
    )


def test_braces_that_are_not_placeholders_stay_as_written() -> None:
    assert fill_request("{ order } {}", FACTS, agent="a", now=NOW) == "{ order } {}"


def test_a_placeholder_without_a_value_refuses_instead_of_sending_a_blank() -> None:
    blank = RequestFacts(buyer="  ", seller="s", order="O-1", price=Decimal(1), currency="USD")
    with pytest.raises(MissingValue, match=r"P-INFO-7D: \{buyer\} has no value"):
        fill_request("Dear {buyer}", blank, agent="a", now=NOW)
    # a text that does not use it is sent
    assert fill_request("Dear seller", blank, agent="a", now=NOW) == "Dear seller"


def request(action: BulkAction, ids: tuple[str, ...] = ("D-1",)) -> BulkRequest:
    return BulkRequest(id="job-1", action=action, dispute_ids=ids)


def test_problems_are_named_before_anything_runs() -> None:
    ask = BulkAction(kind=BulkKind.ASK_INFO, text="Hi {buyer} {colour}", party=Actor.STAFF)
    assert request_problems(request(ask)) == [
        ("party", "information can be asked of the buyer or the seller"),
        ("text", "unknown placeholder {colour} (known: {buyer}, {seller}, {order}, {price}, "
                 "{deadline}, {agent})"),
    ]  # fmt: skip
    fine = BulkAction(kind=BulkKind.ASK_INFO, text="Hi {buyer}", party=Actor.BUYER)
    assert request_problems(request(fine)) == []
    assert request_problems(request(BulkAction(kind=BulkKind.CLAIM), ())) == [
        ("dispute_ids", "select at least one dispute")
    ]
    assert request_problems(request(BulkAction(kind=BulkKind.HAND_OVER, to=""))) != []


def test_the_fingerprint_is_what_and_whom_not_the_retry() -> None:
    note = BulkAction(kind=BulkKind.NOTE, text="x")
    first = request(note, ("D-1", "D-2"))
    assert first.fingerprint() == first.model_copy(update={"retry": True}).fingerprint()
    assert first.fingerprint() != request(note, ("D-2", "D-1")).fingerprint()
    other = BulkAction(kind=BulkKind.NOTE, text="y")
    assert first.fingerprint() != request(other, ("D-1", "D-2")).fingerprint()
