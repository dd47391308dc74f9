"""Sorting the queue (issue 19): `o` and a letter, a click on a column's title, `O` reverses;
paging down and back, End and Home keep the order; the cursor stays on its dispute."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot
from textual.widgets import Static

from mediator.app import MediatorApp
from mediator.domain.queue import QueueQuery, SortKey
from mediator.screens.help import HelpScreen
from mediator.screens.queue import QueueScreen
from mediator.screens.sort_picker import SortPicker
from mediator.store.sql import SqlStore
from mediator.widgets.queue_table import QueueTable

from .conftest import settle, told, until

SIZE = (140, 30)


def ascii_lower(text: str) -> str:
    return "".join(ch.lower() if "A" <= ch <= "Z" else ch for ch in text)


def by_buyer(store: SqlStore, *, descending: bool = False, seller: bool = False) -> list[str]:
    """Every queue dispute by buyer (or seller; then deadline, id), sorted here, not by the
    store."""
    rows = store.queue_page_sync(QueueQuery(), limit=1000).rows
    ordered = sorted(
        rows,
        key=lambda r: (ascii_lower(r.seller_name if seller else r.buyer_name), r.urgency_at, r.id),
    )
    return [r.id for r in (reversed(ordered) if descending else ordered)]


def shown(table: QueueTable) -> list[str]:
    return [r.id for r in table.rows]


def header(table: QueueTable) -> str:
    return table.render_line(0).text


def status_line(app: MediatorApp) -> str:
    return str(app.screen.query_one("#queue-status", Static).render())


async def sorted_by(app: MediatorApp, pilot: Pilot[Any], sort: SortKey, descending: bool) -> None:
    table = app.screen.query_one(QueueTable)
    await until(
        pilot,
        lambda: (table.sort, table.descending) == (sort, descending),
        f"the table sorted by {sort.value}",
    )
    await settle(app, pilot)


async def test_sort_by_buyer_with_the_key_reverse_and_page(
    app: MediatorApp, store: SqlStore
) -> None:
    want = by_buyer(store)
    assert len(want) > 20
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        table = app.screen.query_one(QueueTable)
        assert "▲" not in header(table), "the default order is not marked"
        await pilot.press("down", "down", "down")
        held = table.current
        assert held is not None
        await pilot.press("o")
        await until(pilot, lambda: isinstance(app.screen, SortPicker), "the list of orders")
        await pilot.press("b")
        await sorted_by(app, pilot, SortKey.BUYER, False)
        assert isinstance(app.screen, QueueScreen)
        assert shown(table) == want
        assert table.current is not None and table.current.id == held.id, "cursor kept"
        assert "Buyer ▲" in header(table), "the sorted column is shown, even where it is dropped"
        assert "sorted by buyer ▲" in status_line(app)
        # page down to the end and back up, End and Home
        await pilot.press("end")
        await settle(app, pilot)
        assert table.current is not None and table.current.id == want[-1]
        await pilot.press("home")
        await settle(app, pilot)
        assert table.current is not None and table.current.id == want[0]
        await pilot.press("pagedown", "pagedown")
        await settle(app, pilot)
        assert table.current is not None and table.current.id == want[table.cursor]
        await pilot.press("pageup")
        await settle(app, pilot)
        assert table.current is not None and table.current.id == want[table.cursor]
        # reverse: the same dispute stays under the cursor
        here = table.current.id
        await pilot.press("O")
        await sorted_by(app, pilot, SortKey.BUYER, True)
        assert shown(table) == by_buyer(store, descending=True)
        assert table.current is not None and table.current.id == here
        assert "Buyer ▼" in header(table)
        assert "sorted by buyer ▼" in status_line(app)
        # x clears the filters, not the order
        await pilot.press("slash", *"a", "escape", "x")
        await settle(app, pilot)
        assert (table.sort, table.descending) == (SortKey.BUYER, True)
        assert shown(table) == by_buyer(store, descending=True)
        # back to the deadline order from the list
        await pilot.press("o", "d")
        await sorted_by(app, pilot, SortKey.DUE, False)
        assert shown(table) == [r.id for r in store.queue_page_sync(QueueQuery(), limit=1000).rows]
        assert "next deadline first" in status_line(app)


async def test_a_click_on_a_title_sorts_and_a_second_reverses(
    app: MediatorApp, store: SqlStore
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        table = app.screen.query_one(QueueTable)
        assert "Buyer" not in header(table), "dropped at this width, Seller is shown"
        x = header(table).index("Seller")
        await pilot.click(QueueTable, offset=(x + 1, 0))
        await sorted_by(app, pilot, SortKey.SELLER, False)
        assert shown(table) == by_buyer(store, seller=True)
        assert "Seller ▲" in header(table)
        x = header(table).index("Seller")
        await pilot.click(QueueTable, offset=(x + 1, 0))
        await sorted_by(app, pilot, SortKey.SELLER, True)
        assert shown(table) == by_buyer(store, seller=True, descending=True)
        x = header(table).index("Due")
        await pilot.click(QueueTable, offset=(x, 0))
        await sorted_by(app, pilot, SortKey.DUE, False)
        # the Claim column is not an order: the agent is told why, nothing is read
        x = header(table).index("Claim")
        await pilot.click(QueueTable, offset=(x + 1, 0))
        await until(pilot, lambda: bool(told(app)), "a word on the Claim column")
        assert "does not sort by Claim" in told(app)[-1].message
        assert (table.sort, table.descending) == (SortKey.DUE, False)


async def test_the_palette_sorts_and_the_help_lists_the_keys(
    app: MediatorApp, store: SqlStore
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), "the key list")
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        listed = {(k.key, k.description) for k in help_screen.keys}
        assert ("o", "Sort the queue by a column (a list: pick with its letter)") in listed
        assert ("O", "Reverse the queue's order") in listed
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, QueueScreen), "back to the queue")
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Sort queue by buyer" in titles and "Sort queue by amount (by currency)" in titles
        command = next(
            c for c in app.get_system_commands(app.screen) if c.title == "Sort queue by buyer"
        )
        command.callback()
        await sorted_by(app, pilot, SortKey.BUYER, False)
        assert shown(app.screen.query_one(QueueTable)) == by_buyer(store)
