"""Reading a change feed (`Store.changes()`) in a test: a task of its own puts every change in
a queue, which the test awaits with a timeout (never a fixed sleep)."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncGenerator, Callable
from contextlib import aclosing
from pathlib import Path

from mediator.domain.changes import Change, ChangeKind
from mediator.store.sql import SqlStore

#: Seconds a test waits for a change before it fails (the issue allows 5).
WAIT = 5.0


class Watching:
    """`feed` consumed by a task of this event loop; `stop()` cancels it."""

    def __init__(self, feed: AsyncGenerator[Change, None]) -> None:
        self.queue: asyncio.Queue[Change] = asyncio.Queue()
        self.task = asyncio.create_task(self._run(feed))

    async def _run(self, feed: AsyncGenerator[Change, None]) -> None:
        async with aclosing(feed):
            async for change in feed:
                self.queue.put_nowait(change)

    async def next(self, timeout: float = WAIT) -> Change:
        """The next change; fails after `timeout` seconds without one."""
        if self.task.done():
            self.task.result()  # raise what stopped it
            raise AssertionError("the feed ended")
        try:
            return await asyncio.wait_for(self.queue.get(), timeout)
        except TimeoutError:
            raise AssertionError(f"no change within {timeout} s") from None

    async def take(self, count: int, timeout: float = WAIT) -> list[Change]:
        return [await self.next(timeout) for _ in range(count)]

    async def reset(self, timeout: float = WAIT) -> None:
        """The next change is a reset (the feed is watching)."""
        change = await self.next(timeout)
        assert change.kind is ChangeKind.RESET, change

    async def stop(self) -> None:
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)


def what(changes: list[Change]) -> list[tuple[str, str | None, str | None]]:
    """(kind, dispute id, actor) of each change."""
    return [(c.kind.value, c.dispute_id, c.actor) for c in changes]


async def eventually(check: Callable[[], bool], timeout: float = WAIT) -> None:
    """Wait until `check()` holds, looking every 20 ms; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s")
        await asyncio.sleep(0.02)


def sqlite_alone(path: Path, *stores: SqlStore) -> bool:
    """Whether nothing else has the SQLite file open (`stores`' pools emptied first): a WAL
    file can leave WAL mode only then."""
    for store in stores:
        store.engine.dispose()
    db = sqlite3.connect(path, isolation_level=None, timeout=0)
    try:
        if db.execute("PRAGMA journal_mode = DELETE").fetchone()[0] != "delete":
            return False
        db.execute("PRAGMA journal_mode = WAL")
        return True
    except sqlite3.OperationalError:  # "database is locked": another connection
        return False
    finally:
        db.close()
