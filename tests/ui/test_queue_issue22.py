"""The queue's issue-22 points: the resolved list says who decided and when, newest first; the
header's and the status line's counts change together; an empty store says how to get
disputes; the theme picker opens without reading the store."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC
from pathlib import Path
from typing import Any

from textual.command import CommandList, CommandPalette
from textual.widgets import Static, TextArea

from mediator.app import MANUAL, MediatorApp
from mediator.clock import FrozenClock
from mediator.domain.enums import Status
from mediator.domain.queue import NOT_DECIDED, SortKey
from mediator.messages import DisputesChanged
from mediator.screens.dispute import DisputeScreen
from mediator.screens.modals import ConfirmDecision
from mediator.screens.queue import STATUS_LABELS, QueueScreen
from mediator.store.base import QueueCounts, QueueQuery
from mediator.store.sql import SqlStore
from mediator.widgets._text import local_time
from mediator.widgets.queue_table import QueueTable

from .conftest import NOW, settle, until

SIZE = (140, 40)


def counts_shown(app: MediatorApp) -> tuple[int | None, int | None]:
    """(the header's "N disputes", the status line's "N shown"), None where not drawn yet."""
    title = str(app.screen.query_one("#queue-title", Static).render())
    status = str(app.screen.query_one("#queue-status", Static).render())
    header = re.search(r"([\d,]+) disputes", title)
    footer = re.search(r"([\d,]+) shown", status)

    def number(found: re.Match[str] | None) -> int | None:
        return int(found.group(1).replace(",", "")) if found else None

    return number(header), number(footer)


class SlowTotals:
    """The store's count with the header's totals held back until `release` (a slow read):
    whichever read comes in last, the two numbers on screen must not disagree meanwhile."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store
        self.gate = asyncio.Event()
        self.gate.set()

    async def queue_counts(self, query: QueueQuery, **kwargs: Any) -> QueueCounts:
        counts = await SqlStore.queue_counts(self.store, query, **kwargs)
        if kwargs.get("totals", True):
            await self.gate.wait()
        return counts


async def test_header_and_status_line_counts_change_together_after_a_decision(
    app: MediatorApp, store: SqlStore
) -> None:
    slow = SlowTotals(store)
    store.queue_counts = slow.queue_counts  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        before = counts_shown(app)
        assert before[0] is not None and before[0] == before[1]
        await pilot.press("enter")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, DisputeScreen)
        await pilot.press("f", "3")
        screen.query_one("#rationale", TextArea).focus()
        await pilot.press(*"Per E-1.", "ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmDecision)
        slow.gate.clear()  # the totals read after the decision is slow
        await pilot.press("ctrl+y")
        seen = []
        for _ in range(10):  # the header's read is held: nothing may move alone
            await pilot.pause()
            if isinstance(app.screen, QueueScreen):
                seen.append(counts_shown(app))
        slow.gate.set()
        for _ in range(30):
            await pilot.pause()
            seen.append(counts_shown(app))
        await settle(app, pilot)
        seen.append(counts_shown(app))
        assert seen[-1] == (before[0] - 1, before[0] - 1)
        assert all(header == footer for header, footer in seen), seen

        # a change from elsewhere (the live feed's message): the same, both or neither
        await store.claim(store.queue_page_sync(QueueQuery(), limit=1).rows[0].id, actor="x")
        slow.gate.clear()
        app.screen.post_message(DisputesChanged())
        for _ in range(10):
            await pilot.pause()
            assert counts_shown(app)[0] == counts_shown(app)[1]
        slow.gate.set()
        await settle(app, pilot)
        assert counts_shown(app) == (before[0] - 1, before[0] - 1)


def table_text(app: MediatorApp) -> str:
    table = app.screen.query_one(QueueTable)
    return "\n".join(table.render_line(y).text for y in range(table.size.height))


async def test_an_empty_store_says_how_to_get_disputes(tmp_path: Path) -> None:
    store = SqlStore.open(f"sqlite:///{tmp_path / 'empty.db'}")
    app = MediatorApp(store, clock=FrozenClock(NOW), agent="agent.test", tz=UTC, every=MANUAL)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            text = table_text(app)
            for command in ("mediator import FILE", "mediator seed", "mediator demo"):
                assert command in text
            assert "No disputes match" not in text
    finally:
        store.close_sync()


async def test_filters_that_match_nothing_say_so_and_how_to_clear_them(app: MediatorApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("slash", *"zzzqqqxxx")
        await settle(app, pilot)
        text = table_text(app)
        assert "No disputes match the filters: x clears them." in text
        assert "mediator seed" not in text, "the store is not empty: only the filter matches none"
        await pilot.press("escape", "x")
        await settle(app, pilot)
        assert app.screen.query_one(QueueTable).rows


async def test_the_theme_picker_opens_without_reading_the_store(app: MediatorApp) -> None:
    """ctrl+p, "theme", Enter: the themes are listed within a few refreshes, and closing the
    palette does not read the queue again (issue 22: it took more than a second; closing a
    modal re-read the whole queue while the picker was being built)."""
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+p", *"theme")
        palette = app.screen
        assert isinstance(palette, CommandPalette)
        listed = palette.query_one(CommandList)
        await until(
            pilot,
            lambda: (
                listed.option_count > 0
                and str(listed.get_option_at_index(0).prompt).startswith("Theme")
            ),
            "the Theme command listed first",
        )
        reads: list[str] = []
        for name in ("queue_page", "queue_counts"):
            read = getattr(app.store, name)

            async def counted(*args: Any, _read: Any = read, _name: str = name, **kw: Any) -> Any:
                reads.append(_name)
                return await _read(*args, **kw)

            setattr(app.store, name, counted)
        await pilot.press("enter")

        def themes_listed() -> bool:
            screen = app.screen
            if not isinstance(screen, CommandPalette) or screen is palette:
                return False
            return screen.query_one(CommandList).option_count >= len(app.available_themes)

        await until(pilot, themes_listed, "every theme listed", refreshes=10)
        assert reads == []
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, QueueScreen)
        assert reads == [], "a modal closed: the queue on screen is still current"


async def test_the_resolved_list_shows_who_decided_and_when_newest_first(
    app: MediatorApp, store: SqlStore
) -> None:
    """Issue 22: the Resolved view has "Decided at" and "Decided by" columns (no deadline,
    timer, claim or status) and lists the newest decision first; back to the queue, the
    queue's columns and order return."""
    resolved = QueueQuery(statuses=frozenset({Status.RESOLVED}))
    every = store.queue_page_sync(resolved, limit=1000).rows
    assert len([r for r in every if r.decided_at]) >= 3
    want = [
        r.id
        for r in sorted(
            every, key=lambda r: (r.decided_at or NOT_DECIDED, r.urgency_at, r.id), reverse=True
        )
    ]
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("s", *["down"] * list(STATUS_LABELS).index("resolved"), "enter")
        await settle(app, pilot)
        table = app.screen.query_one(QueueTable)
        await until(pilot, lambda: table.sort is SortKey.DECIDED, "sorted by decision time")
        await settle(app, pilot)
        header = table.render_line(0).text
        assert header.startswith("Decided at ▼ Decided by")
        for gone in ("Due", "Timer", "Claim", "Status"):
            assert gone not in header.split()
        assert [r.id for r in table.rows] == want
        first = table.rows[0]
        assert first.decided_at is not None and first.decided_by
        line = table.render_line(1).text
        assert line.startswith(local_time(first.decided_at, UTC))
        assert first.decided_by[:14] in line and first.id in line
        assert "newest decision first" in str(app.screen.query_one("#queue-status").render())

        await pilot.press("x")  # every filter cleared: the queue, by its deadline again
        await settle(app, pilot)
        assert table.sort is SortKey.DUE and not table.descending
        assert table.render_line(0).text.startswith("Due ")
