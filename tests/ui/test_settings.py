"""The agent's own settings in the console (issue 19): a keymap and a theme from config.toml."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input

from mediator.app import MANUAL, MediatorApp
from mediator.cli import _own_settings
from mediator.clock import FrozenClock
from mediator.config_file import load
from mediator.screens.queue import QueueScreen
from mediator.store.sql import SqlStore
from mediator.widgets.queue_table import QueueTable

from .conftest import settle

SIZE = (140, 45)


def console(store: SqlStore, clock: FrozenClock) -> MediatorApp:
    """The console as `mediator` builds it from the settings file (`$MEDIATOR_CONFIG`)."""
    own = _own_settings()
    own.setdefault("tz", clock.now().tzinfo)
    return MediatorApp(store, clock=clock, agent="agent.test", every=MANUAL, **own)


async def test_a_keymap_from_the_settings_file_moves_a_key(
    store: SqlStore, clock: FrozenClock, no_settings_file: Path
) -> None:
    no_settings_file.write_text('[keymap]\n"queue.search" = "ctrl+f"\n')
    app = console(store, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        table = screen.query_one(QueueTable)
        table.focus()
        await pilot.press("slash")
        await settle(app, pilot)
        assert app.focused is table, "/ is no longer the search key"
        await pilot.press("ctrl+f")
        await settle(app, pilot)
        search: object = screen.query_one("#search", Input)
        assert app.focused is search
        assert "^f" in str(app.screen.query_one("Footer").render())
        assert search.placeholder.startswith("^f search"), "the search box names its key"  # type: ignore[attr-defined]


async def test_the_theme_from_the_file_is_used_and_a_new_pick_is_kept(
    store: SqlStore, clock: FrozenClock, no_settings_file: Path
) -> None:
    no_settings_file.write_text('# mine\ntheme = "nord"\n')
    app = console(store, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.theme == "nord"
        app.theme = "dracula"
        await app.workers.wait_for_complete()
        await settle(app, pilot)
    assert load(no_settings_file).theme == "dracula"
    assert no_settings_file.read_text().startswith("# mine\n")
