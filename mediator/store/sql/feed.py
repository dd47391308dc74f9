"""The change feed's read side (issue 15): `SqlStore.changes()`, one connection of its own each.

- **SQLite** has no notifications, but `PRAGMA data_version` changes on a connection whenever
  ANOTHER connection committed to the file (any process, and this store's own pool, since the
  feed's connection is not in it). The feed asks it every `poll` seconds, in a thread (a few
  microseconds of SQLite; the thread hop costs more), and only when it moved reads
  `changes WHERE seq > last`. `seq` has no gaps on SQLite (AUTOINCREMENT, one writer at a time),
  so a jump means rows were pruned before they were read: the feed says `reset`.
- **PostgreSQL**: `LISTEN` on the store's channel (`changes.CHANNEL`) on an async psycopg
  connection, whose socket the caller's event loop watches (no polling: `_arriving`); each
  notification is one change, sent by the writing transaction at its commit. Sequence numbers
  are taken before commit, so they may arrive out of order here: nothing relies on their order.
  An idle connection is checked every `PING_EVERY` seconds (TCP keepalives notice a vanished
  server sooner).

Both begin with a `reset` once they watch, and after a failure (the file unreadable, the server
restarted, the connection killed) wait (`backoff.Backoff`), connect again and say `reset` again:
what happened meanwhile is unknown. Nothing here blocks the caller's event loop. Cancelling the
consumer (or closing the generator) closes the connection.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncGenerator
from contextlib import aclosing
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.exc import SQLAlchemyError

from mediator.domain.changes import RESET, Change, ChangeKind
from mediator.store.backoff import Backoff
from mediator.store.base import StoreUnavailable
from mediator.store.sql.changes import CHANNEL
from mediator.store.sql.engine import BUSY_TIMEOUT
from mediator.store.sql.schema import changes

#: Seconds between two looks at SQLite's data version.
POLL = 0.5
#: PostgreSQL: seconds an idle listening connection waits before it is checked with a query, and
#: how long that query may take.
PING_EVERY = 30.0
PING_TIMEOUT = 10.0
#: PostgreSQL: TCP keepalives on the listening connection (a server that vanished without
#: closing it is noticed in about idle + interval × count seconds).
KEEPALIVES = {
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
}
#: `application_name` of the listening connection, unless the store's URL names one.
APPLICATION = "mediator-changes"

_c = changes.c
_AFTER = select(changes).where(_c.seq > 0).order_by(_c.seq)


def watch(engine: Engine, *, poll: float = POLL) -> AsyncGenerator[Change, None]:
    """The change feed of the store behind `engine` (`Store.changes`)."""
    if engine.dialect.name == "sqlite":
        return _sqlite(engine, poll)
    if engine.dialect.name == "postgresql" and engine.dialect.driver == "psycopg":
        return _postgres(engine)
    raise StoreUnavailable(
        f"live updates are not available on {engine.dialect.name}+{engine.dialect.driver} "
        "(SQLite, or PostgreSQL with psycopg: postgresql+psycopg://…)"
    )


# -- SQLite -------------------------------------------------------------------------------------


class DataVersion:
    """A connection of its own (out of the pool) that notices other connections' commits."""

    def __init__(self, engine: Engine) -> None:
        self._lock = threading.Lock()
        self._conn: Connection | None = engine.connect()
        self._conn.detach()  # closing it closes it; it never serves a write
        try:
            self._raw = self._conn.connection.dbapi_connection
            self._version = self._data_version()
            with self._conn.begin():
                self.last = int(self._conn.scalar(select(func.max(_c.seq))) or 0)
        except BaseException:
            self.close()
            raise

    def _data_version(self) -> int:
        assert self._raw is not None
        return int(self._raw.execute("PRAGMA data_version").fetchone()[0])

    def poll(self) -> list[Change]:
        """The changes committed since the last call (`[RESET]` if some were pruned unread)."""
        with self._lock:
            if self._conn is None:
                return []
            version = self._data_version()
            if version == self._version:
                return []
            self._version = version
            with self._conn.begin():
                rows = self._conn.execute(_AFTER.where(_c.seq > self.last)).all()
            if not rows:
                return []
            missed = rows[0].seq != self.last + 1
            self.last = rows[-1].seq
            if missed:
                return [RESET]
            return [
                Change(
                    kind=ChangeKind(r.kind),
                    dispute_id=r.dispute_id,
                    actor=r.actor,
                    at=r.at,
                    seq=r.seq,
                )
                for r in rows
            ]

    def close(self) -> None:
        """Close the connection (waits for a `poll` under way in another thread)."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


async def _open(engine: Engine) -> DataVersion:
    """`DataVersion(engine)` in a thread; closed when it opens after all if the caller was
    cancelled meanwhile."""
    opening = asyncio.get_running_loop().run_in_executor(None, DataVersion, engine)
    try:
        return await asyncio.shield(opening)
    except asyncio.CancelledError:

        def close(done: asyncio.Future[DataVersion]) -> None:
            if not done.cancelled() and done.exception() is None:
                done.result().close()

        opening.add_done_callback(close)
        raise


async def _sqlite(engine: Engine, poll: float) -> AsyncGenerator[Change, None]:
    backoff = Backoff()
    while True:
        watcher: DataVersion | None = None
        try:
            watcher = await _open(engine)
            yield RESET
            while True:
                await asyncio.sleep(poll)
                found = await asyncio.to_thread(watcher.poll)
                backoff.reset()
                for change in found:
                    yield change
        except (SQLAlchemyError, sqlite3.Error, OSError):
            pass  # the file went away or broke: try again, then say reset
        finally:
            if watcher is not None:
                await asyncio.to_thread(watcher.close)
        await asyncio.sleep(backoff.next())


# -- PostgreSQL ---------------------------------------------------------------------------------


def _connect_args(engine: Engine) -> dict[str, Any]:
    """psycopg's `connect()` arguments for the database behind `engine` (a psycopg engine)."""
    _args, params = engine.dialect.create_connect_args(engine.url)
    params = dict(params)
    params.pop("context", None)  # SQLAlchemy's type adapters: not for this connection
    params.setdefault("application_name", APPLICATION)
    params.setdefault("connect_timeout", int(BUSY_TIMEOUT))
    for key, value in KEEPALIVES.items():
        params.setdefault(key, value)
    return params


async def _postgres(engine: Engine) -> AsyncGenerator[Change, None]:
    import psycopg  # the engine's driver: installed
    from psycopg import sql

    params = _connect_args(engine)
    backoff = Backoff()
    while True:
        conn: psycopg.AsyncConnection[Any] | None = None
        try:
            conn = await psycopg.AsyncConnection.connect(autocommit=True, **params)
            cursor = await conn.execute(f"SELECT {CHANNEL}")
            row = await cursor.fetchone()
            assert row is not None
            await conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(row[0])))
            yield RESET
            while True:
                async with aclosing(_arriving(conn, PING_EVERY)) as arriving:
                    async for payload in arriving:
                        backoff.reset()
                        yield _parse(payload)
                # silent for PING_EVERY: is the server still there?
                async with asyncio.timeout(PING_TIMEOUT):
                    await conn.execute("SELECT 1")
                # what arrived with the answer, kept by psycopg
                async with aclosing(conn.notifies(timeout=0)) as kept:
                    async for notify in kept:
                        yield _parse(notify.payload)
                backoff.reset()
        except (psycopg.Error, OSError, TimeoutError):
            pass  # the server restarted, the connection was killed or timed out: again, reset
        finally:
            if conn is not None:
                await conn.close()
        await asyncio.sleep(backoff.next())


async def _arriving(conn: Any, silence: float) -> AsyncGenerator[str, None]:
    """The payloads of the notifications on psycopg connection `conn` as they arrive, until
    `silence` seconds pass without any. It waits for the socket to be readable, and only then
    reads (libpq's `PQconsumeInput`, `PQnotifies`): psycopg's own `notifies()` wakes up ten
    times a second while it waits (measured: 10 CPU seconds an hour per idle listener).
    Raises `psycopg.OperationalError` when the connection is lost."""
    loop = asyncio.get_running_loop()
    readable = asyncio.Event()
    socket, encoding = conn.fileno(), conn.info.encoding
    while True:
        conn.pgconn.consume_input()
        while (notify := conn.pgconn.notifies()) is not None:
            yield notify.extra.decode(encoding)
        # watched only while waiting: psycopg watches the same socket while it runs a query,
        # and data left unread while the consumer is busy must not wake the loop over and over
        readable.clear()
        loop.add_reader(socket, readable.set)
        try:
            async with asyncio.timeout(silence):
                await readable.wait()
        except TimeoutError:
            return
        finally:
            loop.remove_reader(socket)


def _parse(payload: str) -> Change:
    """A notification's change; an unreadable one says reset (someone else's NOTIFY?)."""
    try:
        return Change.model_validate_json(payload)
    except ValidationError:
        return RESET
