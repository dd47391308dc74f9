"""The transcript widget on its own: where it scrolls when its entries arrive."""

from __future__ import annotations

from datetime import UTC, timedelta

from textual.app import App, ComposeResult

from mediator.domain.timeline import EntryKind, TimelineEntry
from mediator.widgets.transcript import Transcript

from .conftest import NOW


class OneTranscript(App[None]):
    CSS = "Transcript { height: 10; }"

    def compose(self) -> ComposeResult:
        yield Transcript(tz=UTC)


def events(count: int) -> list[TimelineEntry]:
    return [
        TimelineEntry(at=NOW + timedelta(minutes=i), kind=EntryKind.EVENT, title=f"Event {i}")
        for i in range(count)
    ]


async def test_entries_that_arrive_after_the_first_layout_show_the_newest() -> None:
    """A slow store read: the empty timeline was laid out (no scrollbar) before the entries
    came. The newest entry is selected and must be on screen, not below it (seen on a busy
    machine: Textual ignores a scroll on a widget it has not yet given a scrollbar, and defers
    one to after the next refresh)."""
    app = OneTranscript()
    async with app.run_test(size=(60, 20)) as pilot:
        transcript = app.query_one(Transcript)
        await pilot.pause()
        assert transcript.size.height == 10 and transcript.virtual_size.height == 0
        transcript.set_entries(events(30))
        # at once, not after a refresh that a busy event loop may run after the screenshot
        assert transcript.selected == 29
        assert transcript.scroll_y == transcript.max_scroll_y > 0
        await pilot.pause()
        top = transcript._starts[29]
        assert transcript.scroll_y <= top < transcript.scroll_y + transcript.size.height
        assert transcript.scroll_y == transcript.max_scroll_y
        # and the scrollbar, shown only now, has its thumb at the bottom too
        assert transcript.show_vertical_scrollbar
        assert transcript.vertical_scrollbar.position == transcript.scroll_y
