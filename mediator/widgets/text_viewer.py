"""A read-only viewer for one long untrusted text (a 1 MB message, a 10,000-line paste).

The text is sanitised and cut into display lines once per width, in a thread (chopping by cell
width, no Rich layout), and only visible lines are rendered, so the size of the text does not
freeze the screen.
"""

from __future__ import annotations

from typing import ClassVar

from rich.cells import cell_len, chop_cells
from rich.segment import Segment
from textual import events, work
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from mediator.domain.text import visible
from mediator.messages import ReportsFailures


def wrap_lines(text: str, width: int) -> list[str]:
    """`text` cut into lines of at most `width` cells (hard wrap, keeps every character)."""
    lines: list[str] = []
    for raw in visible(text).expandtabs(4).split("\n"):
        if len(raw) <= width and (raw.isascii() or cell_len(raw) <= width):
            lines.append(raw)
        else:
            lines.extend(chop_cells(raw, width) or [""])
    return lines


class TextViewer(ReportsFailures, ScrollView, can_focus=True):
    DEFAULT_CSS = "TextViewer { height: 1fr; overflow-x: hidden; scrollbar-gutter: stable; }"

    FAILURES: ClassVar[dict[str, tuple[str, str]]] = {
        "default": ("Laying out the message", "The message is stored as it was; open it again."),
    }

    def __init__(self, text: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._text = text
        self._lines: list[str] = []
        self._width = 0

    def on_resize(self, event: events.Resize) -> None:
        width = max(self.scrollable_content_region.width, 10)
        if width != self._width:
            self._width = width
            self._wrap(width)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _wrap(self, width: int) -> None:
        lines = wrap_lines(self._text, width)
        self.app.call_from_thread(self._set_lines, lines, width)

    def _set_lines(self, lines: list[str], width: int) -> None:
        self._lines = lines
        self.virtual_size = Size(width, len(lines))
        self.refresh()

    @property
    def line_count(self) -> int:
        return len(self._lines)

    @property
    def lines(self) -> tuple[str, ...]:
        """The display lines at the current width (empty until laid out)."""
        return tuple(self._lines)

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        style = self.rich_style
        index = scroll_y + y
        if index >= len(self._lines):
            return Strip.blank(width, style)
        strip = Strip([Segment(self._lines[index], style)])
        return strip.crop_extend(scroll_x, scroll_x + width, style)
