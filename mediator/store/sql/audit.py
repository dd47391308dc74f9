"""The audit trail's SQL side (issue 16; `domain.audit` says what it is and how it is chained).

`append` writes one entry in the caller's transaction. It is the **last** statement of every
write that calls it: every append locks the one `audit_head` row, so appends happen in one
order, and taking that lock last (after the dispute's row) keeps writers from waiting on each
other in a circle.

- On PostgreSQL an append is one statement: `UPDATE audit_head` computes the new head with
  `sha256()` in the database (the SET sees the old head, also kept as `prev`) and the INSERT of
  the entry reads them back. The decision's one-statement write embeds the same two CTEs
  (`appended_after`), so a decision still costs one round trip.
- On SQLite the writer already holds the database's write lock (`BEGIN IMMEDIATE`): the head is
  read, the hash computed in Python, the entry inserted and the head updated.

Both compute the same hash (`domain.audit.chain_hash`): SHA-256 of the previous hash's hex text
followed by the canonical body, as UTF-8.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    Connection,
    Insert,
    String,
    and_,
    bindparam,
    exists,
    func,
    insert,
    literal_column,
    select,
    update,
)

from mediator.domain.audit import (
    AuditAction,
    AuditEntry,
    Checkpoint,
    StoredEntry,
    canonical_body,
    chain_hash,
)
from mediator.store.sql.schema import UtcDateTime, audit_head, audit_trail

_h, _t = audit_head.c, audit_trail.c

_READ_HEAD = select(_h.count, _h.head).where(_h.id == 1)
_INSERT = insert(audit_trail)
_SET_HEAD = update(audit_head).where(_h.id == 1)


def _pg_new_head() -> ColumnElement[str]:
    return func.encode(
        func.sha256(func.convert_to(_h.head.concat(bindparam("a_body", type_=String())), "UTF8")),
        "hex",
    )


def _bump(condition: ColumnElement[bool] | None = None, name: str = "audit_bumped") -> CTE:
    """`UPDATE audit_head SET count = count + 1, prev = head, head = sha256(head || body)
    RETURNING …` (only when `condition` holds), as a CTE."""
    where = [_h.id == 1] if condition is None else [_h.id == 1, condition]
    return (
        update(audit_head)
        .where(*where)
        .values(count=_h.count + 1, prev=_h.head, head=_pg_new_head())
        .returning(_h.count, _h.head, _h.prev)
        .cte(name)
    )


def _insert_from(
    bumped: CTE,
    at: ColumnElement[Any] | None = None,
    actor: ColumnElement[Any] | None = None,
    dispute_id: ColumnElement[Any] | None = None,
) -> Insert:
    values = select(
        bumped.c.count,
        bindparam("a_at", type_=UtcDateTime()) if at is None else at,
        bindparam("a_actor", type_=String()) if actor is None else actor,
        bindparam("a_action", type_=String()),
        bindparam("a_dispute_id", type_=String()) if dispute_id is None else dispute_id,
        bindparam("a_body", type_=String()),
        bumped.c.prev,
        bumped.c.head,
    ).select_from(bumped)
    columns = ["seq", "at", "actor", "action", "dispute_id", "body", "prev", "hash"]
    return insert(audit_trail).from_select(columns, values)


_PG_APPEND = _insert_from(_bump())


def appended_after(
    *sources: CTE,
    at: ColumnElement[Any] | None = None,
    actor: ColumnElement[Any] | None = None,
    dispute_id: ColumnElement[Any] | None = None,
) -> CTE:
    """For a one-statement write on PostgreSQL: the CTE that appends the entry bound as `a_…`
    (`params`) if and only if each CTE of `sources` returned a row. Add it to the statement with
    `add_cte`.

    Name every other data-modifying CTE of the statement in `sources` (with a RETURNING): the
    head's row lock is taken when its UPDATE has evaluated this condition, so everything the
    condition reads runs before it, and the lock, which puts every write of the store in one
    line, is held only for the append and the commit. A CTE the condition does not read would
    run at the end of the statement, inside that window.

    `at`, `actor` and `dispute_id` may reuse the statement's own values instead of binding them
    again: psycopg caches the parsing of a statement only up to 50 parameters, and
    the decision's statement is near that (parsing it costs ~0.5 ms of CPU)."""
    condition = and_(*(exists(select(literal_column("1")).select_from(s)) for s in sources))
    return _insert_from(_bump(condition), at, actor, dispute_id).cte("audit_appended")


def params(
    action: AuditAction,
    *,
    actor: str,
    at: datetime,
    dispute_id: str | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The bound values (`a_…`) of one entry."""
    body = canonical_body(
        action=action, actor=actor, at=at, dispute_id=dispute_id, before=before, after=after
    )
    return {
        "a_at": at,
        "a_actor": actor,
        "a_action": action.value,
        "a_dispute_id": dispute_id,
        "a_body": body,
    }


def append(
    conn: Connection,
    action: AuditAction,
    *,
    actor: str,
    at: datetime,
    dispute_id: str | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Append one entry in the caller's transaction (the last statement of the write)."""
    bound = params(action, actor=actor, at=at, dispute_id=dispute_id, before=before, after=after)
    append_params(conn, bound)


def append_params(conn: Connection, bound: dict[str, Any]) -> None:
    """Append the entry bound as `a_…` (`params`) in the caller's transaction."""
    if conn.dialect.name == "postgresql":
        conn.execute(_PG_APPEND, bound)
        return
    count, head = conn.execute(_READ_HEAD).one()
    body = bound["a_body"]
    digest = chain_hash(head, body)
    conn.execute(
        _INSERT,
        {
            "seq": count + 1,
            "at": bound["a_at"],
            "actor": bound["a_actor"],
            "action": bound["a_action"],
            "dispute_id": bound["a_dispute_id"],
            "body": body,
            "prev": head,
            "hash": digest,
        },
    )
    conn.execute(_SET_HEAD, {"count": count + 1, "head": digest, "prev": head})


# --- reading ------------------------------------------------------------------------------------


def checkpoint(conn: Connection) -> Checkpoint | None:
    row = conn.execute(_READ_HEAD).one_or_none()
    return None if row is None else Checkpoint(int(row[0]), row[1])


def _stored(row: Any) -> StoredEntry:
    return StoredEntry(
        seq=int(row.seq),
        at=row.at,
        actor=row.actor,
        action=row.action,
        dispute_id=row.dispute_id,
        body=row.body,
        prev=row.prev,
        hash=row.hash,
    )


def stored_entries(
    conn: Connection,
    *,
    since: datetime | None = None,
    dispute_id: str | None = None,
    chunk: int = 2000,
) -> Iterator[StoredEntry]:
    """Entries in `seq` order (all, or those at or after `since`, or of one dispute), read in
    chunks by key (never OFFSET, never the whole table at once)."""
    last = 0
    while True:
        query = select(audit_trail).where(_t.seq > last).order_by(_t.seq).limit(chunk)
        if since is not None:
            query = query.where(_t.at >= since)
        if dispute_id is not None:
            query = query.where(_t.dispute_id == dispute_id)
        rows = conn.execute(query).all()
        for row in rows:
            yield _stored(row)
        if len(rows) < chunk:
            return
        last = int(rows[-1].seq)


def history(conn: Connection, dispute_id: str, limit: int = 500) -> list[AuditEntry]:
    """The dispute's newest `limit` entries, oldest first (the dispute screen's history)."""
    rows = conn.execute(
        select(audit_trail).where(_t.dispute_id == dispute_id).order_by(_t.seq.desc()).limit(limit)
    ).all()
    return [_stored(row).entry() for row in reversed(rows)]
