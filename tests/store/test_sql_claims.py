"""Claims (issue 15) in the SQL store, on a real SQLite file and on PostgreSQL: leases judged by
the store's clock, take-overs, releases, hand-overs, the queue's claim columns and filter, and
every write checked against the claim in its own transaction."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from mediator.clock import FrozenClock
from mediator.domain import Channel, DecisionDraft, Outcome, Status
from mediator.domain.claims import ClaimEvent, ClaimFilter
from mediator.domain.enums import Actor
from mediator.store import InvalidDecision, QueueQuery, StoreError, VersionConflict
from mediator.store.base import Claimed
from mediator.store.sql import SqlStore
from mediator.store.sql.engine import read_tx
from mediator.store.sql.schema import claim_events
from tests.store.conftest import NOW, make_dispute

LEASE = timedelta(minutes=3)
DRAFT = DecisionDraft(outcome=Outcome.SELLER_FAVOUR, rationale="Tracking shows delivery.")


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
def claims(store_url: str, clock: FrozenClock) -> Iterator[SqlStore]:
    """A store whose claims read `clock`, with disputes D-1 … D-5 in the queue."""
    store = SqlStore.open(store_url, clock=clock.now)
    store.import_disputes([make_dispute(n) for n in range(1, 6)])
    yield store
    store.close_sync()


def events(store: SqlStore, dispute_id: str) -> list[tuple[str, str, str | None, str | None]]:
    e = claim_events.c
    with read_tx(store.engine) as conn:
        rows = conn.execute(
            select(e.kind, e.actor, e.holder, e.previous)
            .where(e.dispute_id == dispute_id)
            .order_by(e.at, e.id)
        ).all()
    return [(r.kind, r.actor, r.holder, r.previous) for r in rows]


def test_a_claim_is_a_lease_from_the_stores_clock(claims: SqlStore, clock: FrozenClock) -> None:
    claim = claims.claim_sync("D-1", actor="ana", lease=LEASE)
    assert (claim.holder, claim.since, claim.until) == ("ana", NOW, NOW + LEASE)
    record = claims.get_dispute_sync("D-1")
    assert record.claim == claim
    row = next(r for r in claims.queue_page_sync(QueueQuery()).rows if r.id == "D-1")
    assert (row.claimed_by, row.claimed_until) == ("ana", NOW + LEASE)
    assert events(claims, "D-1") == [("claimed", "ana", "ana", None)]


def test_renewing_extends_the_lease_and_keeps_since(claims: SqlStore, clock: FrozenClock) -> None:
    claims.claim_sync("D-1", actor="ana", lease=LEASE)
    clock.advance(timedelta(minutes=1))
    renewed = claims.claim_sync("D-1", actor="ana", lease=LEASE)
    assert (renewed.since, renewed.until) == (NOW, NOW + timedelta(minutes=1) + LEASE)
    assert len(events(claims, "D-1")) == 1  # renewals are not recorded


def test_someone_elses_claim_is_refused_with_the_holder(claims: SqlStore) -> None:
    claims.claim_sync("D-1", actor="ana", lease=LEASE)
    with pytest.raises(Claimed) as refused:
        claims.claim_sync("D-1", actor="bo", lease=LEASE)
    assert refused.value.claim.holder == "ana"
    assert "ana" in str(refused.value)
    assert claims.get_dispute_sync("D-1").claimed_by == "ana"


def test_a_lease_runs_out_by_the_stores_clock(claims: SqlStore, clock: FrozenClock) -> None:
    claims.claim_sync("D-1", actor="ana", lease=LEASE)
    clock.advance(LEASE - timedelta(seconds=1))
    with pytest.raises(Claimed):
        claims.claim_sync("D-1", actor="bo", lease=LEASE)
    clock.advance(timedelta(seconds=1))  # exactly at `until`: no longer held
    assert claims.get_dispute_sync("D-1").claim is None
    row = next(r for r in claims.queue_page_sync(QueueQuery()).rows if r.id == "D-1")
    assert row.claim is None
    assert claims.claim_sync("D-1", actor="bo", lease=LEASE).holder == "bo"


def test_take_over_is_recorded_and_the_previous_holder_is_told(
    claims: SqlStore, clock: FrozenClock
) -> None:
    claims.claim_sync("D-1", actor="ana", lease=LEASE)
    clock.advance(timedelta(seconds=5))
    taken = claims.claim_sync("D-1", actor="bo", lease=LEASE, take_over=True)
    assert taken.holder == "bo"
    with pytest.raises(Claimed) as renewal:  # ana's next renewal
        claims.claim_sync("D-1", actor="ana", lease=LEASE)
    assert renewal.value.claim.holder == "bo"
    assert events(claims, "D-1")[-1] == ("taken_over", "bo", "bo", "ana")


def test_release_and_a_supervisor_breaking_a_claim(claims: SqlStore, clock: FrozenClock) -> None:
    claims.claim_sync("D-1", actor="ana", lease=LEASE)
    with pytest.raises(Claimed):
        claims.release_sync("D-1", actor="bo")
    clock.advance(timedelta(seconds=5))
    claims.release_sync("D-1", actor="ana")
    assert claims.get_dispute_sync("D-1").claim is None
    claims.release_sync("D-1", actor="ana")  # nothing to release: no error, nothing recorded
    claims.claim_sync("D-2", actor="ana", lease=LEASE)
    clock.advance(timedelta(seconds=5))
    claims.release_sync("D-2", actor="sue", force=True)
    assert claims.get_dispute_sync("D-2").claim is None
    assert [e[0] for e in events(claims, "D-1")] == [ClaimEvent.CLAIMED, ClaimEvent.RELEASED]
    assert events(claims, "D-2")[-1] == ("broken", "sue", None, "ana")


def test_a_write_without_the_claim_is_refused_and_nothing_is_written(claims: SqlStore) -> None:
    claims.claim_sync("D-1", actor="ana", lease=LEASE)
    before = claims.get_dispute_sync("D-1")
    with pytest.raises(Claimed) as decision:
        claims.record_decision_sync("D-1", DRAFT, expected_version=1, actor="bo", now=NOW)
    assert decision.value.claim.holder == "ana"
    with pytest.raises(Claimed):
        claims.add_note_sync("D-1", "looked at it", actor="bo", now=NOW)
    with pytest.raises(Claimed):
        claims.request_info_sync(
            "D-1", Actor.SELLER, "tracking?", expected_version=1, actor="bo", now=NOW
        )
    assert claims.get_dispute_sync("D-1") == before


def test_a_stale_version_is_still_a_version_conflict(claims: SqlStore) -> None:
    claims.claim_sync("D-1", actor="ana", lease=LEASE)
    with pytest.raises(VersionConflict):
        claims.record_decision_sync("D-1", DRAFT, expected_version=7, actor="ana", now=NOW)


def test_the_holders_decision_is_written_and_releases_the_claim(claims: SqlStore) -> None:
    claims.claim_sync("D-1", actor="ana", lease=LEASE)
    claims.add_note_sync("D-1", "called the carrier", actor="ana", now=NOW)
    claims.record_decision_sync("D-1", DRAFT, expected_version=1, actor="ana", now=NOW)
    record = claims.get_dispute_sync("D-1")
    assert record.dispute.status is Status.RESOLVED
    assert record.claim is None
    with pytest.raises(InvalidDecision, match="only a dispute in the queue"):
        claims.claim_sync("D-1", actor="bo", lease=LEASE)


def test_writes_on_an_unclaimed_dispute_still_work(claims: SqlStore) -> None:
    claims.add_note_sync("D-2", "no claim needed to note", actor="bo", now=NOW)
    claims.record_decision_sync("D-2", DRAFT, expected_version=1, actor="bo", now=NOW)


def test_the_queue_filter_mine_and_unclaimed(claims: SqlStore, clock: FrozenClock) -> None:
    claims.claim_sync("D-1", actor="ana", lease=LEASE)
    claims.claim_sync("D-2", actor="bo", lease=LEASE)
    claims.claim_sync("D-3", actor="ana", lease=timedelta(seconds=30))

    def ids(which: ClaimFilter, agent: str = "ana") -> list[str]:
        page = claims.queue_page_sync(QueueQuery(claims=which, agent=agent))
        return [r.id for r in page.rows]

    assert ids(ClaimFilter.MINE) == ["D-1", "D-3"]
    assert ids(ClaimFilter.UNCLAIMED) == ["D-4", "D-5"]
    assert ids(ClaimFilter.ALL) == ["D-1", "D-2", "D-3", "D-4", "D-5"]
    assert claims.queue_counts_sync(QueueQuery(claims=ClaimFilter.MINE, agent="ana")).matching == 2
    clock.advance(timedelta(minutes=1))  # D-3's short lease ran out
    assert ids(ClaimFilter.MINE) == ["D-1"]
    assert ids(ClaimFilter.UNCLAIMED) == ["D-3", "D-4", "D-5"]


def test_claim_next_takes_the_most_urgent_unclaimed(claims: SqlStore) -> None:
    claims.claim_sync("D-1", actor="bo", lease=LEASE)
    first = claims.claim_next_sync(QueueQuery(), actor="ana", lease=LEASE)
    second = claims.claim_next_sync(QueueQuery(), actor="cy", lease=LEASE)
    assert first is not None and second is not None
    assert (first.dispute_id, first.holder) == ("D-2", "ana")
    assert (second.dispute_id, second.holder) == ("D-3", "cy")
    for expected in ("D-4", "D-5"):
        got = claims.claim_next_sync(QueueQuery(), actor="dee", lease=LEASE)
        assert got is not None and got.dispute_id == expected
    assert claims.claim_next_sync(QueueQuery(), actor="dee", lease=LEASE) is None


def test_hand_over_puts_the_note_in_the_timeline(claims: SqlStore, clock: FrozenClock) -> None:
    claims.claim_sync("D-1", actor="ana", lease=LEASE)
    clock.advance(timedelta(seconds=5))
    claim = claims.hand_over_sync(
        "D-1", actor="ana", to="bo", note="Waiting on the carrier.", lease=LEASE
    )
    assert (claim.holder, claim.handed_by) == ("bo", "ana")
    record = claims.get_dispute_sync("D-1")
    assert record.claim == claim
    note = record.dispute.messages[-1]
    assert note.channel is Channel.STAFF_NOTE
    assert (note.author_name, note.body) == ("ana", "Handed over to bo: Waiting on the carrier.")
    assert [c.dispute_id for c in claims.claims_held_sync("bo")] == ["D-1"]
    assert claims.claims_held_sync("ana") == []
    assert events(claims, "D-1")[-1] == ("handed_over", "ana", "bo", "ana")
    # bo's renewal keeps who handed it over; the queue row says so too
    assert claims.claim_sync("D-1", actor="bo", lease=LEASE).handed_by == "ana"
    row = next(r for r in claims.queue_page_sync(QueueQuery()).rows if r.id == "D-1")
    assert row.claimed_from == "ana"


def test_a_refused_hand_over_writes_nothing(claims: SqlStore) -> None:
    claims.claim_sync("D-1", actor="ana", lease=LEASE)
    before = claims.get_dispute_sync("D-1")
    with pytest.raises(Claimed):
        claims.hand_over_sync("D-1", actor="bo", to="cy", note="mine now", lease=LEASE)
    with pytest.raises(InvalidDecision, match="not to yourself"):
        claims.hand_over_sync("D-1", actor="ana", to="ana", note="", lease=LEASE)
    with pytest.raises(InvalidDecision, match="to"):
        claims.hand_over_sync("D-1", actor="ana", to="bo [b]", note="", lease=LEASE)
    assert claims.get_dispute_sync("D-1") == before


@pytest.mark.parametrize("lease", [timedelta(seconds=1), timedelta(hours=2)])
def test_a_lease_out_of_bounds_is_refused(claims: SqlStore, lease: timedelta) -> None:
    with pytest.raises(InvalidDecision, match="a lease lasts from"):
        claims.claim_sync("D-1", actor="ana", lease=lease)


def test_racing_claims_leave_exactly_one_holder(store_url: str) -> None:
    """16 agents claim one dispute at once, through 16 connections: one wins, 15 are told who."""
    with SqlStore.open(store_url) as store:  # the database's own clock
        store.import_disputes([make_dispute(1)])
        start = threading.Barrier(16)
        won: list[str] = []
        refused: list[str] = []
        failed: list[BaseException] = []

        def agent(name: str) -> None:
            start.wait()
            try:
                won.append(store.claim_sync("D-1", actor=name, lease=LEASE).holder)
            except Claimed as exc:
                refused.append(exc.claim.holder)
            except StoreError as exc:  # pragma: no cover - reported by the assertion below
                failed.append(exc)

        threads = [threading.Thread(target=agent, args=(f"agent{i}",)) for i in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert failed == []
        assert len(won) == 1
        assert refused == won * 15
        assert store.get_dispute_sync("D-1").claimed_by == won[0]
        assert len(events(store, "D-1")) == 1


def test_racing_claim_next_hands_out_different_disputes(store_url: str) -> None:
    with SqlStore.open(store_url) as store:
        store.import_disputes([make_dispute(n) for n in range(1, 9)])
        start = threading.Barrier(8)
        got: list[str | None] = []

        def agent(name: str) -> None:
            start.wait()
            claim = store.claim_next_sync(QueueQuery(), actor=name, lease=LEASE)
            got.append(None if claim is None else claim.dispute_id)

        threads = [threading.Thread(target=agent, args=(f"agent{i}",)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(g or "" for g in got) == [f"D-{n}" for n in range(1, 9)]


def test_the_database_clock_is_used_without_an_injected_one(store_url: str) -> None:
    with SqlStore.open(store_url) as store:
        store.import_disputes([make_dispute(1)])
        claim = store.claim_sync("D-1", actor="ana", lease=LEASE)
        assert claim.until - claim.since == LEASE
        assert store.get_dispute_sync("D-1").claim == claim
