"""The shift's figures (issue 17) as SQL aggregates.

Every figure is an aggregate over an index range (`decided_at`, `escalated_at`, `opened_at`,
`asked_at`, the queue's `(status, urgency_at, id)`), never rows loaded into Python: a 30-day
summary at a million disputes reads the period's decisions, not the table. The deadline tallies
count with the queue's drill-down predicates (`drill.py`), so a figure and the disputes it
opens can never disagree. Definitions: `mediator.domain.report`.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, case, func, or_, select

from mediator.domain import QUEUE_STATUSES, Outcome, Status
from mediator.domain.money import from_minor
from mediator.domain.queue import QueueQuery
from mediator.domain.report import (
    NEXT_DEADLINES,
    AgentFigures,
    BacklogPoint,
    DeadlineFilter,
    DeadlineTally,
    DecidedFilter,
    Handling,
    MoneyBack,
    Period,
    Proposals,
    Summary,
    Tally,
    UpcomingDeadline,
    nearest_rank,
)
from mediator.domain.review import ReviewState
from mediator.store.sql import queue
from mediator.store.sql.drill import (
    DUE_AFTER,
    STANDING,
    deadline_filter,
    decided_conditions,
    json_key,
    review_state,
    seconds_between,
    step_index,
    utc,
)
from mediator.store.sql.schema import decisions, disputes

d = disputes.c
dc = decisions.c


# -- the summary ---------------------------------------------------------------------------------


def summary(conn: Connection, period: Period, now: datetime) -> Summary:
    """Every figure of the shift for `period`, by the store's clock `now` (one snapshot)."""
    dialect = conn.dialect.name
    counts = queue.queue_counts(conn, QueueQuery(), now=now)
    awaiting = conn.scalar(
        select(func.count()).select_from(disputes).where(d.status == Status.AWAITING_REVIEW.value)
    )
    flagged = conn.scalar(
        select(func.count())
        .select_from(disputes)
        .where(d.status.in_(sorted(s.value for s in QUEUE_STATUSES)), d.flagged_count > 0)
    )
    outcomes, money = _decided(conn, period, dialect)
    handling, medians = _handling(conn, period, dialect)
    return Summary(
        start=period.start,
        end=period.end,
        now=now,
        backlog=dict(counts.by_status),
        overdue=counts.overdue,
        awaiting_review=awaiting or 0,
        flagged=flagged or 0,
        next_deadlines=_next_deadlines(conn, now),
        outcomes=outcomes,
        money=money,
        deadlines=tuple(_tally(conn, rule, period, now) for rule in DUE_AFTER),
        handling=handling,
        agents=_agents(conn, period, dialect, medians),
        backlog_series=_series(conn, period, now, counts.matching, dialect),
    )


def _next_deadlines(conn: Connection, now: datetime) -> tuple[UpcomingDeadline, ...]:
    rows = conn.execute(
        select(d.id, d.deadline_rule, d.urgency_at, d.status, d.order_title, d.claimed_by)
        .where(d.status.in_(sorted(s.value for s in QUEUE_STATUSES)), d.urgency_at > utc(now))
        .order_by(d.urgency_at, d.id)
        .limit(NEXT_DEADLINES)
    )
    return tuple(
        UpcomingDeadline(
            dispute_id=r.id,
            rule_id=r.deadline_rule or "",
            due_at=r.urgency_at,
            status=Status(r.status),
            order_title=r.order_title,
            claimed_by=r.claimed_by,
        )
        for r in rows
    )


def _period_decisions(period: Period, kind: Proposals, dialect: str) -> list[ColumnElement[bool]]:
    return decided_conditions(DecidedFilter(period.start, period.end, kind=kind), dialect)


def _decided(
    conn: Connection, period: Period, dialect: str
) -> tuple[dict[Outcome, int], tuple[MoneyBack, ...]]:
    refunded = or_(func.coalesce(dc.refund_minor, 0) > 0, func.coalesce(dc.fee_refund_minor, 0) > 0)
    rows = conn.execute(
        select(
            dc.outcome,
            dc.currency,
            func.count(),
            func.sum(case((refunded, 1), else_=0)),
            func.sum(func.coalesce(dc.refund_minor, 0)),
            func.sum(func.coalesce(dc.fee_refund_minor, 0)),
        )
        .where(*_period_decisions(period, Proposals.STANDING, dialect))
        .group_by(dc.outcome, dc.currency)
    )
    outcomes: dict[Outcome, int] = dict.fromkeys(Outcome, 0)
    per_currency: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for outcome, currency, count, n_refunded, refunds, fees in rows:
        outcomes[Outcome(outcome)] += count
        totals = per_currency[currency]
        for i, value in enumerate((count, n_refunded, refunds, fees)):
            totals[i] += int(value or 0)
    money = tuple(
        MoneyBack(
            currency=currency,
            decisions=count,
            refunded=n_refunded,
            refunds=from_minor(refunds, currency),
            fee_refunds=from_minor(fees, currency),
        )
        for currency, (count, n_refunded, refunds, fees) in sorted(per_currency.items())
    )
    return outcomes, money


def _tally(conn: Connection, rule: str, period: Period, now: datetime) -> DeadlineTally:
    met, breached = (
        conn.scalar(
            select(func.count())
            .select_from(disputes)
            .where(deadline_filter(DeadlineFilter(rule, tally, period.start, period.end, now)))
        )
        or 0
        for tally in (Tally.MET, Tally.BREACHED)
    )
    return DeadlineTally(rule_id=rule, met=met, breached=breached)


def _handling(conn: Connection, period: Period, dialect: str) -> tuple[Handling, dict[str, float]]:
    """Median and p90 of every standing decision's handling time, and each agent's median,
    nearest-rank, in one statement (window functions; SQLite ≥ 3.25)."""
    seconds = seconds_between(dc.decided_at, func.coalesce(d.escalated_at, d.opened_at))
    ranked = (
        select(
            dc.decided_by.label("agent"),
            seconds.label("secs"),
            func.row_number().over(order_by=(seconds, dc.id)).label("rank_all"),
            func.count().over().label("n_all"),
            func.row_number()
            .over(partition_by=dc.decided_by, order_by=(seconds, dc.id))
            .label("rank_agent"),
            func.count().over(partition_by=dc.decided_by).label("n_agent"),
        )
        .select_from(decisions.join(disputes, d.id == dc.dispute_id))
        .where(*_period_decisions(period, Proposals.STANDING, dialect))
        .subquery()
    )
    r = ranked.c
    median_all = (r.n_all * 50 + 99) // 100
    p90_all = (r.n_all * 90 + 99) // 100
    median_agent = (r.n_agent * 50 + 99) // 100
    rows = conn.execute(
        select(r.agent, r.secs, r.n_all, r.rank_all, r.rank_agent, r.n_agent).where(
            or_(r.rank_all == median_all, r.rank_all == p90_all, r.rank_agent == median_agent)
        )
    )
    count = 0
    median: float | None = None
    p90: float | None = None
    medians: dict[str, float] = {}
    for agent, secs, n_all, rank_all, rank_agent, n_agent in rows:
        count = n_all
        if rank_all == nearest_rank(n_all, 50):
            median = float(secs)
        if rank_all == nearest_rank(n_all, 90):
            p90 = float(secs)
        if rank_agent == nearest_rank(n_agent, 50):
            medians[agent] = float(secs)
    return Handling(decisions=count, median_seconds=median, p90_seconds=p90), medians


def _agents(
    conn: Connection, period: Period, dialect: str, medians: dict[str, float]
) -> tuple[AgentFigures, ...]:
    state = review_state(dialect)
    kinds = {
        ReviewState.OVERTURNED.value: "overturned",
        ReviewState.RETURNED.value: "returned",
    }
    rows = conn.execute(
        select(dc.decided_by, state, func.count(func.distinct(dc.dispute_id)))
        .where(
            dc.decided_at >= utc(period.start),
            dc.decided_at < utc(period.end),
            state.in_([*STANDING, *kinds]),
        )
        .group_by(dc.decided_by, state)
    )
    figures: dict[str, dict[str, int]] = defaultdict(dict)
    for agent, st, count in rows:
        field = kinds.get(st, "decisions")
        figures[agent][field] = figures[agent].get(field, 0) + count
    return tuple(
        AgentFigures(name=agent, median_seconds=medians.get(agent), **fields)
        for agent, fields in sorted(figures.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
    )


def _series(
    conn: Connection, period: Period, now: datetime, backlog_now: int, dialect: str
) -> tuple[BacklogPoint, ...]:
    """The backlog at each step from the period's start to now, walked back from now."""
    end = min(period.end, now)
    if end <= period.start:
        return ()
    step = period.step
    size = step.total_seconds()
    points = [period.start + step * i for i in range(int((end - period.start) / step) + 1)]
    if points[-1] < end:
        points.append(end)

    def buckets(column: Any, *where: ColumnElement[bool]) -> dict[int, int]:
        """Events after the start, per step index (the events in (point i, point i+1])."""
        bucket = step_index(seconds_between(column, utc(period.start)) / size)
        stmt = (
            select(bucket, func.count())
            .where(column > utc(period.start), column <= utc(now), *where)
            .group_by(bucket)
        )
        return {int(b): n for b, n in conn.execute(stmt)}

    escalated = buckets(d.escalated_at)
    overturns = json_key(dc.review, "overturns", dialect)
    decided = buckets(dc.decided_at, overturns.is_(None))
    # walking back: backlog(t) = backlog(now) - escalations in (t, now] + decisions in (t, now]
    later_escalations = sum(escalated.values())
    later_decisions = sum(decided.values())
    series: list[BacklogPoint] = []
    for i, at in enumerate(points):
        series.append(
            BacklogPoint(at=at, backlog=max(0, backlog_now - later_escalations + later_decisions))
        )
        later_escalations -= escalated.get(i, 0)
        later_decisions -= decided.get(i, 0)
    return tuple(series)
