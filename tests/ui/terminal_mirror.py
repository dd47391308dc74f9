"""What a terminal would show: every update the app sends, applied to a grid of cells.

A headless app (`run_test`) computes each compositor update but writes it nowhere. A widget that
repaints only the lines it believes changed can leave a stale line on a real terminal while a
screenshot (a full render) looks right. `Mirror` keeps the cells the updates wrote, so a test can
compare them with a full render of the same moment: equal when no line was left stale.

It wraps `App._display`, as `bench/_probe.py` does (private API: Textual is pinned).
"""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from rich.segment import ControlType, Segment
from rich.style import Style
from textual.app import App

Cell = tuple[str, Style | None]


class Mirror:
    """The screen as the updates sent so far leave it."""

    def __init__(self, app: App[Any]) -> None:
        self.app = app
        self.cells: dict[tuple[int, int], Cell] = {}
        self.updates = 0
        original = app._display

        def display(screen: Any, renderable: Any) -> None:
            original(screen, renderable)
            if renderable is not None:
                self.updates += 1
                apply(self.cells, renderable, app)

        app._display = display  # type: ignore[method-assign]

    def lines(self, top: int, bottom: int, width: int) -> list[str]:
        """The text of screen lines `top` to `bottom` (excluded)."""
        return [
            "".join(self.cells.get((x, y), (" ", None))[0] for x in range(width))
            for y in range(top, bottom)
        ]

    def stale(self) -> list[int]:
        """The screen lines whose cells differ from a full render now (call with the app
        settled: a full render takes the compositor's pending changes with it)."""
        fresh: dict[tuple[int, int], Cell] = {}
        apply(fresh, self.app.screen._compositor.render_full_update(), self.app)
        rows = {y for _, y in fresh} | {y for _, y in self.cells}
        return sorted(
            y
            for y in rows
            if any(self.cells.get((x, y)) != fresh.get((x, y)) for x in range(self.app.size.width))
        )


def apply(cells: dict[tuple[int, int], Cell], renderable: Any, app: App[Any]) -> None:
    """Write `renderable`'s segments into `cells` as a terminal would."""
    x = y = 0
    segments: list[Segment] = list(app.console.render(renderable, app.console.options))
    for segment in segments:
        if segment.control:
            for control in segment.control:
                kind, *where = control
                if kind is ControlType.CURSOR_MOVE_TO:
                    x, y = int(where[0]), int(where[1])
            continue
        if segment.text == "\n":
            continue
        for char in segment.text:
            cells[(x, y)] = (char, segment.style)
            width = max(1, cell_len(char))
            for covered in range(x + 1, x + width):  # a wide character covers the next cell
                cells.pop((covered, y), None)
            x += width
