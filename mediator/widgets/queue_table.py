"""A virtual table over a window of queue rows.

Only the visible lines are rendered, and only a bounded window of rows is held: when the cursor
nears an edge of the window the table posts `NeedRows` and its screen reads the next page from the
store by key (never OFFSET). Jumping to the start or end replaces the window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import var
from textual.strip import Strip
from textual.widget import Widget

from mediator.domain.claims import held_age
from mediator.domain.deadlines import NO_DEADLINE, timer_name
from mediator.domain.money import format_amount
from mediator.domain.queue import QueueKey, QueuePage, QueueRow, SortKey, comes_before
from mediator.widgets._text import cell, duration, local_time

#: Rows kept in memory at most; the far end of the window is dropped past this.
WINDOW_MAX = 600
#: Rendered row lines kept for reuse (a screenful is ~50), the oldest dropped first.
LINE_CACHE = 1_000
#: Lines drawn ahead between keys per turn of the event loop (~0.1 ms each): a key that comes
#: meanwhile waits for one turn at most.
WARM_CHUNK = 6
#: Ask for more rows when the cursor comes this close to an edge of the window (or two screens,
#: if more): the next page is read before a page key reaches it.
PREFETCH_MARGIN = 40


@dataclass(frozen=True, slots=True)
class Column:
    title: str
    width: int
    #: Columns with a higher priority are dropped first on narrow terminals.
    drop_priority: int = 0
    right: bool = False
    #: The order a click on the title sorts by (None: not a sort, see `SortKey`).
    sort: SortKey | None = None


COLUMNS: tuple[Column, ...] = (
    Column("Due", 9, sort=SortKey.DUE),
    Column("Timer", 10, drop_priority=2),
    Column("Dispute", 10, sort=SortKey.ID),
    Column("Reason", 16, drop_priority=3, sort=SortKey.REASON),
    Column("Kind", 7, drop_priority=5),
    Column("Amount", 14, right=True, sort=SortKey.AMOUNT),
    Column("Buyer", 14, drop_priority=6, sort=SortKey.BUYER),
    Column("Seller", 14, drop_priority=1, sort=SortKey.SELLER),
    Column("Status", 13, sort=SortKey.STATUS),
    Column("Claim", 16, drop_priority=2),
    Column("Ev", 3, drop_priority=4, right=True, sort=SortKey.EVIDENCE),
    Column("⚑", 2, drop_priority=1, right=True, sort=SortKey.FLAGS),
    Column("Order", 0, sort=SortKey.TITLE),  # takes what is left
)
#: The resolved list's (issue 22): who decided and when instead of the deadline, its timer,
#: the claim and the status (nothing runs, nobody holds a decided dispute, all say resolved).
RESOLVED_COLUMNS: tuple[Column, ...] = (
    Column("Decided at", 12, sort=SortKey.DECIDED),
    Column("Decided by", 14, drop_priority=2),
    *(c for c in COLUMNS if c.title not in ("Due", "Timer", "Status", "Claim")),
)


def claim_text(row: QueueRow, now: datetime, agent: str) -> str:
    """Who holds the dispute and for how long ("ana · 2m", "you · 5m"); a dispute handed to
    the agent says by whom ("from ana"); a proposal a supervisor returned (issue 16) says to
    whom ("returned to you", "↩ you · 5m" once claimed); nobody's: empty."""
    claim = row.claim
    returned = row.returned_to
    if claim is None:
        if returned is None:
            return ""
        return "returned to you" if returned == agent else f"returned to {returned}"
    held = held_age(claim, now)
    mark = "↩ " if returned is not None else ""
    if claim.holder != agent:
        return f"{mark}{claim.holder} · {held}"
    return f"{mark}from {claim.handed_by}" if claim.handed_by else f"{mark}you · {held}"


def due_text(row: QueueRow, now: datetime) -> str:
    """How long until the next deadline ("4h 02m"), or how long overdue ("-2d 03h")."""
    if row.deadline_rule is None or row.urgency_at >= NO_DEADLINE:
        return "—"
    left = row.urgency_at - now
    return duration(left) if left > timedelta(0) else "-" + duration(left)


class QueueTable(Widget, can_focus=True):
    """The escalation queue: one line a dispute, most urgent first."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "queue-table--header",
        "queue-table--cursor",
        "queue-table--overdue",
        "queue-table--late",
        "queue-table--awaiting",
        "queue-table--dim",
        "queue-table--flagged",
        "queue-table--claimed",
        "queue-table--mine",
        "queue-table--returned",
        "queue-table--selected",
    }

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select", "Open", id="queue.open", tooltip="Open the selected dispute"),
        Binding("up,k", "cursor(-1)", "Up", show=False, id="queue.up", tooltip="Previous row"),
        Binding("down,j", "cursor(1)", "Down", show=False, id="queue.down", tooltip="Next row"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="queue.pageup",
                tooltip="One screen up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="queue.pagedown",
                tooltip="One screen down"),
        Binding("home,g", "jump_start", "First", show=False, id="queue.first",
                tooltip="Most urgent dispute"),
        Binding("end,G", "jump_end", "Last", show=False, id="queue.last",
                tooltip="Least urgent dispute"),
        Binding("space", "toggle_selected", "Select", show=False, id="queue.toggle",
                tooltip="Select the dispute under the cursor for a bulk action, or unselect it"),
        Binding("shift+up", "extend_selection(-1)", "Select up", show=False,
                id="queue.extend_up", tooltip="Extend the selection to the previous row"),
        Binding("shift+down", "extend_selection(1)", "Select down", show=False,
                id="queue.extend_down", tooltip="Extend the selection to the next row"),
    ]  # fmt: skip

    DEFAULT_CSS = """
    QueueTable { height: 1fr; }
    QueueTable > .queue-table--header { text-style: bold; background: $panel; }
    QueueTable > .queue-table--cursor { background: $block-cursor-blurred-background; }
    QueueTable:focus > .queue-table--cursor {
        background: $block-cursor-background; color: $block-cursor-foreground;
    }
    QueueTable > .queue-table--overdue { color: $error; text-style: bold; }
    QueueTable > .queue-table--late { color: $warning; }
    QueueTable > .queue-table--awaiting { color: $secondary; }
    QueueTable > .queue-table--flagged { color: $warning; text-style: bold; }
    QueueTable > .queue-table--dim { color: $text-muted; }
    QueueTable > .queue-table--claimed { color: $text-muted; text-style: italic; }
    QueueTable > .queue-table--mine { color: $success; }
    QueueTable > .queue-table--returned { color: $warning; text-style: bold; }
    QueueTable > .queue-table--selected { color: $accent; text-style: bold; }
    """

    #: The highlighted row's index in `rows`. Not a repainting reactive: `watch_cursor` repaints
    #: the two lines that change (a repaint of every line was most of a cursor key's frame).
    cursor: var[int] = var(0, always_update=True, init=False)

    class NeedRows(Message):
        """The table wants more rows: after `after`, before `before`, or a fresh window."""

        def __init__(
            self, *, after: QueueKey | None = None, before: QueueKey | None = None,
            from_end: bool = False,
        ) -> None:  # fmt: skip
            super().__init__()
            self.after = after
            self.before = before
            self.from_end = from_end

    class Highlighted(Message):
        """The cursor moved to `row`; `by_agent`: by a key, a click or the wheel (not because
        the rows were replaced)."""

        def __init__(self, row: QueueRow | None, *, by_agent: bool = False) -> None:
            super().__init__()
            self.row = row
            self.by_agent = by_agent

    class HeaderClicked(Message):
        """The agent clicked a column's title: `sort` is its order (None: not one)."""

        def __init__(self, title: str, sort: SortKey | None) -> None:
            super().__init__()
            self.title = title
            self.sort = sort

    class Selected(Message):
        """The agent chose `row` (Enter or click)."""

        def __init__(self, row: QueueRow) -> None:
            super().__init__()
            self.row = row

    class SelectionChanged(Message):
        """The disputes selected for a bulk action changed: `count` of them; `everything`
        when they are every dispute matching the filter (`select_ids`)."""

        def __init__(self, count: int, everything: bool) -> None:
            super().__init__()
            self.count = count
            self.everything = everything

    def __init__(
        self,
        *,
        now: datetime,
        agent: str = "",
        tz: tzinfo = UTC,
        name: str | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id)
        #: The agent's time zone (the decision times of the resolved list).
        self.tz = tz
        #: The columns shown: the queue's, or the resolved list's (`show_decisions`).
        self.columns = COLUMNS
        #: Whose claims read "you" in the Claim column.
        self.agent = agent
        self.rows: list[QueueRow] = []
        self.has_before = False
        self.has_after = False
        self.top = 0
        self._painted_top = 0  # `top` when the whole table was last refreshed
        self._line_cache: dict[tuple[object, ...], Strip] = {}
        #: The styles a frame paints with (`render_lines`), and the columns laid out for a
        #: width: each cost more than a cached line when read per line.
        self._paint = _Paint(Style(), {}, ())
        self._layouts: dict[tuple[object, ...], list[tuple[Column, int]]] = {}
        self.now = now
        self._pending: set[str] = set()
        #: Rows a key asked to move past the window's edge while the next page was being read
        #: (negative: upwards): the move is finished when the page comes (`extend`).
        self._owed = 0
        #: The rows' order (the screen's query): keys, and the header's ▲/▼ when not the default.
        self.sort = SortKey.DUE
        self.descending = False
        #: What the table says with no rows (the screen knows why: `set_empty`).
        self.empty: tuple[str, ...] = ()

        #: The disputes selected for a bulk action, by id, in the order selected: a set of ids
        #: (never rows), so "every dispute matching the filter" costs ids, not row objects.
        self.selection: dict[str, None] = {}
        #: The selection is every dispute that matched the filter when it was made.
        self.selected_everything = False

    def set_order(self, sort: SortKey, descending: bool) -> None:
        """The order of the rows `set_page` brings next (the sorted column is never dropped)."""
        if (sort, descending) != (self.sort, self.descending):
            self.sort, self.descending = sort, descending
            self._line_cache.clear()  # the columns shown may change
            self._refresh_all()

    def show_decisions(self, decisions: bool) -> None:
        """The resolved list's columns (who decided, when), or the queue's (issue 22)."""
        columns = RESOLVED_COLUMNS if decisions else COLUMNS
        if columns is not self.columns:
            self.columns = columns
            self._line_cache.clear()
            self._refresh_all()

    def set_empty(self, lines: tuple[str, ...]) -> None:
        """What to say when no row is listed (an empty store, filters that match none)."""
        if lines != self.empty:
            self.empty = lines
            self._refresh_all()

    def key_of(self, row: QueueRow) -> QueueKey:
        """`row`'s position in the order shown."""
        return row.key_for(self.sort)

    def _before(self, a: QueueKey, b: QueueKey) -> bool:
        return comes_before(a, b, self.sort, self.descending)

    # ----- data -------------------------------------------------------------------------
    def set_page(
        self, page: QueuePage, *, at_end: bool = False, keep: QueueKey | None = None
    ) -> None:
        """Replace the window. The cursor goes to `keep` if present, else the first/last row."""
        self.rows = list(page.rows)
        self.has_before, self.has_after = page.has_before, page.has_after
        self._pending.clear()
        self._owed = 0
        index = len(self.rows) - 1 if at_end else 0
        if keep is not None:
            index = next(
                (i for i, r in enumerate(self.rows) if not self._before(self.key_of(r), keep)),
                index,
            )
        self.top = max(0, index - self._body_height() // 2) if keep or at_end else 0
        self._move_to(max(0, index))
        self._refresh_all()  # new rows: every line may change, even with the view not scrolled

    def extend(self, page: QueuePage, *, after: bool) -> None:
        """Add a page read after the last row (`after=True`) or before the first. The lines on
        screen are repainted only if they change (a page read ahead of the cursor adds rows out
        of sight); a move that waited for the page is finished."""
        shown = self._shown()
        if after:
            self._pending.discard("after")
            known = {r.id for r in self.rows[-len(page.rows) :]} if page.rows else set()
            self.rows.extend(r for r in page.rows if r.id not in known)
            self.has_after = page.has_after
            overflow = len(self.rows) - WINDOW_MAX
            if overflow > 0:
                del self.rows[:overflow]
                self.top = max(0, self.top - overflow)
                self.has_before = True
                self.set_reactive(QueueTable.cursor, max(0, self.cursor - overflow))
        else:
            self._pending.discard("before")
            first = self.key_of(self.rows[0]) if self.rows else None
            new = [r for r in page.rows if first is None or self._before(self.key_of(r), first)]
            self.rows[:0] = new
            self.has_before = page.has_before
            self.top += len(new)
            self.set_reactive(QueueTable.cursor, self.cursor + len(new))
            overflow = len(self.rows) - WINDOW_MAX
            if overflow > 0:
                del self.rows[-overflow:]
                self.has_after = True
        if self._shown() != shown:
            self._refresh_all()
        else:
            self._painted_top = self.top  # the same rows at the same places
        self.call_after_refresh(self._warm)
        owed, self._owed = self._owed, 0
        if owed and (owed > 0) == after:
            self._move_by(owed, by_agent=True)

    def _shown(self) -> tuple[str, ...]:
        """The ids of the rows on screen, top to bottom."""
        return tuple(r.id for r in self.rows[self.top : self.top + self._body_height()])

    @property
    def current(self) -> QueueRow | None:
        return self.rows[self.cursor] if 0 <= self.cursor < len(self.rows) else None

    # ----- the selection (issue 19: bulk actions) ------------------------------------------
    def select_ids(self, ids: list[str]) -> None:
        """Select exactly `ids` (every dispute matching the filter, in the queue's order)."""
        self.selection = dict.fromkeys(ids)
        self.selected_everything = True
        self._selection_changed()

    def selection_outlived_filter(self) -> None:
        """The filter changed: the selection stays as it was, but it is no longer "every
        dispute matching the filter" (it is said so)."""
        if self.selected_everything:
            self.selected_everything = False
            self._selection_changed()

    def clear_selection(self) -> None:
        self.selection = {}
        self.selected_everything = False
        self._selection_changed()

    def action_toggle_selected(self) -> None:
        row = self.current
        if row is None:
            return
        if row.id in self.selection:
            del self.selection[row.id]
        else:
            self.selection[row.id] = None
        self.selected_everything = False
        self._selection_changed()

    def action_extend_selection(self, delta: int) -> None:
        row = self.current
        if row is None:
            return
        self.selection.setdefault(row.id, None)
        self._move_to(self.cursor + delta, by_agent=True)
        if (moved := self.current) is not None:
            self.selection.setdefault(moved.id, None)
        self.selected_everything = False
        self._selection_changed()

    def _selection_changed(self) -> None:
        self._refresh_all()
        self.post_message(self.SelectionChanged(len(self.selection), self.selected_everything))

    # ----- movement ---------------------------------------------------------------------
    def highlight_id(self, dispute_id: str) -> bool:
        """Put the cursor on `dispute_id` if it is in the loaded window."""
        wanted = dispute_id.strip().casefold()
        for index, row in enumerate(self.rows):
            if row.id.casefold() == wanted:
                self._move_to(index)
                self._refresh_all()
                return True
        return False

    def _body_height(self) -> int:
        return max(1, self.size.height - 1)

    def _move_by(self, delta: int, *, by_agent: bool) -> None:
        """Move the cursor `delta` rows from where the keys so far put it (a move still waiting
        for rows counts); past an edge of the window that has rows beyond it, the rest of the
        move waits for them."""
        target = self.cursor + self._owed + delta
        last = len(self.rows) - 1
        owed = 0
        if target > last and self.has_after:
            owed = target - last
        elif target < 0 and self.has_before:
            owed = target
        self._move_to(target, by_agent=by_agent, owed=owed)

    def _move_to(self, index: int, *, by_agent: bool = False, owed: int = 0) -> None:
        """Put the cursor on `rows[index]` (clamped); `owed`: rows still to go once the next
        page comes (`_move_by`); any other move (a click, a jump) drops what was owed."""
        self._owed = owed
        if not self.rows:
            self.cursor = 0
            self.post_message(self.Highlighted(None, by_agent=by_agent))
            self._refresh_all()
            return
        index = max(0, min(index, len(self.rows) - 1))
        height = self._body_height()
        if index < self.top:
            self.top = index
        elif index >= self.top + height:
            self.top = index - height + 1
        self.cursor = index
        # once this key's frame is drawn: a read started now would share the GIL with it
        self.call_after_refresh(self._prefetch)
        self.call_after_refresh(self._warm)
        self.post_message(self.Highlighted(self.rows[index], by_agent=by_agent))

    def _prefetch(self) -> None:
        if not self.rows:
            return
        margin = max(PREFETCH_MARGIN, 2 * self._body_height())
        near_end = self.cursor >= len(self.rows) - margin
        if self.has_after and "after" not in self._pending and near_end:
            self._pending.add("after")
            self.post_message(self.NeedRows(after=self.key_of(self.rows[-1])))
        if self.has_before and "before" not in self._pending and self.cursor < margin:
            self._pending.add("before")
            self.post_message(self.NeedRows(before=self.key_of(self.rows[0])))

    def action_cursor(self, delta: int) -> None:
        self._move_by(delta, by_agent=True)

    def action_page(self, direction: int) -> None:
        self._move_by(direction * self._body_height(), by_agent=True)

    def action_jump_start(self) -> None:
        self._owed = 0
        if self.has_before:
            self.post_message(self.NeedRows())
        else:
            self._move_to(0, by_agent=True)

    def action_jump_end(self) -> None:
        self._owed = 0
        if self.has_after:
            self.post_message(self.NeedRows(from_end=True))
        else:
            self._move_to(len(self.rows) - 1, by_agent=True)

    def action_select(self) -> None:
        if (row := self.current) is not None:
            self.post_message(self.Selected(row))

    def on_click(self, event: events.Click) -> None:
        if event.y == 0:
            left = 0
            for column, width in self._layout(self.size.width):
                if left <= event.x < left + width + 1:
                    self.post_message(self.HeaderClicked(column.title, column.sort))
                left += width + 1
            return
        if event.y >= 1:
            index = self.top + event.y - 1
            if index < len(self.rows):
                self._move_to(index, by_agent=True)
                if event.chain >= 2:
                    self.action_select()

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        event.stop()
        self._move_by(3, by_agent=True)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        event.stop()
        self._move_by(-3, by_agent=True)

    def on_resize(self, event: events.Resize) -> None:
        self._move_to(self.cursor)

    def notify_style_update(self) -> None:
        self._line_cache.clear()  # theme or CSS changed: cached lines hold old colours
        super().notify_style_update()

    def _refresh_all(self) -> None:
        self._painted_top = self.top
        self.refresh()

    def watch_cursor(self, old: int, new: int) -> None:
        if self.top != self._painted_top:  # the view scrolled: every line changes
            self._refresh_all()
            return
        width = self.size.width  # only the old and new cursor lines change (y 0 is the header)
        for index in {old, new}:
            self.refresh(Region(0, index - self.top + 1, width, 1))

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return container.height

    # ----- rendering --------------------------------------------------------------------
    def _layout(self, width: int) -> list[tuple[Column, int]]:
        key = (width, self.columns, self.sort)
        layout = self._layouts.get(key)
        if layout is None:
            if len(self._layouts) > 16:
                self._layouts.clear()
            layout = self._layouts[key] = self._lay_out(width)
        return layout

    def _lay_out(self, width: int) -> list[tuple[Column, int]]:
        columns = list(self.columns)

        def fixed(cols: list[Column]) -> int:
            return sum(c.width + 1 for c in cols)

        for column in sorted(self.columns, key=lambda c: -c.drop_priority):
            if fixed(columns) + 12 <= width or column.drop_priority == 0:
                break
            if column.sort is not self.sort:  # the column the rows are sorted by stays
                columns.remove(column)
        rest = max(0, width - fixed(columns))
        return [(c, c.width or rest) for c in columns]

    def _title(self, column: Column, width: int) -> str:
        """The column's title, marked ▲ (ascending) or ▼ when the queue is sorted by it; the
        default order (next deadline first) is not marked."""
        if column.sort is not self.sort or (self.sort is SortKey.DUE and not self.descending):
            return column.title
        mark = "▼" if self.descending else "▲"
        title = column.title[: max(0, width - 1)]
        return f"{title} {mark}" if len(title) + 2 <= width else f"{title}{mark}"

    def _cells(self, row: QueueRow) -> dict[str, str]:
        """Each column's text, by title."""
        return {
            "Due": due_text(row, self.now),
            "Timer": timer_name(row.deadline_rule),
            "Decided at": local_time(row.decided_at, self.tz) if row.decided_at else "—",
            "Decided by": row.decided_by or "—",
            "Dispute": row.id,
            "Reason": row.reason.label,
            "Kind": row.order_kind.value,
            "Amount": format_amount(row.price, row.currency),
            "Buyer": row.buyer_name,
            "Seller": row.seller_name,
            "Status": row.status.label,
            "Claim": claim_text(row, self.now, self.agent),
            "Ev": str(row.evidence_count),
            "⚑": str(row.flagged_count) if row.flagged_count else "",
            "Order": row.order_title,
        }

    def render_lines(self, crop: Region) -> list[Strip]:
        self._paint = self._paint.now(self)
        return super().render_lines(crop)

    def _style(self, name: str) -> Style:
        return self._paint.components[name]

    def render_line(self, y: int) -> Strip:
        if not self._paint.sources:  # a line asked for outside a frame's `render_lines`
            self._paint = self._paint.now(self)
        width = self.size.width
        base = self._paint.base
        layout = self._layout(width)
        if y == 0:
            style = self._style("queue-table--header")
            text = " ".join(_fit(self._title(c, w), w, c.right) for c, w in layout)
            return Strip([Segment(_fit(text, width, False), style)], width)
        index = self.top + y - 1
        if index >= len(self.rows):
            if not self.rows and 1 <= y <= len(self.empty):
                dim = self._style("queue-table--dim")
                line = "  " + self.empty[y - 1]
                return Strip([Segment(_fit(line, width, False), dim)], width)
            return Strip.blank(width, base)
        return self._row_line(index, width, layout)

    def _line_key(self, index: int, width: int) -> tuple[object, ...]:
        """What the line of `rows[index]` depends on: cursor moves and repaints reuse it."""
        row = self.rows[index]
        return (row.id, row.version, row.urgency_at, row.claimed_by, row.claimed_since,
                row.claimed_from, row.returned_to, index == self.cursor, width, self.now,
                self.has_focus, self._paint, row.id in self.selection)  # fmt: skip

    def _row_line(self, index: int, width: int, layout: list[tuple[Column, int]]) -> Strip:
        key = self._line_key(index, width)
        cache = self._line_cache
        cached = cache.get(key)
        if cached is not None:
            return cached
        while len(cache) >= LINE_CACHE:
            del cache[next(iter(cache))]
        strip = cache[key] = self._render_row(
            self.rows[index], index, width, layout, self._paint.base
        )
        return strip

    def _warm(self) -> None:
        """Between keys, draw into the line cache the lines a page key would show next (a
        screen below the view and a screen above it): a page key then repaints from the cache
        (each new line was ~40 % of a page key's frame). A few lines a turn, so that a key
        typed meanwhile waits for little."""
        if not self.rows or not self.is_mounted:
            return
        self._paint = self._paint.now(self)
        width, height = self.size.width, self._body_height()
        layout = self._layout(width)
        ahead = (
            *range(self.top + height, self.top + 2 * height),
            *range(self.top - height, self.top),
        )
        missing = [
            i for i in ahead
            if 0 <= i < len(self.rows) and self._line_key(i, width) not in self._line_cache
        ]  # fmt: skip
        for index in missing[:WARM_CHUNK]:
            self._row_line(index, width, layout)
        if len(missing) > WARM_CHUNK:
            self.call_later(self._warm)

    def _render_row(
        self, row: QueueRow, index: int, width: int, layout: list[tuple[Column, int]], base: Style
    ) -> Strip:
        values = self._cells(row)
        segments: list[Segment] = []
        left = row.urgency_at - self.now
        urgency = Style()
        if row.deadline_rule is None:
            pass  # nothing is running: resolved, closed
        elif left <= timedelta(0):
            urgency = self._style("queue-table--overdue")
        elif left <= timedelta(hours=4):
            urgency = self._style("queue-table--late")
        flag_style = self._style("queue-table--flagged")
        status_style = (
            self._style("queue-table--awaiting") if row.status == "awaiting_info" else Style()
        )
        claim_style = Style()
        if row.returned_to is not None and row.returned_to == self.agent:
            claim_style = self._style("queue-table--returned")
        elif row.claimed_by is not None:
            mine = row.claimed_by == self.agent
            claim_style = self._style("queue-table--mine" if mine else "queue-table--claimed")
        cursor = self._style("queue-table--cursor") if index == self.cursor else Style()
        selected = row.id in self.selection
        picked = self._style("queue-table--selected") if selected else Style()
        for i, (column, w) in enumerate(layout):
            style = (
                urgency
                if i == 0
                else status_style
                if column.title == "Status"
                else claim_style
                if column.title == "Claim"
                else flag_style
                if column.title == "⚑"
                else Style()
            )
            if column.title == "Dispute":
                style += picked
            text = values[column.title]
            segments.append(Segment(_fit(text, w, column.right), base + style + cursor))
            # a selected row is marked ● after its first column (the header is unchanged)
            mark = "●" if i == 0 and selected else " "
            segments.append(Segment(mark, base + picked + cursor))
        return Strip(segments).crop_extend(0, width, base + cursor)


@dataclass(frozen=True, slots=True, eq=False)  # compared and hashed by identity
class _Paint:
    """The table's Rich style and its component classes' styles, read once a frame. Textual
    clears its own cache of component styles on every `refresh()`, and `rich_style` walks the
    ancestors: read per line, they were most of a row's cost."""

    base: Style
    components: dict[str, Style]
    #: What `components` was read from: the component classes' style objects, which Textual
    #: makes anew whenever it applies the CSS to the table (a theme, a pseudo-class such as
    #: :focus). Private to Textual (pinned in pyproject.toml); `get_component_styles` copies.
    sources: tuple[object, ...]

    def now(self, table: QueueTable) -> _Paint:
        """This frame's styles: `self` again if nothing they come from has changed."""
        names = sorted(table.COMPONENT_CLASSES)
        sources = tuple(table._component_styles.get(name) for name in names)
        base = table.rich_style
        same = len(sources) == len(self.sources) and all(
            a is b for a, b in zip(sources, self.sources, strict=True)
        )
        if same and base == self.base:
            return self
        components = {name: table.get_component_rich_style(name) for name in names}
        return _Paint(base, components, sources)


def _fit(text: str, width: int, right: bool) -> str:
    fitted = cell(text, width)
    if right:
        stripped = fitted.rstrip()
        return " " * (len(fitted) - len(stripped)) + stripped
    return fitted
