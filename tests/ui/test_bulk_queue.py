"""Bulk actions from the queue (issue 19), through the keys an agent presses, on a real SQLite
store of 1,000 generated disputes: select, act, see the outcome, retry without acting twice."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from rich.console import Console
from sqlalchemy import func, select
from textual.pilot import Pilot
from textual.widgets import Select, Static

from mediator.app import MANUAL, MediatorApp
from mediator.clock import FrozenClock
from mediator.domain.bulk_actions import BulkAction, BulkKind, BulkOutcome, BulkStatus
from mediator.screens.bulk import BulkDialog, BulkResult
from mediator.screens.help import HelpScreen
from mediator.screens.queue import QueueScreen
from mediator.seed import generate_decided
from mediator.store.base import QueueQuery
from mediator.store.sql import SqlStore
from mediator.store.sql.engine import read_tx
from mediator.store.sql.schema import messages
from mediator.widgets.queue_table import QueueTable
from tests.ui.conftest import NOW, example_disputes, settle, told, until


def help_row_text(row: Static) -> str:
    """A help row as it reads, on one line (a row is a two-column grid: key, description)."""
    console = Console(width=400, color_system=None)
    with console.capture() as captured:
        console.print(row.content)
    return " ".join(captured.get().split())


SIZE = (160, 45)
NOTE = "Carrier delay confirmed"


def thousand(path: Path) -> SqlStore:
    store = SqlStore.open(f"sqlite:///{path}")
    pairs = list(generate_decided(995, seed=3, now=NOW))
    disputes = example_disputes() + [d for d, _ in pairs]
    store.import_disputes(disputes, decisions=[r for _, r in pairs if r is not None])
    return store


@contextlib.asynccontextmanager
async def console(store: SqlStore) -> AsyncIterator[tuple[MediatorApp, Pilot[Any]]]:
    """agent.ana's console on `store`, settled on the queue; the store is closed after."""
    app = MediatorApp(store, clock=FrozenClock(NOW), agent="agent.ana", every=MANUAL)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            yield app, pilot
    finally:
        store.close_sync()


def notes(store: SqlStore) -> dict[str, int]:
    m = messages.c
    with read_tx(store.engine) as conn:
        rows = conn.execute(
            select(m.dispute_id, func.count())
            .where(m.channel == "staff_note", m.body == NOTE)
            .group_by(m.dispute_id)
        ).all()
    return {r[0]: r[1] for r in rows}


def status_line(app: MediatorApp) -> str:
    """The queue's status line (the queue may be under a dialog)."""
    queue = next(s for s in app.screen_stack if isinstance(s, QueueScreen))
    return str(queue.query_one("#queue-status", Static).render())


def result_text(app: MediatorApp) -> tuple[str, str]:
    """The result's title and its list of refused disputes (empty while it is not shown)."""
    screen = app.screen
    if not isinstance(screen, BulkResult) or not screen.query("#bulk-refused"):
        return "", ""
    title = str(screen.query_one("#bulk-result-title").render())
    return title, str(screen.query_one("#bulk-refused", Static).render())


async def test_a_bulk_note_on_1000_disputes_some_held_by_a_colleague(tmp_path: Path) -> None:
    store = thousand(tmp_path / "bulk.db")
    held = ["D-10001", "D-10003"] + [
        r.id for r in store.queue_page_sync(QueueQuery(), limit=40).rows[-3:]
    ]
    for dispute_id in held:
        store.claim_sync(dispute_id, actor="agent.bo")
    async with console(store) as (app, pilot):
        app.screen.query_one("#status", Select).value = "all"  # every dispute: 1,000
        await settle(app, pilot)
        await pilot.press("a")
        await until(pilot, lambda: "1,000 selected" in status_line(app), "1,000 selected")
        await pilot.press("b")
        await until(
            pilot,
            lambda: (
                isinstance(app.screen, BulkDialog)
                and app.focused is not None
                and app.focused.id == "bulk-text"
            ),
            "the bulk dialog, ready for the note",
        )
        assert "1,000 disputes" in str(app.screen.query_one(".dialog-title").render())
        await pilot.press(*NOTE.split(" ")[0])  # typed as a person does
        for word in NOTE.split(" ")[1:]:
            await pilot.press("space", *word)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: bool(result_text(app)[0]), "the result", refreshes=100_000)
        title, refused = result_text(app)
        assert "995 of 1,000 disputes done, 5 refused" in title
        for dispute_id in held:
            assert f"{dispute_id}  claimed by agent.bo" in refused
        written = notes(store)
        assert len(written) == 995 and set(written.values()) == {1}
        assert not set(held) & set(written)
        assert "selected" not in status_line(app)  # the job took the selection

        # a colleague lets one go; the retry does it, and nothing done is done twice
        store.release_sync(held[0], actor="agent.bo")
        await pilot.press("ctrl+r")
        await until(
            pilot,
            lambda: isinstance(app.screen, BulkResult) and "996 of 1,000" in result_text(app)[0],
            "the retry's result",
            refreshes=100_000,
        )
        title, refused = result_text(app)
        assert "4 refused" in title and held[0] not in refused
        written = notes(store)
        assert len(written) == 996 and set(written.values()) == {1}
        await pilot.press("escape")
        await settle(app, pilot)
        assert not isinstance(app.screen, BulkResult)


async def test_space_and_shift_arrows_select_rows_and_mark_them(tmp_path: Path) -> None:
    store = thousand(tmp_path / "bulk.db")
    async with console(store) as (app, pilot):
        table = app.screen.query_one(QueueTable)
        first = [r.id for r in table.rows[:4]]
        await pilot.press("space", "shift+down", "shift+down")
        assert list(table.selection) == first[:3]
        assert "3 selected" in status_line(app)
        assert "●" in table.render_line(1).text and "●" not in table.render_line(4).text
        await pilot.press("space")  # the cursor's row (the third) again: unselected
        assert list(table.selection) == first[:2]
        await pilot.press("A")
        assert table.selection == {} and "selected" not in status_line(app)
        await pilot.press("b")  # nothing selected: said, no dialog
        await settle(app, pilot)
        assert not isinstance(app.screen, BulkDialog)
        assert told(app)[-1].title == "Nothing selected"
        # every key is in the help screen (and so in the palette: the same list)
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), "the help screen")
        listed = " ".join(help_row_text(r) for r in app.screen.query(".help-row").results(Static))
        for words in ("Select the dispute under the cursor", "Extend the selection to the "
                      "next row", "Select every dispute matching", "Clear the selection",
                      "A bulk action on the selected disputes"):  # fmt: skip
            assert words in listed


async def test_the_result_shows_reasons_and_ids_as_plain_text(tmp_path: Path) -> None:
    """A refusal's words hold names and the store's text: shown as written, never as markup,
    and no escape sequence reaches the terminal."""
    hostile = "claimed by [@click=app.quit]x[/] \x1b]52;c;aGk=\x07 [bold]loud[/bold]"
    status = BulkStatus(
        id="bulk-1",
        action=BulkAction(kind=BulkKind.NOTE, text="n"),
        actor="agent.ana",
        created_at=NOW,
        total=3,
        done=1,
        refused=2,
        refusals=(
            BulkOutcome(dispute_id="D-1", outcome="refused", reason=hostile),
            BulkOutcome(dispute_id="D-[b]2[/b]", outcome="refused", reason="[red]no[/red]"),
        ),
    )
    store = SqlStore.open(f"sqlite:///{tmp_path / 'empty.db'}")
    async with console(store) as (app, pilot):
        app.push_screen(BulkResult(status))
        await until(pilot, lambda: bool(result_text(app)[0]), "the result")
        title, refused = result_text(app)
        assert "1 of 3 disputes done, 2 refused" in title
        assert "[@click=app.quit]x[/]" in refused and "[bold]loud[/bold]" in refused
        assert "D-[b]2[/b]  [red]no[/red]" in refused
        assert "\x1b" not in refused and "\x07" not in refused
        await pilot.press("escape")
        await settle(app, pilot)
        assert not isinstance(app.screen, BulkResult)


async def test_asking_for_information_from_the_dialog_fills_each_dispute(tmp_path: Path) -> None:
    store = thousand(tmp_path / "bulk.db")
    async with console(store) as (app, pilot):
        table = app.screen.query_one(QueueTable)
        ids = [r.id for r in table.rows[:2]]
        await pilot.press("shift+down", "b")
        await until(
            pilot,
            lambda: isinstance(app.screen, BulkDialog) and app.focused is not None,
            "the dialog",
        )
        await pilot.press("shift+tab", "enter", "down", "enter")  # the action: ask
        await until(
            pilot,
            lambda: app.screen.query_one("#bulk-party").display,
            "the party and placeholders shown",
        )
        await pilot.press("tab", *"Dear", "space", *"{seller}")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: bool(result_text(app)[0]), "the result", refreshes=10_000)
        assert "2 of 2 disputes done" in result_text(app)[0]
        for dispute_id in ids:
            record = store.get_dispute_sync(dispute_id)
            assert record.info_request is not None
            assert record.info_request.message == f"Dear {record.dispute.seller.name}"
            assert record.info_request.party.value == "seller"
