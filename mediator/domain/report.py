"""The shift's figures (issue 17): periods, the summary's shape, and the filters that drill
down from a figure to exactly the disputes behind it. Pure data; the SQL store computes the
figures with aggregates (`store/sql/report.py`), the API serves them, the dashboard, `mediator
report` and the CSV/JSON exports show them.

Definitions (also in the README and on the dashboard's help panel):
- **Period**: a half-open range of time, `[start, end)`. "today" is from local midnight (the
  console's time zone) to now; "7 days" and "30 days" end now; a from–to range of dates runs
  from local midnight of the first day to local midnight after the last.
- **Decided in the period**: a dispute whose *standing* decision (not a proposal waiting for
  review, not one a supervisor overturned or returned) was written in the period. Counts are of
  disputes; money is the standing decisions' refunds and fee refunds, per currency, never mixed.
- **Handling time**: from escalation (opening, for a dispute never escalated) to its standing
  decision. Median and p90 are nearest-rank: the smallest time with at least half (nine
  tenths) of the decisions at or under it.
- **Per agent**: the standing decisions they wrote in the period, their proposals a supervisor
  overturned or returned in the period (counted by when the proposal was written), and the
  median handling time of their decisions.
- **Deadlines met and breached**: a deadline counts in the period in which it fell due, once it
  has (due before now). STAFF-48H falls due 48 h after escalation; met when the standing
  decision (or a proposal) was written by then. P-INFO-7D falls due 7 days after staff asked
  for information; met when the party answered by then. P-ESC-SELLER-SILENT falls due 24 h after
  opening; breached when the dispute auto-escalated for it. P-ESC-STALE is counted 72 h after
  opening; breached when the dispute auto-escalated as stale. The clock is the store's (`now`).
- **Backlog**: the queue (escalated and awaiting information); **overdue**: its disputes whose
  next deadline has passed. The backlog line walks back from now: each escalation after a time
  was not yet in it, each decision or proposal after it was still in it (disputes a supervisor
  returned to the queue are not walked back).
- **Flagged share**: the backlog's disputes with at least one message flagged under P-COMM-*.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from enum import StrEnum

from mediator.domain.deadlines import duration
from mediator.domain.enums import Outcome, Status
from mediator.domain.models import StrictModel, UtcTime

#: The deadlines the summary tallies, in the order it shows them.
TALLIED_RULES = ("STAFF-48H", "P-INFO-7D", "P-ESC-SELLER-SILENT", "P-ESC-STALE")
#: How many of the next deadlines to break the summary lists.
NEXT_DEADLINES = 20
#: Points on the backlog line (about: the step is a whole number of hours).
SERIES_POINTS = 30


class PeriodKind(StrEnum):
    TODAY = "today"
    WEEK = "7d"
    MONTH = "30d"
    RANGE = "range"


@dataclass(frozen=True, slots=True)
class Period:
    """`[start, end)`, aware UTC; `label` names it for a title ("7 days", "1–6 Dec 2026")."""

    start: datetime
    end: datetime
    kind: PeriodKind = PeriodKind.RANGE
    label: str = ""

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("a period needs timezone-aware times")
        if self.end <= self.start:
            raise ValueError(
                f"the period ends ({self.end:%Y-%m-%d %H:%M}) before it starts "
                f"({self.start:%Y-%m-%d %H:%M})"
            )

    @classmethod
    def of(cls, kind: PeriodKind, now: datetime, tz: tzinfo) -> Period:
        """Today (from local midnight), the last 7 or the last 30 days, ending `now`."""
        if kind is PeriodKind.TODAY:
            midnight = datetime.combine(now.astimezone(tz).date(), time(), tz)
            return cls(midnight, max(now, midnight + timedelta(seconds=1)), kind, "today")
        days = {PeriodKind.WEEK: 7, PeriodKind.MONTH: 30}.get(kind)
        if days is None:
            raise ValueError("a from–to period needs its dates: use Period.between")
        return cls(now - timedelta(days=days), now, kind, f"{days} days")

    @classmethod
    def between(cls, first: date, last: date, tz: tzinfo) -> Period:
        """From local midnight of `first` to local midnight after `last` (both days count)."""
        if last < first:
            raise ValueError(f"the period ends ({last}) before it starts ({first})")
        start = datetime.combine(first, time(), tz)
        end = datetime.combine(last + timedelta(days=1), time(), tz)
        label = f"{first:%d %b %Y}" if first == last else f"{first:%d %b %Y} – {last:%d %b %Y}"
        return cls(start, end, PeriodKind.RANGE, label)

    @property
    def step(self) -> timedelta:
        """The backlog line's step: whole hours, about `SERIES_POINTS` points."""
        hours = max(1, round((self.end - self.start).total_seconds() / 3600 / SERIES_POINTS))
        return timedelta(hours=hours)


class Tally(StrEnum):
    """Which side of a deadline tally."""

    MET = "met"
    BREACHED = "breached"


class Proposals(StrEnum):
    """Which decisions a decided-filter looks at."""

    #: The standing decisions (money moves on them).
    STANDING = "standing"
    #: Proposals a supervisor overturned.
    OVERTURNED = "overturned"
    #: Proposals a supervisor returned to their agent.
    RETURNED = "returned"


@dataclass(frozen=True, slots=True)
class DecidedFilter:
    """The queue's decision filter (issue 17): disputes with a decision of this kind written in
    `[start, end)`, by `by`, with `outcome`, in `currency` (with a refund or a fee refund when
    `refunded`). Empty fields do not filter."""

    start: datetime | None = None
    end: datetime | None = None
    by: str = ""
    outcome: Outcome | None = None
    currency: str = ""
    refunded: bool = False
    kind: Proposals = Proposals.STANDING


@dataclass(frozen=True, slots=True)
class DeadlineFilter:
    """The queue's deadline filter (issue 17): disputes whose `rule` deadline fell due in
    `[start, min(end, now))` and was met or breached (see the module's definitions)."""

    rule: str
    tally: Tally
    start: datetime
    end: datetime
    now: datetime


@dataclass(frozen=True, slots=True)
class Drill:
    """What a dashboard figure drills down to: the queue's filters and the title that names
    them (the screen adds the period)."""

    title: str
    statuses: frozenset[Status]
    flagged_only: bool = False
    overdue_at: datetime | None = None
    decided: DecidedFilter | None = None
    deadline: DeadlineFilter | None = None

    def named(self, title: str) -> Drill:
        return replace(self, title=title)


class UpcomingDeadline(StrictModel):
    """One of the next deadlines to break: the dispute, the rule, when, who holds it."""

    dispute_id: str
    rule_id: str
    due_at: UtcTime
    status: Status
    order_title: str
    claimed_by: str | None = None


class MoneyBack(StrictModel):
    """Standing decisions in one currency: how many, refunds and fee refunds (major units)."""

    currency: str
    decisions: int
    refunded: int
    refunds: Decimal
    fee_refunds: Decimal


class DeadlineTally(StrictModel):
    rule_id: str
    met: int
    breached: int

    @property
    def share_met(self) -> float | None:
        total = self.met + self.breached
        return self.met / total if total else None


class Handling(StrictModel):
    """Handling times in seconds (nearest-rank); None when nothing was decided."""

    decisions: int
    median_seconds: float | None = None
    p90_seconds: float | None = None


class AgentFigures(StrictModel):
    name: str
    decisions: int = 0
    overturned: int = 0
    returned: int = 0
    median_seconds: float | None = None


class BacklogPoint(StrictModel):
    at: UtcTime
    backlog: int


class Summary(StrictModel):
    """The shift's figures for one period (`GET /reports/summary`, `mediator report`)."""

    start: UtcTime
    end: UtcTime
    now: UtcTime
    #: The queue now, by status; `awaiting_review` is out of the queue, counted beside it.
    backlog: dict[Status, int]
    overdue: int
    awaiting_review: int
    flagged: int
    next_deadlines: tuple[UpcomingDeadline, ...]
    outcomes: dict[Outcome, int]
    money: tuple[MoneyBack, ...]
    deadlines: tuple[DeadlineTally, ...]
    handling: Handling
    agents: tuple[AgentFigures, ...]
    backlog_series: tuple[BacklogPoint, ...]

    @property
    def backlog_total(self) -> int:
        return sum(self.backlog.values())

    @property
    def decided(self) -> int:
        return sum(self.outcomes.values())

    @property
    def flagged_share(self) -> float | None:
        total = self.backlog_total
        return self.flagged / total if total else None


def nearest_rank(count: int, percent: int) -> int:
    """The 1-based rank of the `percent`th percentile of `count` sorted values (nearest-rank):
    ceil(count × percent / 100), at least 1."""
    return max(1, (count * percent + 99) // 100)


def describe_seconds(seconds: float | None) -> str:
    """A handling time for people, as the timers show theirs (45m, 5h 02m, 3d 04h); "–" for
    none."""
    return "–" if seconds is None else duration(timedelta(seconds=round(seconds)))


#: What each figure means, in the words of the dashboard's help panel and the README.
DEFINITIONS: tuple[tuple[str, str], ...] = (
    (
        "Period",
        "Today runs from local midnight to now; 7 and 30 days end now; a from–to range runs "
        "from local midnight of the first day to midnight after the last. Start included, "
        "end not.",
    ),
    (
        "Clock",
        "The store's: an API console's figures are judged by the server's clock. A deadline "
        "counts once it has fallen due (before now).",
    ),
    (
        "Backlog",
        "The queue now (escalated and awaiting information). Overdue: its disputes whose next "
        "deadline has passed. Awaiting review: proposals out of the queue.",
    ),
    (
        "Decided",
        "Disputes whose standing decision was written in the period: not a proposal waiting "
        "for review, nor one a supervisor overturned or returned.",
    ),
    (
        "Money back",
        "The standing decisions' refunds and fee refunds, per currency, never mixed; "
        "'refunded' counts those with either.",
    ),
    (
        "Met / breached",
        "A deadline counts in the period it fell due. STAFF-48H: 48 h after escalation, met "
        "when a decision or proposal was written by then. P-INFO-7D: 7 days after staff asked, "
        "met when the party answered by then. P-ESC-SELLER-SILENT: 24 h after opening, "
        "breached when the dispute auto-escalated for it. P-ESC-STALE: 72 h after opening, "
        "breached when it auto-escalated as stale.",
    ),
    (
        "Handling time",
        "From escalation (opening, if never escalated) to the standing decision. Median and "
        "p90 are nearest-rank: the smallest time with at least half (nine tenths) of the "
        "decisions at or under it.",
    ),
    (
        "Per agent",
        "Standing decisions written in the period; proposals of theirs a supervisor overturned "
        "or returned (counted when proposed); the median handling time of their decisions.",
    ),
    (
        "Flagged share",
        "The backlog's disputes with at least one message flagged under P-COMM-*.",
    ),
    (
        "Backlog line",
        "Walked back from now: an escalation after a point was not yet in the backlog, a "
        "decision or proposal after it still was. Disputes returned to the queue by a "
        "supervisor are not walked back.",
    ),
)
