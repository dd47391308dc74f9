"""Peer rows (issue 18): textual-fastdatatable, the table harlequin uses, showing the queue's rows,
timed as `bench/_probe.py` times the console. One measurement per process, one JSON object out.

    python bench/_peers.py prepare DB PARQUET    the queue query's SQL; writes PARQUET if missing
    python bench/_peers.py parquet PARQUET       start → first frame with rows, from the file
    python bench/_peers.py sqlite DB SQL         start → first frame with rows, read from SQLite
    python bench/_peers.py console DB            our queue (`_probe.py start-app`), with its RSS

The rows are the console's queue: `QUEUE_COLUMNS` of every dispute in a queue status, in queue
order, by the store's own `conditions` (`prepare` compiles that statement to SQLite's SQL, so the
peer runs the same query without importing SQLAlchemy). From SQLite the peer does what harlequin
does with a query's result: a worker thread fetches every row (`fetchall`), then the table is
built from the records. Parquet is read by the table itself (`DataTable(data=path)`). Each probe
reports the first frame with rows, from process start (`T0`, as `_probe.T0`), and its peak RSS.

Needs the `bench` extra (`pip install -e '.[bench]'`: textual-fastdatatable, pyarrow).
"""

from __future__ import annotations

import time

T0 = time.perf_counter()  # first: "process start", as in `_probe.py`'s start-up probes

import asyncio  # noqa: E402
import sqlite3  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import _probe  # noqa: E402
from _probe import SIZE, Frames, emit, peak_rss_mb, until_frame  # noqa: E402

#: Rows per batch when writing the Parquet file (keeps the writer's memory flat at a million).
BATCH = 50_000


def queue_sql(db: str) -> str:
    """The console's whole queue (no filter), as one SQLite statement with its values inline."""
    from sqlalchemy import create_engine, select
    from sqlalchemy.dialects import sqlite

    from mediator.store.base import QueueQuery
    from mediator.store.sql.queue import QUEUE_COLUMNS, c, conditions

    engine = create_engine(f"sqlite:///file:{db}?mode=ro&uri=true")
    try:
        with engine.connect() as conn:
            where = conditions(conn, QueueQuery())
    finally:
        engine.dispose()
    stmt = select(*QUEUE_COLUMNS).where(*where).order_by(c.urgency_at, c.id)
    compiled = stmt.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True})
    return str(compiled)


def connect(db: str) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{db}?mode=ro", uri=True)


def prepare(db: str, parquet: str) -> None:
    """Print the queue's SQL and row count; write the rows to `parquet` unless it is there."""
    sql = queue_sql(db)
    path = Path(parquet)
    rows = 0
    if not path.exists():
        import pyarrow as pa
        import pyarrow.parquet as pq

        conn = connect(db)
        declared = {r[1]: str(r[2]).upper() for r in conn.execute("PRAGMA table_info(disputes)")}
        cursor = conn.execute(sql)
        names = [d[0] for d in cursor.description]
        schema = pa.schema(
            [(n, pa.int64() if "INT" in declared.get(n, "") else pa.string()) for n in names]
        )
        part = path.with_suffix(".part")
        with pq.ParquetWriter(str(part), schema) as writer:
            while batch := cursor.fetchmany(BATCH):
                columns = list(zip(*batch, strict=True))
                writer.write_batch(pa.record_batch(columns, schema=schema))
                rows += len(batch)
        conn.close()
        part.rename(path)
    else:
        conn = connect(db)
        rows = int(conn.execute(f"SELECT count(*) FROM ({sql})").fetchone()[0])
        conn.close()
    emit({"sql": sql, "rows": rows})


def peer_app(source: str, sql: str | None) -> Any:
    """A bare app with one fastdatatable `DataTable`: over `source` (a Parquet file), or over the
    records of `sql` on the SQLite file `source`, fetched by a thread worker."""
    from textual import work
    from textual.app import App, ComposeResult
    from textual_fastdatatable import DataTable

    class Peer(App[None]):
        def compose(self) -> ComposeResult:
            if sql is None:
                yield DataTable(data=Path(source))

        def on_mount(self) -> None:
            if sql is not None:
                self.fetch()

        @work(thread=True, exit_on_error=True)
        def fetch(self) -> None:
            conn = connect(source)
            cursor = conn.execute(sql or "")
            labels: list[Any] = [d[0] for d in cursor.description]
            records = cursor.fetchall()
            conn.close()
            self.call_from_thread(self.show, records, labels)

        def show(self, records: list[Any], labels: list[Any]) -> None:
            self.mount(DataTable(data=records, column_labels=labels))

    return Peer()


async def start_peer(source: str, sql: str | None) -> None:
    from textual_fastdatatable import DataTable

    app = peer_app(source, sql)

    def rows() -> int:
        tables = app.query(DataTable)
        return int(tables.first().row_count) if tables else 0

    frames = Frames(app, lambda: rows() > 0)
    async with app.run_test(size=SIZE):
        ok = await until_frame(frames, timeout=600)
        shown = rows()
    emit({"ms": (ok - T0) * 1000, "rows": shown, "rss_mb": peak_rss_mb()})


def console(db: str) -> None:
    """`_probe.py start-app`, unchanged, with the peak RSS added to what it prints."""
    _probe.T0 = T0  # this process's start, not the later import of `_probe`
    plain = _probe.emit
    _probe.emit = lambda result: plain({**result, "rss_mb": peak_rss_mb()})
    asyncio.run(_probe.start_app(db))


def main(argv: list[str]) -> None:
    what, args = argv[0], argv[1:]
    if what == "prepare":
        prepare(args[0], args[1])
    elif what == "parquet":
        asyncio.run(start_peer(args[0], None))
    elif what == "sqlite":
        asyncio.run(start_peer(args[0], args[1]))
    elif what == "console":
        console(args[0])
    else:
        raise SystemExit(f"unknown probe {what!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
