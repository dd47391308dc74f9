"""Upgrading a store in place: the Alembic revisions in `alembic/`, run from `SqlStore.open`.

The schema is created and upgraded by Alembic on SQLite and PostgreSQL alike. The migration
scripts ship inside the package (`alembic/env.py`, `alembic/versions/`) and run programmatically:
`engine.ensure_schema` hands `upgrade` its open connection, inside a write transaction that holds
the schema lock, so a migration is all or nothing and two consoles never run it at once. No
`alembic.ini` is involved; the `Config` is built here. This module imports Alembic, so the engine
imports it only when the store is not at `schema.HEAD_REVISION` already.

Stores from before Alembic (`meta.schema_version` 1 to 4, no `alembic_version` table) are
bridged: the hand-written steps below bring versions 1 and 2 to 3 (they are history, kept as they
were), then the revision matching the version is stamped and Alembic upgrades from there. Every
revision keeps `meta.schema_version` up to date as well, so a release from before Alembic, which
only reads that number, refuses a store it does not understand.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.util.exc import CommandError
from sqlalchemy import Connection, select, text, update

from mediator.store.base import StoreUnavailable
from mediator.store.sql.engine import one_line
from mediator.store.sql.rows import derived_values
from mediator.store.sql.schema import REVISIONS, disputes, info_requests, meta
from mediator.store.sql.writes import get_dispute

#: The Alembic scripts: `env.py`, `script.py.mako` and `versions/`, inside this package.
SCRIPT_LOCATION = Path(__file__).with_name("alembic")
#: The last version the hand-written steps reach; Alembic's baseline revision is this schema.
BASELINE_VERSION = 3
#: Alembic's `context` and `op` are process-wide proxies: one migration at a time per process
#: (the schema lock only keeps apart connections to the same store).
_ALEMBIC_LOCK = threading.Lock()
#: Disputes recomputed per round when a step derives columns from whole records.
_BATCH = 500

# -- the SQLite search index of schema v3 (frozen: shared by `_v2_to_v3` and the baseline) -------

_FTS_COLUMNS = ("id", "order_title", "buyer_name", "seller_name")
_COLS = ", ".join(_FTS_COLUMNS)
_NEW = ", ".join(f"new.{col}" for col in _FTS_COLUMNS)
_OLD = ", ".join(f"old.{col}" for col in _FTS_COLUMNS)

#: The FTS5 trigram index over the searched columns of `disputes`, and the triggers that keep it
#: in step. A change to the index is a new revision, never an edit here.
SQLITE_FTS_DDL = (
    f"CREATE VIRTUAL TABLE disputes_fts USING fts5({_COLS}, content='disputes', "
    "content_rowid='rowid', tokenize='trigram')",
    "CREATE TRIGGER disputes_fts_ai AFTER INSERT ON disputes BEGIN "
    f"INSERT INTO disputes_fts(rowid, {_COLS}) VALUES (new.rowid, {_NEW}); END",
    "CREATE TRIGGER disputes_fts_ad AFTER DELETE ON disputes BEGIN "
    f"INSERT INTO disputes_fts(disputes_fts, rowid, {_COLS}) "
    f"VALUES ('delete', old.rowid, {_OLD}); END",
    f"CREATE TRIGGER disputes_fts_au AFTER UPDATE OF {_COLS} ON disputes BEGIN "
    f"INSERT INTO disputes_fts(disputes_fts, rowid, {_COLS}) "
    f"VALUES ('delete', old.rowid, {_OLD}); "
    f"INSERT INTO disputes_fts(rowid, {_COLS}) VALUES (new.rowid, {_NEW}); END",
)
SQLITE_FTS_DROP = (
    "DROP TRIGGER IF EXISTS disputes_fts_au",
    "DROP TRIGGER IF EXISTS disputes_fts_ad",
    "DROP TRIGGER IF EXISTS disputes_fts_ai",
    "DROP TABLE IF EXISTS disputes_fts",
)


def create_sqlite_fts(conn: Connection) -> None:
    """Create (and fill from `disputes`) the v3 search index; nothing to do on PostgreSQL."""
    if conn.dialect.name != "sqlite":
        return
    for statement in SQLITE_FTS_DDL:
        conn.exec_driver_sql(statement)
    conn.exec_driver_sql("INSERT INTO disputes_fts(disputes_fts) VALUES ('rebuild')")


# -- before Alembic: versions 1 and 2 -----------------------------------------------------------


def _v1_to_v2(conn: Connection) -> None:
    """Policy deadlines: `info_requests`, `deadline_rule`, `flagged_count`; the queue's sort key
    `urgency_at` becomes the next running deadline instead of the escalation time.

    The new columns are filled by `recompute_derived` once the store is at the current schema
    (`upgrade`): it reads disputes as this release does, with columns later revisions add."""
    info_requests.create(conn)
    # the table as it is now carries the index revision 9 adds (issue 17): that revision makes it
    conn.execute(text("DROP INDEX IF EXISTS ix_info_requests_asked_at"))
    conn.execute(text("ALTER TABLE disputes ADD COLUMN deadline_rule VARCHAR"))
    conn.execute(text("ALTER TABLE disputes ADD COLUMN flagged_count INTEGER NOT NULL DEFAULT 0"))


def recompute_derived(conn: Connection) -> int:
    """Recompute every dispute's derived columns (deadline, flags); returns how many."""
    c = disputes.c
    last = ""
    done = 0
    while True:
        ids = conn.scalars(select(c.id).where(c.id > last).order_by(c.id).limit(_BATCH)).all()
        if not ids:
            return done
        for dispute_id in ids:
            record = get_dispute(conn, dispute_id)
            conn.execute(update(disputes).where(c.id == dispute_id).values(derived_values(record)))
        done += len(ids)
        last = ids[-1]


def _v2_to_v3(conn: Connection) -> None:
    """Search that scales: the SQLite FTS5 trigram index over id, title and party names."""
    create_sqlite_fts(conn)


#: from-version → the hand-written step that brings a store to from-version + 1.
STEPS: dict[int, Callable[[Connection], None]] = {1: _v1_to_v2, 2: _v2_to_v3}


def migrate(conn: Connection, version: int, target: int) -> None:
    """Run every hand-written step from `version` to `target` (at most `BASELINE_VERSION`)."""
    for step in range(version, target):
        STEPS[step](conn)
    conn.execute(update(meta).where(meta.c.key == "schema_version").values(value=str(target)))


# -- Alembic ----------------------------------------------------------------------------------


#: The search indexes, which `schema.metadata` does not describe (`search.py`), and the
#: queue's expression indexes on folded names (`v11_queue_sort`, `queue.folded`).
SORT_PREFIX = "ix_disputes_sort_"
_SEARCH_OBJECTS = ("disputes_fts", "ix_disputes_search", SORT_PREFIX)


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Autogenerate's filter: leave out the search indexes (FTS5 and its shadow tables on SQLite,
    the trigram index on PostgreSQL) and the sort's expression indexes, which are managed by
    hand in the revisions."""
    return name is None or not name.startswith(_SEARCH_OBJECTS)


def alembic_config(conn: Connection | None = None) -> Config:
    """The Alembic configuration of this package; `conn` is the connection `env.py` migrates."""
    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    if conn is not None:
        config.attributes["connection"] = conn
    return config


def upgrade(conn: Connection, revision: str | None, version: int | None, target: str) -> None:
    """Bring the store on `conn` from `revision` (Alembic's) / `version` (`meta`) to `target`.

    `revision` None: an empty database (`version` None), created by the revisions from scratch,
    or a store from before Alembic, bridged as the module docstring says. The caller holds the
    write transaction and the schema lock, and checked that both are older than `target`.
    """
    config = alembic_config(conn)
    try:
        with _ALEMBIC_LOCK:
            derive = False
            if revision is None and version is not None:
                if version < BASELINE_VERSION:
                    migrate(conn, version, BASELINE_VERSION)  # 1 or 2, see `engine.needs_upgrade`
                    derive = version < 2  # `_v1_to_v2` added the derived columns, empty
                    version = BASELINE_VERSION
                command.stamp(config, REVISIONS[version])
            command.upgrade(config, target)
            if derive:
                recompute_derived(conn)
    except CommandError as exc:
        raise StoreUnavailable(f"schema migration failed: {one_line(exc)}") from None
