"""The audit trail (issue 16) written by each write, on a real SQLite file and on PostgreSQL:
exactly one entry per claim event, note, information request, escalation, import and staff
member added, in the write's own transaction (a refused write leaves none), with the actor,
the time, the dispute and a compact before and after."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from itertools import pairwise

import pytest

from mediator.clock import FrozenClock
from mediator.domain.audit import GENESIS, AuditEntry, utc_text
from mediator.domain.enums import Actor
from mediator.store import InvalidDecision, NotFound, QueueQuery, StoreError, VersionConflict
from mediator.store.base import Claimed
from mediator.store.sql import SqlStore
from mediator.store.sql.audit import stored_entries
from mediator.store.sql.engine import read_tx
from mediator.store.sql.staff import StaffError, hash_token
from tests.store.conftest import NOW, make_dispute

LEASE = timedelta(minutes=3)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
def store(store_url: str, clock: FrozenClock) -> Iterator[SqlStore]:
    """A store on `clock` with disputes D-1 … D-5 in the queue (their import is entry 1)."""
    store = SqlStore.open(store_url, clock=clock.now)
    store.import_disputes([make_dispute(n) for n in range(1, 6)])
    yield store
    store.close_sync()


def trail(store: SqlStore) -> list[AuditEntry]:
    with read_tx(store.engine) as conn:
        return [row.entry() for row in stored_entries(conn)]


def added(store: SqlStore) -> list[AuditEntry]:
    """The entries after the fixture's import (entry 1)."""
    return trail(store)[1:]


def only(store: SqlStore) -> AuditEntry:
    entries = added(store)
    assert len(entries) == 1, [(e.action, e.actor, e.dispute_id) for e in entries]
    return entries[0]


def held(holder: str | None, until: datetime | None = None) -> dict[str, object]:
    """A claim's before or after as the trail writes it."""
    return {"holder": holder, "until": None if until is None else utc_text(until)}


# --- claims ------------------------------------------------------------------------------------


def test_a_claim_is_one_entry_at_the_stores_instant(store: SqlStore) -> None:
    store.claim_sync("D-1", actor="ana", lease=LEASE)
    entry = only(store)
    assert (entry.action, entry.actor, entry.dispute_id, entry.at) == ("claimed", "ana", "D-1", NOW)
    assert entry.before == held(None)
    assert entry.after == held("ana", NOW + LEASE)


def test_a_renewal_is_not_an_entry(store: SqlStore, clock: FrozenClock) -> None:
    store.claim_sync("D-1", actor="ana", lease=LEASE)
    clock.advance(timedelta(minutes=1))
    store.claim_sync("D-1", actor="ana", lease=LEASE)
    assert [e.action for e in added(store)] == ["claimed"]


def test_a_refused_claim_appends_nothing(store: SqlStore) -> None:
    store.claim_sync("D-1", actor="ana", lease=LEASE)
    with pytest.raises(Claimed):
        store.claim_sync("D-1", actor="bo", lease=LEASE)
    with pytest.raises(NotFound):
        store.claim_sync("D-404", actor="bo", lease=LEASE)
    with pytest.raises(InvalidDecision):
        store.claim_sync("D-2", actor="bo", lease=timedelta(days=30))
    assert [e.action for e in added(store)] == ["claimed"]


def test_a_take_over_names_the_previous_holder(store: SqlStore, clock: FrozenClock) -> None:
    store.claim_sync("D-1", actor="ana", lease=LEASE)
    clock.advance(timedelta(seconds=30))
    store.claim_sync("D-1", actor="sup.kim", lease=LEASE, take_over=True)
    entry = added(store)[-1]
    assert (entry.action, entry.actor, entry.dispute_id) == ("taken_over", "sup.kim", "D-1")
    assert entry.before == held("ana", NOW + LEASE)
    assert entry.after == held("sup.kim", NOW + timedelta(seconds=30) + LEASE)


def test_release_and_break(store: SqlStore, clock: FrozenClock) -> None:
    store.claim_sync("D-1", actor="ana", lease=LEASE)
    store.release_sync("D-1", actor="ana")
    store.claim_sync("D-2", actor="ana", lease=LEASE)
    with pytest.raises(Claimed):
        store.release_sync("D-2", actor="bo")
    store.release_sync("D-2", actor="sup.kim", force=True)
    store.release_sync("D-3", actor="ana")  # nobody held it: nothing happened
    store.claim_sync("D-4", actor="ana", lease=LEASE)
    clock.advance(LEASE)
    store.release_sync("D-4", actor="ana")  # it ran out: nothing to record
    summary = [(e.action, e.actor, e.dispute_id, e.before, e.after) for e in added(store)]
    until = NOW + LEASE
    assert summary == [
        ("claimed", "ana", "D-1", held(None), held("ana", until)),
        ("released", "ana", "D-1", held("ana", until), held(None)),
        ("claimed", "ana", "D-2", held(None), held("ana", until)),
        ("broken", "sup.kim", "D-2", held("ana", until), held(None)),
        ("claimed", "ana", "D-4", held(None), held("ana", until)),
    ]


def test_a_hand_over_is_one_entry_with_the_note(store: SqlStore) -> None:
    """The hand-over also writes a staff note into the timeline: that is part of the hand-over,
    not a second entry."""
    store.claim_sync("D-1", actor="ana", lease=LEASE)
    store.hand_over_sync("D-1", actor="ana", to="bo", note=" the seller called ", lease=LEASE)
    entry = added(store)[-1]
    assert len(added(store)) == 2
    assert (entry.action, entry.actor, entry.dispute_id, entry.at) == (
        "handed_over",
        "ana",
        "D-1",
        NOW,
    )
    assert entry.before == held("ana", NOW + LEASE)
    assert entry.after == {**held("bo", NOW + LEASE), "note": "the seller called"}


def test_a_refused_hand_over_appends_nothing(store: SqlStore) -> None:
    store.claim_sync("D-1", actor="ana", lease=LEASE)
    with pytest.raises(Claimed):
        store.hand_over_sync("D-1", actor="bo", to="cy", note="", lease=LEASE)
    with pytest.raises(InvalidDecision):
        store.hand_over_sync("D-1", actor="ana", to="ana", note="", lease=LEASE)
    assert [e.action for e in added(store)] == ["claimed"]


def test_claiming_the_next_dispute_is_a_claim(store: SqlStore) -> None:
    claim = store.claim_next_sync(QueueQuery(), actor="ana", lease=LEASE)
    assert claim is not None
    entry = only(store)
    assert (entry.action, entry.actor, entry.dispute_id) == ("claimed", "ana", claim.dispute_id)


# --- notes, information requests, escalations --------------------------------------------------


def test_a_note_is_one_entry_with_its_id_and_body(store: SqlStore) -> None:
    note = store.add_note_sync("D-1", "  Called the courier.  ", actor="ana", now=NOW)
    entry = only(store)
    assert (entry.action, entry.actor, entry.dispute_id, entry.at) == (
        "note_added",
        "ana",
        "D-1",
        NOW,
    )
    assert entry.before is None
    assert entry.after == {"message_id": note.id, "body": "Called the courier."}


def test_a_refused_note_appends_nothing(store: SqlStore) -> None:
    with pytest.raises(NotFound):
        store.add_note_sync("D-404", "hello", actor="ana", now=NOW)
    with pytest.raises(InvalidDecision):
        store.add_note_sync("D-1", "   ", actor="ana", now=NOW)
    store.claim_sync("D-2", actor="bo", lease=LEASE)
    with pytest.raises(Claimed):
        store.add_note_sync("D-2", "mine", actor="ana", now=NOW)
    assert [e.action for e in added(store)] == ["claimed"]


def test_an_information_request_records_the_status_and_version(store: SqlStore) -> None:
    store.request_info_sync(
        "D-1", Actor.SELLER, " Tracking number? ", expected_version=1, actor="ana", now=NOW
    )
    entry = only(store)
    assert (entry.action, entry.actor, entry.dispute_id) == ("info_requested", "ana", "D-1")
    assert entry.before == {"status": "escalated", "version": 1}
    asked = store.get_dispute_sync("D-1").dispute.messages[-1]
    assert entry.after == {
        "status": "awaiting_info",
        "version": 2,
        "party": "seller",
        "message_id": asked.id,
        "message": "Tracking number?",
    }


def test_a_refused_information_request_appends_nothing(store: SqlStore) -> None:
    with pytest.raises(VersionConflict):
        store.request_info_sync("D-1", Actor.SELLER, "?", expected_version=7, actor="a", now=NOW)
    with pytest.raises(InvalidDecision):
        store.request_info_sync("D-1", Actor.SELLER, " ", expected_version=1, actor="a", now=NOW)
    assert added(store) == []


def test_each_escalation_is_an_entry_by_the_system(store: SqlStore) -> None:
    silent = [
        make_dispute(n, status="open", messages=1).model_copy(
            update={"escalated_at": None, "escalation_cause": None}
        )
        for n in (6, 7)
    ]
    store.import_disputes(silent)
    due = silent[1].opened_at + timedelta(hours=24)  # both are due
    assert len(store.escalate_due_sync(due)) == 2
    assert store.escalate_due_sync(due) == []  # idempotent: no second entry either
    entries = added(store)[1:]
    assert [(e.action, e.actor, e.dispute_id, e.at) for e in entries] == [
        ("escalated", "system", "D-6", due),
        ("escalated", "system", "D-7", due),
    ]
    assert entries[0].before == {"status": "open"}
    assert entries[0].after == {"status": "escalated", "cause": "seller_silent"}


# --- imports and staff ---------------------------------------------------------------------------


def test_an_import_is_one_entry_with_the_counts(store: SqlStore) -> None:
    first = trail(store)[0]
    assert (first.action, first.actor, first.dispute_id, first.at) == (
        "imported",
        "import",
        None,
        NOW,
    )
    assert first.after == {"inserted": 5, "updated": 0, "skipped": 0}
    newer = make_dispute(1, revision=2)
    many = [make_dispute(n) for n in range(10, 2510)]
    store.import_disputes([newer, make_dispute(2), *many], batch_size=1000, actor="sup.kim")
    entry = only(store)
    assert (entry.action, entry.actor, entry.dispute_id) == ("imported", "sup.kim", None)
    assert entry.before is None
    assert entry.after == {"inserted": 2500, "updated": 1, "skipped": 1}


def test_a_failed_import_appends_nothing(store: SqlStore) -> None:
    clash = make_dispute(8).model_copy(update={"messages": make_dispute(1).messages})
    with pytest.raises(StoreError):
        store.import_disputes([make_dispute(7), clash], batch_size=1)
    assert added(store) == []


def test_adding_staff_records_the_name_and_role_never_the_token(store: SqlStore) -> None:
    token = store.add_staff_sync("sup.kim", "supervisor", now=NOW)
    store.add_staff_sync("ana", "agent", now=NOW, actor="sup.kim")
    with pytest.raises(StaffError):
        store.add_staff_sync("ana", "agent", now=NOW)
    with pytest.raises(StaffError):
        store.add_staff_sync("bo", "boss", now=NOW)
    entries = added(store)
    assert [(e.action, e.actor, e.dispute_id, e.after) for e in entries] == [
        ("staff_added", "cli", None, {"name": "sup.kim", "role": "supervisor"}),
        ("staff_added", "sup.kim", None, {"name": "ana", "role": "agent"}),
    ]
    bodies = json.dumps([e.model_dump(mode="json") for e in entries])
    assert token not in bodies and hash_token(token) not in bodies


# --- the chain -----------------------------------------------------------------------------------


def test_the_written_trail_verifies_and_chains(store: SqlStore) -> None:
    store.claim_sync("D-1", actor="ana", lease=LEASE)
    store.add_note_sync("D-1", 'ünïcödé and "quotes" 🙂', actor="ana", now=NOW)
    store.hand_over_sync("D-1", actor="ana", to="bo", note="over", lease=LEASE)
    store.add_staff_sync("ana", "agent", now=NOW)
    entries = trail(store)
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].prev == GENESIS
    assert all(b.prev == a.hash for a, b in pairwise(entries))
    result = store.audit_verify_sync()
    assert (result.ok, result.count, result.head) == (True, 5, entries[-1].hash)


def test_racing_writers_leave_one_gapless_chain(store: SqlStore) -> None:
    """Eight writers at once, each claiming and noting its own disputes: every append takes
    the head in turn, so the numbers have no gap and every entry follows the one before."""
    store.import_disputes([make_dispute(n) for n in range(10, 50)])
    errors: list[BaseException] = []

    def work(k: int) -> None:
        try:
            for n in range(10 + k * 5, 15 + k * 5):
                store.claim_sync(f"D-{n}", actor=f"agent.{k}", lease=LEASE)
                store.add_note_sync(f"D-{n}", f"note {n}", actor=f"agent.{k}", now=NOW)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    result = store.audit_verify_sync()
    assert (result.ok, result.count) == (True, 2 + 8 * 5 * 2), result.problem


async def test_a_disputes_history_oldest_first(store: SqlStore) -> None:
    store.claim_sync("D-1", actor="ana", lease=LEASE)
    store.add_note_sync("D-2", "elsewhere", actor="ana", now=NOW)
    store.add_note_sync("D-1", "here", actor="ana", now=NOW)
    history = await store.history("D-1")
    assert [(e.action, e.words) for e in history] == [
        ("claimed", "claimed it"),
        ("note_added", "wrote a note"),
    ]
    assert store.history_sync("D-404") == []
