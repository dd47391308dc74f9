"""SQLite's settings for a bulk import, undone inside the import's own transaction (issue 18).

- The search index (FTS5) is filled after each batch with one `INSERT … SELECT` of the new
  rows, not by its per-row insert trigger: the trigger is dropped at the start and created
  again at the end. Measured on 50,000 seeded disputes: the trigger cost 220 µs a dispute,
  more than the rest of the write; the bulk insert costs 20 µs.
- Into an EMPTY store (a team's first load, `mediator seed`, the benchmark), the secondary
  indexes of `disputes` (sixteen: the queue's orders and filters) are dropped and created
  again after the last row, each in one sorted pass, instead of growing sixteen B-trees row by
  row. Measured on 40,000 lines of `bench/_probe.py make-jsonl`: inserting the disputes cost
  110 µs a line with the indexes, 9 µs without them, plus 15 µs to create them at the end;
  the writer's whole share went from 179 to 92 µs a line (CPU). Dropping the message and
  evidence indexes as well saved nothing (their keys arrive nearly in order), so they stay.
  A store that holds disputes keeps its indexes: an import of a few lines must not rebuild
  the indexes of a million.
- A bigger page cache (`CACHE_KIB`) for the import's connection, back to what it was at the
  end, failed or not: the default 2 MB held too little of the B-trees a 100,000-line import
  grows, and the pages it evicted were read back (74 → 40 µs a line of system time).

- The planner's statistics (`refresh_statistics`, `ANALYZE disputes`) after a load of at least
  `ANALYZE_AFTER` disputes. Without them SQLite guessed that the queue's statuses were a few
  rows and read the default queue page through `ix_disputes_sort_decided` (issue 22's index,
  status first) with a sort of every queued dispute: at 1M, 90 ms for the first page and
  about 1 s for the last (EXPLAIN QUERY PLAN: "USE TEMP B-TREE FOR ORDER BY"). With them it
  walks `ix_disputes_urgency` and stops at the page's end: 0.4 ms. `ANALYZE disputes` reads
  the whole table: 4.1 s at 1M, once, at the end of `mediator seed` or of a big import.

`DROP` and `CREATE` are part of the transaction, so a failed or interrupted import leaves the
schema as it was; readers keep their snapshot (WAL) meanwhile. Other databases are left alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field

from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

from mediator.store.sql.search import SEARCHED

#: The page cache of an import's connection, in KiB (SQLite's default is 2,000).
CACHE_KIB = 131_072
#: A load of this many disputes or more refreshes the planner's statistics at its end.
ANALYZE_AFTER = 10_000
#: SQLite: the search index's insert trigger (revision v3_baseline), paused during an import.
_INDEX_TRIGGER = "disputes_fts_ai"
_SEARCHED = ", ".join(SEARCHED)
#: What the trigger does, for every dispute inserted after rowid `?` at once.
_INDEX_NEW = (
    f"INSERT INTO disputes_fts(rowid, {_SEARCHED}) "
    f"SELECT rowid, {_SEARCHED} FROM disputes WHERE rowid > ?"
)
#: The indexes of `disputes` an import into an empty store creates after its rows: every one
#: declared (`sql` is NULL for the primary key's own index, which stays).
_DEFERRABLE = (
    "SELECT name, sql FROM sqlite_master "
    "WHERE type = 'index' AND tbl_name = 'disputes' AND sql IS NOT NULL ORDER BY name"
)


@dataclass
class BulkLoad:
    """What an import on SQLite changed for its transaction, to undo at its end (`finish`)."""

    conn: Connection
    #: The search index's insert trigger, to create again; None when there was none.
    trigger: str | None = None
    #: `CREATE INDEX` statements of the indexes dropped while the store was empty.
    indexes: list[str] = field(default_factory=list)
    #: Whether the store held no dispute when the import began.
    empty: bool = False

    @property
    def indexes_search(self) -> bool:
        """Whether the import fills the search index itself (`index_new`)."""
        return self.trigger is not None

    def last_rowid(self) -> int:
        """The largest rowid of `disputes` (0 when empty): rows inserted next lie above it."""
        return int(self.conn.exec_driver_sql("SELECT max(rowid) FROM disputes").scalar() or 0)

    def index_new(self, after: int) -> None:
        """Add the disputes inserted above rowid `after` to the search index."""
        self.conn.exec_driver_sql(_INDEX_NEW, (after,))

    def restore_indexes(self) -> None:
        """Create the dropped indexes again (before anything that reads through them)."""
        for sql in self.indexes:
            self.conn.exec_driver_sql(sql)
        self.indexes = []

    def finish(self) -> None:
        """The schema as it was: the indexes and the trigger created again."""
        self.restore_indexes()
        if self.trigger is not None:
            self.conn.exec_driver_sql(self.trigger)
            self.trigger = None


@contextmanager
def bulk_load(conn: Connection) -> Iterator[BulkLoad | None]:
    """SQLite: the settings above for an import on `conn` (inside its transaction); None
    elsewhere. The caller calls `finish` after its last row; the page cache is restored on
    exit whatever happens (it belongs to the connection, which the pool keeps)."""
    if conn.dialect.name != "sqlite":
        yield None
        return
    load = BulkLoad(conn, trigger=_pause_trigger(conn))
    load.empty = conn.exec_driver_sql("SELECT 1 FROM disputes LIMIT 1").first() is None
    if load.empty:
        for name, sql in conn.exec_driver_sql(_DEFERRABLE).all():
            conn.exec_driver_sql(f'DROP INDEX "{name}"')
            load.indexes.append(sql)
    cache = int(conn.exec_driver_sql("PRAGMA cache_size").scalar() or -2000)
    conn.exec_driver_sql(f"PRAGMA cache_size = {-CACHE_KIB}")
    restore = f"PRAGMA cache_size = {cache}"
    try:
        yield load
    except BaseException:
        with suppress(SQLAlchemyError):  # the import's own error is the one to report
            conn.exec_driver_sql(restore)
        raise
    conn.exec_driver_sql(restore)


def _pause_trigger(conn: Connection) -> str | None:
    """Drop the search index's per-row insert trigger for this transaction, and return the
    statement that creates it again (None: no trigger). The update and delete triggers stay:
    a dispute updated by the import is in the index already."""
    sql: str | None = conn.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (_INDEX_TRIGGER,)
    ).scalar()
    if sql is not None:
        conn.exec_driver_sql(f"DROP TRIGGER {_INDEX_TRIGGER}")
    return sql


def refresh_statistics(conn: Connection) -> None:
    """The planner's statistics of `disputes`, read again after a bulk load (see the module's
    docstring): `ANALYZE` on SQLite and on PostgreSQL (whose autovacuum would get there, later)."""
    conn.exec_driver_sql("ANALYZE disputes")
