"""Where one API decision (and one queue page) spends its server time, in-process.

    /work/venv/bin/python bench/api.py profile [--decisions 300] [--pages 60] [--top 0]

The app of `mediator serve` (`create_app` over the same kind of store as `bench/api.py`: a fresh
PostgreSQL schema, or SQLite when there is none; opened as `serve` opens it, so on PostgreSQL the
statements wait on the event loop, uvloop when installed) is called directly as ASGI, one
request at a time, with `asyncio.to_thread` (SQLite) run inline so that every step happens on
one thread. First the plain cost per request; then the steps, timed by wrappers around the
functions named below (wall clock and this thread's CPU clock, so "waiting for PostgreSQL" is
the wall time spent in psycopg's wait on the socket: round trips plus the server's own work).
Nested steps are parts of the step above them; "(rest)" is what the step did outside the parts
listed. `--top N` adds a cProfile listing (wall clock) of the N functions with the most own time.

Not in these numbers: uvicorn's HTTP parsing, contention between concurrent requests, and the
load generator. One request at a time costs more CPU than the load run's (the event loop wakes
up for every answer from PostgreSQL instead of finding several at once): compare the server
CPU per decision of `bench/api.py`.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import inspect
import json
import pstats
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from api import _process, database
from run import log

Call = Callable[[], Awaitable[tuple[int, bytes]]]
Path_ = tuple[str, ...]


class Steps:
    """Wall and CPU time per call path of the wrapped functions (one thread, one request at a
    time: a plain stack is the call path)."""

    def __init__(self) -> None:
        self.stack: list[Path_] = [()]
        self.wall: dict[Path_, float] = defaultdict(float)
        self.cpu: dict[Path_, float] = defaultdict(float)
        self.calls: dict[Path_, int] = defaultdict(int)
        self.undo: list[tuple[Any, str, Any]] = []

    @contextmanager
    def step(self, label: str) -> Iterator[None]:
        path = (*self.stack[-1], label)
        self.stack.append(path)
        wall0, cpu0 = time.perf_counter(), time.thread_time()
        try:
            yield
        finally:
            self.wall[path] += time.perf_counter() - wall0
            self.cpu[path] += time.thread_time() - cpu0
            self.calls[path] += 1
            self.stack.pop()

    def wrap(self, owner: Any, name: str, label: str) -> None:
        original = owner.__dict__[name] if isinstance(owner, type) else getattr(owner, name)
        step = self.step
        wrapper: Any
        if isinstance(original, classmethod):  # wrap the function, keep it a classmethod
            inner = original.__func__

            def wrapped(cls: Any, *args: Any, **kwargs: Any) -> Any:
                with step(label):
                    return inner(cls, *args, **kwargs)

            setattr(owner, name, classmethod(wrapped))
            self.undo.append((owner, name, original))
            return
        if inspect.iscoroutinefunction(original):

            async def wrapper(*args: Any, **kwargs: Any) -> Any:
                with step(label):
                    return await original(*args, **kwargs)
        else:

            def wrapper(*args: Any, **kwargs: Any) -> Any:
                with step(label):
                    return original(*args, **kwargs)

        setattr(owner, name, wrapper)
        self.undo.append((owner, name, original))

    def restore(self) -> None:
        for owner, name, original in reversed(self.undo):
            setattr(owner, name, original)
        self.undo.clear()

    def reset(self) -> None:
        self.wall.clear()
        self.cpu.clear()
        self.calls.clear()

    def report(self, n: int) -> list[str]:
        """The steps as an indented tree, ms per request; "(rest)" after a step's last part."""
        paths = list(self.wall)
        first = {p: i for i, p in enumerate(paths)}
        # parents before children, siblings in first-call order
        paths.sort(key=lambda p: [first.get(p[: i + 1], -1) for i in range(len(p))])

        def line(label: str, depth: int, calls: str, wall: float, cpu: float) -> str:
            text = "  " * depth + label
            return f"   {text:62} {calls:>5} {wall / n * 1000:8.2f} {cpu / n * 1000:7.2f}"

        def children(path: Path_) -> list[Path_]:
            return [p for p in paths if len(p) == len(path) + 1 and p[:-1] == path]

        out = [f"   {'step (per request)':62} {'calls':>5} {'wall ms':>8} {'CPU ms':>7}"]
        for i, path in enumerate(paths):
            out.append(line(path[-1], len(path) - 1, f"{self.calls[path] / n:.1f}",
                            self.wall[path], self.cpu[path]))  # fmt: skip
            after = paths[i + 1] if i + 1 < len(paths) else ()
            for depth in range(len(path), 0, -1):  # close the steps `after` is not inside
                closed = path[:depth]
                if after[:depth] == closed:
                    break
                parts = children(closed)
                if parts:
                    rest_wall = self.wall[closed] - sum(self.wall[c] for c in parts)
                    rest_cpu = self.cpu[closed] - sum(self.cpu[c] for c in parts)
                    out.append(line("(rest)", depth, "", rest_wall, rest_cpu))
        return out


def _scope(method: str, path: str, query: str, headers: dict[str, str]) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8765),
    }


def asgi_call(app: Any, method: str, path: str, query: str, headers: dict[str, str],
              body: bytes) -> Call:  # fmt: skip
    async def call() -> tuple[int, bytes]:
        sent = False
        status = 0
        chunks: list[bytes] = []

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.sleep(3600)
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await app(_scope(method, path, query, headers), receive, send)
        return status, b"".join(chunks)

    return call


def profile(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench/api.py profile")
    parser.add_argument("--decisions", type=int, default=300)
    parser.add_argument("--pages", type=int, default=60)
    parser.add_argument("--top", type=int, default=0, help="also print the top N functions")
    args = parser.parse_args(argv)
    with (
        tempfile.TemporaryDirectory(prefix="mediator-bench-prof-") as tmp,
        database(Path(tmp), "prof") as db,
    ):
        need = 40 + (3 if args.top else 2) * args.decisions
        seed_file = Path(tmp) / "seed.json"
        _process("seed", db.url, str(need), str(seed_file), "bench-profile")
        # uvicorn's loop when it has one (`mediator serve` installs uvloop where it can)
        main = _run(db.url, db.engine, json.loads(seed_file.read_text()), args)
        try:
            import uvloop
        except ImportError:
            asyncio.run(main)
        else:
            uvloop.run(main)
    return 0


def _instrument(steps: Steps) -> None:
    import fastapi.routing
    import psycopg
    from sqlalchemy.engine.base import Connection, Engine

    from mediator.store.sql import deciding, queue
    from mediator.store.sql.store import SqlStore
    from mediator.store.wire import CursorPage

    w = steps.wrap
    w(fastapi.routing, "solve_dependencies", "FastAPI: dependencies + request validation")
    w(fastapi.routing, "serialize_response", "FastAPI: serialize_response (jsonable_encoder)")
    w(SqlStore, "staff_for_token_sync", "auth: token → staff member (read tx)")
    w(SqlStore, "record_decision_sync", "store.record_decision")
    w(SqlStore, "queue_page_sync", "store.queue_page (read tx)")
    w(Engine, "connect", "pool checkout (a ping if idle)")
    w(Connection, "close", "pool checkin")
    w(Connection, "_commit_impl", "COMMIT")
    w(Connection, "execute", "SQL statement")
    w(psycopg.Connection, "wait", "waiting for PostgreSQL")
    w(psycopg.AsyncConnection, "wait", "waiting for PostgreSQL")
    w(deciding, "_replay", "idempotency replay (the first decision)")
    w(deciding, "draft_fingerprint", "draft_fingerprint")
    w(deciding, "_policy_record", "rows → DisputeRecord (pydantic)")
    w(deciding, "check", "policy: check (the verdict)")
    w(deciding, "build_decision", "build_decision (from the verdict's findings)")
    w(deciding, "decision_values", "decision_values")
    w(deciding, "deadline_values", "deadline_values (next deadline)")
    w(deciding, "_write", "the conditional write")
    w(queue, "queue_row", "row → QueueRow")
    w(CursorPage, "of", "CursorPage.of (rows + cursors)")


async def _run(
    url: str, engine_name: str, seeded: dict[str, Any], args: argparse.Namespace
) -> None:
    from sqlalchemy import event

    from mediator.clock import SystemClock
    from mediator.server.api import create_app
    from mediator.store.sql import SqlStore

    async def inline(func: Callable[..., Any], /, *a: Any, **k: Any) -> Any:
        return func(*a, **k)

    asyncio.to_thread = inline  # one thread: every step is seen (SQLite, and the token check)

    store = SqlStore.open(url, on_event_loop=True)  # as `mediator serve` opens it
    app = create_app(store, SystemClock())
    # on PostgreSQL the requests' statements go through the event-loop engine
    engine = store.engine if store.loop_engine is None else store.loop_engine.sync_engine
    counts = {"sql": 0, "checkout": 0}

    def on_sql(*_: Any) -> None:
        counts["sql"] += 1

    def on_checkout(*_: Any) -> None:
        counts["checkout"] += 1

    event.listen(engine, "before_cursor_execute", on_sql)
    event.listen(engine.pool, "checkout", on_checkout)

    auth = {"Authorization": f"Bearer {seeded['token']}"}
    body = json.dumps(seeded["body"]).encode()
    ids = iter(seeded["ids"])
    run = uuid.uuid4().hex[:6]

    def decision() -> Call:
        dispute_id = next(ids)
        headers = {**auth, "Content-Type": "application/json", "If-Match": '"1"',
                   "Idempotency-Key": f"prof-{run}-{dispute_id}"}  # fmt: skip
        return asgi_call(app, "POST", f"/disputes/{dispute_id}/decisions", "", headers, body)

    def page() -> Call:
        return asgi_call(app, "GET", "/queue", "limit=100", auth, b"")

    print(f"store: {engine_name}; one request at a time, in-process (no uvicorn, no HTTP)\n")
    steps = Steps()
    for title, make, n, want in [
        ("POST /disputes/{id}/decisions", decision, args.decisions // 2, 201),
        ("GET /queue?limit=100", page, args.pages, 200),
    ]:
        for _ in range(20):  # warm-up
            status, out = await make()()
            assert status == want, out[:300]
        # 1. plain
        counts.update(sql=0, checkout=0)
        wall0, cpu0 = time.perf_counter(), time.thread_time()
        for _ in range(n):
            status, out = await make()()
            assert status == want, out[:300]
        wall = (time.perf_counter() - wall0) / n * 1000
        cpu = (time.thread_time() - cpu0) / n * 1000
        sql, checkouts = counts["sql"] / n, counts["checkout"] / n
        print(
            f"== {title}, {n} requests: {wall:.2f} ms wall, {cpu:.2f} ms CPU per request "
            f"(no instrumentation); {sql:.0f} SQL statements, {checkouts:.0f} pool checkouts"
        )
        # 2. the steps
        _instrument(steps)
        steps.reset()
        for _ in range(n):
            with steps.step(f"{title} (ASGI app)"):
                status, out = await make()()
        steps.restore()
        print("\n".join(steps.report(n)))
        print()
        if args.top:
            calls = [make() for _ in range(n)]
            prof = cProfile.Profile()
            prof.enable()
            for call in calls:
                await call()
            prof.disable()
            pstats.Stats(prof).sort_stats("tottime").print_stats(args.top)
    store.close_sync()
    log("profile done")
