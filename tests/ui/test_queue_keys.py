"""The queue's keys (issue 18): what a terminal shows after each key is the table's rows, with no
line left stale by a repaint of only the lines that changed; pages read ahead of the cursor are
the store's rows in order, and a change in the store while they are held is not lost."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from mediator.app import MANUAL, MediatorApp
from mediator.clock import FrozenClock
from mediator.domain.queue import QueuePage, QueueQuery
from mediator.screens.queue import QueueScreen
from mediator.store.sql import SqlStore
from mediator.widgets.queue_table import QueueTable, due_text

from .conftest import NOW, make_store, settle
from .terminal_mirror import Mirror

SIZE = (120, 30)
#: The change feed followed, its bursts gathered for 50 ms; no other timer.
LIVE = dataclasses.replace(MANUAL, live=0.05)


@pytest.fixture
def big(tmp_path: Path) -> Iterator[SqlStore]:
    """Enough disputes in the queue for several pages of the table's window."""
    store = make_store(tmp_path / "keys.db", generated=700)
    yield store
    store.close_sync()


def queue_ids(store: SqlStore) -> list[str]:
    """Every dispute in the queue, in the queue's order, read from the store."""
    return [r.id for r in store.queue_page_sync(QueueQuery(), limit=100_000).rows]


def screen_rows(mirror: Mirror, table: QueueTable) -> list[str]:
    """The dispute ids the terminal shows in the table's lines, top to bottom."""
    region = table.region
    lines = mirror.lines(region.y + 1, region.bottom, mirror.app.size.width)
    by_id = {r.id for r in table.rows}
    return [word for line in lines for word in line.split() if word in by_id]


def shown_ok(mirror: Mirror, table: QueueTable) -> None:
    """The terminal shows the table's rows from its top, and nothing stale."""
    assert mirror.stale() == []
    height = table.size.height - 1
    assert screen_rows(mirror, table) == [r.id for r in table.rows[table.top : table.top + height]]


async def test_the_terminal_shows_the_rows_after_every_key(big: SqlStore) -> None:
    app = MediatorApp(big, clock=FrozenClock(NOW), agent="agent.test", every=MANUAL)
    order = queue_ids(big)
    assert len(order) > 300  # several of the table's pages
    async with app.run_test(size=SIZE) as pilot:
        mirror = Mirror(app)
        await settle(app, pilot)
        table = app.screen.query_one(QueueTable)
        for keys in (["down"] * 3, ["up"], ["pagedown"] * 4, ["pageup"], ["end"], ["up"] * 2,
                     ["home"], ["pagedown"] * 9):  # fmt: skip
            await pilot.press(*keys)
            await settle(app, pilot)
            shown_ok(mirror, table)
            current = table.current
            assert current is not None
            assert [r.id for r in table.rows] == order[
                order.index(table.rows[0].id) : order.index(table.rows[0].id) + len(table.rows)
            ]
        # a filter replaces the rows under an unscrolled view: every line is new (`!` keeps
        # the focus on the table, whose restyling would repaint every line anyway)
        await pilot.press("home")
        await settle(app, pilot)
        before = [r.id for r in table.rows]
        await pilot.press("exclamation_mark")
        await settle(app, pilot)
        assert [r.id for r in table.rows] != before
        shown_ok(mirror, table)
        await pilot.press("exclamation_mark", "slash", *"a")
        await settle(app, pilot)
        shown_ok(mirror, table)
        await pilot.press("backspace")
        await settle(app, pilot)
        shown_ok(mirror, table)


class HeldPages:
    """The store's reads of the rows after or before a key held back until `gate` is set (a
    slow store): keys typed meanwhile run past the window's edge."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store
        self.gate = asyncio.Event()
        self.gate.set()

    async def queue_page(self, query: QueueQuery, **kwargs: Any) -> QueuePage:
        page = await SqlStore.queue_page(self.store, query, **kwargs)
        if kwargs.get("after") is not None or kwargs.get("before") is not None:
            await self.gate.wait()
        return page


async def test_page_keys_typed_faster_than_the_reads_are_not_lost(big: SqlStore) -> None:
    """Page down nine times while the pages past the window are still being read: each move
    past the window's end is finished when its page comes."""
    held = HeldPages(big)
    big.queue_page = held.queue_page  # type: ignore[method-assign]
    app = MediatorApp(big, clock=FrozenClock(NOW), agent="agent.test", every=MANUAL)
    order = queue_ids(big)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        table = app.screen.query_one(QueueTable)
        height = table.size.height - 1
        held.gate.clear()
        await pilot.press(*["pagedown"] * 9)
        assert len(table.rows) == 120 and table.cursor == 119  # at the window's end, waiting
        held.gate.set()
        await settle(app, pilot)
        assert table.current is not None and table.current.id == order[9 * height]
        held.gate.clear()
        await pilot.press(*["pageup"] * 8, *["down"] * 3)
        held.gate.set()
        await settle(app, pilot)
        assert table.current is not None and table.current.id == order[height + 3]


async def eventually(app: MediatorApp, pilot: Pilot[Any], condition: Callable[[], bool]) -> None:
    """Until `condition` holds: the change feed polls the file in wall-clock time."""
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, "the change never reached the queue"
        await pilot.pause(0.02)
    await settle(app, pilot)


async def test_a_change_in_the_store_is_not_hidden_by_pages_read_ahead(
    big: SqlStore, tmp_path: Path
) -> None:
    """The last page (read ahead for End) and a filter's first page and count (for a
    backspace) are held until the data changes: a colleague's claim, seen on the change
    feed, shows on End and on the filter typed again."""
    app = MediatorApp(big, clock=FrozenClock(NOW), agent="agent.test", every=LIVE)
    colleague = SqlStore.open(f"sqlite:///{tmp_path / 'keys.db'}")
    order = queue_ids(big)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            screen = app.screen
            assert isinstance(screen, QueueScreen)
            table = screen.query_one(QueueTable)
            await pilot.press("down")  # the agent moves: both ends are read ahead
            await settle(app, pilot)
            await pilot.press("end")  # shown from the page held: no read
            await settle(app, pilot)
            assert table.current is not None and table.current.id == order[-1]
            assert table.current.claimed_by is None
            await pilot.press("home")
            await settle(app, pilot)

            word = table.rows[5].buyer_name.split()[0]
            await pilot.press("slash", *word)
            await settle(app, pilot)
            matches = [r.id for r in table.rows]
            target = matches[0]
            assert table.rows[0].claimed_by is None
            await pilot.press(*["backspace"] * len(word), "escape")
            await settle(app, pilot)

            await colleague.claim(order[-1], actor="ana")
            await colleague.claim(target, actor="ana")
            epoch = screen._reads.epoch
            await eventually(app, pilot, lambda: screen._reads.epoch > epoch)

            await pilot.press("end")
            await settle(app, pilot)
            assert table.current is not None and table.current.id == order[-1]
            assert table.current.claimed_by == "ana"
            await pilot.press("slash", *word)
            await settle(app, pilot)
            assert [r.id for r in table.rows] == matches
            assert table.rows[0].claimed_by == "ana"
    finally:
        colleague.close_sync()


async def test_countdowns_count_from_the_time_the_data_was_read(big: SqlStore) -> None:
    """The table's time moves on with each re-read of the data (the refresh tick, the change
    feed): every countdown on screen counts from it. A filter or End shows its rows against
    the same time as the rows around them (their lines come from the table's cache)."""
    clock = FrozenClock(NOW)
    app = MediatorApp(big, clock=clock, agent="agent.test", every=MANUAL)
    async with app.run_test(size=SIZE) as pilot:
        mirror = Mirror(app)
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        table = screen.query_one(QueueTable)
        first = table.rows[0]
        assert due_text(first, NOW) in screen_line(mirror, table, 0)
        clock.advance(timedelta(hours=3, minutes=7))
        await pilot.press("exclamation_mark", "exclamation_mark")  # a filter, and off again
        await settle(app, pilot)
        assert table.rows[0].id == first.id
        assert due_text(first, NOW) in screen_line(mirror, table, 0)
        screen.refresh_rows()  # the refresh tick
        await settle(app, pilot)
        later = due_text(first, clock.now())
        assert later != due_text(first, NOW)
        assert later in screen_line(mirror, table, 0)
        shown_ok(mirror, table)


def screen_line(mirror: Mirror, table: QueueTable, row: int) -> str:
    """The terminal's line of the table's `row`-th row on screen."""
    y = table.region.y + 1 + row
    return mirror.lines(y, y + 1, mirror.app.size.width)[0]
