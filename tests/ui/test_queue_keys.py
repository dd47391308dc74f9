"""The queue's keys (issue 18): what a terminal shows after each key is the table's rows, with no
line left stale by a repaint of only the lines that changed; pages read ahead of the cursor are
the store's rows in order, and a change in the store while they are held is not lost."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mediator.app import MANUAL, MediatorApp
from mediator.clock import FrozenClock
from mediator.domain.queue import QueueQuery
from mediator.store.sql import SqlStore
from mediator.widgets.queue_table import QueueTable

from .conftest import NOW, make_store, settle
from .terminal_mirror import Mirror

SIZE = (120, 30)


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
