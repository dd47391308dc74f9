"""Drafts that survive (issue 15): leaving, quitting, a killed console and a refused decision
lose nothing typed; reopening restores the draft; discarding asks first."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path

import pytest
from textual.widgets import TextArea

from mediator.app import MANUAL, MediatorApp
from mediator.clock import FrozenClock
from mediator.domain import Outcome
from mediator.screens.discard import DiscardWork
from mediator.screens.dispute import DisputeScreen
from mediator.screens.modals import NoteScreen
from mediator.screens.queue import QueueScreen
from mediator.store.drafts import DraftBox
from mediator.store.sql import SqlStore
from mediator.widgets.resolution_form import ResolutionForm
from tests.ui.conftest import NOW, make_store, settle, told
from tests.ui.draft_console import RATIONALE
from tests.ui.test_flows import open_most_urgent

SIZE = (150, 45)
ROOT = Path(__file__).parents[2]


@pytest.fixture
def store_path(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "drafts.db"
    make_store(path).close_sync()
    yield path


def console(store: SqlStore, drafts: Path, agent: str = "ana") -> MediatorApp:
    box = DraftBox(drafts, scope=f"{store.label} {agent}")
    return MediatorApp(store, clock=FrozenClock(NOW), agent=agent, tz=UTC, every=MANUAL, drafts=box)


async def test_leaving_and_reopening_restores_the_draft(store_path: Path, tmp_path: Path) -> None:
    with SqlStore.open(f"sqlite:///{store_path}") as store:
        app = console(store, tmp_path / "drafts")
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_most_urgent(app, pilot)
            await pilot.press("f", "3")
            screen.query_one("#rationale", TextArea).focus()
            await pilot.press(*"Seller shipped late")
            typed = screen.query_one(ResolutionForm).fields()
            await settle(app, pilot)
            # esc leaves the form, esc again the dispute: no question, the draft is kept
            await pilot.press("escape", "escape")
            await settle(app, pilot)
            assert isinstance(app.screen, QueueScreen)
            assert any("is kept" in n.message for n in told(app))
            assert app.drafts is not None
            kept = app.drafts.load(screen.dispute_id)
            assert kept is not None and kept.form == typed
            assert kept.form.outcome is Outcome.BUYER_FULL_REFUND
            await pilot.press("enter")
            await settle(app, pilot)
            again = app.screen
            assert isinstance(again, DisputeScreen) and again is not screen
            assert again.query_one(ResolutionForm).fields() == typed
            assert [n.title for n in told(app)].count("Draft restored") == 1


async def test_a_draft_survives_a_killed_console(store_path: Path, tmp_path: Path) -> None:
    drafts = tmp_path / "drafts"
    url = f"sqlite:///{store_path}"
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.ui.draft_console", url, str(drafts), "ana"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline()  # waits until the draft is on disk
        dispute_id, said = line.split()
        assert said == "typed"
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    with SqlStore.open(url) as store:
        app = console(store, drafts)
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_most_urgent(app, pilot)
            assert screen.dispute_id == dispute_id
            fields = screen.query_one(ResolutionForm).fields()
            assert (fields.outcome, fields.rationale) == (Outcome.BUYER_FULL_REFUND, RATIONALE)
            restored = [n.message for n in told(app) if n.title == "Draft restored"]
            assert restored == [
                "Your draft of 22 Nov 12:00 is back in the form (ctrl+d discards it)."
            ]


async def test_discarding_asks_first_and_forgets_the_draft(
    store_path: Path, tmp_path: Path
) -> None:
    with SqlStore.open(f"sqlite:///{store_path}") as store:
        app = console(store, tmp_path / "drafts")
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_most_urgent(app, pilot)
            await pilot.press("f", "5")
            await settle(app, pilot)
            assert app.drafts is not None and app.drafts.load(screen.dispute_id) is not None
            await pilot.press("ctrl+d")
            await settle(app, pilot)
            assert isinstance(app.screen, DiscardWork)
            await pilot.press("enter")  # opens on "Keep editing"
            await settle(app, pilot)
            assert screen.query_one(ResolutionForm).fields().outcome is Outcome.SELLER_FAVOUR
            await pilot.press("ctrl+d")
            await settle(app, pilot)
            await pilot.press("ctrl+d")
            await settle(app, pilot)
            assert screen.query_one(ResolutionForm).fields().is_empty
            assert app.drafts.load(screen.dispute_id) is None


async def test_a_written_decision_leaves_no_draft(store_path: Path, tmp_path: Path) -> None:
    with SqlStore.open(f"sqlite:///{store_path}") as store:
        app = console(store, tmp_path / "drafts")
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_most_urgent(app, pilot)
            await pilot.press("f", "5")
            screen.query_one("#rationale", TextArea).focus()
            await pilot.press(*"Tracking shows delivery", "ctrl+g", "ctrl+s")
            await settle(app, pilot)
            await pilot.press("ctrl+y")
            await settle(app, pilot)
            assert isinstance(app.screen, QueueScreen), [n.message for n in told(app)]
            assert app.drafts is not None and app.drafts.load(screen.dispute_id) is None


async def test_a_note_being_written_is_kept_and_comes_back(
    store_path: Path, tmp_path: Path
) -> None:
    """The note dialog's text is part of the draft as it is typed: a console that goes away
    with the dialog open (here: the app ends without closing it) loses nothing."""
    drafts = tmp_path / "drafts"
    with SqlStore.open(f"sqlite:///{store_path}") as store:
        app = console(store, drafts)
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_most_urgent(app, pilot)
            dispute_id = screen.dispute_id
            await pilot.press("t", "n")
            await settle(app, pilot)
            assert isinstance(app.screen, NoteScreen)
            await pilot.press(*"Carrier [ref 9] called back")
            await settle(app, pilot)
            assert app.drafts is not None
            kept = app.drafts.load(dispute_id)
            assert kept is not None and kept.note == "Carrier [ref 9] called back"
        again = console(store, drafts)
        async with again.run_test(size=SIZE) as pilot:
            screen = await open_most_urgent(again, pilot)
            assert screen.dispute_id == dispute_id
            restored = [n.message for n in told(again) if n.title == "Draft restored"]
            assert len(restored) == 1 and "a note (n / i go on with it)" in restored[0]
            await pilot.press("t", "n")
            await settle(again, pilot)
            dialog = again.screen
            assert isinstance(dialog, NoteScreen)
            assert dialog.query_one(TextArea).text == "Carrier [ref 9] called back"
            await pilot.press("ctrl+s")  # saved as a note: the draft no longer holds it
            await settle(again, pilot)
            assert again.drafts is not None and again.drafts.load(dispute_id) is None
            notes = (await store.get_dispute(dispute_id)).dispute.messages
            assert notes[-1].body == "Carrier [ref 9] called back"
