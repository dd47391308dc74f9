"""The change feed's write side (issue 15): every write records what it changed, in its own
transaction, and on PostgreSQL announces it with NOTIFY, which is delivered when (and only if)
that transaction commits.

`record_change` is called by every write (`deciding`, `writes`, `claims`, `imports`); the feed
that reads the rows (SQLite) or the notifications (PostgreSQL) is `sql.feed`.

The NOTIFY channel is named after the schema the store lives in (`CHANNEL`): PostgreSQL's
channels are per database, and two stores in two schemas of one database (a test run, a staging
copy) must not hear each other. The payload is the change as JSON, built by the same statement
that inserts the row (its `seq` is only known there), and read back by the `Change` model.

Old rows are pruned every `PRUNE_EVERY` changes, down to the last `KEEP`: a feed reads only the
newest rows, and the table must not grow with the store's history.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    Connection,
    Select,
    String,
    Text,
    bindparam,
    cast,
    delete,
    func,
    insert,
    literal_column,
    select,
)

from mediator.domain.changes import ChangeKind
from mediator.store.sql.schema import UtcDateTime, changes, db_now

#: The changes kept after a prune, and how often (in changes) a write prunes.
KEEP = 10_000
PRUNE_EVERY = 1_000
#: The NOTIFY channel of the store in the current schema (an identifier of at most 63 bytes,
#: whatever the schema's name): `SELECT` it to `LISTEN` on it.
CHANNEL = "'mediator_changes_' || md5(current_schema())"

_c = changes.c


def _channel() -> ColumnElement[str]:
    return literal_column(CHANNEL, type_=String())


def _payload(new: CTE) -> ColumnElement[str]:
    """The change as JSON (`domain.changes.Change`): `at` as UTC with its offset."""
    return cast(
        func.json_build_object(
            "kind",
            new.c.kind,
            "dispute_id",
            new.c.dispute_id,
            "actor",
            new.c.actor,
            "at",
            literal_column(f"{new.name}.at AT TIME ZONE 'UTC'"),
            "seq",
            new.c.seq,
        ),
        Text(),
    )


def notified(new: CTE) -> Select[Any]:
    """`SELECT seq, pg_notify(channel, payload) FROM new`: the statement whose CTE `new` inserts
    a row into `changes` (RETURNING all its columns), and announces it at commit."""
    return select(new.c.seq, func.pg_notify(_channel(), _payload(new))).select_from(new)


_at = func.coalesce(bindparam("c_at", type_=UtcDateTime()), db_now())
_INSERT = insert(changes).values(
    kind=bindparam("c_kind"),
    dispute_id=bindparam("c_dispute_id"),
    actor=bindparam("c_actor"),
    at=_at,
)
_PG_RECORD = notified(_INSERT.returning(*changes.c).cte("new_change"))
_PRUNE = delete(changes).where(_c.seq <= bindparam("upto"))


def change_params(
    kind: ChangeKind, dispute_id: str | None, actor: str | None, at: datetime | None
) -> dict[str, Any]:
    """The bound values of a change (`c_…`), for `record_change` and statements that embed it."""
    return {"c_kind": kind.value, "c_dispute_id": dispute_id, "c_actor": actor, "c_at": at}


def record_change(
    conn: Connection,
    kind: ChangeKind,
    dispute_id: str | None,
    actor: str | None,
    at: datetime | None,
) -> int:
    """Record a change in the caller's transaction (and NOTIFY it on PostgreSQL); its `seq`.
    `at` None: the database's clock."""
    params = change_params(kind, dispute_id, actor, at)
    if conn.dialect.name == "postgresql":
        seq = int(conn.execute(_PG_RECORD, params).scalar_one())
    else:
        key = conn.execute(_INSERT, params).inserted_primary_key
        seq = int(key[0]) if key is not None else 0
    prune(conn, seq)
    return seq


def prune(conn: Connection, seq: int) -> None:
    """Every `PRUNE_EVERY`-th change: delete all but the last `KEEP` changes."""
    if seq % PRUNE_EVERY == 0 and seq > KEEP:
        conn.execute(_PRUNE, {"upto": seq - KEEP})
