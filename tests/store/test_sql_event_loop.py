"""A PostgreSQL store opened for the event loop (`SqlStore.open(url, on_event_loop=True)`, as
`mediator serve` opens it): the async methods wait for the database on the caller's loop, with no
thread, and keep every guarantee of the threaded store: one of 16 racing decisions wins, retries
of one key store one decision, a key raced onto two disputes is refused, a dropped connection
fails one call cleanly, and closing ends every session. On SQLite the option changes nothing.

The API tests run on this store too (tests/api/conftest.py opens it so)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from mediator.domain import Decision, DecisionDraft, Outcome
from mediator.store import IdempotencyMismatch, VersionConflict
from mediator.store.base import QueueQuery, StoreUnavailable
from mediator.store.sql import SqlStore
from mediator.store.sql import engine as sql_engine
from tests.store.conftest import NOW, example_disputes

RATIONALE = "Left earbud defective per photo E-1."
APP = "mediator-loop-test"


def partial(amount: str = "20.00") -> DecisionDraft:
    return DecisionDraft(
        outcome=Outcome.BUYER_PARTIAL_REFUND, rationale=RATIONALE, refund_amount=Decimal(amount)
    )


@pytest.fixture
def loop_store(postgres_url: str) -> Iterator[SqlStore]:
    url = make_url(postgres_url).update_query_dict({"application_name": APP})
    store = SqlStore.open(url.render_as_string(hide_password=False), on_event_loop=True)
    store.import_disputes(example_disputes())
    yield store
    store.close_sync()


def sessions_left(store: SqlStore) -> int:
    """The sessions of `store` still listed once they are gone, or after 30 s of polling: a
    closed connection's server process leaves `pg_stat_activity` a moment after the client
    hung up (later still on a busy machine), so the test waits for that, not a time."""
    for _ in range(300):
        left = sessions(store)
        if left == 0:
            return 0
        time.sleep(0.1)
    return sessions(store)


def sessions(store: SqlStore, *, terminate: bool = False) -> int:
    """How many server sessions `store` has open (terminated first with `terminate`)."""
    admin = create_engine(store.engine.url, isolation_level="AUTOCOMMIT")
    what = "count(pg_terminate_backend(pid))" if terminate else "count(*)"
    try:
        with admin.connect() as conn:
            found = conn.scalar(
                text(
                    f"SELECT {what} FROM pg_stat_activity "
                    "WHERE application_name = :app AND pid <> pg_backend_pid()"
                ),
                {"app": APP},
            )
    finally:
        admin.dispose()
    return int(found or 0)


async def decide(
    store: SqlStore, key: str, *, draft: DecisionDraft | None = None, dispute: str = "D-10001"
) -> Decision:
    return await store.record_decision(
        dispute,
        draft or partial(),
        expected_version=1,
        actor="agent.ana",
        now=NOW,
        idempotency_key=key,
    )


async def race(calls: list[Any]) -> list[Any]:
    """Every coroutine at once on this loop; each one's result or exception."""
    return list(await asyncio.gather(*calls, return_exceptions=True))


@pytest.mark.postgres
async def test_the_loop_store_waits_on_the_event_loop_not_in_a_thread(
    loop_store: SqlStore,
) -> None:
    assert loop_store.loop_engine is not None
    threads: list[int] = []
    threaded: list[int] = []
    event.listen(
        loop_store.loop_engine.sync_engine,
        "checkout",
        lambda *_: threads.append(threading.get_ident()),
    )
    event.listen(loop_store.engine, "checkout", lambda *_: threaded.append(1))
    record = await loop_store.get_dispute("D-10001")
    page = await loop_store.queue_page(QueueQuery())
    decision = await decide(loop_store, "loop-1")
    assert record.version == 1 and page.rows and decision.decided_by == "agent.ana"
    assert threads and set(threads) == {threading.get_ident()}
    assert threaded == []  # the threaded engine was never used
    assert (await loop_store.get_dispute("D-10001")).decisions == (decision,)


@pytest.mark.postgres
async def test_sixteen_conflicting_decisions_on_the_loop_store_one_wins(
    loop_store: SqlStore,
) -> None:
    results = await race(
        [decide(loop_store, f"k-{i}", draft=partial(f"{10 + i}")) for i in range(16)]
    )
    won = [r for r in results if isinstance(r, Decision)]
    lost = [r for r in results if isinstance(r, VersionConflict)]
    assert len(won) == 1 and len(lost) == 15, results
    assert all(c.current and c.current.decisions == (won[0],) for c in lost)
    assert (await loop_store.get_dispute("D-10001")).decisions == (won[0],)


@pytest.mark.postgres
async def test_sixteen_retries_of_one_key_on_the_loop_store_store_one(loop_store: SqlStore) -> None:
    results = await race([decide(loop_store, "same-key") for _ in range(16)])
    stored = (await loop_store.get_dispute("D-10001")).decisions
    assert len(stored) == 1
    assert results == [stored[0]] * 16


@pytest.mark.postgres
async def test_one_key_raced_onto_two_disputes_is_refused_once(loop_store: SqlStore) -> None:
    # both reads find the key unused (as a rule), so both write; the database refuses the second
    # insert of the key (IntegrityError) and undoes that dispute's whole write
    disputes = ("D-10001", "D-10002")
    results = await race([decide(loop_store, "two", dispute=d) for d in disputes])
    refused = [r for r in results if isinstance(r, IdempotencyMismatch)]
    assert len(refused) == 1 and "nothing was written" in str(refused[0]), results
    decided = [d for d in disputes if (await loop_store.get_dispute(d)).decisions]
    assert len(decided) == 1


@pytest.mark.postgres
async def test_a_dropped_idle_connection_is_replaced_unseen_on_the_loop(
    loop_store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sql_engine, "PING_IDLE_AFTER", 0.05)
    assert (await loop_store.get_dispute("D-10001")).version == 1
    assert sessions(loop_store, terminate=True) >= 1
    await asyncio.sleep(0.1)
    assert (await loop_store.get_dispute("D-10001")).version == 1


@pytest.mark.postgres
async def test_a_dropped_busy_connection_fails_one_call_then_recovers_on_the_loop(
    loop_store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sql_engine, "PING_IDLE_AFTER", 3600.0)
    assert (await loop_store.get_dispute("D-10001")).version == 1
    assert sessions(loop_store, terminate=True) >= 1
    with pytest.raises(StoreUnavailable) as failed:
        await loop_store.get_dispute("D-10001")
    assert "\n" not in str(failed.value)
    assert (await loop_store.get_dispute("D-10001")).version == 1


@pytest.mark.postgres
def test_closing_from_another_thread_ends_every_loop_session(postgres_url: str) -> None:
    url = make_url(postgres_url).update_query_dict({"application_name": APP})
    store = SqlStore.open(url.render_as_string(hide_password=False), on_event_loop=True)
    store.import_disputes(example_disputes())

    async def use() -> None:
        await race([store.get_dispute(f"D-1000{i}") for i in range(1, 6)])

    # used on a loop in another thread, as uvicorn's loop in the API tests, then closed here
    thread = threading.Thread(target=asyncio.run, args=(use(),))
    thread.start()
    thread.join()
    assert sessions(store) >= 1
    store.close_sync()
    assert sessions_left(store) == 0


@pytest.mark.postgres
async def test_close_on_the_loop_ends_every_session(loop_store: SqlStore) -> None:
    await race([loop_store.get_dispute(f"D-1000{i}") for i in range(1, 6)])
    assert sessions(loop_store) >= 1
    await loop_store.close()
    assert await asyncio.to_thread(sessions_left, loop_store) == 0


async def test_on_sqlite_the_option_keeps_threads(sqlite_url: str) -> None:
    store = SqlStore.open(sqlite_url, on_event_loop=True)
    try:
        assert store.loop_engine is None
        store.import_disputes(example_disputes())
        assert (await decide(store, "sqlite-1")).decided_by == "agent.ana"
    finally:
        await store.close()
