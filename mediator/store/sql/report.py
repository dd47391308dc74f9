"""The shift's figures (issue 17) as SQL aggregates.

Every figure is an aggregate over an index range (`decided_at`, `escalated_at`, `opened_at`,
`asked_at`, the queue's `(status, urgency_at, id)`), never rows loaded into Python: a 30-day
summary at a million disputes reads the period's decisions, not the table. The deadline tallies
count with the queue's drill-down predicates (`drill.py`), so a figure and the disputes it
opens can never disagree. Definitions: `mediator.domain.report`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from typing import Any

from sqlalchemy import ColumnElement, Connection, Integer, case, cast, func, select

from mediator.domain import QUEUE_STATUSES, Outcome, Status
from mediator.domain.money import from_minor
from mediator.domain.queue import QueueQuery
from mediator.domain.report import (
    NEXT_DEADLINES,
    AgentFigures,
    BacklogPoint,
    DeadlineTally,
    DecidedFilter,
    Handling,
    MoneyBack,
    Period,
    Proposals,
    Summary,
    UpcomingDeadline,
    nearest_rank,
)
from mediator.store.sql import queue
from mediator.store.sql.drill import (
    BREACH_CAUSE,
    DUE_AFTER,
    FLAGGED,
    REFUNDED,
    decided_conditions,
    tallied,
    utc,
)
from mediator.store.sql.schema import decisions, disputes

d = disputes.c
dc = decisions.c


# -- the summary ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Decided:
    """The figures read from the period's decisions (`decided_part`)."""

    outcomes: dict[Outcome, int]
    money: tuple[MoneyBack, ...]
    handling: Handling
    agents: tuple[AgentFigures, ...]


def decided_part(conn: Connection, period: Period) -> Decided:
    """What the period's decisions say: outcomes, money, handling times, per agent (the
    decisions' covering index; no dispute is read)."""
    dialect = conn.dialect.name
    outcomes, money, decided = _decided(conn, period, dialect)
    handling, medians = _handling(conn, period, dialect)
    agents = _agents(conn, period, dialect, decided, medians)
    return Decided(outcomes, money, handling, agents)


def summary(
    conn: Connection,
    period: Period,
    now: datetime,
    decided: Callable[[], Decided] | None = None,
) -> Summary:
    """Every figure of the shift for `period`, by the store's clock `now`. The decisions' part
    is read here too unless `decided` brings it, asked for last (`SqlStore.summary_sync` reads
    it alongside, on a second connection)."""
    counts = queue.queue_counts(conn, QueueQuery(), now=now)
    awaiting = conn.scalar(
        select(func.count()).select_from(disputes).where(d.status == Status.AWAITING_REVIEW.value)
    )
    flagged = conn.scalar(
        select(func.count())
        .select_from(disputes)
        .where(d.status.in_(sorted(s.value for s in QUEUE_STATUSES)), FLAGGED)
    )
    deadlines = _tallies(conn, period, now)
    series = _series(conn, period, now, counts.matching, conn.dialect.name)
    upcoming = _next_deadlines(conn, now)
    part = decided() if decided is not None else decided_part(conn, period)
    return Summary(
        start=period.start,
        end=period.end,
        now=now,
        backlog=dict(counts.by_status),
        overdue=counts.overdue,
        awaiting_review=awaiting or 0,
        flagged=flagged or 0,
        next_deadlines=upcoming,
        outcomes=part.outcomes,
        money=part.money,
        deadlines=deadlines,
        handling=part.handling,
        agents=part.agents,
        backlog_series=series,
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
) -> tuple[dict[Outcome, int], tuple[MoneyBack, ...], dict[str, int]]:
    """Standing decisions by outcome, money per currency and decisions per agent: one pass
    over the period's covering index."""
    rows = conn.execute(
        select(
            dc.decided_by,
            dc.outcome,
            dc.currency,
            func.count(),
            func.sum(case((REFUNDED, 1), else_=0)),
            func.sum(func.coalesce(dc.refund_minor, 0)),
            func.sum(func.coalesce(dc.fee_refund_minor, 0)),
        )
        .where(*_period_decisions(period, Proposals.STANDING, dialect))
        .group_by(dc.decided_by, dc.outcome, dc.currency)
    )
    outcomes: dict[Outcome, int] = dict.fromkeys(Outcome, 0)
    per_agent: dict[str, int] = defaultdict(int)
    per_currency: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for agent, outcome, currency, count, n_refunded, refunds, fees in rows:
        outcomes[Outcome(outcome)] += count
        per_agent[agent] += count  # a dispute has one standing decision at most
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
    return outcomes, money, dict(per_agent)


def _tallies(conn: Connection, period: Period, now: datetime) -> tuple[DeadlineTally, ...]:
    """Every rule's tally. The auto-escalation rules are two plain index counts each (the
    openings in the window on `opened_at`, the breaches on `(escalation_cause, opened_at)`),
    with nothing computed per row."""
    found: dict[str, DeadlineTally] = {}
    for rule, cause in BREACH_CAUSE.items():
        t = tallied(rule, period.start, period.end, now)
        if t.low is None or t.high is None or t.high <= t.low:
            found[rule] = DeadlineTally(rule_id=rule, met=0, breached=0)
            continue
        opened = (d.opened_at >= utc(t.low), d.opened_at < utc(t.high))
        total = conn.scalar(select(func.count()).select_from(disputes).where(*opened)) or 0
        breached = (
            conn.scalar(
                select(func.count())
                .select_from(disputes)
                .where(d.escalation_cause == cause, *opened)
            )
            or 0
        )
        found[rule] = DeadlineTally(rule_id=rule, met=total - breached, breached=breached)
    return tuple(found.get(rule) or _tally(conn, rule, period, now) for rule in DUE_AFTER)


def _tally(conn: Connection, rule: str, period: Period, now: datetime) -> DeadlineTally:
    """Met and breached in one pass over the deadline's index range: disputes, counted once
    (an information request per dispute that asked more than once is counted by dispute)."""
    t = tallied(rule, period.start, period.end, now)
    if t.table is disputes:
        met = func.sum(case((t.met, 1), else_=0))
        row = conn.execute(select(func.count(), met).select_from(disputes).where(*t.due)).one()
        total, met_count = row[0], row[1] or 0
        return DeadlineTally(rule_id=rule, met=met_count, breached=total - met_count)
    met_ids = func.count(func.distinct(case((t.met, t.dispute))))
    breached_ids = func.count(func.distinct(case((~t.met, t.dispute))))
    row = conn.execute(select(met_ids, breached_ids).select_from(t.table).where(*t.due)).one()
    return DeadlineTally(rule_id=rule, met=row[0] or 0, breached=row[1] or 0)


#: The histogram's step for the handling-time percentiles (seconds).
HISTOGRAM_STEP = 600


def _handling(conn: Connection, period: Period, dialect: str) -> tuple[Handling, dict[str, float]]:
    """Median and p90 of every standing decision's handling time, and each agent's median,
    exact and nearest-rank, without sorting the period's decisions.

    A histogram first (one GROUP BY over the period's index range: how many decisions per agent
    per 10-minute step) says in which step each wanted rank lies; then only the decisions in
    those few steps are read, and the rank is counted off within them."""
    where = [*_period_decisions(period, Proposals.STANDING, dialect), dc.handled_s.is_not(None)]
    step: ColumnElement[int] = func.floor(dc.handled_s / HISTOGRAM_STEP)
    if dialect == "sqlite":  # CAST truncates towards zero: floor by hand below it
        step = case(
            (dc.handled_s < 0, -1 - cast(-dc.handled_s / HISTOGRAM_STEP, Integer)),
            else_=cast(dc.handled_s / HISTOGRAM_STEP, Integer),
        )
    histogram: dict[str, dict[int, int]] = defaultdict(dict)
    for agent, bucket, count in conn.execute(
        select(dc.decided_by, step, func.count()).where(*where).group_by(dc.decided_by, step)
    ):
        histogram[agent][int(bucket)] = count
    overall: dict[int, int] = defaultdict(int)
    for buckets in histogram.values():
        for bucket, count in buckets.items():
            overall[bucket] += count
    total = sum(overall.values())
    if not total:
        return Handling(decisions=0), {}
    # (agent or None for everyone, rank) → the bucket that holds it and the rank within it
    wanted: dict[tuple[str | None, int], tuple[int, int]] = {}
    for who, buckets in ((None, dict(overall)), *histogram.items()):
        n = sum(buckets.values())
        for percent in (50, 90) if who is None else (50,):
            rank = nearest_rank(n, percent)
            wanted[(who, percent)] = _locate(buckets, rank)
    needed = {bucket for bucket, _ in wanted.values()}
    values: dict[int, list[tuple[float, str]]] = defaultdict(list)
    for agent, secs, bucket in conn.execute(
        select(dc.decided_by, dc.handled_s, step).where(*where, step.in_(sorted(needed)))
    ):
        values[int(bucket)].append((float(secs), agent))
    found: dict[tuple[str | None, int], float] = {}
    for (who, percent), (bucket, within) in wanted.items():
        in_bucket = sorted(v for v, agent in values[bucket] if who is None or agent == who)
        found[(who, percent)] = in_bucket[within - 1]
    medians = {agent: found[(agent, 50)] for agent in histogram}
    return (
        Handling(decisions=total, median_seconds=found[(None, 50)], p90_seconds=found[(None, 90)]),
        medians,
    )


def _locate(buckets: dict[int, int], rank: int) -> tuple[int, int]:
    """The bucket holding the `rank`th smallest value (1-based), and its rank within it."""
    seen = 0
    for bucket in sorted(buckets):
        if seen + buckets[bucket] >= rank:
            return bucket, rank - seen
        seen += buckets[bucket]
    raise ValueError(f"rank {rank} of {seen}")


def _agents(
    conn: Connection,
    period: Period,
    dialect: str,
    decided: dict[str, int],
    medians: dict[str, float],
) -> tuple[AgentFigures, ...]:
    """Per agent: standing decisions (`decided`), proposals overturned and returned (disputes,
    counted once), the median handling time; the busiest first."""
    figures: dict[str, dict[str, int]] = defaultdict(dict)
    for agent, count in decided.items():
        figures[agent]["decisions"] = count
    for kind in (Proposals.OVERTURNED, Proposals.RETURNED):
        rows = conn.execute(
            select(dc.decided_by, func.count(func.distinct(dc.dispute_id)))
            .where(*_period_decisions(period, kind, dialect))
            .group_by(dc.decided_by)
        )
        for agent, count in rows:
            figures[agent][kind.value] = count
    return tuple(
        AgentFigures(name=agent, median_seconds=medians.get(agent), **fields)
        for agent, fields in sorted(figures.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
    )


def _series(
    conn: Connection, period: Period, now: datetime, backlog_now: int, dialect: str
) -> tuple[BacklogPoint, ...]:
    """The backlog at each step from the period's start to now, walked back from now: one
    index range count per step (no arithmetic per row): escalations on `escalated_at`, exits
    on `first_decided_at` (the first decision or proposal; a supervisor's overturning decision
    is never a dispute's first)."""
    end = min(period.end, now)
    if end <= period.start:
        return ()
    step = period.step
    points = [period.start + step * i for i in range(int((end - period.start) / step) + 1)]
    if points[-1] < end:
        points.append(end)

    def count(column: Any, low: datetime, high: datetime, *where: Any) -> int:
        """Events in `(low, high]`."""
        stmt = select(func.count()).where(column > utc(low), column <= utc(high), *where)
        return conn.scalar(stmt) or 0

    steps = list(pairwise([*points, now]))
    escalated = [count(d.escalated_at, a, b) for a, b in steps]
    exits = [count(d.first_decided_at, a, b) for a, b in steps]
    series: list[BacklogPoint] = []
    later_escalations, later_exits = sum(escalated), sum(exits)
    for i, at in enumerate(points):
        series.append(
            BacklogPoint(at=at, backlog=max(0, backlog_now - later_escalations + later_exits))
        )
        later_escalations -= escalated[i]
        later_exits -= exits[i]
    return tuple(series)
