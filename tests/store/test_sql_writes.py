"""Writes: record_decision (each outcome, conflicts, invalid drafts, 16 racing agents), add_note."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest

from mediator.domain import Actor, Channel, Decision, DecisionDraft, Outcome, Status
from mediator.store import InvalidDecision, NotFound, QueueQuery, StoreError, VersionConflict
from mediator.store.sql import InvalidNote, SqlStore
from tests.store.conftest import NOW, example_disputes
from tests.store.test_sql_import import snapshot

RATIONALE = "Left earbud defective per photo E-1."

# D-10001: USD 49.99, service fee 2.50.
OUTCOMES = [
    (DecisionDraft(outcome=Outcome.SELLER_RESOLUTION, rationale=RATIONALE), None, None),
    (DecisionDraft(outcome=Outcome.SELLER_FAVOUR, rationale=RATIONALE), None, None),
    (
        DecisionDraft(outcome=Outcome.COMPROMISE, rationale=RATIONALE, refund_amount=Decimal("10")),
        "10.00",
        "0.50",
    ),
    (DecisionDraft(outcome=Outcome.BUYER_FULL_REFUND, rationale=RATIONALE), "49.99", "2.50"),
    (
        DecisionDraft(
            outcome=Outcome.BUYER_PARTIAL_REFUND,
            rationale=RATIONALE,
            refund_amount=Decimal("20.00"),
        ),
        "20.00",
        "1.00",
    ),
    (
        DecisionDraft(
            outcome=Outcome.BUYER_FULL_REFUND,
            rationale=RATIONALE,
            return_required=True,
            seller_agreed_return=True,
            seller_keep_pct=Decimal("12.5"),
            defective_or_misadvertised=False,
            seller_error=True,
            message_to_parties="  Please return the item.  ",
        ),
        "49.99",
        "2.50",
    ),
]


@pytest.mark.parametrize(("draft", "refund", "fee"), OUTCOMES)
async def test_record_decision(
    loaded: SqlStore, draft: DecisionDraft, refund: str | None, fee: str | None
) -> None:
    decision = await loaded.record_decision(
        "D-10001", draft, expected_version=1, actor="agent.ana", now=NOW
    )
    assert decision.id.startswith("R-") and len(decision.id) == 14
    record = await loaded.get_dispute("D-10001")
    assert record.version == 2
    assert record.dispute.status is Status.RESOLVED
    assert record.decisions == (decision,)
    stored = record.decisions[0]
    assert stored.outcome is draft.outcome
    assert (str(stored.refund_amount) if stored.refund_amount is not None else None) == refund
    assert (str(stored.fee_refund) if stored.fee_refund is not None else None) == fee
    assert stored.currency == "USD"
    assert stored.decided_by == "agent.ana"
    assert stored.decided_at == NOW
    assert stored.return_required is draft.return_required
    assert stored.seller_keep_pct == draft.seller_keep_pct
    assert stored.seller_error is draft.seller_error
    assert stored.defective_or_misadvertised is draft.defective_or_misadvertised
    assert stored.message_to_parties == draft.message_to_parties.strip()
    assert stored.review == {"state": "not_required"}


def test_a_resolved_dispute_leaves_the_queue(loaded: SqlStore) -> None:
    before = loaded.queue_counts_sync(QueueQuery())
    decide(loaded)
    after = loaded.queue_counts_sync(QueueQuery())
    assert after.matching == before.matching - 1
    assert "D-10001" not in [r.id for r in loaded.queue_page_sync(QueueQuery()).rows]


def decide(store: SqlStore, version: int = 1, actor: str = "agent.bo") -> Decision:
    draft = DecisionDraft(
        outcome=Outcome.BUYER_PARTIAL_REFUND, rationale=RATIONALE, refund_amount=Decimal("20")
    )
    return store.record_decision_sync(
        "D-10001",
        draft,
        expected_version=version,
        actor=actor,
        now=NOW.replace(hour=10, minute=2),
    )


def test_stale_version_conflicts_and_writes_nothing(loaded: SqlStore) -> None:
    decide(loaded, actor="agent.bo")
    before = snapshot(loaded)
    with pytest.raises(VersionConflict) as info:
        loaded.record_decision_sync(
            "D-10001",
            DecisionDraft(outcome=Outcome.SELLER_FAVOUR, rationale="seller is right"),
            expected_version=1,
            actor="agent.ana",
            now=NOW,
        )
    # data, not a sentence: the console words it in the agent's time zone (screens/words.py)
    assert (info.value.dispute_id, info.value.expected) == ("D-10001", 1)
    current = info.value.current
    assert current is not None
    assert current.version == 2
    assert current.dispute.status is Status.RESOLVED
    assert [d.decided_by for d in current.decisions] == ["agent.bo"]
    assert snapshot(loaded) == before


def test_conflict_without_a_decision_names_the_versions(loaded: SqlStore) -> None:
    newer = example_disputes()[0].model_copy(update={"revision": 2})
    loaded.import_disputes([newer])
    with pytest.raises(VersionConflict) as info:
        decide(loaded, version=1)
    assert (info.value.dispute_id, info.value.expected) == ("D-10001", 1)
    assert info.value.current is not None and info.value.current.version == 2
    assert info.value.current.decisions == ()  # changed, not decided
    decide(loaded, version=2)


@pytest.mark.parametrize(
    ("draft", "field"),
    [
        (DecisionDraft(outcome=Outcome.BUYER_PARTIAL_REFUND, rationale=RATIONALE), "refund_amount"),
        (
            DecisionDraft(
                outcome=Outcome.BUYER_PARTIAL_REFUND,
                rationale=RATIONALE,
                refund_amount=Decimal("49.99"),
            ),
            "refund_amount",
        ),
        (DecisionDraft(outcome=Outcome.SELLER_FAVOUR, rationale="   "), "rationale"),
    ],
)
def test_invalid_draft_writes_nothing(loaded: SqlStore, draft: DecisionDraft, field: str) -> None:
    before = snapshot(loaded)
    with pytest.raises(InvalidDecision) as info:
        loaded.record_decision_sync(
            "D-10001", draft, expected_version=1, actor="agent.ana", now=NOW
        )
    assert field in [f for f, _ in info.value.errors]
    assert snapshot(loaded) == before


def test_deciding_twice_with_the_new_version_is_refused(loaded: SqlStore) -> None:
    decide(loaded)
    with pytest.raises(InvalidDecision, match="already resolved"):
        decide(loaded, version=2)


def test_unknown_dispute(loaded: SqlStore) -> None:
    with pytest.raises(NotFound) as info:
        loaded.get_dispute_sync("D-404")
    assert str(info.value) == "no dispute 'D-404'"
    with pytest.raises(NotFound):
        loaded.record_decision_sync(
            "D-404",
            DecisionDraft(outcome=Outcome.SELLER_FAVOUR, rationale="x"),
            expected_version=1,
            actor="a",
            now=NOW,
        )
    with pytest.raises(NotFound):
        loaded.add_note_sync("D-404", "hello", actor="a", now=NOW)


def test_sixteen_agents_race_for_one_dispute(loaded: SqlStore, store_url: str) -> None:
    agents = 16
    stores = [SqlStore.open(store_url) for _ in range(agents)]
    start = threading.Barrier(agents)
    results: list[object] = [None] * agents

    def agent(i: int) -> None:
        draft = DecisionDraft(outcome=Outcome.SELLER_FAVOUR, rationale=f"decided by agent {i}")
        start.wait()
        try:
            results[i] = stores[i].record_decision_sync(
                "D-10001", draft, expected_version=1, actor=f"agent.{i}", now=NOW
            )
        except StoreError as exc:
            results[i] = exc

    threads = [threading.Thread(target=agent, args=(i,)) for i in range(agents)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    for s in stores:
        s.close_sync()

    won = [r for r in results if isinstance(r, Decision)]
    lost = [r for r in results if isinstance(r, VersionConflict)]
    assert len(won) == 1, results
    assert len(lost) == agents - 1, results
    record = loaded.get_dispute_sync("D-10001")
    assert record.decisions == (won[0],)
    assert record.version == 2
    assert all(c.current is not None and c.current.version == 2 for c in lost)


async def test_add_note(loaded: SqlStore) -> None:
    later = NOW + timedelta(minutes=5)
    note = await loaded.add_note(
        "D-10001", "  Asked the seller for a video.\n", actor="ana", now=later
    )
    assert note.id.startswith("M-") and len(note.id) == 14
    assert note.channel is Channel.STAFF_NOTE
    assert note.author is Actor.STAFF
    assert note.author_name == "ana"
    assert note.body == "Asked the seller for a video."
    record = await loaded.get_dispute("D-10001")
    assert record.version == 1  # a note never makes a pending decision conflict
    assert record.dispute.messages[-1] == note
    assert len(record.dispute.messages) == 6
    row = next(r for r in loaded.queue_page_sync(QueueQuery()).rows if r.id == "D-10001")
    assert row.message_count == 6
    decide(loaded, version=1)


@pytest.mark.parametrize("body", ["", "   ", "\n\t\n"])
def test_empty_note_is_refused(loaded: SqlStore, body: str) -> None:
    before = snapshot(loaded)
    with pytest.raises(InvalidNote) as info:
        loaded.add_note_sync("D-10001", body, actor="ana", now=NOW)
    assert isinstance(info.value, InvalidDecision)
    assert info.value.errors == [("body", "a note cannot be empty")]
    assert snapshot(loaded) == before
