"""The dashboard's figures as a keyboard list (issue 17): a heading per group, a line per
figure, Enter on a figure drills down (`FigureList.Drilled` with the figure's key).

Labels may hold untrusted text (agent names, order titles): every line is built with `plain`
(sanitised, never markup). An `OptionList` is right here: a dashboard has tens of lines, never
the queue's million.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from mediator.widgets._text import cell, plain


@dataclass(frozen=True, slots=True)
class Figure:
    """One line: `key` names what it drills down to ("" for a heading, which does not)."""

    key: str
    label: str
    value: str = ""
    #: Shown dimmed after the value ("of 120", "42 %").
    detail: str = ""
    #: The value's style ("bold $error" for something late).
    style: str = "bold"


def heading(title: str) -> Figure:
    return Figure("", title)


class FigureList(OptionList):
    """Figures grouped under headings; Enter (or a click) on a figure posts `Drilled`."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select", "Drill down", id="figures.drill",
                tooltip="Open the queue filtered to exactly the disputes behind this figure"),
    ]  # fmt: skip

    class Drilled(Message):
        """The agent asked for the disputes behind the figure `key`."""

        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    LABEL_WIDTH = 28

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._keys: dict[str, str] = {}

    def set_figures(self, figures: Sequence[Figure]) -> None:
        """Show `figures`, keeping the highlighted figure when it is still there."""
        current = self.highlighted_option
        keep = current.id if current is not None else None
        self.clear_options()
        options: list[Option] = []
        self._keys = {}
        # one line each: the detail is cut to what is left of the width (never wrapped)
        width = self.scrollable_content_region.width or 76
        room = width - 2 - self.LABEL_WIDTH - 13 - 2 - 1  # a detail narrower than 6: none
        for i, f in enumerate(figures):
            if not f.key:
                options.append(Option(plain((f.label, "bold $accent")), id=f"-h{i}", disabled=True))
                continue
            line = plain(
                "  " + cell(f.label, self.LABEL_WIDTH),
                (f" {f.value:>12}", f.style),
                (f"  {cell(f.detail, room)}" if f.detail and room >= 6 else "", "dim"),
            )
            # several lines may drill to one key (the decided, their medians): ids are unique
            ident = f.key if f.key not in self._keys else f"{f.key}#{i}"
            self._keys[ident] = f.key
            options.append(Option(line, id=ident))
        self.add_options(options)
        keys = [o.id for o in options if not o.disabled]
        if keep in keys:
            self.highlighted = self.get_option_index(keep)  # type: ignore[arg-type]
        elif keys:
            self.highlighted = self.get_option_index(keys[0])  # type: ignore[arg-type]

    @on(OptionList.OptionSelected)
    def _drill(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        key = self._keys.get(event.option.id or "")
        if key:
            self.post_message(self.Drilled(key))
