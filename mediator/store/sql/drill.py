"""The queue's drill-down filters (issue 17): the predicates behind each dashboard figure.

The summary (`report.py`) counts with these very predicates (the auto-escalation tallies as
the two index counts they come to: openings in the window, breaches by cause), so a figure
and the disputes it opens cannot disagree; tests/store/test_sql_report.py checks each one.
Portable SQL: the few functions SQLite and PostgreSQL spell differently (a JSON field, seconds
between two times) are compiled per dialect here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, literal, literal_column, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import Float, String

from mediator.domain.queue import QueueQuery
from mediator.domain.report import DeadlineFilter, DecidedFilter, Proposals, Tally
from mediator.domain.review import ReviewState
from mediator.store.sql.schema import UtcDateTime, decisions, disputes, info_requests

d = disputes.c
dc = decisions.c
q = info_requests.c

#: Review states of a standing decision (money moves on it); an empty `review` is one too.
STANDING = (ReviewState.NOT_REQUIRED.value, ReviewState.APPROVED.value)
#: The flagged disputes, spelt as the partial index `ix_disputes_flagged` is (a literal 0: a
#: bound parameter would not match the index's condition).
FLAGGED = d.flagged_count > literal_column("0")
#: A decision that moved money back: a refund or a fee refund.
REFUNDED = or_(func.coalesce(dc.refund_minor, 0) > 0, func.coalesce(dc.fee_refund_minor, 0) > 0)
#: How long after its start each tallied deadline falls due (`domain.deadlines`).
DUE_AFTER = {
    "STAFF-48H": timedelta(hours=48),
    "P-INFO-7D": timedelta(days=7),
    "P-ESC-SELLER-SILENT": timedelta(hours=24),
    "P-ESC-STALE": timedelta(hours=72),
}
#: The escalation cause that breaches each auto-escalation rule (`EscalationCause`).
BREACH_CAUSE = {"P-ESC-SELLER-SILENT": "seller_silent", "P-ESC-STALE": "stale"}


class json_text(FunctionElement[str]):
    """`document ->> key` of a JSON object kept as text (NULL when absent)."""

    type = String()
    inherit_cache = True


@compiles(json_text, "sqlite")
def _sqlite_json_text(element: json_text, compiler: SQLCompiler, **kw: Any) -> str:
    column, key = list(element.clauses)
    return f"json_extract({compiler.process(column, **kw)}, {compiler.process(key, **kw)})"


@compiles(json_text)
def _pg_json_text(element: json_text, compiler: SQLCompiler, **kw: Any) -> str:
    column, key = list(element.clauses)
    return f"(CAST({compiler.process(column, **kw)} AS JSON) ->> {compiler.process(key, **kw)})"


def json_key(column: Any, key: str, dialect: str) -> json_text:
    return json_text(column, literal(f"$.{key}" if dialect == "sqlite" else key))


class seconds_between(FunctionElement[float]):
    """`later - earlier` in seconds (a float) for two `UtcDateTime` values."""

    type = Float()
    inherit_cache = True


@compiles(seconds_between, "sqlite")
def _sqlite_seconds(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = (compiler.process(x, **kw) for x in element.clauses)
    # julianday keeps ~50 µs; rounded to the millisecond, equal times compare equal
    return f"round((julianday({later}) - julianday({earlier})) * 86400.0, 3)"


@compiles(seconds_between)
def _pg_seconds(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = (compiler.process(x, **kw) for x in element.clauses)
    return f"CAST(EXTRACT(EPOCH FROM ({later} - {earlier})) AS DOUBLE PRECISION)"


def utc(value: datetime) -> Any:
    return literal(value, UtcDateTime())


def review_state(dialect: str) -> ColumnElement[str]:
    return func.coalesce(json_key(dc.review, "state", dialect), ReviewState.NOT_REQUIRED.value)


#: How nearly every decision's `review` is stored: final when written (`json.dumps` of the
#: model's default), or empty (written before issue 16). Matching the text first spares the
#: JSON parse on all but the few reviewed ones.
PLAIN_REVIEWS = ('{"state": "not_required"}', "{}")


def _kind_condition(kind: Proposals, dialect: str) -> ColumnElement[bool]:
    state = review_state(dialect)
    if kind is Proposals.STANDING:
        return or_(dc.review.in_(PLAIN_REVIEWS), state.in_(STANDING))
    return and_(
        dc.review.not_in(PLAIN_REVIEWS),
        state
        == (
            ReviewState.OVERTURNED.value
            if kind is Proposals.OVERTURNED
            else ReviewState.RETURNED.value
        ),
    )


def decided_conditions(f: DecidedFilter, dialect: str) -> list[ColumnElement[bool]]:
    """The decision rows `f` selects (without tying them to a dispute)."""
    where = [_kind_condition(f.kind, dialect)]
    if f.start is not None:
        where.append(dc.decided_at >= utc(f.start))
    if f.end is not None:
        where.append(dc.decided_at < utc(f.end))
    if f.by:
        where.append(dc.decided_by == f.by)
    if f.outcome is not None:
        where.append(dc.outcome == f.outcome.value)
    if f.currency:
        where.append(dc.currency == f.currency)
    if f.refunded:
        where.append(REFUNDED)
    return where


def decided_filter(f: DecidedFilter, dialect: str) -> ColumnElement[bool]:
    """Disputes with a decision `f` selects (the queue's drill-down)."""
    return d.id.in_(select(dc.dispute_id).where(*decided_conditions(f, dialect)))


@dataclass(frozen=True, slots=True)
class Tallied:
    """How one deadline is tallied: the rows it lives on (`table`, one per dispute or per
    information request), which of them fell due in the window (`due`), which were met, and
    the dispute each belongs to."""

    table: Any
    due: tuple[ColumnElement[bool], ...]
    met: ColumnElement[bool]
    dispute: Any
    #: The indexed column `due` ranges over, and the range: tallies on one column of one
    #: table are counted in one pass.
    column: Any = None
    low: datetime | None = None
    high: datetime | None = None


def tallied(rule: str, start: datetime, end: datetime, now: datetime) -> Tallied:
    """The deadline `rule` for the ones due in `[start, min(end, now))` (see the definitions in
    `domain.report`): one index range on its start time, and what "met" means."""
    after = DUE_AFTER[rule]
    first, last = start - after, min(end, now) - after
    low, high = utc(first), utc(last)
    if rule == "P-INFO-7D":
        answered = and_(
            q.answered_at.is_not(None),
            seconds_between(q.answered_at, q.asked_at) <= after.total_seconds(),
        )
        return Tallied(
            info_requests, (q.asked_at >= low, q.asked_at < high), answered, q.dispute_id
        )
    if rule == "STAFF-48H":
        # the dispute's first decision or proposal, from the (escalated_at, first_decided_at)
        # index: no row and no decision is read per dispute
        in_time = and_(
            d.first_decided_at.is_not(None),
            seconds_between(d.first_decided_at, d.escalated_at) <= after.total_seconds(),
        )
        return Tallied(disputes, (d.escalated_at >= low, d.escalated_at < high), in_time, d.id)
    if rule in BREACH_CAUSE:
        not_breached = func.coalesce(d.escalation_cause, "") != BREACH_CAUSE[rule]
        due = (d.opened_at >= low, d.opened_at < high)
        return Tallied(disputes, due, not_breached, d.id, d.opened_at, first, last)
    raise ValueError(f"no tally for {rule}")


def deadline_filter(f: DeadlineFilter) -> ColumnElement[bool]:
    """Disputes whose `f.rule` deadline fell due in the window and was met or breached."""
    t = tallied(f.rule, f.start, f.end, f.now)
    side = t.met if f.tally is Tally.MET else ~t.met
    if t.table is disputes:
        return and_(*t.due, side)
    return d.id.in_(select(t.dispute).where(*t.due, side))


def drill_conditions(query: QueueQuery, dialect: str) -> list[ColumnElement[bool]]:
    """The queue's issue-17 filters: overdue, a decision filter, a deadline tally."""
    where: list[ColumnElement[bool]] = []
    if query.overdue_at is not None:
        where.append(d.urgency_at <= utc(query.overdue_at))
    if query.decided is not None:
        where.append(decided_filter(query.decided, dialect))
    if query.deadline is not None:
        where.append(deadline_filter(query.deadline))
    return where
