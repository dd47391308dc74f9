"""`mediator seed` and `mediator import` in worker processes (issue 18). No Textual.

The work that needs no database (generating, validating, the flag scan, deadlines, money and
time formatting: `prepared.prepare`) is done in other processes, and the command's own process
writes: they run side by side on two cores.

- Seeding: the disputes come from one random sequence, so one process generates them, in order,
  and makes their rows, in chunks (`SeedFeed`). It is the slower of the two, so the writer does
  the flag scan (measured on 20,000 disputes: 8.0 s of CPU generating, 3.7 s writing, before).
- Importing: lines are independent until the checks across lines (an id on two lines, ids an
  earlier line used), so a pool checks chunks of lines (`importer.check_line`) and the command's
  process puts the results together in file order (`importer.add_checked`), as `parse_lines`
  does; the errors are the same, in the same order.

Workers are forked (cheap: the modules are loaded already) before any thread is started (the
progress bar's): create them first, then show progress. Where fork is missing, they are spawned.
Small jobs stay in one process.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from itertools import islice
from multiprocessing.context import ForkContext, SpawnContext
from multiprocessing.pool import AsyncResult, Pool
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from mediator.domain import Decision, Dispute
from mediator.importer import (
    CheckedLine,
    Owners,
    ParseResult,
    UnreadableFile,
    add_checked,
    check_line,
    check_readable,
    paused_gc,
)
from mediator.store.base import StoreError
from mediator.store.sql.prepared import Prepared, prepare

#: Lines per task of the import's pool (enough to make a task's overhead small).
LINES_PER_TASK = 500
#: A smaller file is checked in this process (a pool costs more than it saves).
POOL_MIN_BYTES = 2_000_000
#: Disputes per chunk from the seeding process, and chunks it may have made ahead.
SEED_CHUNK = 500
_SEED_AHEAD = 8


def workers() -> int:
    """How many processes may work at once: the CPUs this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _context() -> ForkContext | SpawnContext:
    if "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _quiet_worker() -> None:
    """Ctrl-C is the command's to handle: a worker leaves it to the parent, which ends it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


# --- seeding -----------------------------------------------------------------------------------

#: A seeded dispute made ready, and its decision when it is resolved.
SeedPair = tuple[Prepared, Decision | None]
#: Below this many disputes, they are generated in this process.
SEED_PROCESS_MIN = 5_000


class SeedFeed:
    """`n` seeded disputes (`seed.generate_decided`) made ready for the store (`pairs`), in
    order, generated in another process (in this one when they are few). A context manager:
    the process starts on entry and is ended on exit."""

    def __init__(
        self,
        n: int,
        *,
        seed: int,
        now: datetime,
        resolved_share: float | None,
        sqlite: bool,
    ) -> None:
        self._args = (n, seed, now, resolved_share, sqlite)
        self._process: Any = None
        if n >= SEED_PROCESS_MIN:
            ctx = _context()
            self._queue = ctx.Queue(maxsize=_SEED_AHEAD)
            self._process = ctx.Process(
                target=_seed_worker, args=(self._queue, *self._args), name="mediator-seed"
            )

    def __enter__(self) -> Self:
        if self._process is not None:
            self._process.start()
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        if self._process is None:
            return
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()
        self._queue.close()

    def pairs(self) -> Iterator[SeedPair]:
        """Every dispute with its decision, in order; raises what the generating raised."""
        if self._process is None:
            for chunk in _seed_chunks(*self._args):
                yield from chunk
            return
        while True:
            item = self._queue.get()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield from item


def _seed_chunks(
    n: int, seed: int, now: datetime, resolved_share: float | None, sqlite: bool
) -> Iterator[list[SeedPair]]:
    from mediator.seed import generate_decided

    with paused_gc():
        pairs = generate_decided(n, seed=seed, now=now, resolved_share=resolved_share)
        while chunk := list(islice(pairs, SEED_CHUNK)):
            yield [(prepare(d, sqlite=sqlite, flags=False), r) for d, r in chunk]


def _seed_worker(queue: Any, *args: Any) -> None:
    _quiet_worker()
    try:
        for chunk in _seed_chunks(*args):
            queue.put(chunk)
    except Exception as exc:  # the writer raises it
        queue.put(exc)
    queue.put(None)


def gathering(pairs: Iterable[SeedPair], decisions: list[Decision]) -> Iterator[Prepared]:
    """The disputes of `pairs`, adding their decisions to `decisions` as they are pulled
    (`SqlStore.import_prepared` reads the decisions after the last dispute)."""
    for made, decision in pairs:
        if decision is not None:
            decisions.append(decision)
        yield made


# --- importing ---------------------------------------------------------------------------------


class LinePool:
    """A pool of processes that check import lines (`parse_file`); a context manager. With one
    process (or none asked for), the lines are checked in this one."""

    def __init__(self, processes: int | None = None) -> None:
        self._processes = processes or workers()
        self._pool: Pool | None = None

    def __enter__(self) -> Self:
        if self._processes > 1:
            self._pool = _context().Pool(self._processes, initializer=_quiet_worker)
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()

    def map(self, tasks: Iterable[_Task], *, parallel: bool = True) -> Iterator[list[CheckedLine]]:
        """`_check_lines` of each task, in order, with a few tasks in flight at a time (the
        file is not read ahead into memory)."""
        pool = self._pool if parallel else None
        if pool is None:
            yield from map(_check_lines, tasks)
            return
        pending: deque[AsyncResult[list[CheckedLine]]] = deque()
        for task in tasks:
            pending.append(pool.apply_async(_check_lines, (task,)))
            if len(pending) >= 2 * self._processes:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()


class InvalidLines(Exception):
    """Raised by `stream` once every line is checked, when a line has an error or the file
    holds no dispute: the import's transaction is rolled back. Its `ParseResult` says which."""

    def __init__(self, result: ParseResult[Any]) -> None:
        super().__init__(f"{len(result.errors)} errors")
        self.result = result


def stream(
    path: Path,
    pool: LinePool,
    result: ParseResult[Any],
    *,
    sqlite: bool,
    on_read: Callable[[int], None] | None = None,
) -> Iterator[Prepared]:
    """Each valid dispute's rows as soon as its line is checked, for `SqlStore.import_prepared`
    to write while the pool checks the lines after it (all or nothing still: the import is one
    transaction). Once a line has an error, nothing more is yielded, every line is still
    checked, and `InvalidLines` is raised at the end; so it is when no line holds a dispute.
    `result` gets the errors and each dispute's line (`line_of`), not the disputes. Raises
    the `StoreError` of a dispute `prepare` refused, once every line is checked (the one-process
    path raises it when the import reaches that dispute, after the checks)."""
    owners: Owners = ({}, {})
    refused: StoreError | None = None
    valid = 0
    for line in _checked(path, pool, sqlite, result, on_read):
        add_checked(result, line, owners)
        if not result.disputes:
            continue
        item = result.disputes.pop()
        valid += 1
        if isinstance(item, StoreError):
            refused = refused or item
        elif not result.errors and refused is None:
            yield item
    if result.errors or not valid:
        raise InvalidLines(result)
    if refused is not None:
        raise refused


def _checked(
    path: Path,
    pool: LinePool,
    sqlite: bool,
    result: ParseResult[Any],
    on_read: Callable[[int], None] | None,
) -> Iterator[CheckedLine]:
    """The checked lines of `path`, in order (counted in `result.lines`)."""
    check_readable(path)
    parallel = path.stat().st_size >= POOL_MIN_BYTES
    sizes: deque[tuple[int, int]] = deque()  # (lines, bytes) of each task not yet checked
    done = 0

    def tasks(f: Iterable[bytes]) -> Iterator[_Task]:
        lines = iter(f)
        number = 0
        while chunk := list(islice(lines, LINES_PER_TASK)):
            sizes.append((len(chunk), sum(map(len, chunk))))
            yield number + 1, chunk, sqlite
            number += len(chunk)

    try:
        with path.open("rb") as f, paused_gc():
            for checked in pool.map(tasks(f), parallel=parallel):
                yield from checked
                count, size = sizes.popleft()
                result.lines += count
                done += size
                if on_read is not None:
                    on_read(done)
    except OSError as exc:
        raise UnreadableFile(f"{path}: read failed ({exc.strerror or exc})") from None
    if on_read is not None:
        on_read(done)


#: A task of the pool: the number of its first line, the lines, whether the store is SQLite.
_Task = tuple[int, list[bytes], bool]


def _check_lines(task: _Task) -> list[CheckedLine]:
    first, lines, sqlite = task

    def make(d: Dispute) -> Prepared | StoreError:
        try:
            return prepare(d, sqlite=sqlite)
        except StoreError as exc:
            return exc

    with paused_gc():
        checked = (check_line(n, raw, make) for n, raw in enumerate(lines, start=first))
        return [line for line in checked if line is not None]
