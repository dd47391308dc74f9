"""The App: thin. Screens, global keys, the command palette. Store and clock come in."""

from __future__ import annotations

import asyncio
import importlib
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from contextlib import aclosing, suppress
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any, ClassVar

from textual import events, work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.command import Provider
from textual.notifications import SeverityLevel
from textual.reactive import reactive
from textual.screen import ModalScreen, Screen

from mediator.clock import Clock, SystemClock, local_timezone
from mediator.collector import TICK as COLLECT_EVERY
from mediator.collector import IdleCollector
from mediator.commands import binding_commands, screen_keys
from mediator.domain.changes import Change, ChangeKind
from mediator.domain.claims import LEASE, MAX_LEASE, RENEW_EVERY, Claim
from mediator.domain.text import visible
from mediator.key_order import KeyOrder
from mediator.messages import DisputesChanged, ReportsFailures, WorkFailed
from mediator.screens.claims import HandOverScreen
from mediator.screens.discard import DiscardWork, HoldsWork
from mediator.screens.help import HelpScreen
from mediator.screens.notices import NoticesScreen
from mediator.screens.opening import HoldsKeys
from mediator.screens.queue import QueueScreen
from mediator.screens.words import refusal
from mediator.store.base import Role, Store, StoreError, SyncingStore
from mediator.store.deferred import DeferredStore
from mediator.store.drafts import DraftBox
from mediator.widgets.identity import IdentityBar


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
    #: Renewing the claim on the open dispute while the agent is active (issue 15).
    renew: float | None = RENEW_EVERY.total_seconds()
    #: Following the store's change feed (issue 15: live disputes and queue); how long to
    #: gather a burst of changes into one re-read. None: not followed.
    live: float | None = 0.2


#: Seconds after start-up when the dashboard's module is imported in a thread.
PRELOAD_AFTER = 1.0
#: How many notifications `ctrl+n` shows.
NOTICES_KEPT = 30

#: No timer at all: what the tests run with.
MANUAL = Every(escalate=None, sync=None, refresh=None, renew=None, live=None)


def _dispute_jump() -> type[Provider]:
    """The palette's dispute search, imported when the palette first opens (not at start-up)."""
    from mediator.jump import DisputeJump

    return DisputeJump


class MediatorApp(ReportsFailures, App[None]):
    """The mediation console. Everything it knows of the world comes through its constructor."""

    FAILURES: ClassVar[dict[str, tuple[str, str]]] = {
        "sync": ("Sending the pending decisions", "They stay on this machine and are sent again."),
        "pending": ("Counting the pending decisions", "They stay on this machine."),
        "escalate": ("Auto-escalation", "Nothing was changed; it runs again in a minute."),
        "release": ("Releasing your claim", "It runs out on its own within the lease."),
        "live": (
            "Following the store's changes",
            "The screens no longer update on their own: F5 reads the queue again.",
        ),
        "quit": ("Quitting", "Nothing was changed; you can quit again."),
        "role": ("Reading your role", "You work as an agent: reviews stay closed."),
    }

    #: Decisions on this machine waiting for the API (0 without an outbox); screens watch it.
    pending_count: reactive[int] = reactive(0)
    #: What the agent may do (issue 16), from the store's staff record of their name; None
    #: until it is read. Not staff: an agent. Screens watch it (supervisors review).
    role: reactive[Role | None] = reactive(None)

    #: Keeps a theme the agent picks for the next run (issue 19); None: not kept.
    _keep_theme: Callable[[str], None] | None = None

    CSS_PATH = "mediator.tcss"
    TITLE = "mediator"
    #: ctrl+p finds disputes too (issue 19), beside every action by name.
    COMMANDS = App.COMMANDS | {_dispute_jump}

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Keys", id="app.help", tooltip="Show every key"),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True, id="app.quit",
                tooltip="Quit mediator"),
        Binding("ctrl+n", "notices", "Notices", show=False, id="app.notices",
                tooltip="The last notifications in full, newest first"),
    ]  # fmt: skip

    def __init__(
        self,
        store: Store,
        *,
        clock: Clock | None = None,
        agent: str = "agent",
        tz: tzinfo | None = None,
        every: Every = Every(),
        lease: timedelta = LEASE,
        drafts: DraftBox | None = None,
        theme: str | None = None,
        keymap: Mapping[str, str] | None = None,
        keep_theme: Callable[[str], None] | None = None,
    ) -> None:
        """`theme`, `keymap` (binding id → keys, checked by `keymap.check`) and `keep_theme`
        (called in a thread with a theme the agent picks, to keep it for the next run) come
        from the agent's settings file (issue 19)."""
        super().__init__()
        self._keep_theme = keep_theme  # not called for the theme set here: not running yet
        if theme is not None:
            self.theme = theme
        #: The agent's keymap (binding id → keys), for texts that name a key (`key_display`).
        self.own_keys: dict[str, str] = dict(keymap or {})
        if keymap:
            self.set_keymap(dict(keymap))
        self.store = store
        self.clock: Clock = clock or SystemClock()
        self.agent = agent
        self.tz: tzinfo = tz or local_timezone()
        self.every = every
        #: How long a claim lasts unless renewed (issue 15; `mediator --lease`).
        self.lease = lease
        #: Where the forms being typed are kept (issue 15); None: nowhere (leaving asks).
        self.drafts = drafts
        #: Keys of one burst wait for the key before them to reach its binding.
        self.key_order = KeyOrder(self)
        #: Runs the full garbage collections between keys once `preload` has started it.
        self.collector = IdleCollector()
        #: When the agent last pressed a key or clicked: claims are renewed only while they
        #: are active, so a console left open over lunch lets its claims run out.
        self.last_input = self.clock.now()
        self._waiting = ""
        #: The last notifications (when, title, message), newest first: `ctrl+n` shows them in
        #: full, however long, after their toast has gone (issue 22).
        self.notices: deque[tuple[datetime, str, str]] = deque(maxlen=NOTICES_KEPT)
        self.sub_title = visible(f"{agent} · store {store.label}")

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Every notification is plain text: it names ids, names and the API's own words, so it
        is never parsed as markup, and control characters are made visible. `markup` is
        accepted for Textual's signature and ignored."""
        self.notices.appendleft((self.clock.now(), visible(title), visible(message)))
        super().notify(
            visible(message), title=visible(title), severity=severity, timeout=timeout, markup=False
        )

    def rows_shown(self) -> None:
        """The queue's rows are on screen: a store opened after the first frame (issue 18:
        `store.deferred`) opens now."""
        if isinstance(self.store, DeferredStore):
            self.store.go()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown)):
            self.last_input = self.clock.now()
            self.collector.input()
        if isinstance(event, events.Key) and not event.is_forwarded:
            if self._held(event):
                return  # typed while the screen opens: it lets the key through once shown
            if self.key_order.hold(event):
                return  # the key before it is still on its way to its binding
        await super().on_event(event)

    def _held(self, key: events.Key) -> bool:
        stack = self.screen_stack
        return bool(stack) and isinstance(stack[-1], HoldsKeys) and stack[-1].hold_key(key)

    @property
    def active(self) -> bool:
        """Whether the agent pressed a key or clicked within the lease."""
        return self.clock.now() - self.last_input < self.lease

    @work(group="release", exit_on_error=False)
    async def release_claim(self, dispute_id: str) -> None:
        """Give up the claim on `dispute_id` (the agent left it); the app's, so it finishes
        after the dispute's screen is gone."""
        try:
            await self.store.release(dispute_id, actor=self.agent)
        except StoreError as error:
            self.notify(
                f"Could not release {dispute_id}: {refusal(error, self.tz)}. "
                f"It runs out on its own within {int(self.lease.total_seconds() // 60)} min.",
                title="Claim not released",
                severity="warning",
            )
        self._disputes_changed((dispute_id,))

    @work(group="live", exclusive=True, exit_on_error=False)
    async def follow_changes(self) -> None:
        """Tell the screens what colleagues changed, as the store commits it (the feed
        reconnects by itself; after a gap it says `reset` and everything is read again). A
        burst is gathered for `every.live` seconds into one re-read; the agent's own writes
        are left out (each screen reads again after writing)."""
        window = self.every.live or 0.0
        changes: asyncio.Queue[Change | Exception] = asyncio.Queue()

        async def pump() -> None:
            try:
                async with aclosing(self.store.changes()) as feed:
                    async for change in feed:
                        changes.put_nowait(change)
            except Exception as error:  # no feed at all: reported by the worker below
                changes.put_nowait(error)

        reader = asyncio.create_task(pump())
        first_reset = True
        try:
            while True:
                items = [await changes.get()]
                await asyncio.sleep(window)
                while not changes.empty():
                    items.append(changes.get_nowait())
                batch: list[Change] = []
                for item in items:
                    if isinstance(item, Exception):
                        raise item
                    batch.append(item)
                if first_reset and batch[0].kind is ChangeKind.RESET:
                    first_reset = False  # the screens have just read everything
                    batch = batch[1:]
                batch = [c for c in batch if c.kind is ChangeKind.RESET or c.actor != self.agent]
                if not batch:
                    continue
                if any(c.dispute_id is None for c in batch):
                    self._disputes_changed(())
                else:
                    self._disputes_changed(tuple(dict.fromkeys(str(c.dispute_id) for c in batch)))
        finally:
            reader.cancel()
            with suppress(asyncio.CancelledError):
                await reader

    @property
    def is_supervisor(self) -> bool:
        return self.role is Role.SUPERVISOR

    @property
    def who(self) -> str:
        """ "ana · supervisor" (just the name until the role is read)."""
        return self.agent if self.role is None else f"{self.agent} · {self.role.value}"

    @work(group="role", exclusive=True, exit_on_error=False)
    async def read_role(self) -> None:
        """Ask the store who the agent is (issue 16): a supervisor reviews proposals; anyone
        else works as an agent. The store enforces it either way; the console only shows it."""
        try:
            member = await self.store.staff_role(self.agent)
        except StoreError as error:
            self.notify(
                f"Could not read your role: {refusal(error, self.tz)}. You work as an agent "
                "(reviews stay closed) until the console is started again.",
                title="Role unknown",
                severity="warning",
            )
            member = None
        self.role = Role.AGENT if member is None else member.role

    def key_display(self, binding_id: str, default: str) -> str:
        """How the key of `binding_id` is shown: the agent's own key (issue 19), else
        `default` (the key the text was written for)."""
        keys = self.own_keys.get(binding_id)
        if keys is None:
            return default
        return self.get_key_display(Binding(keys.split(",")[0], ""))

    def watch_theme(self, theme: str) -> None:
        if self._keep_theme is not None and self.is_running:
            self.keep_theme(theme)

    @work(group="theme", exclusive=True, thread=True, exit_on_error=False)
    def keep_theme(self, theme: str) -> None:
        """The theme the agent picked, kept for the next run (in the settings file)."""
        assert self._keep_theme is not None
        try:
            self._keep_theme(theme)
        except OSError as error:
            self.call_from_thread(
                self.notify,
                f"The theme is used, but could not be kept for the next run: {error}",
                title="Theme not kept",
                severity="warning",
            )

    def watch_role(self) -> None:
        self._show_sub_title()

    def _show_sub_title(self) -> None:
        self.sub_title = visible(f"{self.who} · store {self.store.label}{self._waiting}")

    def on_unmount(self) -> None:
        self.collector.stop()  # Python's own full collections again (a test's process goes on)

    def on_mount(self) -> None:
        self.screen_change_signal.subscribe(self, self._show_identity)
        self.read_role()
        self.push_screen(QueueScreen())
        if self.every.live is not None:
            self.follow_changes()
        self.auto_escalate()
        if self.every.escalate is not None:
            self.set_interval(self.every.escalate, self.auto_escalate)
        if isinstance(self.store, SyncingStore):
            self.sync_outbox()
            if self.every.sync is not None:
                self.set_interval(self.every.sync, self.sync_outbox)
        if self.every.refresh is not None:
            self.set_timer(PRELOAD_AFTER, self.preload)  # tests open everything cold

    def _show_identity(self, screen: Screen[Any]) -> None:
        """Every full screen says who the agent is and which store it is on, at the top
        (issue 22); dialogs show the screen's under them."""
        if not isinstance(screen, ModalScreen) and not screen.query(IdentityBar):
            screen.mount(IdentityBar())

    @work(group="preload", exit_on_error=False)
    async def preload(self) -> None:
        """Once the queue is up, off the key press: the store's code (a store opened after the
        first frame, `store.deferred`), the dashboard's module (its charts import numpy, ~0.25
        s) and the dispute screen's (~0.35 s, which Enter on the queue opens); then every
        object alive is frozen out of the garbage collector's sight.

        Issue 18: at a million disputes the queue keys' worst times were full collections
        (0.1 to 0.6 s) walking the objects that imports leave behind, which are never garbage.
        `gc.freeze()` moves them to a generation no collection visits; the collections that
        remain walk only what the console made since, and the full ones run between keys
        (`collector`)."""
        if isinstance(self.store, DeferredStore):
            with suppress(StoreError):
                await self.store.ready()
        for module in ("mediator.screens.dashboard", "mediator.screens.dispute"):
            await asyncio.to_thread(importlib.import_module, module)
        self.collector.start()  # freezes them; full collections between keys from now on
        self.set_interval(COLLECT_EVERY, self.collector.tick)

    def on_work_failed(self, message: WorkFailed) -> None:
        """Any worker's failure, in words: what failed, why, and what became of the work."""
        error = message.error
        why = str(error) if isinstance(error, StoreError) else f"{type(error).__name__}: {error}"
        self.log.error(f"{message.what} failed", error)
        self.notify(
            f"{message.what} failed: {why}. {message.after}",
            title=f"{message.what} failed",
            severity="error",
            timeout=30,
        )

    def _disputes_changed(self, dispute_ids: tuple[str, ...] = ()) -> None:
        """Tell every open screen that disputes changed behind it (each re-reads what it shows)."""
        for screen in self.screen_stack:
            screen.post_message(DisputesChanged(dispute_ids))

    def _show_pending(self, pending: int) -> None:
        self.pending_count = pending
        self._waiting = f" · {pending} pending sync" if pending else ""
        self._show_sub_title()

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
            self._disputes_changed(tuple(d.dispute_id for d in report.delivered))
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
            self._disputes_changed(tuple(dispute_id for dispute_id, _ in report.failed))

    @work(group="escalate", exclusive=True, exit_on_error=False)
    async def auto_escalate(self) -> None:
        """P-ESC-SELLER-SILENT / P-ESC-STALE: escalate open disputes whose timer ran out."""
        try:
            escalated = await self.store.escalate_due(self.clock.now())
        except StoreError as error:
            what, after = self.FAILURES["escalate"]
            self.notify(f"{what} failed: {error}. {after}", severity="warning", timeout=10)
            return
        if not escalated:
            return
        ids = ", ".join(dispute_id for dispute_id, _ in escalated[:5])
        more = f" and {len(escalated) - 5} more" if len(escalated) > 5 else ""
        self.notify(f"{ids}{more} joined the queue", title=f"{len(escalated)} auto-escalated")
        self._disputes_changed(tuple(dispute_id for dispute_id, _ in escalated))

    def open_dispute(self, dispute_id: str) -> None:
        """Show `dispute_id` over the current screen (the palette's jump), unless it is the
        dispute already shown."""
        from mediator.screens.dispute import DisputeScreen

        screen = self.screen
        if isinstance(screen, DisputeScreen) and screen.dispute_id == dispute_id:
            return
        self.push_screen(DisputeScreen(dispute_id))

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from binding_commands(self, screen)
        if isinstance(screen, QueueScreen):
            yield from screen.sort_commands()
        yield from super().get_system_commands(screen)

    async def action_quit(self) -> None:
        self.quit_asking()

    @work(group="quit", exclusive=True, exit_on_error=False)
    async def quit_asking(self) -> None:
        """Quit; first ask, if a screen holds typed work that quitting would throw away, then
        what becomes of the disputes the agent holds: release them or hand them over."""
        for screen in reversed(self.screen_stack):
            unsaved = screen.unsaved_work() if isinstance(screen, HoldsWork) else None
            if unsaved is not None:
                if not await self.push_screen_wait(DiscardWork(unsaved, leaving="quit")):
                    return
                break
        try:
            held = await self.store.claims_held(self.agent)
        except StoreError as error:
            self.notify(
                f"Could not read the disputes you hold: {refusal(error, self.tz)}. They run "
                f"out on their own within {int(self.lease.total_seconds() // 60)} min.",
                title="Claims not released",
                severity="warning",
            )
            held = []
        if held and not await self._hand_over(held):
            return
        self.exit()

    async def _hand_over(self, held: list[Claim]) -> bool:
        """Ask, then release `held` or hand them to a colleague; False: the agent stays.
        A refused hand-over opens the dialog again with the name, the note and the reason."""
        to, note, problem = "", "", ""
        while held:
            answer = await self.push_screen_wait(
                HandOverScreen(held, to=to, note=note, problem=problem)
            )
            if answer is None:
                return False
            to, note = answer.to or "", answer.note
            refused: list[tuple[Claim, StoreError]] = []
            for claim in held:
                try:
                    if answer.to is None:
                        await self.store.release(claim.dispute_id, actor=self.agent)
                    else:
                        # the colleague may start later than a renewal: the longest lease
                        await self.store.hand_over(
                            claim.dispute_id,
                            actor=self.agent,
                            to=answer.to,
                            note=answer.note,
                            lease=MAX_LEASE,
                        )
                except StoreError as error:
                    refused.append((claim, error))
            held = [claim for claim, _ in refused]
            problem = "; ".join(
                f"✖ {claim.dispute_id}: {refusal(error, self.tz)}" for claim, error in refused
            )
        if to:
            self.notify(f"Handed over to {to}.", title="Hand-over")
        return True

    def action_notices(self) -> None:
        if isinstance(self.screen, NoticesScreen):
            return
        self.push_screen(NoticesScreen(list(self.notices), tz=self.tz))

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        title = type(self.screen).__name__.removesuffix("Screen").lower() or "console"
        self.push_screen(HelpScreen(title, screen_keys(self, self.screen)))


def run_console(
    store: Store,
    *,
    agent: str,
    lease: timedelta = LEASE,
    drafts: DraftBox | None = None,
    **settings: Any,
) -> int:
    """Open the console on `store` (the CLI's entry point); closes the store afterwards.
    `settings`: the agent's own (`MediatorApp`'s theme, keymap, keep_theme, tz)."""
    app = MediatorApp(store, agent=agent, lease=lease, drafts=drafts, **settings)
    try:
        app.run()
    finally:
        asyncio.run(store.close())
    return app.return_code or 0
