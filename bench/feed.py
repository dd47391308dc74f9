"""The change feed (issue 15, "within 5 seconds"): how long a change takes from its commit to a
watching console, per backend, and what an idle feed costs.

    /work/venv/bin/python bench/feed.py [--changes N] [--idle SECONDS]

- commit → delivered: another store (SQLite file, or a PostgreSQL schema of
  `$MEDIATOR_TEST_PG_URL`) writes a note, the watching store's `changes()` receives it; timed
  from the write's return (committed) to its arrival, after a random pause of 0–1 s before each
  write (so SQLite's poll is met at every phase). Through the API: a note POSTed to a real
  `mediator serve` over each store, timed from its 201 to the arrival on `HttpStore.changes()`.
- idle: CPU seconds per hour of this process while it watches and nothing happens (SQLite: the
  poll every 0.5 s; PostgreSQL: the listening connection), less the same process without a feed;
  and of `mediator serve` with 10 idle event streams, less the same server with none.

Not part of `bench/run.py`: it measures a requirement of seconds, not the console's milliseconds.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import sys
import tempfile
import time
from collections.abc import AsyncGenerator, Awaitable, Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))
if str(ROOT) not in sys.path:
    sys.path.insert(1, str(ROOT))

from api import PG_URL_ENV, Database, cpu_seconds, database, server  # noqa: E402
from run import ms, pct  # noqa: E402

from mediator.domain.changes import Change, ChangeKind  # noqa: E402
from mediator.store.http import HttpStore  # noqa: E402
from mediator.store.sql import SqlStore  # noqa: E402
from tests.store.conftest import NOW, example_disputes  # noqa: E402

#: Idle event streams on the server while its idle cost is measured.
STREAMS = 10
Write = Callable[[int], Awaitable[None]]


async def _arrivals(
    feed: AsyncGenerator[Change, None], queue: asyncio.Queue[tuple[float, Change]]
) -> None:
    async with contextlib.aclosing(feed):
        async for change in feed:
            queue.put_nowait((time.perf_counter(), change))


async def _latencies(feed: AsyncGenerator[Change, None], write: Write, count: int) -> list[float]:
    """Seconds from each `await write(n)` returning to its change arriving on `feed`."""
    queue: asyncio.Queue[tuple[float, Change]] = asyncio.Queue()
    task = asyncio.create_task(_arrivals(feed, queue))
    try:
        _, first = await asyncio.wait_for(queue.get(), 30)
        assert first.kind is ChangeKind.RESET, first
        found = []
        for n in range(count):
            await asyncio.sleep(random.uniform(0, 1.0))
            await write(n)
            done = time.perf_counter()
            arrived, change = await asyncio.wait_for(queue.get(), 30)
            assert change.kind is ChangeKind.NOTE, change
            found.append(arrived - done)
        return found
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


def _summary(name: str, seconds: list[float]) -> str:
    values = sorted(s * 1000 for s in seconds)
    return (
        f"{name:<44} median {ms(pct(values, 0.5))}, p95 {ms(pct(values, 0.95))}, "
        f"max {ms(values[-1])} ({len(values)} changes)"
    )


async def store_latency(db: Database, count: int) -> str:
    watcher, writer = SqlStore.open(db.url), SqlStore.open(db.url)
    try:

        async def write(n: int) -> None:
            await writer.add_note("D-10001", f"bench {n}", actor="bench", now=NOW)

        found = await _latencies(watcher.changes(), write, count)
        return _summary(f"{db.engine}: SqlStore.changes()", found)
    finally:
        watcher.close_sync()
        writer.close_sync()


async def api_latency(db: Database, tmp: Path, count: int, idle: float) -> list[str]:
    import httpx

    with SqlStore.open(db.url) as store:
        token = store.add_staff_sync("agent.bench", "agent", now=NOW)
    lines = []
    with server(db.url, 1, tmp / "serve.log") as (base, pids):
        api = HttpStore(base, token)
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(base_url=base, headers=headers) as client:

            async def write(n: int) -> None:
                answer = await client.post("/disputes/D-10002/notes", json={"body": f"b {n}"})
                assert answer.status_code == 201, answer.text

            found = await _latencies(api.changes(), write, count)
            lines.append(_summary(f"{db.engine}: mediator serve → HttpStore.changes()", found))
            lines.append(await _serve_idle(base, headers, pids, idle))
        await api.close()
    return lines


async def _serve_idle(base: str, headers: dict[str, str], pids: list[int], seconds: float) -> str:
    import httpx

    start = cpu_seconds(pids)
    await asyncio.sleep(seconds)
    bare = cpu_seconds(pids) - start
    async with (
        httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as client,
        contextlib.AsyncExitStack() as streams,
    ):
        for _ in range(STREAMS):
            response = await streams.enter_async_context(client.stream("GET", "/events"))
            assert response.status_code == 200
        start = cpu_seconds(pids)
        await asyncio.sleep(seconds)
        busy = cpu_seconds(pids) - start
    per_hour = (busy - bare) / seconds * 3600
    name = f"  idle: mediator serve, {STREAMS} idle streams"
    return f"{name:<44} {per_hour:.1f} CPU s/h more than with none"


async def idle_cost(db: Database, seconds: float) -> str:
    """CPU seconds per hour of this process while one feed watches and nothing happens."""
    store = SqlStore.open(db.url)
    try:
        start = time.process_time()
        await asyncio.sleep(seconds)
        bare = time.process_time() - start
        queue: asyncio.Queue[tuple[float, Change]] = asyncio.Queue()
        task = asyncio.create_task(_arrivals(store.changes(), queue))
        await asyncio.wait_for(queue.get(), 30)
        start = time.process_time()
        await asyncio.sleep(seconds)
        busy = time.process_time() - start
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    finally:
        store.close_sync()
    per_hour = (busy - bare) / seconds * 3600
    return f"{'  idle: the feed, in this process':<44} {per_hour:.1f} CPU s/h"


async def measure(db: Database, tmp: Path, count: int, idle: float) -> None:
    with SqlStore.open(db.url) as store:
        store.import_disputes(example_disputes())
    print(await store_latency(db, count), flush=True)
    print(await idle_cost(db, idle), flush=True)
    for line in await api_latency(db, tmp, count, idle):
        print(line, flush=True)


async def main_async(count: int, idle: float) -> None:
    with tempfile.TemporaryDirectory(prefix="mediator-feed-") as name:
        tmp = Path(name)
        await measure(Database(f"sqlite:///{tmp / 'feed.db'}", "SQLite"), tmp, count, idle)
        if os.environ.get(PG_URL_ENV):
            with database(tmp, "feed") as db:
                await measure(db, tmp, count, idle)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="the change feed: latency and idle cost")
    parser.add_argument("--changes", type=int, default=30, help="timed changes per backend")
    parser.add_argument("--idle", type=float, default=20.0, help="seconds of each idle sample")
    args = parser.parse_args(argv)
    asyncio.run(main_async(args.changes, args.idle))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
