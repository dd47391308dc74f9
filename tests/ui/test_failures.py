"""Issue 14: no failure is silent. Each kind of failure is injected into the real console:

- the store refuses or breaks (a `StoreError`: a locked database, say);
- the outbox file breaks (another process holds its write lock: a real `OutboxError`);
- the network goes away (a real API server on 127.0.0.1, stopped);
- an unexpected exception (a bug: `RuntimeError` out of a store method).

Each time the agent is told, in words, what failed and what became of their work; the typed
decision is never lost, and nothing is half-written.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import TextArea

from mediator.app import MANUAL, MediatorApp
from mediator.clock import FrozenClock
from mediator.screens.dispute import DisputeScreen
from mediator.screens.modals import ConfirmDecision
from mediator.screens.queue import QueueScreen
from mediator.store.base import StoreError
from mediator.store.outbox import Outbox, OutboxStore
from mediator.store.sql import SqlStore
from tests.api.servers import RestartableServer
from tests.ui.test_api_console import console as api_console
from tests.ui.test_api_console import server as server

from .conftest import NOW, Told, settle, told
from .test_flows import SIZE

RATIONALE = "Seller re-sent the item per M-3."


class Faulty:
    """A real store whose named methods raise `fail[name]` instead of answering."""

    def __init__(self, inner: Any, **fail: BaseException) -> None:
        self.inner = inner
        self.fail = fail
        self.label = inner.label

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.inner, name)
        if name not in self.fail:
            return method

        async def failing(*args: Any, **kwargs: Any) -> Any:
            raise self.fail[name]

        return failing


def console(store: Any) -> MediatorApp:
    return MediatorApp(store, clock=FrozenClock(NOW), agent="agent.test", every=MANUAL)


def errors(app: MediatorApp) -> list[Told]:
    return [n for n in told(app) if n.severity == "error"]


async def type_decision(app: MediatorApp, pilot: Pilot[Any]) -> DisputeScreen:
    """Open D-10001, type a whole decision and confirm it."""
    await settle(app, pilot)
    await pilot.press("slash", *"D-10001", "enter", "enter")
    await settle(app, pilot)
    screen = app.screen
    assert isinstance(screen, DisputeScreen) and screen.record is not None
    await pilot.press("f", "1")
    screen.query_one("#rationale", TextArea).focus()
    await pilot.press(*RATIONALE, "ctrl+s")
    await settle(app, pilot)
    assert isinstance(app.screen, ConfirmDecision)
    await pilot.press("ctrl+y")
    await settle(app, pilot)
    return screen


def form_kept(app: MediatorApp, screen: DisputeScreen) -> None:
    """The agent is still on the dispute, with every word of their decision."""
    assert app.screen is screen
    assert screen.query_one("#rationale", TextArea).text == RATIONALE


# ----- the store ---------------------------------------------------------------------------
async def test_a_store_error_while_deciding_keeps_the_form_and_says_so(
    store: SqlStore,
) -> None:
    app = console(Faulty(store, record_decision=StoreError("database is locked")))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await type_decision(app, pilot)
        form_kept(app, screen)
        (notice,) = errors(app)
        assert notice.title == "Store problem"
        assert "Nothing was written: database is locked" in notice.message
        assert "Your form is kept" in notice.message
    assert store.get_dispute_sync("D-10001").decisions == ()


async def test_a_store_error_reading_the_queue_says_what_failed(store: SqlStore) -> None:
    faulty = Faulty(store)
    app = console(faulty)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(app, pilot)
        faulty.fail["queue_page"] = StoreError("disk I/O error")
        await pilot.press("f5")
        await settle(app, pilot)
        assert isinstance(app.screen, QueueScreen)
        (notice,) = errors(app)
        assert "Reading the queue failed: disk I/O error" in notice.message
        assert "F5 reads it again" in notice.message


async def open_failing(store: SqlStore, error: BaseException) -> Told:
    """Open the most urgent dispute through a store whose `get_dispute` raises `error`: the
    agent is back on the queue, told once; returns what they were told."""
    app = console(Faulty(store, get_dispute=error))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, QueueScreen)
        (notice,) = errors(app)
    return notice


async def test_a_store_error_opening_a_dispute_goes_back_to_the_queue(store: SqlStore) -> None:
    notice = await open_failing(store, StoreError("no such table: dispute"))
    assert notice.title == "Could not open the dispute"
    assert "no such table: dispute" in notice.message
    assert "back on the queue" in notice.message


# ----- an unexpected exception -------------------------------------------------------------
async def test_an_unexpected_exception_while_deciding_is_reported_and_the_form_kept(
    store: SqlStore,
) -> None:
    app = console(Faulty(store, record_decision=RuntimeError("a bug in a store")))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await type_decision(app, pilot)
        await settle(app, pilot)  # the failure re-reads the dispute, keeping the form
        form_kept(app, screen)
        (notice,) = errors(app)
        assert notice.title == "Writing the decision failed"
        assert "RuntimeError: a bug in a store" in notice.message
        assert "your form is kept" in notice.message
    assert store.get_dispute_sync("D-10001").decisions == ()


async def test_an_unexpected_exception_opening_a_dispute_goes_back_to_the_queue(
    store: SqlStore,
) -> None:
    notice = await open_failing(store, KeyError("order"))
    assert notice.title == "Opening the dispute failed"
    assert "KeyError: 'order'" in notice.message
    assert "you are back on the queue" in notice.message


async def test_an_unexpected_exception_in_auto_escalation_is_reported(store: SqlStore) -> None:
    app = console(Faulty(store, escalate_due=ZeroDivisionError("division by zero")))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(app, pilot)  # it runs once at start-up
        (notice,) = errors(app)
        assert notice.title == "Auto-escalation failed"
        assert "ZeroDivisionError: division by zero" in notice.message
        assert "Nothing was changed" in notice.message


# ----- the outbox and the network (a real API on 127.0.0.1) --------------------------------
async def test_a_locked_outbox_file_refuses_the_decision_in_words_and_sends_nothing(
    server: RestartableServer, store: SqlStore, tmp_path: Path
) -> None:
    path = tmp_path / "outbox.db"
    app = api_console(server, store, path)
    assert isinstance(app.store, OutboxStore)
    app.store.outbox._db.execute("PRAGMA busy_timeout = 0")  # fail at once, not in 5 s
    other = sqlite3.connect(path, isolation_level=None)  # another console holds the file
    other.execute("BEGIN IMMEDIATE")
    try:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            screen = await type_decision(app, pilot)
            form_kept(app, screen)
            (notice,) = errors(app)
            assert notice.title == "Store problem"
            assert "could not keep the decision in the outbox" in notice.message
            assert "database is locked" in notice.message
            assert "Nothing was written" in notice.message
    finally:
        other.execute("ROLLBACK")
        other.close()
    await app.store.close()
    assert store.get_dispute_sync("D-10001").decisions == ()  # not sent unkept
    assert Outbox(path, server.url).entries() == []


async def test_the_api_down_when_opening_a_dispute_says_so_and_stays_on_the_queue(
    server: RestartableServer, store: SqlStore, tmp_path: Path
) -> None:
    app = api_console(server, store, tmp_path / "outbox.db")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(app, pilot)
        server.stop()
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, QueueScreen)
        # the dispute could not be read, nor the queue it went back to: told once each
        opening, reading = errors(app)
        assert opening.title == "Could not open the dispute"
        assert "cannot reach" in opening.message and "back on the queue" in opening.message
        assert reading.message.startswith("Reading the queue failed: ")
        assert "cannot reach" in reading.message and "F5 reads it again" in reading.message
        await pilot.press("f5")
        await settle(app, pilot)
        assert len(errors(app)) == 3  # once more for the new reload, not once per read
    await app.store.close()
