"""Charts for the supervisor dashboard (issue 17): bars that drill down, and a backlog line.

Both draw with textual-plot (`_plot.ChartPlot`), take their colours from the theme through
component classes (styled in mediator.tcss) and draw again when the theme changes
(`App.theme_changed_signal`) or the chart is resized (`_plot.Chart`). Labels are untrusted
(agent names): the axis gets them sanitised and escaped (`_axes.fit_labels`, `BarAxis`), the
caption as plain `Text`. Neither widget knows the store: the screen gives them numbers and
reacts to `BarChart.Drilled`. Up and down are left to the screen (to move between charts).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Static
from textual_hires_canvas import HiResMode

from mediator.domain.text import one_line
from mediator.widgets._axes import (
    BarAxis,
    CountAxis,
    TimeAxis,
    count_top,
    fit_labels,
    label_row,
)  # fmt: skip
from mediator.widgets._plot import Chart, ChartPlot, number

__all__ = ["Bar", "BarChart", "LineChart"]


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar: `key` names what it counts (for the drill-down), `label` is shown (untrusted),
    `detail` is added to the caption when the bar is selected."""

    key: str
    label: str
    value: float
    detail: str = ""


class BarChart(Chart):
    """Bars, one of them selected; Enter (or a click) on a bar posts `Drilled` with its key."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"bar-chart--bar", "bar-chart--selected"}

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "move(-1)", "Previous bar", id="chart.previous",
                tooltip="Select the bar to the left"),
        Binding("right", "move(1)", "Next bar", id="chart.next",
                tooltip="Select the bar to the right"),
        Binding("home", "jump(0)", "First bar", show=False, id="chart.first",
                tooltip="Select the first bar"),
        Binding("end", "jump(-1)", "Last bar", show=False, id="chart.last",
                tooltip="Select the last bar"),
        Binding("enter", "drill", "Open", id="chart.open",
                tooltip="Open the disputes the selected bar counts"),
    ]  # fmt: skip

    class Drilled(Message):
        """The user chose the bar `key` in `chart` (Enter or a click)."""

        def __init__(self, chart: BarChart, key: str) -> None:
            super().__init__()
            self.chart = chart
            self.key = key

        @property
        def control(self) -> BarChart:
            return self.chart

    def __init__(
        self, *, empty: str = "no decisions in this period", name: str | None = None,
        id: str | None = None, classes: str | None = None,
    ) -> None:  # fmt: skip
        super().__init__(empty=empty, name=name, id=id, classes=classes)
        self.bars: tuple[Bar, ...] = ()
        self.selected = 0
        self._x_axis = BarAxis()
        self._y_axis = CountAxis()

    @property
    def selected_bar(self) -> Bar | None:
        return self.bars[self.selected] if self.bars else None

    def set_bars(self, title: str, bars: Sequence[Bar]) -> None:
        """Show `bars` under `title`; the same key stays selected if it is still there."""
        keep = self.selected_bar
        self.bars = tuple(bars)
        keys = [bar.key for bar in self.bars]
        self.selected = keys.index(keep.key) if keep is not None and keep.key in keys else 0
        self._set_title(title)
        self.draw()

    def action_move(self, delta: int) -> None:
        if self.bars:
            self.selected = max(0, min(len(self.bars) - 1, self.selected + delta))
            self.draw()

    def action_jump(self, index: int) -> None:
        if self.bars:
            self.selected = index % len(self.bars)
            self.draw()

    def action_drill(self) -> None:
        if (bar := self.selected_bar) is not None:
            self.post_message(self.Drilled(self, bar.key))

    def compose(self) -> ComposeResult:
        yield ChartPlot()
        yield Static(classes="chart--labels")
        yield from self.compose_caption()

    def on_click(self, event: events.Click) -> None:
        """A click on a bar, or on its label under the axis, selects it and drills down."""
        plot, labels = self.plot, self.query_one(".chart--labels", Static)
        if not self.bars or not (
            plot.region.contains(event.screen_x, event.screen_y)
            or labels.region.contains(event.screen_x, event.screen_y)
        ):
            return
        x = plot.x_at(event.screen_x - plot.region.x, 0.5, len(self.bars) + 0.5)
        if x is not None:
            self.selected = max(0, min(len(self.bars) - 1, round(x) - 1))
            self.draw()
            self.action_drill()

    def draw(self) -> None:
        if not self.is_mounted:
            return
        if self.has_class("-empty") and self.bars:
            # the plot was hidden: it has a size again only after the next layout
            self.remove_class("-empty")
            self.call_after_refresh(self.draw)
            return
        self.set_class(not self.bars, "-empty")
        plot = self.plot
        plot.clear()
        if not self.bars:
            self.caption(Text())
            return
        n = len(self.bars)
        values = [bar.value for bar in self.bars]
        top = count_top(values)
        plot.margin_top, plot.margin_bottom = 0, 0  # the labels have a row of their own
        plot.margin_left = len(number(top)) + 2
        self._y_axis.whole = all(v == round(v) for v in values)
        self._y_axis.rows = plot.plot_height
        self._x_axis.count = n
        plot.set_x_formatter(self._x_axis)
        plot.set_y_formatter(self._y_axis)
        plot.set_xlimits(0.5, n + 0.5)
        plot.set_ylimits(0, top)
        bar, selected = self.colour("bar-chart--bar"), self.colour("bar-chart--selected")
        styles = [selected if i == self.selected else bar for i in range(n)]
        # half-cell heights; and a bar of 0 draws nothing (whole cells always fill one)
        plot.bar(list(range(1, n + 1)), values, width=0.7, bar_style=styles,
                 hires_mode=HiResMode.HALFBLOCK)  # fmt: skip
        slot = plot.plot_width // n
        labels = fit_labels([b.label for b in self.bars], max(1, slot - 1))
        centres = [plot.column_of(i, 0.5, n + 0.5) for i in range(1, n + 1)]
        row = label_row(labels, centres, plot.size.width, self.selected)
        self.query_one(".chart--labels", Static).update(row)
        chosen = self.bars[self.selected]
        self.caption(
            Text.assemble(
                (f"{self.selected + 1}/{n}  ", "dim"),
                (one_line(chosen.label, 200), "bold"),
                f"  {number(chosen.value)}",
                (f"  {one_line(chosen.detail, 200)}" if chosen.detail else "", "dim"),
            )
        )


class LineChart(Chart):
    """A count over time (the backlog), from 0; left and right move a cursor over the points
    and the caption tells the time and the count there."""

    PLOT_MARGINS = (0, 1)  # the time axis's labels

    COMPONENT_CLASSES: ClassVar[set[str]] = {"line-chart--line", "line-chart--cursor"}

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "move(-1)", "Earlier", id="chart.earlier",
                tooltip="Move the cursor to the previous point"),
        Binding("right", "move(1)", "Later", id="chart.later",
                tooltip="Move the cursor to the next point"),
        Binding("home", "jump(0)", "Start", show=False, id="chart.start",
                tooltip="Move the cursor to the first point"),
        Binding("end", "jump(-1)", "End", show=False, id="chart.end",
                tooltip="Move the cursor to the last point"),
    ]  # fmt: skip

    def __init__(
        self, *, empty: str = "no backlog figures for this period", unit: str = "",
        name: str | None = None, id: str | None = None, classes: str | None = None,
    ) -> None:  # fmt: skip
        super().__init__(empty=empty, name=name, id=id, classes=classes)
        self.points: tuple[tuple[datetime, int], ...] = ()
        self.cursor = 0
        self._unit = unit
        self._y_axis = CountAxis()

    def set_series(self, title: str, points: Sequence[tuple[datetime, int]]) -> None:
        """Show `points` (aware local times, oldest first) under `title`; the cursor goes
        to the newest point."""
        if any(at.tzinfo is None for at, _ in points):
            raise ValueError("LineChart needs aware datetimes (the caller's local time)")
        self.points = tuple(sorted(points, key=lambda p: p[0]))
        self.cursor = len(self.points) - 1 if self.points else 0
        self._set_title(title)
        self.draw()

    def action_move(self, delta: int) -> None:
        if self.points:
            self.cursor = max(0, min(len(self.points) - 1, self.cursor + delta))
            self.draw()

    def action_jump(self, index: int) -> None:
        if self.points:
            self.cursor = index % len(self.points)
            self.draw()

    def draw(self) -> None:
        if not self.is_mounted:
            return
        if self.has_class("-empty") and self.points:
            # the plot was hidden: it has a size again only after the next layout
            self.remove_class("-empty")
            self.call_after_refresh(self.draw)
            return
        self.set_class(not self.points, "-empty")
        plot = self.plot
        plot.clear()
        if not self.points:
            self.caption(Text())
            return
        first, last = self.points[0][0], self.points[-1][0]
        tz = first.tzinfo
        assert tz is not None  # set_series checked
        if last - first < timedelta(hours=1):
            first, last = first - timedelta(minutes=30), last + timedelta(minutes=30)
        # a cell's width of room at each end, so the cursor on the newest point shows
        room = (last - first) / max(plot.plot_width, 1)
        first, last = first - room, last + room
        xs = [at.timestamp() for at, _ in self.points]
        values = [float(n) for _, n in self.points]
        top = count_top(values)
        plot.margin_top, plot.margin_bottom = 0, 1
        plot.margin_left = len(number(top)) + 2
        x_axis = TimeAxis(tz)
        x_axis.width = plot.plot_width
        self._y_axis.rows = plot.plot_height
        plot.set_x_formatter(x_axis)
        plot.set_y_formatter(self._y_axis)
        plot.set_xlimits(first.timestamp(), last.timestamp())
        plot.set_ylimits(0, top)
        at, count = self.points[self.cursor]
        plot.add_v_line(at.timestamp(), line_style=self.colour("line-chart--cursor"))
        plot.plot(xs, values, line_style=self.colour("line-chart--line"),
                  hires_mode=HiResMode.BRAILLE)  # fmt: skip
        fmt = "%a %d %b %H:%M"
        self.caption(
            Text.assemble(
                (f"{at.strftime(fmt)}  ", "dim"),
                (f"{count:,}", "bold"),
                f" {one_line(self._unit, 80)}" if self._unit else "",
            )
        )
