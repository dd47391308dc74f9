"""The queue's drill-down filters (issue 17): the predicates behind each dashboard figure.

The summary's tallies (`report.py`) count with these very predicates, so a figure and the
disputes it opens can never disagree. Portable SQL: the few functions SQLite and PostgreSQL
spell differently (a JSON field, seconds between two times, a step index) are compiled per
dialect here.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, literal, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import Float, Integer, String

from mediator.domain.queue import QueueQuery
from mediator.domain.report import DeadlineFilter, DecidedFilter, Proposals, Tally
from mediator.domain.review import ReviewState
from mediator.store.sql.schema import UtcDateTime, decisions, disputes, info_requests

d = disputes.c
dc = decisions.c
q = info_requests.c

#: Review states of a standing decision (money moves on it); an empty `review` is one too.
STANDING = (ReviewState.NOT_REQUIRED.value, ReviewState.APPROVED.value)
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


class step_index(FunctionElement[int]):
    """`ceil(x) - 1` for x > 0: the step an event at `x` steps after the start belongs to, each
    step `(i, i + 1]` (an event exactly on a point belongs to the step that ends there)."""

    type = Integer()
    inherit_cache = True


@compiles(step_index, "sqlite")
def _sqlite_step(element: step_index, compiler: SQLCompiler, **kw: Any) -> str:
    (x,) = (compiler.process(c, **kw) for c in element.clauses)
    return f"(CAST({x} AS INTEGER) - (CAST({x} AS INTEGER) = {x}))"


@compiles(step_index)
def _pg_step(element: step_index, compiler: SQLCompiler, **kw: Any) -> str:
    (x,) = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(CEIL({x}) AS INTEGER) - 1"


def utc(value: datetime) -> Any:
    return literal(value, UtcDateTime())


def review_state(dialect: str) -> ColumnElement[str]:
    return func.coalesce(json_key(dc.review, "state", dialect), ReviewState.NOT_REQUIRED.value)


def _kind_condition(kind: Proposals, dialect: str) -> ColumnElement[bool]:
    state = review_state(dialect)
    if kind is Proposals.STANDING:
        return state.in_(STANDING)
    return state == (
        ReviewState.OVERTURNED.value if kind is Proposals.OVERTURNED else ReviewState.RETURNED.value
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
        where.append(
            or_(func.coalesce(dc.refund_minor, 0) > 0, func.coalesce(dc.fee_refund_minor, 0) > 0)
        )
    return where


def decided_filter(f: DecidedFilter, dialect: str) -> ColumnElement[bool]:
    """Disputes with a decision `f` selects (the queue's drill-down)."""
    return d.id.in_(select(dc.dispute_id).where(*decided_conditions(f, dialect)))


def _window(f: DeadlineFilter) -> tuple[datetime, datetime, timedelta]:
    """Deadlines due in `[start, min(end, now))`, as a range of their start times."""
    after = DUE_AFTER[f.rule]
    return f.start - after, min(f.end, f.now) - after, after


def deadline_filter(f: DeadlineFilter) -> ColumnElement[bool]:
    """Disputes whose `f.rule` deadline fell due in the window and was met or breached."""
    low, high, after = _window(f)
    if f.rule == "P-INFO-7D":
        answered = and_(
            q.answered_at.is_not(None), seconds_between(q.answered_at, q.asked_at) <= _secs(after)
        )
        met = answered if f.tally is Tally.MET else ~answered
        return d.id.in_(
            select(q.dispute_id).where(q.asked_at >= utc(low), q.asked_at < utc(high), met)
        )
    if f.rule == "STAFF-48H":
        in_time = exists().where(
            dc.dispute_id == d.id, seconds_between(dc.decided_at, d.escalated_at) <= _secs(after)
        )
        met = in_time if f.tally is Tally.MET else ~in_time
        return and_(d.escalated_at >= utc(low), d.escalated_at < utc(high), met)
    if f.rule in BREACH_CAUSE:
        breached = func.coalesce(d.escalation_cause, "") == BREACH_CAUSE[f.rule]
        return and_(
            d.opened_at >= utc(low),
            d.opened_at < utc(high),
            breached if f.tally is Tally.BREACHED else ~breached,
        )
    raise ValueError(f"no tally for {f.rule}")


def _secs(delta: timedelta) -> float:
    return delta.total_seconds()


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
