"""The App: thin. Screens, global keys, the command palette. Store and clock come in."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import tzinfo
from typing import ClassVar

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from mediator.clock import Clock, SystemClock, local_timezone
from mediator.commands import binding_commands, screen_keys
from mediator.screens.help import HelpScreen
from mediator.screens.queue import QueueScreen
from mediator.screens.words import refusal
from mediator.store.base import Store, StoreError, SyncingStore


@dataclass(frozen=True, slots=True)
class Every:
    """How often the console acts on its own, in seconds; None: never (a test then calls the
    action itself, when it wants it, instead of racing a wall-clock timer)."""

    #: Auto-escalation (the policy timers are hours; a minute is plenty).
    escalate: float | None = 60
    #: Sending the decisions kept offline again (`store.outbox`).
    sync: float | None = 10
    #: Re-reading the queue's rows and counts (its countdowns move on).
    refresh: float | None = 60


#: No timer at all: what the tests run with.
MANUAL = Every(escalate=None, sync=None, refresh=None)


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
        every: Every = Every(),
    ) -> None:
        super().__init__()
        self.store = store
        self.clock: Clock = clock or SystemClock()
        self.agent = agent
        self.tz: tzinfo = tz or local_timezone()
        self.every = every
        self.sub_title = f"{agent} · {store.label}"
        #: Decisions on this machine waiting for the API (0 without an outbox).
        self.pending_count = 0

    def on_mount(self) -> None:
        self.push_screen(QueueScreen())
        self.auto_escalate()
        if self.every.escalate is not None:
            self.set_interval(self.every.escalate, self.auto_escalate)
        if isinstance(self.store, SyncingStore):
            self.sync_outbox()
            if self.every.sync is not None:
                self.set_interval(self.every.sync, self.sync_outbox)

    def _show_pending(self, pending: int) -> None:
        self.pending_count = pending
        waiting = f" · {pending} pending sync" if pending else ""
        self.sub_title = f"{self.agent} · {self.store.label}{waiting}"
        for screen in self.screen_stack:
            if isinstance(screen, QueueScreen):
                screen.show_status()

    @work(group="pending", exclusive=True, exit_on_error=False)
    async def refresh_pending(self) -> None:
        """Re-read how many decisions wait in the outbox (after one was kept offline)."""
        if isinstance(self.store, SyncingStore):
            entries = await self.store.pending()
            self._show_pending(sum(1 for e in entries if e.state == "pending"))

    @work(group="sync", exclusive=True, exit_on_error=False)
    async def sync_outbox(self) -> None:
        """Send the decisions kept offline (same idempotency keys); tell the agent what moved."""
        store = self.store
        if not isinstance(store, SyncingStore):
            return
        try:
            report = await store.sync()
        except StoreError as error:
            self.notify(f"Could not send pending decisions: {error}", severity="warning")
            return
        self._show_pending(report.waiting)
        if report.delivered:
            ids = ", ".join(d.dispute_id for d in report.delivered)
            self.notify(f"{ids}: delivered to the API.", title="Pending decisions sent")
            self._refresh_queues()
        if report.failed:
            lines = "\n".join(
                f"{dispute_id}: {refusal(why, self.tz)}" for dispute_id, why in report.failed
            )
            self.notify(
                f"{lines}\nThese decisions were NOT stored (kept as failed in the outbox); "
                "open the disputes to see what was decided instead.",
                title="Pending decisions refused",
                severity="error",
                timeout=60,
            )
            self._refresh_queues()

    def _refresh_queues(self) -> None:
        for screen in self.screen_stack:
            if isinstance(screen, QueueScreen):
                screen.refresh_rows()

    @work(group="escalate", exclusive=True, exit_on_error=False)
    async def auto_escalate(self) -> None:
        """P-ESC-SELLER-SILENT / P-ESC-STALE: escalate open disputes whose timer ran out."""
        try:
            escalated = await self.store.escalate_due(self.clock.now())
        except StoreError as error:
            self.notify(f"Auto-escalation failed: {error}", severity="warning", timeout=10)
            return
        if not escalated:
            return
        ids = ", ".join(dispute_id for dispute_id, _ in escalated[:5])
        more = f" and {len(escalated) - 5} more" if len(escalated) > 5 else ""
        self.notify(f"{ids}{more} joined the queue", title=f"{len(escalated)} auto-escalated")
        self._refresh_queues()

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
