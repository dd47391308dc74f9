"""The dashboard's charts (issue 17), in a small host app: keys, clicks, drill-down, empty
state, hostile labels, resizing, theme changes, and one snapshot of each chart.

The snapshots (80×24, default theme) were looked at as PNGs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.app import App, ComposeResult
from textual.color import Color as TColor
from textual.widgets import Footer, Static

from mediator.domain.text import visible
from mediator.widgets._axes import TimeAxis, fit_labels, label_row
from mediator.widgets._plot import Chart, ChartPlot
from mediator.widgets.charts import Bar, BarChart, LineChart

from .conftest import until
from .test_hostile_text import FORBIDDEN, screen_text

Snap = Callable[..., bool]
BERLIN = ZoneInfo("Europe/Berlin")
HOSTILE = "\x1b[31mana[bold]"

AGENTS = [
    Bar("agent.ana", "agent.ana", 12, "median 2 h 10 min"),
    Bar("agent.bartholomew", "agent.bartholomew-longname", 30),
    Bar("agent.chen", "agent.chen", 0),
    Bar("agent.dorota", "agent.dorota", 4),
    Bar("agent.emeka", "agent.emeka", 8),
    Bar("agent.fatima", "agent.fatima", 15),
    Bar("agent.gus", "agent.gus", 22),
    Bar("agent.hiro", "agent.hiro", 1),
]
OUTCOMES = [
    Bar("seller_resolution", "Seller resolution", 7),
    Bar("compromise", "Compromise", 11),
    Bar("buyer_full_refund", "Buyer favour: full refund", 23),
    Bar("buyer_partial_refund", "Buyer favour: partial refund", 9),
    Bar("seller_favour", "Seller favour", 4),
]


def backlog(start: datetime, hours: int, step: int = 1) -> list[tuple[datetime, int]]:
    return [(start + timedelta(hours=h), 20 + (h * 7) % 13) for h in range(0, hours + 1, step)]


C = TypeVar("C", bound=Chart)


class Host(App[None], Generic[C]):
    """One chart and the footer, styled by the app's own stylesheet."""

    CSS_PATH = str(resources.files("mediator").joinpath("mediator.tcss"))

    def __init__(self, chart: C) -> None:
        super().__init__()
        self.chart = chart
        self.drilled: list[tuple[str | None, str]] = []

    def compose(self) -> ComposeResult:
        yield self.chart
        yield Footer()

    def on_mount(self) -> None:
        self.chart.focus()

    def on_bar_chart_drilled(self, message: BarChart.Drilled) -> None:
        self.drilled.append((message.control.id, message.key))


def text_of(app: App[Any]) -> str:
    lines = screen_text(app)
    for line in lines:
        for bad in FORBIDDEN:
            assert bad not in line, f"{bad!r} reached the screen in {line!r}"
    return "\n".join(lines)


def caption(chart: Chart) -> str:
    rendered = chart.query_one(".chart--caption", Static).render()
    assert isinstance(rendered, Text | str) or hasattr(rendered, "plain")
    return str(getattr(rendered, "plain", rendered))


def bar_chart(bars: Sequence[Bar], title: str = "Decisions per agent") -> Host[BarChart]:
    chart = BarChart(id="agents")
    host = Host(chart)
    host.call_later(chart.set_bars, title, bars)
    return host


# ---------- bars ----------


async def test_keys_move_the_selection_and_enter_drills_down() -> None:
    app = bar_chart(AGENTS)
    async with app.run_test(size=(80, 24)) as pilot:
        chart = app.chart
        await until(pilot, lambda: chart.bars == tuple(AGENTS), "bars set")
        assert chart.selected_bar == AGENTS[0]
        assert "1/8  agent.ana  12  median 2 h 10 min" in caption(chart)
        await pilot.press("right", "right")
        assert chart.selected_bar == AGENTS[2]
        await pilot.press("enter")
        await until(pilot, lambda: app.drilled == [("agents", "agent.chen")], "drilled chen")
        await pilot.press("left", "down", "up")  # up and down are the screen's
        assert chart.selected_bar == AGENTS[1]
        await pilot.press("end")
        assert chart.selected_bar == AGENTS[-1]
        await pilot.press("right")  # stays on the last bar
        assert chart.selected_bar == AGENTS[-1]
        await pilot.press("home", "left", "enter")
        await until(pilot, lambda: len(app.drilled) == 2, "second drill")
        assert app.drilled[1] == ("agents", "agent.ana")
        assert "8/8" not in caption(chart) and "1/8" in caption(chart)


async def test_the_footer_names_the_keys() -> None:
    app = bar_chart(OUTCOMES, "Decisions by outcome")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: "Next bar" in text_of(app), "footer")
        screen = text_of(app)
        assert "Previous bar" in screen and "Open" in screen
        bindings = {b.id: b for b in BarChart.BINDINGS if not isinstance(b, tuple)}
        assert all(b.tooltip and b.description for b in bindings.values())


async def test_a_click_on_a_bar_selects_it_and_drills_down() -> None:
    app = bar_chart(OUTCOMES, "Decisions by outcome")
    async with app.run_test(size=(80, 24)) as pilot:
        chart = app.chart
        await until(pilot, lambda: chart.bars == tuple(OUTCOMES), "bars set")
        await pilot.pause()
        plot = chart.query_one(ChartPlot)
        # the middle of the 4th bar, a row above the axis
        x, y = plot.get_pixel_from_coordinate(4, 1)
        await pilot.click(ChartPlot, offset=(plot.margin_left + x, plot.margin_top + y))
        await until(pilot, lambda: app.drilled == [("agents", "buyer_partial_refund")], "click")
        assert chart.selected == 3
        # on the bar's label under the axis, too
        x, _ = plot.get_pixel_from_coordinate(1, 0)
        await pilot.click(ChartPlot, offset=(plot.margin_left + x, plot.size.height - 1))
        await until(pilot, lambda: len(app.drilled) == 2, "click on a label")
        assert app.drilled[1] == ("agents", "seller_resolution")
        # between the axis' box and the first bar: nothing
        await pilot.click(ChartPlot, offset=(plot.margin_left, 2))
        await pilot.pause()
        assert len(app.drilled) == 2


async def test_no_bars_show_the_empty_state_and_enter_does_nothing() -> None:
    app = bar_chart([])
    async with app.run_test(size=(80, 24)) as pilot:
        chart = app.chart
        await until(pilot, lambda: "no decisions in this period" in text_of(app), "empty")
        assert chart.has_class("-empty") and not chart.query_one(ChartPlot).display
        await pilot.press("right", "enter")
        await pilot.pause()
        assert app.drilled == [] and chart.selected_bar is None
        chart.set_bars("Decisions per agent", AGENTS[:2])
        await until(pilot, lambda: "no decisions" not in text_of(app), "bars after empty")
        assert chart.query_one(ChartPlot).display
        assert "agent.ana" in caption(chart)


async def test_zero_values_draw_and_keep_the_selection_by_key() -> None:
    zeros = [Bar("a", "Alpha", 0), Bar("b", "Beta", 0), Bar("c", "Gamma", 0)]
    app = bar_chart(zeros, "Nothing decided")
    async with app.run_test(size=(80, 24)) as pilot:
        chart = app.chart
        await until(pilot, lambda: "Gamma" in text_of(app), "labels of zero bars")
        await pilot.press("right")
        assert "Beta  0" in caption(chart)
        # new figures: the same key stays selected; a vanished key falls back to the first
        chart.set_bars("Nothing decided", [Bar("b", "Beta", 2.5), Bar("c", "Gamma", 1)])
        assert chart.selected_bar == Bar("b", "Beta", 2.5)
        await until(pilot, lambda: "Beta  2.50" in caption(chart), "fractional value")
        chart.set_bars("Nothing decided", [Bar("z", "Zeta", 1)])
        assert chart.selected == 0


async def test_a_hostile_label_is_plain_text_without_escape() -> None:
    bars = [
        Bar("evil", HOSTILE, 3, "\x1b]52;c;SGVsbG8=\x07 [@click=app.quit]x[/]"),
        Bar("codes", ":smile: a\\[b]\\", 1),  # Rich's markup would eat the "\\", emoji ":smile:"
        *OUTCOMES[:1],
    ]
    app = bar_chart(bars, "[b]agents[/b] \x1b[2J")
    async with app.run_test(size=(100, 24)) as pilot:
        chart = app.chart
        await until(pilot, lambda: chart.bars == tuple(bars), "bars set")
        await pilot.pause()
        screen = text_of(app)  # no ESC, BEL, CSI anywhere on screen
        shown = visible(HOSTILE)
        assert shown == "␛[31mana[bold]"
        assert shown in screen  # under the axis, brackets and all
        assert ":smile: a\\[b]\\" in screen
        assert f"1/3  {shown}  3" in caption(chart)
        assert "[@click=app.quit]x[/]" in caption(chart)
        assert "[b]agents[/b] ␛[2J" in screen  # the title on the border


@given(st.lists(st.text(max_size=30) | st.text("[]/\\:@=ab ", max_size=12), max_size=12))
@example(["\\", ":smile:", "[@click=app.quit]x[/]", "a\\[b]c[/b]"])
def test_labels_are_set_out_as_plain_text(raw: list[str]) -> None:
    """The labels never go through markup or emoji codes: each shows as the sanitised text."""
    width = 9
    labels = fit_labels(raw, width)
    centres = [5 + (width + 1) * i for i in range(len(labels))]
    row = label_row(labels, centres, (width + 1) * len(labels) + 5, selected=0)
    for label in labels:
        assert cell_len(label) <= width
        assert label in row.plain
        assert not any(bad in label for bad in FORBIDDEN)
    assert row.cell_len == (width + 1) * len(labels) + 5
    selected = [row.plain[span.start : span.end] for span in row.spans]  # reverse video
    assert selected == [label for label in labels[:1] if label]


def test_labels_are_cut_sensibly() -> None:
    names = ["agent.ana", "agent.bartholomew", "agent.jo"]
    assert fit_labels(names, 20) == names
    assert fit_labels(names, 5) == ["ana", "bart…", "jo"]  # the shared "agent." goes first
    assert fit_labels(["Seller favour", "Compromise"], 6) == ["Selle…", "Compr…"]
    # cut to the same text, two labels lose the words they share
    assert fit_labels([bar.label for bar in OUTCOMES], 9) == [
        "Seller r…", "Compromi…", "full ref…", "partial…", "Seller f…",
    ]  # fmt: skip
    assert fit_labels(["名前の長いエージェント"], 6) == ["名前…"]  # cut by cells
    assert fit_labels(["abc"], 1) == ["a"]


async def test_resizing_draws_again_at_the_new_size() -> None:
    app = bar_chart(AGENTS)
    async with app.run_test(size=(80, 24)) as pilot:
        chart = app.chart
        await until(pilot, lambda: "bartho…" in text_of(app), "labels at 80 columns")
        await pilot.resize_terminal(160, 30)
        await until(pilot, lambda: "bartholomew-long…" in text_of(app), "longer labels")
        await pilot.resize_terminal(40, 12)
        await until(pilot, lambda: "bart" not in text_of(app), "shorter labels")
        assert chart.query_one(ChartPlot).size.width < 40


def _cells_in(app: App[Any], colour: str) -> int:
    """How many bar cells on screen are drawn in `colour` (a "#rrggbb" string)."""
    return sum(
        len(segment.text)
        for strip in app.screen._compositor.render_strips()
        for segment in strip
        if "█" in segment.text
        and isinstance(segment.style, Style)
        and segment.style.color is not None
        and segment.style.color.triplet is not None
        and segment.style.color.triplet.hex == colour
    )


def near(a: TColor, b: TColor) -> bool:
    """The same colour, give or take Textual's rounding (#ffa62b is drawn as #fea62b)."""
    return all(abs(x - y) <= 2 for x, y in zip(a.rgb, b.rgb, strict=True))


def bars_in_primary(app: Host[BarChart]) -> Callable[[], bool]:
    """Whether the bars on screen are drawn in the current theme's primary colour."""

    def check() -> bool:
        colour = app.chart.colour("bar-chart--bar")
        primary = TColor.parse(app.current_theme.primary)
        return near(TColor.parse(colour), primary) and _cells_in(app, colour) > 0

    return check


async def test_a_theme_change_recolours_the_bars() -> None:
    app = bar_chart(OUTCOMES, "Decisions by outcome")
    async with app.run_test(size=(80, 24)) as pilot:
        chart = app.chart
        await until(pilot, lambda: chart.bars == tuple(OUTCOMES), "bars set")
        seen: list[str] = []
        for theme in ("textual-dark", "textual-light", "gruvbox"):
            app.theme = theme
            await until(pilot, bars_in_primary(app), f"{theme}: bars drawn in its primary")
            seen.append(chart.colour("bar-chart--bar"))
        assert len(set(seen)) == 3


# ---------- the backlog line ----------


def line_chart(points: list[tuple[datetime, int]], unit: str = "open") -> Host[LineChart]:
    chart = LineChart(id="backlog", unit=unit)
    host = Host(chart)
    host.call_later(chart.set_series, "Backlog", points)
    return host


async def test_a_day_is_labelled_in_hours_and_the_cursor_moves() -> None:
    points = backlog(datetime(2026, 11, 22, tzinfo=BERLIN), 24)
    app = line_chart(points)
    async with app.run_test(size=(80, 24)) as pilot:
        chart = app.chart
        await until(pilot, lambda: "12:00" in text_of(app), "hour labels")
        assert "22 Nov" not in text_of(app)
        assert caption(chart) == "Mon 23 Nov 00:00  32 open"
        await pilot.press("left", "left")
        assert caption(chart) == f"Sun 22 Nov 22:00  {points[-3][1]} open"
        await pilot.press("home")
        assert caption(chart) == f"Sun 22 Nov 00:00  {points[0][1]} open"
        await pilot.press("left")
        assert chart.cursor == 0


async def test_a_week_is_labelled_in_dates_in_the_given_zone() -> None:
    # UTC points shown in Berlin: the caller gives local times, the axis keeps their zone
    week = backlog(datetime(2026, 11, 16, tzinfo=UTC), 168, 6)
    points = [(at.astimezone(BERLIN), n) for at, n in week]
    app = line_chart(points)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: "18 Nov" in text_of(app), "date labels")
        assert ":00" not in text_of(app).split("\n")[-4]
        assert caption(app.chart).startswith("Mon 23 Nov 01:00")


def test_time_ticks_are_wall_clock_hours_across_a_dst_change() -> None:
    axis = TimeAxis(BERLIN)
    axis.width = 200
    start = datetime(2026, 10, 25, 0, tzinfo=BERLIN)  # clocks go back at 03:00
    end = datetime(2026, 10, 25, 23, tzinfo=BERLIN)
    ticks, labels = axis.get_ticks_and_labels(start.timestamp(), end.timestamp())
    assert labels[:4] == ["01:00", "02:00", "02:00", "03:00"] or labels[:3] == [
        "01:00", "02:00", "03:00",
    ]  # fmt: skip
    assert all(label.endswith(":00") for label in labels)
    assert ticks == sorted(ticks)


async def test_no_points_show_the_empty_state_and_naive_times_are_refused() -> None:
    app = line_chart([])
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: "no backlog figures" in text_of(app), "empty line")
        await pilot.press("left", "right", "end")
        with pytest.raises(ValueError, match="aware"):
            app.chart.set_series("Backlog", [(datetime(2026, 11, 22), 3)])
        app.chart.set_series("Backlog", [(datetime(2026, 11, 22, 9, tzinfo=BERLIN), 3)])
        await until(pilot, lambda: "3 open" in caption(app.chart), "one point")


async def test_the_line_follows_resize_and_theme() -> None:
    app = line_chart(backlog(datetime(2026, 11, 22, tzinfo=BERLIN), 24))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: "12:00" in text_of(app), "drawn")
        await pilot.resize_terminal(50, 16)
        await until(pilot, lambda: "03:00" not in text_of(app), "fewer ticks")
        app.theme = "textual-light"
        await pilot.pause()
        expected = app.current_theme.primary.lower()
        await until(
            pilot, lambda: app.chart.colour("line-chart--line") == expected, "line recoloured"
        )


# ---------- snapshots ----------


def test_bar_chart_snapshot(snap_compare: Snap) -> None:
    assert snap_compare(bar_chart(AGENTS), terminal_size=(80, 24))


def test_line_chart_snapshot(snap_compare: Snap) -> None:
    assert snap_compare(
        line_chart(backlog(datetime(2026, 11, 22, tzinfo=BERLIN), 24), "in the backlog"),
        terminal_size=(80, 24),
    )
