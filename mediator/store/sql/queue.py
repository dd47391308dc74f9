"""Reading the escalation queue: keyset pages on `(urgency_at, id)` and counts (Core rows only).

Never OFFSET: a page is "the `limit` rows after (or before) this key", which costs the same at
row 10 and at row 1,000,000 with the `(status, urgency_at, id)` / `(urgency_at, id)` indexes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    Connection,
    exists,
    func,
    literal,
    select,
    tuple_,
)

from mediator.domain import QUEUE_STATUSES, Status
from mediator.store.base import QueueCounts, QueueKey, QueuePage, QueueQuery
from mediator.store.sql.rows import queue_row
from mediator.store.sql.schema import UtcDateTime, disputes
from mediator.store.sql.search import text_filter

c = disputes.c

#: The columns of a `QueueRow`, in the order `rows.queue_row` unpacks them.
QUEUE_COLUMNS = (
    c.id,
    c.status,
    c.reason,
    c.order_kind,
    c.order_title,
    c.currency,
    c.price_minor,
    c.buyer_name,
    c.seller_name,
    c.evidence_count,
    c.message_count,
    c.opened_at,
    c.escalated_at,
    c.urgency_at,
    c.version,
    c.deadline_rule,
    c.flagged_count,
)

sort_key = tuple_(c.urgency_at, c.id)


def _bound(k: QueueKey) -> ColumnElement[tuple[object, ...]]:
    return tuple_(literal(k.urgency_at, UtcDateTime()), literal(k.id))


def conditions(conn: Connection, query: QueueQuery) -> list[ColumnElement[bool]]:
    """WHERE clauses for `query`: statuses (IN), reasons (IN, empty = all), text (`search`)."""
    where: list[ColumnElement[bool]] = [c.status.in_(sorted(s.value for s in query.statuses))]
    if query.reasons:
        where.append(c.reason.in_(sorted(r.value for r in query.reasons)))
    text = text_filter(conn, query.text)
    if text is not None:
        where.append(text)
    if query.flagged_only:
        where.append(c.flagged_count > 0)
    return where


def queue_page(
    conn: Connection,
    query: QueueQuery,
    *,
    after: QueueKey | None = None,
    before: QueueKey | None = None,
    from_end: bool = False,
    limit: int = 100,
) -> QueuePage:
    """Up to `limit` rows in ascending `(urgency_at, id)` order (see `Store.queue_page`)."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    if after is not None and before is not None:
        raise ValueError("give `after` or `before`, not both")
    where = conditions(conn, query)
    forward = after is not None or (before is None and not from_end)
    stmt = select(*QUEUE_COLUMNS).where(*where)
    if after is not None:
        stmt = stmt.where(sort_key > _bound(after))
    if before is not None:
        stmt = stmt.where(sort_key < _bound(before))
    if forward:
        stmt = stmt.order_by(c.urgency_at, c.id)
    else:
        stmt = stmt.order_by(c.urgency_at.desc(), c.id.desc())
    fetched = list(conn.execute(stmt.limit(limit + 1)))
    more = len(fetched) > limit
    fetched = fetched[:limit]
    if not forward:
        fetched.reverse()
    rows = tuple(queue_row(r) for r in fetched)

    def any_where(cond: ColumnElement[bool]) -> bool:
        return bool(conn.scalar(select(exists().where(*where, cond))))

    if forward:
        has_after = more
        has_before = False
        if after is not None:
            has_before = any_where(
                sort_key < _bound(rows[0].key) if rows else sort_key <= _bound(after)
            )
    else:
        has_before = more
        has_after = False
        if before is not None:
            has_after = any_where(
                sort_key > _bound(rows[-1].key) if rows else sort_key >= _bound(before)
            )
    return QueuePage(rows=rows, has_before=has_before, has_after=has_after)


def queue_counts(
    conn: Connection, query: QueueQuery, *, now: datetime | None = None
) -> QueueCounts:
    """Rows matching `query`, the whole queue (`QUEUE_STATUSES`) by status, and overdue ones."""
    matching = conn.scalar(
        select(func.count()).select_from(disputes).where(*conditions(conn, query))
    )
    by_status: dict[Status, int] = dict.fromkeys(sorted(QUEUE_STATUSES), 0)
    grouped = conn.execute(
        select(c.status, func.count())
        .where(c.status.in_(sorted(s.value for s in QUEUE_STATUSES)))
        .group_by(c.status)
    )
    for status, n in grouped:
        by_status[Status(status)] = n
    overdue = 0
    if now is not None:  # one index range per status on (status, urgency_at, id)
        overdue = (
            conn.scalar(
                select(func.count())
                .select_from(disputes)
                .where(c.status.in_(sorted(s.value for s in QUEUE_STATUSES)), c.urgency_at <= now)
            )
            or 0
        )
    return QueueCounts(matching=matching or 0, by_status=by_status, overdue=overdue)
