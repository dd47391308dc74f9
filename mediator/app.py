"""The App: thin. Screens, global keys, the command palette. Store and clock come in."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import tzinfo
from typing import ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from mediator.clock import Clock, SystemClock, local_timezone
from mediator.commands import binding_commands, screen_keys
from mediator.screens.help import HelpScreen
from mediator.screens.queue import QueueScreen
from mediator.store.base import Store


class MediatorApp(App[None]):
    """The mediation console. Everything it knows of the world comes through its constructor."""

    CSS_PATH = "mediator.tcss"
    TITLE = "mediator"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Keys", id="app.help", tooltip="Show every key"),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True, id="app.quit",
                tooltip="Quit mediator"),
    ]  # fmt: skip

    def __init__(
        self,
        store: Store,
        *,
        clock: Clock | None = None,
        agent: str = "agent",
        tz: tzinfo | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        self.clock: Clock = clock or SystemClock()
        self.agent = agent
        self.tz: tzinfo = tz or local_timezone()
        self.sub_title = f"{agent} · {store.label}"

    def on_mount(self) -> None:
        self.push_screen(QueueScreen())

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from binding_commands(self, screen)
        yield from super().get_system_commands(screen)

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        title = type(self.screen).__name__.removesuffix("Screen").lower() or "console"
        self.push_screen(HelpScreen(title, screen_keys(self, self.screen)))


def run_console(store: Store, *, agent: str) -> int:
    """Open the console on `store` (the CLI's entry point); closes the store afterwards."""
    import asyncio

    app = MediatorApp(store, agent=agent)
    try:
        app.run()
    finally:
        asyncio.run(store.close())
    return app.return_code or 0
