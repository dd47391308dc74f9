"""Reading the escalation queue: keyset pages on `(urgency_at, id)` and counts (Core rows only).

Never OFFSET: a page is "the `limit` rows after (or before) this key", which costs the same at
row 10 and at row 1,000,000 with the `(status, urgency_at, id)` / `(urgency_at, id)` indexes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    exists,
    func,
    literal,
    literal_column,
    select,
    tuple_,
)

from mediator.domain import QUEUE_STATUSES, Status
from mediator.domain.claims import ClaimFilter
from mediator.domain.queue import SORTED_CHARS, SortKey, sort_position
from mediator.store.base import (
    COUNT_CAP,
    QueueCounts,
    QueueKey,
    QueuePage,
    QueueQuery,
    QueueRow,
)
from mediator.store.sql.claims import StoreClock, claim_filter, store_now
from mediator.store.sql.drill import FLAGGED, drill_conditions
from mediator.store.sql.rows import queue_row
from mediator.store.sql.schema import UtcDateTime, disputes
from mediator.store.sql.search import index_candidates, text_filter

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
    c.claimed_by,
    c.claimed_since,
    c.claimed_until,
    c.claimed_from,
    c.returned_to,
    c.decided_at,
    c.decided_by,
)

#: The default order's columns (the `(status, urgency_at, id)` / `(urgency_at, id)` indexes).
sort_key = tuple_(c.urgency_at, c.id)


def folded(column: ColumnElement[str], dialect: str) -> ColumnElement[str]:
    """A name as the queue sorts it (`domain.queue.fold`): ASCII letters folded, compared by
    code point. PostgreSQL's `lower()` under "C" folds ASCII only, as SQLite's does; the index
    (`v11_queue_sort`) is built on this very expression."""
    # the lengths as literals, not parameters: an expression index is matched to the query's
    # expression as written (SQLite never matches a bound parameter)
    chars: ColumnElement[int] = literal_column(str(SORTED_CHARS))
    if dialect == "postgresql":
        return func.lower(func.left(column, chars).collate("C"))
    return func.lower(func.substr(column, literal_column("1"), chars))


#: `domain.queue.NOT_DECIDED` as each database holds it (naive UTC), in the index's very words
#: (revision v13_decided).
_NOT_DECIDED = {"sqlite": "'0001-01-01 00:00:00.000000'", "postgresql": "TIMESTAMP '0001-01-01'"}


def decided_key(dialect: str) -> ColumnElement[datetime]:
    """The decision time as the resolved list sorts it (issue 22): without a decision, before
    every decision (`NOT_DECIDED`); the index `ix_disputes_sort_decided` is on this expression."""
    never: ColumnElement[datetime] = literal_column(_NOT_DECIDED[dialect], UtcDateTime())
    return func.coalesce(c.decided_at, never, type_=UtcDateTime())


def order_columns(sort: SortKey, dialect: str) -> list[ColumnElement[Any]]:
    """The columns of `sort`'s order, ascending; each order is one index's columns."""
    tail: list[ColumnElement[Any]] = [c.urgency_at, c.id]
    match sort:
        case SortKey.DUE:
            return tail
        case SortKey.ID:
            return [c.id]
        case SortKey.REASON:
            return [c.reason, *tail]
        case SortKey.AMOUNT:
            return [c.currency, c.price_minor, *tail]
        case SortKey.BUYER:
            return [folded(c.buyer_name, dialect), *tail]
        case SortKey.SELLER:
            return [folded(c.seller_name, dialect), *tail]
        case SortKey.STATUS:
            return [c.status, *tail]
        case SortKey.EVIDENCE:
            return [c.evidence_count, *tail]
        case SortKey.FLAGS:
            return [c.flagged_count, *tail]
        case SortKey.TITLE:
            return [folded(c.order_title, dialect), *tail]
        case SortKey.DECIDED:
            return [decided_key(dialect), *tail]
    raise ValueError(f"unknown sort {sort!r}")  # pragma: no cover


class Order:
    """`query`'s order on `dialect`: the columns, and comparisons with a key in display terms
    (`later`: shown below the key), whichever the direction."""

    def __init__(self, query: QueueQuery, dialect: str) -> None:
        self.sort = query.sort
        self.ascending = not query.descending
        self.columns = order_columns(query.sort, dialect)
        self.row = tuple_(*self.columns)

    def _bound(self, key: QueueKey) -> ColumnElement[tuple[object, ...]]:
        values = sort_position(key, self.sort)
        if len(values) != len(self.columns):
            raise ValueError(f"a key of another order than {self.sort.value!r}")
        return tuple_(
            *(literal(v, UtcDateTime()) if isinstance(v, datetime) else literal(v) for v in values)
        )

    def later(self, key: QueueKey, *, inclusive: bool = False) -> ColumnElement[bool]:
        bound = self._bound(key)
        if self.ascending:
            return self.row >= bound if inclusive else self.row > bound
        return self.row <= bound if inclusive else self.row < bound

    def earlier(self, key: QueueKey, *, inclusive: bool = False) -> ColumnElement[bool]:
        bound = self._bound(key)
        if self.ascending:
            return self.row <= bound if inclusive else self.row < bound
        return self.row >= bound if inclusive else self.row > bound

    def by(self, forward: bool) -> list[ColumnElement[Any]]:
        """ORDER BY for reading down the display (`forward`) or up it."""
        up = forward == self.ascending
        return [col if up else col.desc() for col in self.columns]


#: How a search is read on SQLite, by how many disputes the FTS index finds (issue 4):
#: at most FEW_CANDIDATES: from the index outward (look each one up, sort them);
#: more than MANY_CANDIDATES: walk the queue in urgency order testing each row (the needle is so
#: common that the first page is found in a few hundred rows, while listing every match from
#: the index first costs a quarter of a second at a million disputes);
#: in between: the planner's choice over the index's list of matches.
FEW_CANDIDATES = 3_000
MANY_CANDIDATES = 5_000
#: Counting stops at `COUNT_CAP` matches, ten times a page: it walks only when matches are
#: denser still (above this many, about 5 % of a million disputes).
MANY_TO_COUNT = 50_000


class Plan(Enum):
    PLAIN = "plain"
    FROM_INDEX = "from_index"
    WALK = "walk"


def conditions(
    conn: Connection,
    query: QueueQuery,
    *,
    plan: Plan = Plan.PLAIN,
    now: Callable[[], datetime] | None = None,
    walking: SortKey = SortKey.DUE,
) -> list[ColumnElement[bool]]:
    """WHERE clauses for `query`: statuses (IN), reasons (IN, empty = all), text (`search`),
    flagged, and claims (mine / unclaimed, by the store's clock: `now()`).

    `FROM_INDEX` and `WALK` (SQLite) write the status test `+status`, which keeps SQLite's
    planner off the `(status, urgency_at, id)` index (hundreds of thousands of entries at a
    million disputes): it then reads the rows the search index found, or walks
    `(urgency_at, id)` in order and stops at the page's end. A page read in another order
    (`walking`, issue 19; counts and claims never are) writes it `+status` too: the page is
    read walking that order's index, not sorted from a range of the status index (SQLite
    would guess an equality on `status` to be selective).
    """
    # the decision time's index begins with the status (a resolved list is one status)
    sorted_ = walking not in (SortKey.DUE, SortKey.DECIDED) and conn.dialect.name == "sqlite"
    plain = plan is Plan.PLAIN and not sorted_
    status = c.status if plain else literal_column("+disputes.status")
    where: list[ColumnElement[bool]] = [status.in_(sorted(s.value for s in query.statuses))]
    if query.reasons:
        where.append(c.reason.in_(sorted(r.value for r in query.reasons)))
    text = text_filter(conn, query.text, use_index=plan is not Plan.WALK)
    if text is not None:
        where.append(text)
    if query.flagged_only:
        where.append(FLAGGED)
    if query.claims is not ClaimFilter.ALL:
        if now is None:
            raise ValueError("a claim filter needs the store's clock")
        held = claim_filter(query, now())
        if held is not None:
            where.append(held)
    where.extend(drill_conditions(query, conn.dialect.name))
    return where


class StoreTime:
    """The store's "now", read at most once per call (and only when a claim is in play)."""

    def __init__(self, conn: Connection, clock: StoreClock) -> None:
        self._conn, self._clock = conn, clock
        self._now: datetime | None = None

    def __call__(self) -> datetime:
        if self._now is None:
            self._now = store_now(self._conn, self._clock)
        return self._now


def queue_page(
    conn: Connection,
    query: QueueQuery,
    *,
    after: QueueKey | None = None,
    before: QueueKey | None = None,
    from_end: bool = False,
    limit: int = 100,
    clock: StoreClock = None,
) -> QueuePage:
    """Up to `limit` rows in `query`'s order (see `Store.queue_page`); keys are in that order
    (`QueueRow.key_for(query.sort)`)."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    if after is not None and before is not None:
        raise ValueError("give `after` or `before`, not both")
    forward = after is not None or (before is None and not from_end)
    order = Order(query, conn.dialect.name)
    plan = search_plan(conn, query)
    if plan is Plan.WALK and query.sort is SortKey.DUE and forward != order.ascending:
        # walking back from the end would first pass every resolved dispute (they sort last)
        plan = Plan.PLAIN
    now = StoreTime(conn, clock)
    where = conditions(conn, query, plan=plan, now=now, walking=query.sort)
    stmt = select(*QUEUE_COLUMNS).where(*where)
    if after is not None:
        stmt = stmt.where(order.later(after))
    if before is not None:
        stmt = stmt.where(order.earlier(before))
    stmt = stmt.order_by(*order.by(forward))
    fetched = list(conn.execute(stmt.limit(limit + 1)))
    more = len(fetched) > limit
    fetched = fetched[:limit]
    if not forward:
        fetched.reverse()
    rows = tuple(queue_row(r, now) for r in fetched)

    def any_where(cond: ColumnElement[bool], *, from_start: bool) -> bool:
        if query.sort is SortKey.DECIDED:
            # SQLite does not read `status = ? AND (decided, urgency_at, id) > (…)` as a range of
            # `ix_disputes_sort_decided` and would walk the status from its undecided end (half
            # a million rows): look from the end where the rows asked for are, in the order
            found = select(literal(1)).select_from(disputes).where(*where, cond)
            return conn.scalar(found.order_by(*order.by(from_start)).limit(1)) is not None
        return bool(conn.scalar(select(exists().where(*where, cond))))

    def key(row: QueueRow) -> QueueKey:
        return row.key_for(query.sort)

    if forward:
        has_after = more
        has_before = False
        if after is not None:
            has_before = any_where(
                order.earlier(key(rows[0])) if rows else order.earlier(after, inclusive=True),
                from_start=True,
            )
    else:
        has_before = more
        has_after = False
        if before is not None:
            has_after = any_where(
                order.later(key(rows[-1])) if rows else order.later(before, inclusive=True),
                from_start=False,
            )
    return QueuePage(rows=rows, has_before=has_before, has_after=has_after)


def queue_counts(
    conn: Connection,
    query: QueueQuery,
    *,
    now: datetime | None = None,
    totals: bool = True,
    clock: StoreClock = None,
) -> QueueCounts:
    """Rows matching `query` (counted up to `COUNT_CAP`), and with `totals` the whole queue by
    status and the overdue ones.

    Every count is an index range: one `(status, urgency_at, id)` range per status (a GROUP BY
    over the same index is three times slower in SQLite), and the matching count stops at the
    cap, so a filter over a million disputes costs what it costs to find 1,001 rows.
    """
    statuses = sorted(QUEUE_STATUSES)
    by_status: dict[Status, int] = {}
    overdue = 0
    if totals:
        for status in statuses:
            by_status[status] = conn.scalar(_count().where(c.status == status.value)) or 0
        if now is not None:
            overdue = sum(
                conn.scalar(_count().where(c.status == s.value, c.urgency_at <= now)) or 0
                for s in statuses
            )
    if totals and query.unsorted == QueueQuery():  # the whole queue: the totals are the answer
        return QueueCounts(matching=sum(by_status.values()), by_status=by_status, overdue=overdue)
    where = conditions(
        conn,
        query,
        plan=search_plan(conn, query, counting=True),
        now=StoreTime(conn, clock),
    )
    first = select(literal(1)).select_from(disputes).where(*where).limit(COUNT_CAP + 1).subquery()
    found = conn.scalar(select(func.count()).select_from(first)) or 0
    return QueueCounts(
        matching=min(found, COUNT_CAP),
        by_status=by_status,
        overdue=overdue,
        capped=found > COUNT_CAP,
    )


def search_plan(conn: Connection, query: QueueQuery, *, counting: bool = False) -> Plan:
    """How to read `query` (see `FEW_CANDIDATES`); counting never uses the planner's choice
    between the two: it stops at `COUNT_CAP` either way, so from the index is never slower."""
    many = MANY_TO_COUNT if counting else MANY_CANDIDATES
    found = index_candidates(conn, query.text, cap=many)
    if found is None:
        needle = query.text.strip()
        if conn.dialect.name == "sqlite" and needle and needle.isascii():
            # one or two characters (the trigram index needs three): every row is tested
            # anyway, and walking in urgency order can stop at the page's end
            return Plan.WALK
        return Plan.PLAIN
    if found > many:
        return Plan.WALK
    if found <= FEW_CANDIDATES or counting:
        return Plan.FROM_INDEX
    return Plan.PLAIN


def _count() -> Select[int]:
    return select(func.count()).select_from(disputes)
