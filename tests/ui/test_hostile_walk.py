"""Issue 14: a walk through every screen, dialog and notification with hostile ids, names, titles,
captions and error texts. Each is shown literally (control characters as visible pictures),
none of it is lost, none of it runs as markup, and no control byte reaches the terminal.

The import refuses such ids since issue 14 (`domain.ids`), so no real store can hold one any
more; `HostileStore` wraps a real SQLite store and hands the console one hostile dispute (and
hostile refusals), to show that the console would not be fooled even if a store or an API did.
"""

from __future__ import annotations

from datetime import UTC
from pathlib import Path
from typing import Any

from textual.app import App

from mediator.app import MANUAL, MediatorApp
from mediator.domain import Actor, Decision, DecisionDraft, DisputeRecord, Message
from mediator.domain.text import visible
from mediator.screens.discard import DiscardWork
from mediator.screens.dispute import DisputeScreen
from mediator.screens.help import HelpScreen
from mediator.screens.modals import (
    ConfirmDecision,
    EvidenceScreen,
    InfoRequestScreen,
    MessageScreen,
    NoteScreen,
)
from mediator.screens.policy import PolicyScreen
from mediator.screens.queue import QueueScreen
from mediator.store.base import QueuePage, QueueQuery, StoreError
from mediator.store.sql import SqlStore

from .conftest import make_store, settle, told
from .test_hostile_text import FORBIDDEN, screen_text

HOSTILE_ID = "D-[@click=app.quit]Q[/]"
BUYER = "[b]mal[/b]\x1b]0;pwn\x07"
SELLER = "[link=x]sel[/link]\x9b2J"
TITLE = "[red]Ti[/]tle\x1b[5m"
CAPTION = "[/]cap\u202e"
REFUSAL = "no [bold]way[/] \x1b[31m[/]"
AGENT = "agent.[b]x[/b]"

#: How each hostile string must read on screen: every character kept, controls made visible.
SHOWN = {name: visible(text) for name, text in
         {"id": HOSTILE_ID, "buyer": BUYER, "seller": SELLER, "title": TITLE,
          "caption": CAPTION, "refusal": REFUSAL}.items()}  # fmt: skip


class HostileStore:
    """A real `SqlStore` that also serves one hostile dispute and refuses its writes with a
    hostile message (what a compromised API could send)."""

    def __init__(self, inner: SqlStore, hostile: DisputeRecord) -> None:
        self.inner = inner
        self.hostile = hostile
        self.label = inner.label

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def queue_page(self, query: QueueQuery, **kwargs: Any) -> QueuePage:
        page: QueuePage = await self.inner.queue_page(query, **kwargs)
        if kwargs.get("after") is None and kwargs.get("before") is None and page.rows:
            first = page.rows[0]
            row = first.model_copy(
                update={
                    "id": HOSTILE_ID,
                    "buyer_name": BUYER,
                    "seller_name": SELLER,
                    "order_title": TITLE,
                    "urgency_at": first.urgency_at.replace(year=2000),
                }
            )
            page = page.model_copy(update={"rows": (row, *page.rows)})
        return page

    async def get_dispute(self, dispute_id: str, *, newest: int | None = None) -> DisputeRecord:
        if dispute_id == HOSTILE_ID:
            return self.hostile  # whole: its few messages are within any window
        record: DisputeRecord = await self.inner.get_dispute(dispute_id, newest=newest)
        return record

    async def record_decision(self, dispute_id: str, draft: DecisionDraft, **_: Any) -> Decision:
        raise StoreError(f"{dispute_id}: {REFUSAL}")

    async def add_note(self, dispute_id: str, body: str, **_: Any) -> Message:
        raise StoreError(f"{dispute_id}: {REFUSAL}")

    async def request_info(self, dispute_id: str, party: Actor, message: str, **_: Any) -> None:
        raise StoreError(f"{dispute_id}: {REFUSAL}")

    async def escalate_due(self, now: Any) -> list[tuple[str, str]]:
        return []


async def hostile_record(store: SqlStore) -> DisputeRecord:
    real = await store.get_dispute("D-10001")
    d = real.dispute
    evidence = d.evidence[0].model_copy(update={"caption": CAPTION})
    dispute = d.model_copy(
        update={
            "id": HOSTILE_ID,
            "order": d.order.model_copy(update={"title": TITLE}),
            "buyer": d.buyer.model_copy(update={"name": BUYER}),
            "seller": d.seller.model_copy(update={"name": SELLER}),
            "evidence": (evidence, *d.evidence[1:]),
        }
    )
    return real.model_copy(update={"dispute": dispute})


def shows(app: App[Any], *names: str) -> str:
    """The screen as text; fails on a control byte, and unless each `names` string shows whole."""
    lines = screen_text(app)
    for line in lines:
        for bad in FORBIDDEN:
            assert bad not in line, f"{bad!r} reached the terminal in {line!r}"
    text = "\n".join(lines)
    for name in names:
        assert SHOWN[name] in text, f"{name} not shown literally: {SHOWN[name]!r}\n{text}"
    return text


async def test_every_screen_dialog_and_notice_shows_hostile_text_literally(
    tmp_path: Path,
) -> None:
    inner = make_store(tmp_path / "walk.db", generated=5)
    store = HostileStore(inner, await hostile_record(inner))
    app = MediatorApp(store, agent=AGENT, tz=UTC, every=MANUAL)  # type: ignore[arg-type]
    try:
        async with app.run_test(size=(160, 50), notifications=True) as pilot:
            await settle(app, pilot)
            assert isinstance(app.screen, QueueScreen)
            queue = shows(app, "title")  # narrow columns cut the rest with "…", literally
            assert "D-[@click…" in queue and "[b]mal[/b]␛]0…" in queue and "[link=x]sel[/…" in queue

            await pilot.press("enter")
            await settle(app, pilot)
            screen = app.screen
            assert isinstance(screen, DisputeScreen) and screen.dispute_id == HOSTILE_ID
            shows(app, "id", "buyer", "seller", "title", "caption")

            await pilot.press("p")  # the policy page names the dispute in its title
            await settle(app, pilot)
            assert isinstance(app.screen, PolicyScreen)
            shows(app, "id")
            await pilot.press("escape")

            await pilot.press("i")  # ask for information: title and both parties' names
            await settle(app, pilot)
            assert isinstance(app.screen, InfoRequestScreen)
            shows(app, "id", "buyer", "seller")
            await pilot.press(*"Send the video", "ctrl+s")
            await settle(app, pilot)
            assert isinstance(app.screen, InfoRequestScreen), "a refusal reopens the dialog"
            shows(app, "refusal")
            assert app.screen.query_one("#info-body").text == "Send the video"
            await pilot.press("escape")  # typed text: it asks first
            await settle(app, pilot)
            assert isinstance(app.screen, DiscardWork)
            shows(app, "id")
            await pilot.press("ctrl+d")
            await settle(app, pilot)

            await pilot.press("n")  # a staff note: the same, for the note dialog
            await settle(app, pilot)
            assert isinstance(app.screen, NoteScreen)
            shows(app, "id")
            await pilot.press(*"Called", "ctrl+s")
            await settle(app, pilot)
            assert isinstance(app.screen, NoteScreen)
            shows(app, "refusal")
            await pilot.press("escape", "ctrl+d")
            await settle(app, pilot)
            assert app.screen is screen

            await pilot.press("f", "5")  # seller favour, then the confirmation
            screen.query_one("#rationale").focus()
            await pilot.press(*"Delivered.", "ctrl+s")
            await settle(app, pilot)
            assert isinstance(app.screen, ConfirmDecision)
            shows(app, "id", "title")
            await pilot.press("ctrl+y")
            await settle(app, pilot)
            assert app.screen is screen, "a refused decision keeps the agent on the form"
            toast = shows(app)  # the notification, on screen (wrapped: its words checked below)
            assert "[bold]way[/] ␛[31m[/]" in toast
            assert any(SHOWN["refusal"] in t.message for t in told(app))

            screen.query_one("#evidence").focus()
            await pilot.press("enter")
            await settle(app, pilot)
            assert isinstance(app.screen, EvidenceScreen)
            shows(app, "caption")
            await pilot.press("escape")
            await settle(app, pilot)

            await pilot.press("t", "enter")  # a message opens in the viewer, its header literal
            await settle(app, pilot)
            assert isinstance(app.screen, MessageScreen)
            shows(app)
            await pilot.press("escape")
            await settle(app, pilot)

            await pilot.press("question_mark")
            await settle(app, pilot)
            assert isinstance(app.screen, HelpScreen)
            shows(app)
            await pilot.press("escape")

            await pilot.press("escape")  # typed decision: leaving asks, naming the dispute
            await settle(app, pilot)
            assert isinstance(app.screen, DiscardWork)
            shows(app, "id")
            await pilot.press("ctrl+d")
            await settle(app, pilot)
            assert isinstance(app.screen, QueueScreen)

        # Nothing was interpreted: no markup action ran (the app would have quit), and every
        # notification kept the hostile words, sanitised, in full.
        notices = "\n".join(f"{t.title}\n{t.message}" for t in told(app))
        assert SHOWN["refusal"] in notices and SHOWN["id"] in notices
        for bad in FORBIDDEN:
            assert bad not in notices
    finally:
        inner.close_sync()


async def test_a_notification_with_markup_and_escapes_is_plain(tmp_path: Path) -> None:
    """`App.notify` in Textual 8.2.8 parses markup: `D-[/]` raised a MarkupError mid-decision."""
    inner = make_store(tmp_path / "n.db", generated=1)
    app = MediatorApp(inner, agent="agent.test", tz=UTC, every=MANUAL)
    try:
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            await settle(app, pilot)
            app.notify("D-[/] and [@click=app.quit]x[/] \x1b[2J", title="[b]t[/b]\x07", timeout=600)
            await pilot.pause()
            text = shows(app)
            assert "D-[/] and [@click=app.quit]x[/] ␛[2J" in text
            assert "[b]t[/b]␇" in text
    finally:
        inner.close_sync()
