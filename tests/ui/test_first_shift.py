"""Issue 22, first-shift rough edges: words that mislead, empty fields, what the parties were
told, keys, and who the agent is."""

from __future__ import annotations

import io

from rich.console import Console
from textual.widgets import RadioButton, Static

from mediator.app import MediatorApp
from mediator.store.sql import SqlStore

from .conftest import settle
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
        assert "stopped at escalation 12 Nov 14:46 (was due 15 Nov 14:46)" in timers
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
