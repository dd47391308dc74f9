"""Issue 22, first-shift rough edges: words that mislead, empty fields, what the parties were
told, keys, and who the agent is."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import RadioButton, Static, TextArea
from textual.widgets._toast import Toast

from mediator.app import MANUAL, MediatorApp
from mediator.clock import FrozenClock
from mediator.domain import DecisionDraft, Outcome
from mediator.screens.dispute import DisputeScreen
from mediator.screens.help import HelpScreen
from mediator.screens.modals import InfoRequestScreen, MessageScreen
from mediator.screens.notices import NoticesScreen
from mediator.screens.queue import QueueScreen
from mediator.store.drafts import DraftBox
from mediator.store.sql import SqlStore
from mediator.widgets.footer import Footer
from mediator.widgets.identity import IdentityBar
from mediator.widgets.text_viewer import TextViewer
from mediator.widgets.transcript import Transcript

from .conftest import NOW, settle, told, until
from .test_flows import SIZE, open_most_urgent


def shown(widget: Static, width: int = 100) -> str:
    console = Console(width=width, record=True, file=io.StringIO())
    console.print(widget.content)
    return console.export_text()


async def test_timers_say_paused_stopped_met_or_breached_never_met_for_what_did_not_happen(
    app: MediatorApp, store: SqlStore
) -> None:
    """Issue 22: "met" was said of every timer that was not running, with a future date."""
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_most_urgent(app, pilot)
        timers = shown(screen.query_one("#timers", Static))
        # the last update before the escalation + 72 h: the escalation's own message is none
        assert "stopped at escalation 12 Nov 14:46 (was due 13 Nov 23:20)" in timers
        assert "breached: was due 11 Nov 23:19, escalated 12 Nov 14:46" in timers
        assert "met: opened 10 Nov 23:19 (due 15 Nov 11:29)" in timers
        assert "overdue 7d 21h (14 Nov 14:46)" in timers
        await pilot.press("t", "i")
        await settle(app, pilot)
        app.screen.query_one("#info-seller", RadioButton).value = True
        await pilot.press(*"Please send the tracking number.", "ctrl+s")
        await settle(app, pilot)
        timers = shown(screen.query_one("#timers", Static))
        assert "paused while awaiting information (due 14 Nov 14:46 before the pause)" in timers
        assert "in 7d 00h (29 Nov 12:00)" in timers


async def test_a_conflict_says_who_decided_when_in_local_time_and_what_became_of_the_draft(
    store: SqlStore, clock: FrozenClock, tmp_path: Path
) -> None:
    """Issue 22: "version 2, you had 1" said nothing an agent could act on."""
    box = DraftBox(tmp_path / "drafts", scope="test")
    berlin = ZoneInfo("Europe/Berlin")
    app = MediatorApp(store, clock=clock, agent="agent.test", tz=berlin, every=MANUAL, drafts=box)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_most_urgent(app, pilot)
        record = screen.record
        assert record is not None
        await store.claim(record.id, actor="agent.other", take_over=True)
        await store.record_decision(
            record.id,
            DecisionDraft(outcome=Outcome.SELLER_FAVOUR, rationale="first"),
            expected_version=record.version,
            actor="agent.other",
            now=NOW,
        )
        await pilot.press("f", "3")
        screen.query_one("#rationale", TextArea).focus()
        await pilot.press(*"second")
        await until(pilot, lambda: screen.draft_kept(), "the draft is on disk")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        await pilot.press("ctrl+y")
        await settle(app, pilot)
        notices = [n.message for n in told(app) if n.title == "Someone else got there first"]
        assert notices == [
            f"{record.id} was decided by agent.other at 22 Nov 13:00 (Seller favour). Your "
            "decision (Buyer favour: full refund) was not written; your draft is kept on this "
            "machine."
        ]
        assert "you had" not in notices[0] and "version" not in notices[0]
    kept = box.load(record.id)
    assert kept is not None and kept.form.rationale == "second"


def viewer_head(app: MediatorApp) -> str:
    assert isinstance(app.screen, MessageScreen)
    return str(app.screen.query_one(".dialog-title", Static).content)


async def open_entry(app: MediatorApp, pilot: Pilot[Any], title: str) -> None:
    """Select the timeline entry whose title starts with `title` and open its full view."""
    transcript = app.screen.query_one(Transcript)
    transcript.selected = next(
        i for i, e in enumerate(transcript.entries) if e.title.startswith(title)
    )
    transcript.focus()
    await pilot.press("enter")
    await settle(app, pilot)


async def test_an_events_full_view_has_no_empty_field(app: MediatorApp) -> None:
    """Issue 22: "· Escalated to staff · 18 Nov 20:00 ·  · 32 characters"."""
    async with app.run_test(size=SIZE) as pilot:
        await open_most_urgent(app, pilot)
        await open_entry(app, pilot, "Escalated to staff")
        assert viewer_head(app) == "Escalated to staff · 12 Nov 14:46 · 8 characters"


async def test_the_message_to_the_parties_is_shown_once_decided(
    app: MediatorApp, store: SqlStore
) -> None:
    """Issue 22: the message to the parties was in the confirm modal and stored, and shown
    nowhere once the dispute was resolved."""
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_most_urgent(app, pilot)
        dispute_id = screen.dispute_id
        await pilot.press("f", "5")
        screen.query_one("#rationale", TextArea).focus()
        await pilot.press(*"Per E-1.")
        screen.query_one("#message_to_parties", TextArea).focus()
        await pilot.press(*"We found for the seller [final].")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        await pilot.press("ctrl+y")
        await settle(app, pilot)
        assert isinstance(app.screen, QueueScreen)
        app.open_dispute(dispute_id)
        await settle(app, pilot)
        assert isinstance(app.screen, DisputeScreen)
        panel = shown(app.screen.query_one("#decided", Static))
        assert "To the parties: We found for the seller [final]." in panel
        await open_entry(app, pilot, "Decided")
        body = app.screen.query_one(TextViewer)
        await until(pilot, lambda: body.line_count > 0, "the full view is laid out")
        assert "To the parties: We found for the seller [final]." in body.lines


async def test_help_lists_every_key_of_an_action_j_and_k_too(app: MediatorApp) -> None:
    """Issue 22: `?` did not list j/k, although they work."""
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark")
        await settle(app, pilot)
        assert isinstance(app.screen, HelpScreen)
        rows = {k.description: k.key for k in app.screen.keys}
        assert rows["Previous row"].split() == ["↑", "k"]
        assert rows["Next row"].split() == ["↓", "j"]
        await pilot.press("escape")
        screen = await open_most_urgent(app, pilot)
        screen.query_one(Transcript).focus()
        await pilot.press("question_mark")
        await settle(app, pilot)
        assert isinstance(app.screen, HelpScreen)
        keys = [k.key.split() for k in app.screen.keys]
        assert ["↑", "k"] in keys and ["↓", "j"] in keys


async def test_the_info_request_dialog_shows_its_own_keys(app: MediatorApp) -> None:
    """Issue 22: the info-request dialog's footer still showed the dispute screen's keys."""
    async with app.run_test(size=SIZE) as pilot:
        await open_most_urgent(app, pilot)
        await pilot.press("t", "i")
        await settle(app, pilot)
        assert isinstance(app.screen, InfoRequestScreen)
        footer = app.screen.query_one(Footer)
        assert footer.region.y == SIZE[1] - 1, "the dialog's bar covers the dispute's"
        bar = str(footer.render())
        assert "Send request" in bar and "Cancel" in bar
        assert "Note" not in bar and "Ask info" not in bar


async def test_a_long_notification_wraps_and_is_never_cut(app: MediatorApp) -> None:
    """Issue 22: notifications were cut off with '…'; a long one wraps, whole."""
    words = " ".join(f"w{i}" for i in range(120))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(app, pilot)
        app.notify(words, title="Long", timeout=60)
        await until(pilot, lambda: bool(app.screen.query(Toast)), "the toast is shown")
        toast = app.screen.query_one(Toast)
        await until(pilot, lambda: toast.size.height > 3, "the toast is laid out")
        lines = [toast.render_line(y).text for y in range(toast.size.height)]
        shown_words = " ".join(lines).split()
        assert shown_words[1:] == words.split() and "…" not in " ".join(lines)


async def test_every_screen_says_who_the_agent_is_and_which_store(
    app: MediatorApp, store: SqlStore
) -> None:
    """Issue 22: the console never showed who the agent was, nor where it was connected."""
    expected = f"mediator · agent.test · agent · store {store.label}"
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)

        def top_line() -> str:
            bar = app.screen.query_one(IdentityBar)
            assert bar.region.y == 0
            return str(bar.render())

        await until(pilot, lambda: top_line() == expected, "the queue names the agent")
        await open_most_urgent(app, pilot)
        await until(pilot, lambda: top_line() == expected, "the dispute names the agent")
        await pilot.press("escape", "d")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "DashboardScreen"
        await until(pilot, lambda: top_line() == expected, "the dashboard names the agent")


async def test_ctrl_n_shows_the_last_notifications_in_full(app: MediatorApp) -> None:
    """Issue 22: "Long ones wrap, or open in full on a key"."""
    long = "Could not reach the API [503]: " + " ".join(f"part{i}" for i in range(200))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.notify("first", title="Older")
        app.notify(long, title="Store problem", severity="error")
        await pilot.press("ctrl+n")
        await settle(app, pilot)
        assert isinstance(app.screen, NoticesScreen)
        viewer = app.screen.query_one(TextViewer)
        await until(pilot, lambda: viewer.line_count > 0, "the notices are laid out")
        text = " ".join(viewer.lines)
        assert text.index("Store problem") < text.index("Older"), "newest first"
        assert "part199" in text and "[503]" in text
        await pilot.press("escape")
        await settle(app, pilot)
        assert not isinstance(app.screen, NoticesScreen)
