"""The dispute's timeline and chat transcripts in one virtual, scrollable list.

Entries are laid out per width into lines once (bodies are previewed: at most `PREVIEW_LINES`
lines and `PREVIEW_CHARS` characters each, so a 1 MB message costs no more than a short one),
and only the visible lines are rendered. Untrusted text is sanitised and drawn as plain `Text`.

A long transcript comes window by window, newest first (issue 18): while older entries remain
to be read, the widget asks for them (`Older`) as the view or the selection nears its top, or
all of them at once for Home; they arrive with `prepend_entries`, and the keys that moved past
the top meanwhile are carried out then, in order.
"""

from __future__ import annotations

from bisect import bisect_right
from enum import Enum
from itertools import accumulate
from typing import ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from mediator.domain.enums import Actor, Channel
from mediator.domain.text import visible
from mediator.domain.timeline import EntryKind, TimelineEntry
from mediator.widgets._text import local_time

PREVIEW_LINES = 12
#: Older entries are asked for when the selection is this many entries from the first shown, or
#: the view this many screens from the top.
PREFETCH_ENTRIES = 40
PREFETCH_SCREENS = 2
PREVIEW_CHARS = 2_000
#: Rendered entries kept; the rest are re-rendered when scrolled back into view.
RENDER_CACHE = 512
#: Badges in an entry's header line.
FLAG_NAMES = {
    "P-COMM-ONPLATFORM": "off-platform",
    "P-COMM-CONDUCT": "conduct",
    "P-COMM-SPAM-LONG": "spam",
}


def _preview(entry: TimelineEntry) -> str:
    return visible(entry.body[:PREVIEW_CHARS]).expandtabs(4)


def _body_height(entry: TimelineEntry, width: int) -> tuple[int, bool]:
    """Preview lines of `entry` at `width` (character-wrapped, at most `PREVIEW_LINES`) and
    whether the message is longer than its preview."""
    if not entry.body:
        return 0, False
    room = max(width - 3, 4)
    total = 0
    for line in _preview(entry).split("\n"):
        total += max(1, -(-cell_len(line) // room))
        if total > PREVIEW_LINES:
            return PREVIEW_LINES, True
    return total, len(entry.body) > PREVIEW_CHARS


def _height(entry: TimelineEntry, width: int) -> int:
    """Header + preview + "… more" when cut + a blank line."""
    body, cut = _body_height(entry, width)
    return 1 + body + (1 if cut else 0) + 1


class Show(Enum):
    """Which entries the transcript shows (cycled with `c`)."""

    ALL = "everything"
    ORDER_CHAT = "order chat"
    DISPUTE_CHAT = "dispute chat"
    STAFF_NOTES = "staff notes"
    EVENTS = "events, evidence and decisions"
    HISTORY = "history: who did what"

    def accepts(self, entry: TimelineEntry) -> bool:
        if self is Show.ALL:
            return True
        if self is Show.EVENTS:
            return entry.kind is not EntryKind.MESSAGE
        if self is Show.HISTORY:
            return entry.kind is EntryKind.HISTORY
        wanted = {
            Show.ORDER_CHAT: Channel.ORDER_CHAT,
            Show.DISPUTE_CHAT: Channel.DISPUTE_CHAT,
            Show.STAFF_NOTES: Channel.STAFF_NOTE,
        }[self]
        return entry.channel is wanted


def _who(entry: TimelineEntry) -> str:
    if entry.actor is None:
        return ""
    if entry.author_name:
        return f"{entry.actor.value.upper()} {visible(entry.author_name)}"
    return entry.actor.value.upper()


class Transcript(ScrollView, can_focus=True):
    """Timeline entries, newest last; one entry is selected (Enter opens it)."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "transcript--time",
        "transcript--event",
        "transcript--evidence",
        "transcript--decision",
        "transcript--history",
        "transcript--buyer",
        "transcript--seller",
        "transcript--staff",
        "transcript--system",
        "transcript--note",
        "transcript--more",
        "transcript--flag",
        "transcript--flagged",
        "transcript--selected",
    }

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "move(-1)", "Previous", show=False, id="transcript.previous",
                tooltip="Previous entry"),
        Binding("down,j", "move(1)", "Next", show=False, id="transcript.next",
                tooltip="Next entry"),
        Binding("home", "move_to(0)", "First", show=False, id="transcript.first",
                tooltip="First entry"),
        Binding("end", "move_to(-1)", "Last", show=False, id="transcript.last",
                tooltip="Last entry"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="transcript.pageup",
                tooltip="One screen up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="transcript.pagedown",
                tooltip="One screen down"),
        Binding("enter", "open", "Open entry", id="transcript.open",
                tooltip="Read the whole message, or open the evidence item"),
    ]  # fmt: skip

    DEFAULT_CSS = """
    Transcript { height: 1fr; overflow-x: hidden; scrollbar-gutter: stable; }
    Transcript > .transcript--time { color: $text-muted; }
    Transcript > .transcript--event { color: $text-muted; text-style: italic; }
    Transcript > .transcript--evidence { color: $accent; text-style: bold; }
    Transcript > .transcript--decision { color: $success; text-style: bold; }
    Transcript > .transcript--history { color: $text-secondary; }
    Transcript > .transcript--buyer { color: $primary; text-style: bold; }
    Transcript > .transcript--seller { color: $warning; text-style: bold; }
    Transcript > .transcript--staff { color: $success; text-style: bold; }
    Transcript > .transcript--system { color: $text-muted; text-style: bold; }
    Transcript > .transcript--note { background: $success 15%; }
    Transcript > .transcript--more { color: $text-muted; text-style: italic; }
    Transcript > .transcript--flag { color: $warning; text-style: bold; }
    Transcript > .transcript--flagged { background: $warning 30%; text-style: underline; }
    Transcript > .transcript--selected { background: $block-cursor-blurred-background; }
    Transcript:focus > .transcript--selected { background: $block-hover-background; }
    """

    show: reactive[Show] = reactive(Show.ALL)
    #: Not `repaint`: `watch_selected` repaints the two entries whose selection changed (a
    #: repaint of the whole view on every key was most of a scroll key's time, issue 18).
    selected: reactive[int] = reactive(0, always_update=True, repaint=False)

    class Opened(Message):
        """The agent opened `entry` (Enter or double click)."""

        def __init__(self, entry: TimelineEntry) -> None:
            super().__init__()
            self.entry = entry

    class Older(Message):
        """Read the entries before the first shown: the next window, or `everything` (Home);
        answered with `prepend_entries` (or `older_failed`)."""

        def __init__(self, *, everything: bool) -> None:
            super().__init__()
            self.everything = everything

    def __init__(self, *, tz: object, id: str | None = None) -> None:
        super().__init__(id=id)
        self._tz = tz
        self._all: list[TimelineEntry] = []
        self.entries: list[TimelineEntry] = []
        self._starts: list[int] = []  # first line of each entry
        self._heights: list[int] = []  # lines of each entry (see `_height`)
        self._rendered: dict[int, list[Strip]] = {}  # entry index → its strips, once shown
        self._width = 0
        #: Older entries remain to be read (`Older`); asked for: None, a window, or everything.
        self.more_before = False
        self._asked: str | None = None
        #: Moves past the first entry shown, waiting for the older entries (run in order).
        self._waiting: list[tuple[str, int]] = []

    # ----- data -------------------------------------------------------------------------
    @property
    def all_entries(self) -> tuple[TimelineEntry, ...]:
        """Every entry, whatever the `Show` filter hides."""
        return tuple(self._all)

    def set_entries(
        self, entries: list[TimelineEntry], *, select_last: bool = True, more_before: bool = False
    ) -> None:
        """Show `entries`; `more_before`: older ones remain, to be asked for (`Older`)."""
        self._all = entries
        self.more_before = more_before
        self._asked = None
        self._waiting = []
        self._apply_filter(select_last=select_last)
        self._prefetch()

    def prepend_entries(self, entries: list[TimelineEntry], *, more_before: bool) -> None:
        """The entries just before those shown (as asked for with `Older`), in order: the view
        and the selection stay on the same entries, and the moves that waited for them run."""
        self._all = [*entries, *self._all]
        self.more_before = more_before
        self._asked = None
        shown = [e for e in entries if self.show.accepts(e)]
        if shown:
            width = self._width
            heights = [_height(e, width) for e in shown]
            added = sum(heights)
            self.entries = [*shown, *self.entries]
            self._heights = heights + self._heights
            self._starts = list(accumulate(self._heights, initial=0))[:-1]
            self._rendered = {i + len(shown): lines for i, lines in self._rendered.items()}
            self.virtual_size = Size(width, self.virtual_size.height + added)
            self.set_reactive(Transcript.selected, self.selected + len(shown))
            self._scroll_now(int(self.scroll_y) + added)
            self.refresh()
        waiting, self._waiting = self._waiting, []
        for action, value in waiting:
            self._run(action, value)
        self._prefetch()

    def older_failed(self) -> None:
        """The older entries could not be read: the moves that waited are carried out on the
        entries shown; they are asked for again when the agent next reaches the top."""
        self._asked = None
        waiting, self._waiting = self._waiting, []
        more, self.more_before = self.more_before, False
        try:
            for action, value in waiting:
                self._run(action, value)
        finally:
            self.more_before = more

    def _ask(self, *, everything: bool) -> None:
        if not self.more_before or self._asked == "everything":
            return
        if self._asked == "window" and not everything:
            return
        self._asked = "everything" if everything else "window"
        self.post_message(self.Older(everything=everything))

    def _prefetch(self) -> None:
        """Ask for the next window before the agent reaches the top (scrolling or moving)."""
        if not self.more_before or self._asked is not None:
            return
        view = max(self.scrollable_content_region.height, 1)
        if self.selected < PREFETCH_ENTRIES or self.scroll_y < PREFETCH_SCREENS * view:
            self._ask(everything=False)

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if new < old:
            self._prefetch()

    def watch_show(self) -> None:
        self._apply_filter(select_last=True)
        self._prefetch()

    def cycle_show(self) -> Show:
        members = list(Show)
        self.show = members[(members.index(self.show) + 1) % len(members)]
        return self.show

    def _apply_filter(self, *, select_last: bool) -> None:
        self.entries = [e for e in self._all if self.show.accepts(e)]
        self._layout(force=True)
        if self.entries:
            self.selected = len(self.entries) - 1 if select_last else 0
            self._scroll_to_selected()
            # again once the new virtual size is in the layout: scrolling before it clamps to
            # the old one (the timeline is laid out as the screen opens)
            self.call_after_refresh(self._scroll_to_selected)
        self.refresh()

    @property
    def current(self) -> TimelineEntry | None:
        return self.entries[self.selected] if 0 <= self.selected < len(self.entries) else None

    # ----- layout -----------------------------------------------------------------------
    def _layout(self, *, force: bool = False) -> None:
        """Line offsets of every entry from cheap height arithmetic; strips are rendered only
        when an entry is on screen (`_entry_lines`), so a 10,000-message dispute opens fast."""
        width = max(self.scrollable_content_region.width, 10)
        if width == self._width and not force:
            return
        self._width = width
        self._rendered = {}
        self._heights = [_height(e, width) for e in self.entries]
        self._starts = []
        total = 0
        for height in self._heights:
            self._starts.append(total)
            total += height
        self.virtual_size = Size(width, total)

    def _entry_lines(self, index: int) -> list[Strip]:
        lines = self._rendered.get(index)
        if lines is None:
            lines = self._render_entry(self.entries[index], self._width, self._heights[index])
            if len(self._rendered) > RENDER_CACHE:
                self._rendered.clear()
            self._rendered[index] = lines
        return lines

    def on_resize(self, event: events.Resize) -> None:
        self._layout()
        self._scroll_to_selected()

    def watch_show_vertical_scrollbar(self, shown: bool) -> None:
        """Textual moves the scrollbar's thumb only while the bar is shown: entries that
        arrive (and scroll) before it appears would leave the thumb at the top."""
        if shown:
            self.vertical_scrollbar.position = self.scroll_y

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"transcript--{name}")

    def _render_entry(self, entry: TimelineEntry, width: int, height: int) -> list[Strip]:
        """Exactly `height` lines (`_height` decided them): header, preview, "more", blank."""
        console = self.app.console
        when = local_time(entry.at, self._tz)  # type: ignore[arg-type]
        head = Text(no_wrap=True, overflow="ellipsis")
        head.append(f"{when}  ", self._style("time"))
        flags = entry.flags
        for flag in flags:  # P-COMM-*: badged, never hidden from staff
            head.append(f"⚑ {FLAG_NAMES.get(flag.rule_id, flag.rule_id)} ", self._style("flag"))
        note = entry.channel is Channel.STAFF_NOTE
        if entry.kind is EntryKind.MESSAGE:
            actor = entry.actor or Actor.SYSTEM
            head.append(_who(entry), self._style(actor.value))
            head.append(f" · {entry.title}", self._style("time"))
        elif entry.kind is EntryKind.EVENT:
            head.append(f"● {entry.title}", self._style("event"))
        elif entry.kind is EntryKind.EVIDENCE:
            head.append(f"◆ {entry.title}", self._style("evidence"))
            head.append(f"  {_who(entry).lower()}", self._style("time"))
        elif entry.kind is EntryKind.HISTORY:
            head.append(f"↻ {visible(entry.title)}", self._style("history"))
            if entry.ref:
                head.append(f"  {entry.ref}", self._style("time"))
        else:
            head.append(f"✔ {visible(entry.title)}", self._style("decision"))
            head.append(f"  {_who(entry)}", self._style("time"))
        if flags:  # why, after the name: plain text (it quotes the untrusted message)
            reasons = "; ".join(visible(flag.reason) for flag in flags)
            head.append(f"  ⚑ {reasons}", self._style("flag"))
        lines = [self._strip(head, width, console)]
        body_lines, cut = _body_height(entry, width)
        if entry.body:
            preview = _preview(entry)
            text = Text(preview, overflow="fold")
            for flag in flags:  # the words each reason rests on, where the preview shows them
                if flag.span is not None:
                    start, end = flag.span
                    if end <= len(preview) and preview[start:end] == entry.body[start:end]:
                        text.stylize(self._style("flagged"), start, end)
            wrapped = list(text.wrap(console, max(width - 3, 4), overflow="fold"))
            if len(wrapped) > body_lines and not cut:  # word wrap took more lines than counted
                body_lines -= 1
                cut = True
            for line in wrapped[:body_lines]:
                line.pad_left(3)
                lines.append(self._strip(line, width, console))
            while len(lines) < 1 + body_lines:
                lines.append(Strip.blank(width))
            if cut:
                more = Text(
                    f"   … {len(entry.body):,} characters, {entry.body.count(chr(10)) + 1:,} "
                    "lines in all: press Enter to read the whole message",
                    self._style("more"),
                )
                lines.append(self._strip(more, width, console))
        if note:
            lines = [line.apply_style(self._style("note")) for line in lines]
        lines.append(Strip.blank(width))
        return (lines + [Strip.blank(width)] * height)[:height]

    @staticmethod
    def _strip(text: Text, width: int, console: object) -> Strip:
        text.no_wrap = True
        text.overflow = "ellipsis"
        text.truncate(width, overflow="ellipsis")
        segments = list(text.render(console))  # type: ignore[arg-type]
        return Strip(segments).crop_extend(0, width, None)

    # ----- rendering --------------------------------------------------------------------
    _base: Style | None = None

    def render_lines(self, crop: Region) -> list[Strip]:
        """The lines in `crop`, with the widget's style read once for them all: `rich_style`
        walks the ancestors' styles, and read for each line it was a third of a scroll key's
        time in the 10,000-message dispute (issue 18, cProfile)."""
        self._base = self.rich_style
        try:
            return super().render_lines(crop)
        finally:
            self._base = None

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        line = scroll_y + y
        width = self.scrollable_content_region.width
        base = self._base or self.rich_style
        if not self._starts or line >= self.virtual_size.height:
            if not self.entries and y == 0:
                text = Text(f"Nothing to show ({self.show.value}).", self._style("more"))
                return self._strip(text, width, self.app.console).apply_style(base)
            return Strip.blank(width, base)
        index = bisect_right(self._starts, line) - 1
        strip = self._entry_lines(index)[line - self._starts[index]]
        if index == self.selected:
            sel = self._style("selected")
            strip = Strip(
                [Segment(s.text, (s.style or Style()) + sel, s.control) for s in strip], width
            ).crop_extend(0, width, sel)
        return strip.apply_style(base).crop_extend(scroll_x, scroll_x + width, base)

    def watch_selected(self, old: int, new: int) -> None:
        """Repaint the lines of the entry that had the selection and of the one that has it:
        the rest of the view is unchanged (a scroll to the new one repaints it all anyway).
        Repainting every line on screen for each key was most of a key's time (issue 18)."""
        starts = self._starts
        if not all(0 <= i < len(starts) for i in (old, new)):
            self.refresh()
            return
        for i in {old, new}:
            end = starts[i + 1] if i + 1 < len(starts) else self.virtual_size.height
            self.refresh_lines(starts[i], max(1, end - starts[i]))

    # ----- movement ---------------------------------------------------------------------
    def _scroll_to_selected(self) -> None:
        """Now, not after the next refresh (Textual's default), and even before Textual has
        given the view a scrollbar: entries read by a worker arrive after the first layout,
        and a deferred or refused scroll left the newest entry below the view on a busy
        machine."""
        if not self._starts or not 0 <= self.selected < len(self._starts):
            return
        top = self._starts[self.selected]
        height = self._heights[self.selected]
        view = self.scrollable_content_region.height
        if top < self.scroll_y:
            self._scroll_now(top)
        elif top + min(height, view) > self.scroll_y + view:
            self._scroll_now(top + min(height, view) - view)

    def _scroll_now(self, y: int) -> None:
        self.scroll_to(y=y, animate=False, immediate=True, force=True)

    def _run(self, action: str, value: int) -> None:
        {"move": self.action_move, "page": self.action_page, "move_to": self.action_move_to}[
            action
        ](value)

    def _wait(self, action: str, value: int, *, everything: bool = False) -> bool:
        """Whether the move waits for older entries: it would go past the first shown while
        more remain, or an earlier move waits (keys are carried out in the order typed)."""
        if self._waiting or self.more_before:
            if not self._waiting and not self._past_top(action, value):
                return False
            self._waiting.append((action, value))
            self._ask(everything=everything)
            return True
        return False

    def _past_top(self, action: str, value: int) -> bool:
        if action == "move_to":
            return value >= 0  # Home: the very first entry
        if action == "move":
            return self.selected + value < 0
        if not self._starts or not 0 <= self.selected < len(self._starts):
            return True
        view = self.scrollable_content_region.height
        return self._starts[self.selected] + value * view < 0

    def action_move(self, delta: int) -> None:
        if self._wait("move", delta):
            return
        if self.entries:
            self.selected = max(0, min(self.selected + delta, len(self.entries) - 1))
            self._scroll_to_selected()
            self._prefetch()

    def action_page(self, direction: int) -> None:
        """Move the selection by about one screen of lines, without animation."""
        if self._wait("page", direction):
            return
        if not self.entries or not self._starts:
            return
        target = self._starts[self.selected] + direction * self.scrollable_content_region.height
        index = bisect_right(self._starts, max(0, target)) - 1
        if index == self.selected:
            index += direction
        self.selected = max(0, min(index, len(self.entries) - 1))
        self._scroll_to_selected()
        self._prefetch()

    def action_move_to(self, index: int) -> None:
        if self._wait("move_to", index, everything=index >= 0):
            return
        if self.entries:
            self.selected = index % len(self.entries)
            self._scroll_to_selected()
            self._prefetch()

    def action_open(self) -> None:
        if (entry := self.current) is not None:
            self.post_message(self.Opened(entry))

    def on_click(self, event: events.Click) -> None:
        line = int(self.scroll_y) + event.y
        if self._starts and line < self.virtual_size.height:
            self.selected = bisect_right(self._starts, line) - 1
            if event.chain >= 2:
                self.action_open()
