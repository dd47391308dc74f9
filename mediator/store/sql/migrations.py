"""Upgrading an older store in place, one schema version at a time, inside one transaction.

Hand-written steps rather than Alembic: the schema is small, there is one linear history, and
the same step has to run on SQLite and PostgreSQL from `SqlStore.open` without a migrations
directory on disk. Each step is idempotent only as part of its transaction: it either completes
and bumps `meta.schema_version`, or nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, select, text, update

from mediator.store.sql.rows import derived_values
from mediator.store.sql.schema import disputes, idempotency_keys, info_requests, meta, staff
from mediator.store.sql.search import create_search_index
from mediator.store.sql.writes import get_dispute

#: Disputes recomputed per round when a step derives columns from whole records.
_BATCH = 500


def _v1_to_v2(conn: Connection) -> None:
    """Policy deadlines: `info_requests`, `deadline_rule`, `flagged_count`; the queue's sort key
    `urgency_at` becomes the next running deadline instead of the escalation time."""
    info_requests.create(conn)
    conn.execute(text("ALTER TABLE disputes ADD COLUMN deadline_rule VARCHAR"))
    conn.execute(text("ALTER TABLE disputes ADD COLUMN flagged_count INTEGER NOT NULL DEFAULT 0"))
    recompute_derived(conn)


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
    create_search_index(conn)


def _v3_to_v4(conn: Connection) -> None:
    """Team scale: staff with hashed API tokens, and the idempotency keys of decisions."""
    staff.create(conn)
    idempotency_keys.create(conn)


#: from-version → the step that brings a store to from-version + 1.
STEPS: dict[int, Callable[[Connection], None]] = {1: _v1_to_v2, 2: _v2_to_v3, 3: _v3_to_v4}


def migrate(conn: Connection, version: int, target: int) -> None:
    """Run every step from `version` to `target` on `conn` (the caller's write transaction)."""
    for step in range(version, target):
        STEPS[step](conn)
    conn.execute(update(meta).where(meta.c.key == "schema_version").values(value=str(target)))
