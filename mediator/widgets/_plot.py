"""What both charts (`charts.py`) are made of: textual-plot's `PlotWidget`, tamed for a chart
that owns the keys, and `Chart`, the frame around it (title, caption, empty state) that draws
again on mount, resize and theme change.
"""

from __future__ import annotations

from math import floor
from typing import Any, ClassVar

from rich.style import Style
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Static
from textual_plot import PlotWidget

from mediator.domain.text import one_line


class ChartPlot(PlotWidget, can_focus=False):
    """The plot inside a chart: not focusable (the chart is, and owns the keys), no panning or
    zooming, and the mouse wheel scrolls whatever holds the chart instead of zooming."""

    DEFAULT_CSS = "ChartPlot { height: 1fr; }"

    def __init__(self) -> None:
        super().__init__(allow_pan_and_zoom=False)

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        event.prevent_default()  # PlotWidget's own handler would stop the event

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        event.prevent_default()

    @property
    def plot_width(self) -> int:
        """Cells inside the axes' box (0 before the first layout)."""
        return max(0, self.size.width - self.margin_left - 2)

    def column_of(self, x: float, x_min: float, x_max: float) -> int:
        """The column of this widget where the plot draws `x` on an axis from `x_min` to
        `x_max` (textual-plot's mapping: the box's inside, from its left edge, rounded down).
        From the size now, not from the last frame, so it holds right after a resize."""
        return self.margin_left + 1 + floor((x - x_min) / (x_max - x_min) * self.plot_width)

    def x_at(self, column: int, x_min: float, x_max: float) -> float | None:
        """The x under `column` of this widget (the middle of the cell), or None outside the
        box."""
        inside = column - self.margin_left - 1
        if not 0 <= inside < self.plot_width:
            return None
        return x_min + (inside + 0.5) / self.plot_width * (x_max - x_min)

    @property
    def plot_height(self) -> int:
        """Rows inside the axes' box (0 before the first layout)."""
        return max(0, self.size.height - self.margin_top - self.margin_bottom - 2)


def number(value: float) -> str:
    """A value for the caption: "1,234" for whole numbers, "12.50" otherwise."""
    return f"{round(value):,}" if value == round(value) else f"{value:,.2f}"


class Chart(Widget, can_focus=True):
    """What both charts share: a title on the border, the plot, a one-line caption and an
    empty state, and a redraw on mount, resize and theme change."""

    DEFAULT_CSS = """
    Chart { height: 14; layout: vertical; }
    Chart > .chart--caption { height: 1; text-wrap: nowrap; text-overflow: ellipsis; }
    Chart > .chart--labels { height: 1; }
    Chart > .chart--empty { height: 1fr; content-align: center middle; display: none; }
    Chart.-empty > ChartPlot, Chart.-empty > .chart--labels { display: none; }
    Chart.-empty > .chart--empty { display: block; }
    """

    def __init__(
        self, *, empty: str, name: str | None = None, id: str | None = None,
        classes: str | None = None,
    ) -> None:  # fmt: skip
        super().__init__(name=name, id=id, classes=classes)
        self._empty = empty
        self.heading = ""

    def compose(self) -> ComposeResult:
        yield ChartPlot()
        yield from self.compose_caption()

    def compose_caption(self) -> ComposeResult:
        yield Static(classes="chart--caption")
        yield Static(Content(self._empty), classes="chart--empty")

    def set_empty(self, text: str) -> None:
        """What the chart says when it has nothing to draw (ours, not untrusted text)."""
        self._empty = text
        if self.is_mounted:
            self.query_one(".chart--empty", Static).update(Content(text))

    #: The plot's rows above and below the axes' box (textual-plot's default is 2 and 3): set
    #: before the first layout, so the first frame is not drawn in a box sized for them.
    PLOT_MARGINS: ClassVar[tuple[int, int]] = (0, 0)

    def on_mount(self) -> None:
        plot = self.query_one(ChartPlot)
        plot.margin_top, plot.margin_bottom = self.PLOT_MARGINS
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)
        self.draw()

    def _theme_changed(self, _theme: Any) -> None:
        self.draw()

    def on_resize(self, event: events.Resize) -> None:
        self.call_after_refresh(self.draw)

    @property
    def plot(self) -> ChartPlot:
        return self.query_one(ChartPlot)

    def _set_title(self, title: str) -> None:
        self.heading = one_line(title, 120)
        self.border_title = Content(self.heading)

    def colour(self, component: str) -> str:
        """The foreground colour the theme gives `component`, as a Rich style string."""
        style = self.get_component_rich_style(component, partial=True)
        return str(Style(color=style.color or self.rich_style.color))

    def caption(self, text: Text) -> None:
        self.query_one(".chart--caption", Static).update(text)

    def draw(self) -> None:
        """Draw the chart again from its data, size and theme (the subclass does it)."""
