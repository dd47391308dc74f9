"""The shift dashboard (issue 17): key `d` from the queue, and the palette.

The figures for a period (today, 7 days, 30 days, or from–to), read in a worker from
`Store.summary` and refreshed every minute: the backlog, the next deadlines to break, decisions
by outcome, money back per currency, deadlines met and breached per rule, handling times, per
agent, the flagged share; bars for outcomes and agents, a line for the backlog. Enter on any
figure or bar opens the queue filtered to exactly the disputes behind it (`DrilledQueueScreen`),
the filter named in its title; Enter on a deadline opens the dispute. `h` shows what each
figure means (`domain.report.DEFINITIONS`).
"""

from __future__ import annotations

from datetime import date
from time import monotonic
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Static

from mediator.domain.deadlines import timer_name
from mediator.domain.enums import QUEUE_STATUSES, Outcome, Status
from mediator.domain.report import (
    DeadlineFilter,
    DecidedFilter,
    Drill,
    Period,
    PeriodKind,
    Proposals,
    Summary,
    Tally,
    describe_seconds,
)
from mediator.messages import DisputesChanged, ReportsFailures
from mediator.screens.words import refusal
from mediator.store.base import StoreError
from mediator.widgets._text import local_time, plain
from mediator.widgets.charts import Bar, BarChart, LineChart
from mediator.widgets.figure_list import Figure, FigureList, heading
from mediator.widgets.footer import Footer

if TYPE_CHECKING:
    from mediator.app import MediatorApp

EVERY_STATUS = frozenset(Status)
#: Changes from other consoles read the figures again at most this often (seconds).
CHANGE_REFRESH = 10.0


class DashboardScreen(ReportsFailures, Screen[None]):
    """The shift at a glance, for supervisors (and anyone on a local store)."""

    app: MediatorApp

    FAILURES: ClassVar[dict[str, tuple[str, str]]] = {
        "summary": ("Reading the shift's figures", "What is shown may be out of date: F5."),
    }

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "back", "Back", id="dashboard.back", tooltip="Back to the queue"),
        Binding("1", "period('today')", "Today", id="dashboard.today",
                tooltip="Period: today, from local midnight"),
        Binding("2", "period('7d')", "7 days", id="dashboard.week",
                tooltip="Period: the last 7 days"),
        Binding("3", "period('30d')", "30 days", id="dashboard.month",
                tooltip="Period: the last 30 days"),
        Binding("f", "pick_range", "From–to", id="dashboard.range",
                tooltip="Period: from one day to another"),
        Binding("h", "definitions", "Definitions", id="dashboard.definitions",
                tooltip="What each figure means: which clock, what is counted"),
        Binding("f5,ctrl+r", "reload", "Refresh", id="dashboard.refresh",
                tooltip="Read the figures again"),
    ]  # fmt: skip

    def __init__(self) -> None:
        super().__init__()
        self.kind = PeriodKind.TODAY  # the shift: what a supervisor looks at first
        self.days: tuple[date, date] | None = None
        self.summary: Summary | None = None
        self.period: Period | None = None
        self._read_at = 0.0
        self._change_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Static(plain(("Shift dashboard", "bold"), "  reading…"), id="dash-title",
                     classes="screen-title")  # fmt: skip
        with Horizontal(id="dash-body"):
            yield FigureList(id="figures")
            with VerticalScroll(id="dash-charts", can_focus=False):
                yield BarChart(id="outcomes-chart")
                yield BarChart(id="agents-chart")
                yield LineChart(id="backlog-chart")
        yield Static(id="dash-status", classes="status-line")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(FigureList).focus()
        self.reload()
        if self.app.every.refresh is not None:  # every minute (the tests refresh by hand)
            self.set_interval(self.app.every.refresh, self.reload)

    def on_screen_resume(self) -> None:
        if self.is_mounted:
            self.reload()

    def on_disputes_changed(self, message: DisputesChanged) -> None:
        """Another console wrote: read the figures again, at most every `CHANGE_REFRESH`
        seconds (a busy shift writes many times a minute; each read aggregates the period)."""
        if not self.is_current or self._change_timer is not None:
            return
        wait = max(0.05, CHANGE_REFRESH - (monotonic() - self._read_at))  # a 0 s timer fails
        self._change_timer = self.set_timer(wait, self._changed)

    def _changed(self) -> None:
        self._change_timer = None
        self.reload()

    def on_resize(self) -> None:
        if self.summary is not None:  # the lines are cut to the list's width
            self.query_one(FigureList).set_figures(figures(self.summary, self.app.tz))

    # ----- the period -------------------------------------------------------------------
    def current_period(self) -> Period:
        if self.kind is PeriodKind.RANGE and self.days is not None:
            return Period.between(*self.days, self.app.tz)
        return Period.of(self.kind, self.app.clock.now(), self.app.tz)

    def action_period(self, kind: str) -> None:
        self.kind = PeriodKind(kind)
        self.reload()

    def action_pick_range(self) -> None:
        from mediator.screens.period_dialog import PeriodDialog

        def chosen(days: tuple[date, date] | None) -> None:
            if days is not None:
                self.kind, self.days = PeriodKind.RANGE, days
                self.reload()

        today = self.app.clock.now().astimezone(self.app.tz).date()
        self.app.push_screen(PeriodDialog(self.days or (today, today)), chosen)

    def action_definitions(self) -> None:
        from mediator.screens.definitions import DefinitionsScreen

        self.app.push_screen(DefinitionsScreen())

    def action_back(self) -> None:
        self.dismiss()

    def action_reload(self) -> None:
        self.reload()

    # ----- reading ----------------------------------------------------------------------
    def reload(self) -> None:
        self._read_at = monotonic()
        self.period = self.current_period()
        self._load(self.period)

    @work(exclusive=True, group="summary", exit_on_error=False)
    async def _load(self, period: Period) -> None:
        try:
            summary = await self.app.store.summary(period, now=self.app.clock.now())
        except StoreError as error:
            self.query_one("#dash-status", Static).update(
                plain((f"Could not read the figures: {refusal(error, self.app.tz)}", "$error"))
            )
            return
        self.summary = summary
        self._show(summary, period)

    # ----- showing ----------------------------------------------------------------------
    def _show(self, s: Summary, period: Period) -> None:
        tz = self.app.tz
        label = period.label or "from–to"
        self.query_one("#dash-title", Static).update(
            plain(
                ("Shift dashboard", "bold"),
                f"  {label}: {local_time(s.start, tz)} – {local_time(s.end, tz)}",
                (f"  · figures at {local_time(s.now, tz)}, every minute", "dim"),
            )
        )
        self.query_one(FigureList).set_figures(figures(s, tz))
        when = "today" if period.kind is PeriodKind.TODAY else "in this period"
        other = "2: 7 days · 3: 30 days" if period.kind is PeriodKind.TODAY else "f: from–to"
        for chart in ("#outcomes-chart", "#agents-chart"):
            self.query_one(chart, BarChart).set_empty(f"no decisions {when} · {other}")
        outcomes = [
            Bar(f"outcome:{o.value}", o.label, float(n), f"{n} decided")
            for o, n in s.outcomes.items()
            if s.decided  # nothing decided: the empty state says so, not five empty bars
        ]
        self.query_one("#outcomes-chart", BarChart).set_bars("Decisions by outcome", outcomes)
        agents = [
            Bar(f"agent:{a.name}", a.name, float(a.decisions),
                f"{a.decisions} decided · median {describe_seconds(a.median_seconds)}")
            for a in s.agents[:12]
        ]  # fmt: skip
        self.query_one("#agents-chart", BarChart).set_bars("Decisions per agent", agents)
        points = [(p.at.astimezone(tz), p.backlog) for p in s.backlog_series]
        self.query_one("#backlog-chart", LineChart).set_series("Backlog over the period", points)
        self.query_one("#dash-status", Static).update(
            plain(f"{self.app.who} · Enter drills down · store {self.app.store.label}")
        )

    # ----- drilling down ----------------------------------------------------------------
    @on(FigureList.Drilled)
    def _drilled(self, message: FigureList.Drilled) -> None:
        self.open(message.key)

    @on(BarChart.Drilled)
    def _bar(self, message: BarChart.Drilled) -> None:
        self.open(message.key)

    def open(self, key: str) -> None:
        """Open what figure `key` stands for: a dispute, or the queue filtered to it."""
        if key.startswith("dispute:"):
            from mediator.screens.dispute import DisputeScreen

            self.app.push_screen(DisputeScreen(key.split(":", 1)[1]))
            return
        if self.summary is None or self.period is None:
            return
        drill = drill_of(key, self.summary, self.period)
        if drill is None:
            return
        from mediator.screens.drilled import DrilledQueueScreen

        self.app.push_screen(DrilledQueueScreen(drill))


def drill_of(key: str, s: Summary, period: Period) -> Drill | None:
    """The queue's filters behind figure `key` (see `figures`), named for the title."""
    kind, _, arg = key.partition(":")
    during = period.label or "the period"

    def decided(title: str, **f: object) -> Drill:
        return Drill(
            f"{title}, {during}",
            EVERY_STATUS,
            decided=DecidedFilter(period.start, period.end, **f),  # type: ignore[arg-type]
        )

    if kind == "backlog":
        statuses = frozenset({Status(arg)}) if arg else QUEUE_STATUSES
        name = Status(arg).label if arg else "the queue"
        return Drill(f"Backlog: {name}", statuses)
    if kind == "overdue":
        return Drill("Overdue now", QUEUE_STATUSES, overdue_at=s.now)
    if kind == "awaiting_review":
        return Drill("Awaiting review", frozenset({Status.AWAITING_REVIEW}))
    if kind == "flagged":
        return Drill("Backlog with flagged messages", QUEUE_STATUSES, flagged_only=True)
    if kind == "decided":
        return decided("Decided")
    if kind == "outcome":
        outcome = Outcome(arg)
        return decided(f"Decided: {outcome.label}", outcome=outcome)
    if kind == "money":
        return decided(f"Refunded in {arg}", currency=arg, refunded=True)
    if kind == "agent":
        return decided(f"Decided by {arg}", by=arg)
    if kind == "overturned":
        return decided(f"{arg}'s proposals overturned", by=arg, kind=Proposals.OVERTURNED)
    if kind == "returned":
        return decided(f"{arg}'s proposals returned", by=arg, kind=Proposals.RETURNED)
    if kind in ("met", "breached"):
        tally = Tally(kind)
        due = DeadlineFilter(arg, tally, period.start, period.end, s.now)
        return Drill(f"{arg} {tally.value}, {during}", EVERY_STATUS, deadline=due)
    return None


def figures(s: Summary, tz: object) -> list[Figure]:
    """Every figure of `s` as a line of the list, with the key it drills down to."""
    from datetime import tzinfo

    assert isinstance(tz, tzinfo)
    total = s.backlog_total
    share = "–" if s.flagged_share is None else f"{s.flagged_share:.0%}"
    out = [
        heading("Backlog now"),
        Figure("backlog", "In the queue", f"{total:,}"),
        *(
            Figure(f"backlog:{status.value}", f"  {status.label}", f"{n:,}")
            for status, n in sorted(s.backlog.items())
        ),
        Figure("overdue", "Overdue", f"{s.overdue:,}",
               style="bold $error" if s.overdue else "bold"),
        Figure("awaiting_review", "Awaiting review", f"{s.awaiting_review:,}"),
        Figure("flagged", "With flagged messages", f"{s.flagged:,}", share),
        heading("Decided in the period"),
        Figure("decided", "Decided", f"{s.decided:,}"),
        Figure("decided", "  handling time, median", describe_seconds(s.handling.median_seconds),
               "escalation → decision"),
        Figure("decided", "  handling time, p90", describe_seconds(s.handling.p90_seconds)),
        *(Figure(f"outcome:{o.value}", f"  {o.label}", f"{n:,}") for o, n in s.outcomes.items()),
        heading("Money back"),
        *(
            Figure(f"money:{m.currency}", f"{m.currency} refunds", f"{m.refunds:,}",
                   f"+ fees {m.fee_refunds:,}")
            for m in s.money
        ),
        heading("Deadlines due in the period"),
    ]  # fmt: skip
    if not s.money:
        out.insert(out.index(heading("Deadlines due in the period")), Figure("", "  none"))
    for t in s.deadlines:
        met = "" if t.share_met is None else f"{t.share_met:.0%} met"
        out.append(Figure(f"met:{t.rule_id}", f"{t.rule_id} met", f"{t.met:,}", met))
        out.append(
            Figure(f"breached:{t.rule_id}", f"{t.rule_id} breached", f"{t.breached:,}",
                   style="bold $error" if t.breached else "bold")
        )  # fmt: skip
    out.append(heading("Per agent"))
    for a in s.agents:
        out.append(
            Figure(f"agent:{a.name}", a.name, f"{a.decisions:,}",
                   f"median {describe_seconds(a.median_seconds)}")
        )  # fmt: skip
        if a.overturned:
            out.append(Figure(f"overturned:{a.name}", "  overturned", f"{a.overturned:,}"))
        if a.returned:
            out.append(Figure(f"returned:{a.name}", "  returned", f"{a.returned:,}"))
    out.append(heading("Next deadlines to break"))
    for x in s.next_deadlines:
        out.append(
            Figure(f"dispute:{x.dispute_id}", f"{x.dispute_id} {timer_name(x.rule_id)}",
                   local_time(x.due_at, tz), x.claimed_by or "")
        )  # fmt: skip
    return [f for f in out if f.key or f.label]
