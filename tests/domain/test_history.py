"""A dispute's audit entries and decisions in words (issue 16): what the timeline shows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from mediator.domain import DecisionDraft, Outcome
from mediator.domain.audit import AuditEntry
from mediator.domain.drafts import FormFields, fields_of
from mediator.domain.history import change_summary
from mediator.domain.models import Decision
from mediator.domain.review import draft_of, reviewed_at, state_words
from mediator.domain.timeline import EntryKind, build_timeline, decision_entry
from tests.domain.builders import example

AT = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def entry(action: str, before: Any, after: Any, *, seq: int = 1, at: datetime = AT) -> AuditEntry:
    return AuditEntry(
        seq=seq,
        at=at,
        actor="ana",
        action=action,
        dispute_id="D-10001",
        before=before,
        after=after,
        prev="0" * 64,
        hash="1" * 64,
    )


def decision(review: dict[str, Any], **kw: Any) -> Decision:
    values: dict[str, Any] = {
        "id": "R-1",
        "dispute_id": "D-10001",
        "outcome": Outcome.BUYER_PARTIAL_REFUND,
        "refund_amount": Decimal("25.00"),
        "fee_refund": Decimal("1.25"),
        "currency": "USD",
        "return_required": False,
        "seller_keep_pct": None,
        "seller_error": None,
        "defective_or_misadvertised": True,
        "rationale": "Per E-1.",
        "message_to_parties": "",
        "decided_by": "ana",
        "decided_at": AT,
        "review": review,
    }
    return Decision(**(values | kw))


def test_a_proposal_says_what_changed() -> None:
    proposed = entry(
        "decision_proposed",
        {"status": "escalated", "version": 2},
        {
            "status": "awaiting_review",
            "version": 3,
            "decision": decision({}).model_dump(mode="json"),
        },
    )
    assert change_summary(proposed) == (
        "escalated → awaiting review · Buyer favour: partial refund, refund 25.00 USD"
    )
    assert proposed.words == "proposed a decision"


def test_a_return_names_the_note_and_the_agent() -> None:
    returned = entry(
        "decision_returned",
        {"status": "awaiting_review", "version": 3, "review": {"state": "pending"}},
        {
            "status": "escalated",
            "version": 4,
            "review": {"state": "returned", "by": "sam", "note": "Check [b]E-1[/b]"},
            "returned_to": "ana",
        },
    )
    assert change_summary(returned) == (
        "awaiting review → escalated · review pending → returned · note: Check [b]E-1[/b] · "
        "returned to ana"
    )


def test_unknown_fields_and_claims_are_listed_plainly() -> None:
    claimed = entry(
        "claimed", {"claimed_by": None, "lease": 180}, {"claimed_by": "bo", "lease": 60}
    )
    assert change_summary(claimed) == "held by bo · lease: 180 → 60"
    assert change_summary(entry("info_requested", None, {"party": "seller"})) == "party: seller"
    # bookkeeping is left out: a message's id and text (in the timeline already), a lease's end
    quiet = {"message_id": "N-1", "message": "Tracking?", "until": "2026-11-22T12:00:00Z"}
    assert change_summary(entry("info_requested", None, quiet)) == ""
    assert change_summary(entry("mystery", None, None)) == ""
    assert entry("mystery", None, None).words == "mystery"


def test_proposals_are_never_shown_as_final() -> None:
    pending = decision({"state": "pending", "reasons": ["refund 25.00 USD is at or above"]})
    returned = decision({"state": "returned", "by": "sam", "at": "2026-11-22T13:00:00Z",
                         "note": "Ask for the serial"})  # fmt: skip
    final = decision({"state": "not_required"})
    assert decision_entry(pending).title == (
        "Proposed (waiting for review): Buyer favour: partial refund · refund 25.00 USD"
    )
    assert decision_entry(returned).body.endswith("Returned by sam: Ask for the serial")
    assert decision_entry(final).title.startswith("Decided: ")
    assert state_words(returned) == "returned by sam"
    assert reviewed_at(returned) == AT + timedelta(hours=1)
    assert reviewed_at(pending) == AT


def test_history_is_merged_into_the_timeline_in_order() -> None:
    record = example("D-10001")
    later = entry("decision_approved", {"status": "awaiting_review"}, {"status": "resolved"},
                  seq=10, at=AT)  # fmt: skip
    earlier = entry("decision_proposed", {"status": "escalated"}, {"status": "awaiting_review"},
                    seq=9, at=AT)  # fmt: skip
    other = entry("claimed", None, None, seq=11).model_copy(update={"dispute_id": "D-2"})
    entries = build_timeline(record, [later, earlier, other])
    history = [e for e in entries if e.kind is EntryKind.HISTORY]
    assert [e.title for e in history] == ["ana proposed a decision", "ana approved the proposal"]
    assert entries[-1] is history[-1]


def test_a_returned_proposal_becomes_the_forms_fields() -> None:
    fields = fields_of(draft_of(decision({"state": "returned"})))
    assert fields == FormFields(
        outcome=Outcome.BUYER_PARTIAL_REFUND,
        refund_amount="25.00",
        defective_or_misadvertised=True,
        rationale="Per E-1.",
    )
    full = DecisionDraft(outcome=Outcome.BUYER_FULL_REFUND, rationale="x")
    assert fields_of(full).refund_amount == ""
