"""The charts' axes and labels.

Bar labels are untrusted (agent names) and never reach textual-plot: it writes tick labels
with `Text.from_markup`, which reads brackets and backslashes as markup and ":smile:" as an
emoji, and `rich.markup.escape` does not make that exact (a backslash before "[" or at the
end is lost). So the bar axis gives the plot empty labels and `label_row` sets the labels
out as plain `Text` on a row of their own, under the tick marks. The time and count axes
give the plot labels we write ("14:00", "22 Nov", "30").
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta, tzinfo
from math import ceil, floor, log10

from rich.cells import cell_len, set_cell_size
from rich.text import Text
from textual_plot.axis_formatter import AxisFormatter, NumericAxisFormatter

from mediator.domain.text import one_line

#: Separators after which a prefix shared by every label can be dropped ("agent.", "EU/").
_SEPARATORS = " .:/-_@"


def shared_prefix(labels: Sequence[str]) -> str:
    """The prefix every label has, up to and including its last separator ("agent."), if
    every label goes on after it; "" otherwise."""
    if len(labels) < 2:
        return ""
    first, last = min(labels), max(labels)
    n = 0
    while n < min(len(first), len(last)) and first[n] == last[n]:
        n += 1
    cut = max((first.rfind(s, 0, n) for s in _SEPARATORS), default=-1) + 1
    if cut == 0 or any(len(label) <= cut for label in labels):
        return ""
    return first[:cut]


def _cut(label: str, width: int) -> str:
    if cell_len(label) <= width:
        return label
    if width <= 1:
        return set_cell_size(label, width)
    return set_cell_size(label, width - 1).rstrip() + "…"


def fit_labels(labels: Sequence[str], width: int) -> list[str]:
    """Each label on one line in at most `width` cells: sanitised; when they do not fit, a
    prefix shared by all is dropped ("agent."), then each is cut with "…"; labels that the
    cut made equal lose the prefix they share ("Buyer favour: full…" and "Buyer favour:
    partial…" become "full refund" and "partial…")."""
    flat = [one_line(label, limit=200) for label in labels]
    if all(cell_len(label) <= width for label in flat):
        return flat
    prefix = shared_prefix(flat)
    flat = [label[len(prefix) :] for label in flat]
    cut = [_cut(label, width) for label in flat]
    for short in {c for c in cut if cut.count(c) > 1}:
        same = [i for i, c in enumerate(cut) if c == short]
        prefix = shared_prefix([flat[i] for i in same])
        for i in same:
            cut[i] = _cut(flat[i][len(prefix) :], width)
    return cut


class CountAxis(NumericAxisFormatter):
    """Ticks from 0 at steps of 1, 2 or 5 × 10ⁿ, one every other row of the plot or fewer (the
    plot puts ticks on whole rows: denser ones come out unevenly spaced); whole numbers only
    when every value is whole (counts)."""

    def __init__(self) -> None:
        self.whole = True
        #: The rows the axis has; the chart sets it on each layout.
        self.rows = 10

    def get_ticks(self, min_: float, max_: float, max_ticks: int = 8) -> list[float]:
        if max_ <= min_:
            return [min_]
        most = max(2, min(max_ticks, self.rows // 2))
        power = 10 ** floor(log10(max_ - min_) - 1)
        for step in (m * power * 10**k for k in range(4) for m in (1, 2, 5)):
            if self.whole and step < 1:
                continue
            first = ceil(min_ / step)
            count = floor(max_ / step) - first + 1
            if count <= most:
                return [(first + i) * step for i in range(count)]
        return [min_, max_]

    def get_labels_for_ticks(self, ticks: Sequence[float]) -> list[str]:
        if self.whole:
            return [str(round(t)) for t in ticks]
        return super().get_labels_for_ticks(ticks)


def count_top(values: Sequence[float]) -> float:
    """The top of a y axis from 0 that holds `values` (at least 1, so zeros still draw)."""
    top = max(values, default=0.0)
    return float(max(1, ceil(top))) if top == round(top) else top


class BarAxis(AxisFormatter):
    """Bars at x = 1…n: a tick mark under each, and no text (`label_row` writes it)."""

    def __init__(self) -> None:
        self.count = 0

    def get_ticks(self, min_: float, max_: float, max_ticks: int = 8) -> list[float]:
        return [float(i) for i in range(1, self.count + 1)]

    def get_labels_for_ticks(self, ticks: Sequence[float]) -> list[str]:
        return ["" for _ in ticks]


def label_row(labels: Sequence[str], centres: Sequence[int], width: int, selected: int) -> Text:
    """`labels` (fitted) centred on the columns `centres` of a row `width` cells wide, the
    `selected` one in reverse video; plain `Text`, so nothing in a label is read as markup."""
    row = Text(no_wrap=True, overflow="crop")
    at = 0
    for i, (label, centre) in enumerate(zip(labels, centres, strict=True)):
        start = max(at, centre - (cell_len(label) - 1) // 2)
        row.append(" " * (start - at))
        row.append(label, "reverse" if i == selected else "")
        at = start + cell_len(label)
    row.append(" " * max(0, width - at))
    row.truncate(width)
    return row


#: Tick steps on a time axis, fewest ticks last: hours within a day, days beyond.
_HOURS = (1, 2, 3, 4, 6, 12)
_DAYS = (1, 2, 7, 14, 28)
#: Up to this span the axis is labelled in hours ("14:00"), beyond it in dates ("22 Nov").
HOURLY = timedelta(hours=26)


class TimeAxis(AxisFormatter):
    """An x axis of epoch seconds, ticked and labelled in the zone `tz`: on the hour for a
    span of about a day, at midnight beyond (wall-clock hours, so a DST change is right)."""

    def __init__(self, tz: tzinfo) -> None:
        self.tz = tz
        #: The cells the axis has; the chart sets it on each layout.
        self.width = 60
        self._format = "%H:%M"

    def get_ticks(self, min_: float, max_: float, max_ticks: int = 8) -> list[float]:
        if max_ <= min_:
            return []
        hourly = max_ - min_ <= HOURLY.total_seconds()
        self._format = "%H:%M" if hourly else "%d %b"
        label = 5 if hourly else 6
        room = max(1, self.width // (label + 3))
        # a label centred on a tick must not hang over either end of the axis
        pad = (max_ - min_) * (label // 2 + 1) / max(self.width, 1)
        first = datetime.fromtimestamp(min_, self.tz).date()
        days = [first + timedelta(days=i) for i in range(int((max_ - min_) // 86400) + 2)]
        steps: list[list[float]] = []
        if hourly:
            steps += [[self._at(d, h) for d in days for h in range(0, 24, s)] for s in _HOURS]
        steps += [[self._at(d, 0) for d in days if d.toordinal() % s == 0] for s in _DAYS]
        for ticks in steps:
            inside = [t for t in ticks if min_ + pad <= t <= max_ - pad]
            if len(inside) <= room:
                return inside
        return []

    def _at(self, day: date, hour: int) -> float:
        return datetime.combine(day, time(hour), self.tz).timestamp()

    def get_labels_for_ticks(self, ticks: Sequence[float]) -> list[str]:
        return [datetime.fromtimestamp(t, self.tz).strftime(self._format) for t in ticks]
