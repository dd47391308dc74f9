"""The SQL store's change feed (issue 15: live disputes), on a real SQLite file and PostgreSQL:
two `SqlStore`s on one database, one watching (`changes()`), the other writing, as two consoles
would; what a failed or refused write does (nothing); the feed's own connection, freed on
cancel; PostgreSQL's listener killed under it; pruning."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from mediator.domain import Actor, DecisionDraft, Outcome
from mediator.domain.changes import ChangeKind
from mediator.store import InvalidDecision, VersionConflict
from mediator.store.base import Claimed
from mediator.store.sql import SqlStore
from mediator.store.sql import changes as sql_changes
from mediator.store.sql import feed as feed_module
from mediator.store.sql.engine import read_tx, write_tx
from mediator.store.sql.feed import DataVersion
from mediator.store.sql.schema import changes as changes_table
from tests.store.conftest import NOW, _postgres_url, make_dispute
from tests.store.feeds import Watching, eventually, sqlite_alone, what

#: The watching store looks every 50 ms on SQLite (0.5 s by default).
POLL = 0.05
DRAFT = DecisionDraft(outcome=Outcome.SELLER_FAVOUR, rationale="Tracking shows delivery.")


@pytest.fixture
def app_name() -> str:
    """The watching store's PostgreSQL `application_name`: its sessions, and only its."""
    return f"feed-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def writer(store_url: str) -> Iterator[SqlStore]:
    """The other console: D-1 … D-5 in the queue."""
    store = SqlStore.open(store_url)
    store.import_disputes([make_dispute(n) for n in range(1, 6)])
    yield store
    store.close_sync()


@pytest.fixture
def watcher(store_url: str, writer: SqlStore, app_name: str) -> Iterator[SqlStore]:
    """This console's store (opened after the import), its pool emptied."""
    url = store_url
    if store_url.startswith("postgresql"):
        named = make_url(store_url).update_query_dict({"application_name": app_name})
        url = named.render_as_string(hide_password=False)
    store = SqlStore.open(url, poll=POLL)
    store.engine.dispose()
    yield store
    store.close_sync()


@pytest.fixture
async def feed(watcher: SqlStore) -> AsyncIterator[Watching]:
    watching = Watching(watcher.changes())
    await watching.reset()
    yield watching
    await watching.stop()


async def test_every_write_of_another_store_is_seen_in_order(
    writer: SqlStore, feed: Watching
) -> None:
    await writer.add_note("D-1", "Called the courier.", actor="ana", now=NOW)
    await writer.request_info(
        "D-2", Actor.BUYER, "A photo?", expected_version=1, actor="ana", now=NOW
    )
    await writer.claim("D-3", actor="bo")
    await writer.claim("D-3", actor="ana", take_over=True)
    await writer.release("D-3", actor="ana")
    await writer.claim("D-4", actor="bo")
    await writer.release("D-4", actor="sam", force=True)
    await writer.hand_over("D-5", actor="ana", to="bo", note="End of shift.")
    await writer.record_decision("D-1", DRAFT, expected_version=1, actor="ana", now=NOW)
    writer.import_disputes([make_dispute(6)])
    seen = await feed.take(11)
    assert what(seen) == [
        ("note", "D-1", "ana"),
        ("info_request", "D-2", "ana"),
        ("claim", "D-3", "bo"),  # claimed
        ("claim", "D-3", "ana"),  # taken over
        ("claim", "D-3", "ana"),  # released
        ("claim", "D-4", "bo"),
        ("claim", "D-4", "sam"),  # broken by a supervisor
        ("note", "D-5", "ana"),  # the hand-over's note, in the timeline
        ("claim", "D-5", "ana"),  # handed over
        ("decision", "D-1", "ana"),
        ("import", None, None),
    ]
    assert seen[0].at == NOW and seen[-2].at == NOW
    seqs = [c.seq or 0 for c in seen]
    assert all(c.seq is not None for c in seen) and seqs == sorted(set(seqs))


async def test_an_escalation_is_seen(writer: SqlStore, feed: Watching) -> None:
    silent = make_dispute(7, status="open", messages=1)  # the buyer's message only
    silent = silent.model_copy(update={"escalated_at": None, "escalation_cause": None})
    writer.import_disputes([silent])
    assert (await feed.next()).kind is ChangeKind.IMPORT
    day = silent.opened_at + timedelta(hours=24)
    assert await writer.escalate_due(day) == [("D-7", "seller_silent")]
    assert what([await feed.next()]) == [("escalation", "D-7", None)]


async def test_renewals_and_refused_writes_are_not_changes(
    writer: SqlStore, feed: Watching
) -> None:
    await writer.claim("D-1", actor="ana")
    assert what([await feed.next()]) == [("claim", "D-1", "ana")]
    await writer.claim("D-1", actor="ana")  # a renewal
    with pytest.raises(Claimed):
        await writer.claim("D-1", actor="bo")
    with pytest.raises(Claimed):
        await writer.add_note("D-1", "Mine now?", actor="bo", now=NOW)
    with pytest.raises(Claimed):
        await writer.record_decision("D-1", DRAFT, expected_version=1, actor="bo", now=NOW)
    with pytest.raises(VersionConflict):
        await writer.record_decision("D-1", DRAFT, expected_version=7, actor="ana", now=NOW)
    too_much = DecisionDraft(
        outcome=Outcome.BUYER_PARTIAL_REFUND, rationale="Late.", refund_amount=Decimal("999")
    )
    with pytest.raises(InvalidDecision):
        await writer.record_decision("D-1", too_much, expected_version=1, actor="ana", now=NOW)
    writer.import_disputes([make_dispute(1)])  # the same revision: skipped, nothing changed
    await writer.add_note("D-2", "Marker.", actor="ana", now=NOW)
    assert what([await feed.next()]) == [("note", "D-2", "ana")]


async def test_writes_through_the_watching_store_itself_are_seen(
    watcher: SqlStore, feed: Watching
) -> None:
    """Its writes go through its pool, not through the feed's own connection."""
    await watcher.add_note("D-1", "Mine.", actor="ana", now=NOW)
    assert what([await feed.next()]) == [("note", "D-1", "ana")]


def _pg_sessions(url: str, app_name: str) -> int:
    admin = create_engine(url)
    try:
        with admin.connect() as conn:
            query = "SELECT count(*) FROM pg_stat_activity WHERE application_name = :app"
            return int(conn.scalar(text(query), {"app": app_name}) or 0)
    finally:
        admin.dispose()


async def test_cancelling_the_consumer_frees_the_feeds_connection(
    writer: SqlStore, watcher: SqlStore, store_url: str, app_name: str
) -> None:
    if store_url.startswith("sqlite"):
        path = Path(make_url(store_url).database or "")

        def free() -> bool:
            return sqlite_alone(path, writer, watcher)
    else:

        def free() -> bool:
            return _pg_sessions(store_url, app_name) == 0

    assert free()
    watching = Watching(watcher.changes())
    await watching.reset()
    assert not free()  # the feed's own connection
    await watching.stop()
    await eventually(free)


# -- PostgreSQL ---------------------------------------------------------------------------------


@pytest.mark.postgres
async def test_a_killed_listener_reconnects_and_says_reset(
    postgres_url: str, app_name: str
) -> None:
    writer = SqlStore.open(postgres_url)
    writer.import_disputes([make_dispute(1)])
    named = make_url(postgres_url).update_query_dict({"application_name": app_name})
    watcher = SqlStore.open(named.render_as_string(hide_password=False))
    watcher.engine.dispose()
    watching = Watching(watcher.changes())
    try:
        await watching.reset()
        admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            killed = conn.scalar(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE application_name = :app"
                ),
                {"app": app_name},
            )
        admin.dispose()
        assert killed == 1
        await watching.reset()  # connected again: what happened meanwhile is unknown
        await writer.add_note("D-1", "After.", actor="ana", now=NOW)
        assert what([await watching.next()]) == [("note", "D-1", "ana")]
    finally:
        await watching.stop()
        watcher.close_sync()
        writer.close_sync()


@pytest.mark.postgres
async def test_nothing_is_lost_while_the_listener_checks_its_connection(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The listener checks an idle connection with a query; notifications that arrive with
    its answer are kept by psycopg and still yielded."""
    monkeypatch.setattr(feed_module, "PING_EVERY", 0.0005)  # a check after 0.5 ms of silence
    writer = SqlStore.open(postgres_url)
    writer.import_disputes([make_dispute(n) for n in range(1, 4)])
    watcher = SqlStore.open(postgres_url)
    watching = Watching(watcher.changes())
    try:
        await watching.reset()

        def write() -> None:  # in a thread: notes arrive while the feed checks
            for n in range(200):
                writer.add_note_sync(f"D-{n % 3 + 1}", f"Note {n}.", actor="ana", now=NOW)

        await asyncio.to_thread(write)
        seen = await watching.take(200)
        assert [c.dispute_id for c in seen] == [f"D-{n % 3 + 1}" for n in range(200)]
    finally:
        await watching.stop()
        watcher.close_sync()
        writer.close_sync()


@pytest.fixture
def other_postgres_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A second new schema in the same PostgreSQL database."""
    yield from _postgres_url(request)


@pytest.mark.postgres
async def test_a_store_in_another_schema_is_not_heard(
    postgres_url: str, other_postgres_url: str
) -> None:
    """NOTIFY channels are per database: each store's is named after its schema."""
    here = SqlStore.open(postgres_url)
    there = SqlStore.open(other_postgres_url)
    watching = Watching(here.changes())
    try:
        here.import_disputes([make_dispute(1)])
        there.import_disputes([make_dispute(1)])
        await watching.reset()
        await there.add_note("D-1", "Elsewhere.", actor="bo", now=NOW)
        await here.add_note("D-1", "Here.", actor="ana", now=NOW)
        assert what([await watching.next()]) == [("note", "D-1", "ana")]
    finally:
        await watching.stop()
        here.close_sync()
        there.close_sync()


# -- SQLite's data version, and pruning --------------------------------------------------------


def test_changes_pruned_before_they_were_read_make_a_reset(sqlite_url: str) -> None:
    """`seq` has no gaps on SQLite: a jump means rows went unread, and the feed says reset."""
    with SqlStore.open(sqlite_url) as store:
        store.import_disputes([make_dispute(1)])
        seen = DataVersion(store.engine)
        try:
            assert seen.poll() == []
            for body in ("one", "two", "three"):
                store.add_note_sync("D-1", body, actor="ana", now=NOW)
            with write_tx(store.engine) as conn:  # as a prune would, before the feed looked
                conn.execute(changes_table.delete().where(changes_table.c.seq <= seen.last + 1))
            assert what(seen.poll()) == [("reset", None, None)]
            store.add_note_sync("D-1", "four", actor="ana", now=NOW)
            assert what(seen.poll()) == [("note", "D-1", "ana")]
            assert seen.poll() == []  # nothing new: the data version did not move
        finally:
            seen.close()


def test_old_changes_are_pruned(store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sql_changes, "KEEP", 4)
    monkeypatch.setattr(sql_changes, "PRUNE_EVERY", 5)
    with SqlStore.open(store_url) as store:
        store.import_disputes([make_dispute(1)])  # change 1
        for n in range(13):  # changes 2 … 14; 10 prunes to 7 … 10
            store.add_note_sync("D-1", f"note {n}", actor="ana", now=NOW)
        with read_tx(store.engine) as conn:
            seqs = conn.scalars(select(changes_table.c.seq).order_by(changes_table.c.seq)).all()
            assert conn.scalar(select(func.max(changes_table.c.seq))) == 14
        assert list(seqs) == list(range(7, 15))
