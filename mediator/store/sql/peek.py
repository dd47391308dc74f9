"""The queue's first page of a SQLite store, read with the standard library (issue 18).

The console's first frame with rows needs one indexed read. Importing SQLAlchemy, SQLModel and
the store's code costs about half a second on the 2-CPU machine the targets are measured on, so
the console shows the first page from this reader and opens the real store (`SqlStore`) after
that frame (`store.deferred`). Nothing here imports SQLAlchemy.

It reads only what it is sure of: a plain `sqlite:///path` URL of an existing file whose schema is
this code's (`revisions.HEAD_REVISION`), and only the default query (every dispute in the queue,
next deadline first). Anything else (a missing file, an older store that must be migrated, a
query string in the URL) answers None, and the caller opens the store the usual way, which
names the problem or migrates. `tests/store/test_peek.py` holds the page equal to
`SqlStore.queue_page(QueueQuery())`.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from mediator.domain.enums import QUEUE_STATUSES
from mediator.domain.queue import QueuePage
from mediator.store.sql.queue_rows import queue_row
from mediator.store.sql.revisions import HEAD_REVISION, SCHEMA_VERSION

#: `queue.QUEUE_COLUMNS`, in that order (the test compares the pages).
_COLUMNS = (
    "id, status, reason, order_kind, order_title, currency, price_minor, buyer_name, "
    "seller_name, evidence_count, message_count, opened_at, escalated_at, urgency_at, version, "
    "deadline_rule, flagged_count, claimed_by, claimed_since, claimed_until, claimed_from, "
    "returned_to, decided_at, decided_by"
)
#: Positions of the `UtcDateTime` columns in `_COLUMNS`.
_TIMES = (11, 12, 13, 18, 19, 22)
_STATUSES = tuple(sorted(s.value for s in QUEUE_STATUSES))
_PAGE = (
    f"SELECT {_COLUMNS} FROM disputes WHERE status IN ({', '.join('?' * len(_STATUSES))}) "
    "ORDER BY urgency_at, id LIMIT ?"
)
#: `schema.db_now` on SQLite.
_NOW = "SELECT strftime('%Y-%m-%d %H:%M:%f', 'now') || '000'"
_PREFIXES = ("sqlite:///", "sqlite+pysqlite:///")


@dataclass(frozen=True, slots=True)
class Peek:
    """A SQLite store the first page can be read from: its file and its label (`SqlStore.label`)."""

    path: Path
    label: str


def peekable(url: str) -> Peek | None:
    """The store at `url` if it is a plain SQLite file at this code's schema; None otherwise."""
    prefix = next((p for p in _PREFIXES if url.startswith(p)), None)
    if prefix is None:
        return None
    db = url[len(prefix) :]
    if not db or any(ch in db for ch in "?%#") or db == ":memory:" or db.startswith("file:"):
        return None
    path = Path(db).expanduser()
    if not path.is_file():
        return None
    peek = Peek(path, f"sqlite:{path.absolute()}")
    conn = _connect(peek)
    if conn is None:
        return None
    try:
        return peek if _current(conn) else None
    except sqlite3.Error:
        return None
    finally:
        conn.close()


def _connect(peek: Peek) -> sqlite3.Connection | None:
    uri = f"file:{quote(str(peek.path.absolute()))}?mode=ro"
    try:
        return sqlite3.connect(uri, uri=True, timeout=5, isolation_level=None)
    except sqlite3.Error:
        return None


def _current(conn: sqlite3.Connection) -> bool:
    """Whether the store on `conn` is at this code's schema (`engine.needs_upgrade` is False)."""
    revisions = [r[0] for r in conn.execute("SELECT version_num FROM alembic_version")]
    version = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return (
        revisions == [HEAD_REVISION]
        and version is not None
        and str(version[0]) == str(SCHEMA_VERSION)
    )


def _time(value: object) -> datetime | None:
    return None if value is None else datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


def first_page(peek: Peek, limit: int) -> QueuePage | None:
    """The first `limit` rows of the default queue, as `SqlStore.queue_page(QueueQuery(),
    limit=limit)` gives them; None if the store is not at this code's schema or cannot be read
    (the real store then says why)."""
    conn = _connect(peek)
    if conn is None:
        return None
    try:
        conn.execute("BEGIN")  # one snapshot: the schema check, the rows and the clock
        if not _current(conn):
            return None
        fetched = conn.execute(_PAGE, (*_STATUSES, limit + 1)).fetchall()
        clock: list[datetime] = []

        def now() -> datetime:
            if not clock:
                clock.append(_time(conn.execute(_NOW).fetchone()[0]) or datetime.now(UTC))
            return clock[0]

        rows = []
        for raw in fetched[:limit]:
            values = list(raw)
            for i in _TIMES:
                values[i] = _time(values[i])
            rows.append(queue_row(values, now))
        conn.execute("COMMIT")
    except (sqlite3.Error, ValueError):
        return None
    finally:
        conn.close()
    return QueuePage(rows=tuple(rows), has_before=False, has_after=len(fetched) > limit)


def count_disputes(peek: Peek) -> int | None:
    """How many disputes the store holds (`SqlStore.count_disputes`); None if it cannot say."""
    conn = _connect(peek)
    if conn is None:
        return None
    try:
        row = conn.execute("SELECT count(*) FROM disputes").fetchone()
    except sqlite3.Error:
        return None
    finally:
        conn.close()
    return int(row[0])
