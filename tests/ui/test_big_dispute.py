"""A dispute with a long transcript, read window by window (issue 18), in the console over a
real SQLite store: it opens on the newest window, the older windows come as the agent scrolls
up or jumps home, and the timeline shown, window after window, is the whole timeline in its
order (equal times ordered by id across the seams), keys typed meanwhile carried out in order."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC
from itertools import pairwise
from pathlib import Path

from textual.pilot import Pilot

from mediator.app import MANUAL, MediatorApp
from mediator.clock import FrozenClock
from mediator.domain.models import Message, MessageKey
from mediator.domain.timeline import TimelineEntry, build_timeline
from mediator.screens.dispute import DisputeScreen
from mediator.screens.reviewed import NEWEST_WINDOW, OLDER_WINDOW
from mediator.store.base import StoreError, StoreUnavailable
from mediator.store.sql import SqlStore
from mediator.widgets.transcript import Show, Transcript
from tests.store.conftest import long_dispute

from .conftest import NOW, settle, told, until

SIZE = (140, 45)
#: Seams inside minutes of three messages with the same time: 1,251 - 200 = 1,051 and
#: 1,051 - 500 = 551 are not multiples of three.
MESSAGES = 1_251


class HeldStore(SqlStore):
    """A real SQLite store whose reads of older messages wait until the test lets them go."""

    held: asyncio.Event | None = None
    reads: int = 0
    fail: StoreError | None = None

    async def dispute_messages(
        self, dispute_id: str, *, before: MessageKey | None = None, limit: int | None = None
    ) -> list[Message]:
        self.reads += 1
        if self.held is not None:
            await self.held.wait()
        if self.fail is not None:
            raise self.fail
        return await super().dispute_messages(dispute_id, before=before, limit=limit)


@asynccontextmanager
async def opened(
    tmp_path: Path, *, held: bool = False, first_body: str | None = None
) -> AsyncIterator[tuple[HeldStore, MediatorApp, Pilot[None], Transcript]]:
    path = tmp_path / "big.db"
    seeded = SqlStore.open(f"sqlite:///{path}")
    dispute = long_dispute(1, MESSAGES)
    if first_body is not None:
        first, *rest = dispute.messages
        first = first.model_copy(update={"body": first_body})
        dispute = dispute.model_copy(update={"messages": (first, *rest)})
    seeded.import_disputes([dispute])
    seeded.close_sync()
    store = HeldStore.open(f"sqlite:///{path}")
    assert isinstance(store, HeldStore)
    if held:
        store.held = asyncio.Event()
    app = MediatorApp(store, clock=FrozenClock(NOW), agent="agent.test", tz=UTC, every=MANUAL)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await app.push_screen(DisputeScreen("D-1"))
            await settle(app, pilot)
            transcript = app.screen.query_one(Transcript)
            await until(pilot, lambda: bool(transcript.entries), "the timeline shown")
            await pilot.press("t")
            yield store, app, pilot, transcript
    finally:
        store.close_sync()


async def whole_timeline(store: SqlStore, app: MediatorApp) -> list[TimelineEntry]:
    screen = app.screen
    assert isinstance(screen, DisputeScreen)
    return build_timeline(await store.get_dispute("D-1"), screen.history)


async def test_it_opens_on_the_newest_window_with_the_newest_entry_selected(
    tmp_path: Path,
) -> None:
    async with opened(tmp_path) as (store, app, _pilot, transcript):
        full = await whole_timeline(store, app)
        assert transcript.more_before and store.reads == 0
        messages = [e for e in transcript.all_entries if e.ref and e.ref.startswith("M-")]
        assert len(messages) == NEWEST_WINDOW
        assert list(transcript.all_entries) == full[-len(transcript.all_entries) :]
        assert transcript.current == full[-1]
        screen = app.screen
        assert isinstance(screen, DisputeScreen) and screen.record is not None
        assert screen.record.window == NEWEST_WINDOW


async def test_home_reads_everything_before_and_selects_the_first_entry(tmp_path: Path) -> None:
    async with opened(tmp_path) as (store, app, pilot, transcript):
        full = await whole_timeline(store, app)
        await pilot.press("home")
        await settle(app, pilot)
        assert not transcript.more_before
        assert list(transcript.all_entries) == full
        assert transcript.selected == 0 and transcript.current == full[0]
        assert transcript.scroll_y == 0
        await pilot.press("end")
        assert transcript.current == full[-1]
        assert transcript.scroll_y == transcript.max_scroll_y


async def test_page_up_crosses_every_seam_without_losing_or_repeating_an_entry(
    tmp_path: Path,
) -> None:
    async with opened(tmp_path) as (store, app, pilot, transcript):
        full = await whole_timeline(store, app)
        index = {entry: i for i, entry in enumerate(full)}
        seen = [index[transcript.current]] if transcript.current else []
        for _ in range(2_000):
            await pilot.press("pageup")
            await settle(app, pilot)
            assert transcript.current is not None
            seen.append(index[transcript.current])
            if seen[-1] == 0:
                break
        assert seen[-1] == 0, "the first entry was never reached"
        assert all(a > b for a, b in pairwise(seen)), "always further up"
        assert list(transcript.all_entries) == full
        assert store.reads >= 1 + (MESSAGES - NEWEST_WINDOW) // OLDER_WINDOW


async def test_keys_typed_while_older_messages_are_read_are_carried_out_in_order(
    tmp_path: Path,
) -> None:
    async with opened(tmp_path, held=True) as (store, app, pilot, transcript):
        assert store.held is not None
        full = await whole_timeline(store, app)
        newest = transcript.current
        await pilot.press("home", "down", "down", "down", "up")
        assert transcript.current == newest, "nothing moves before the older entries come"
        store.held.set()
        await settle(app, pilot)
        assert list(transcript.all_entries) == full
        assert transcript.current == full[2]


async def test_up_from_the_first_entry_shown_goes_on_into_the_older_window(
    tmp_path: Path,
) -> None:
    async with opened(tmp_path, held=True) as (store, app, pilot, transcript):
        assert store.held is not None
        full = await whole_timeline(store, app)
        shown = len(transcript.entries)
        await pilot.press(*["up"] * (shown - 1 + 2))  # from the last entry, two past the first
        assert transcript.selected == 0, "up to the first entry shown, then waiting"
        assert transcript.current == full[-shown]
        store.held.set()
        await settle(app, pilot)
        assert transcript.current == full[-shown - 2]
        assert transcript.scroll_y <= transcript._starts[transcript.selected]


async def test_a_filter_reads_on_until_it_has_entries_to_show(tmp_path: Path) -> None:
    async with opened(tmp_path) as (store, app, pilot, transcript):
        full = await whole_timeline(store, app)
        while transcript.show is not Show.ORDER_CHAT:
            await pilot.press("c")
        await settle(app, pilot)
        # no message of the order chat: every window is read, and none is shown
        assert not transcript.more_before and transcript.entries == []
        await pilot.press("c")  # dispute chat
        await settle(app, pilot)
        assert transcript.entries == [e for e in full if Show.DISPUTE_CHAT.accepts(e)]
        assert transcript.current == transcript.entries[-1]


async def test_the_policy_counts_the_flags_of_messages_not_yet_shown(tmp_path: Path) -> None:
    """The policy screen's flagged messages are every message's, not the window's."""
    body = "add me on whatsapp +44 7700 900123"
    async with opened(tmp_path, first_body=body) as (store, app, _pilot, transcript):
        screen = app.screen
        assert isinstance(screen, DisputeScreen) and transcript.more_before
        messages = (await store.get_dispute("D-1")).dispute.messages
        first = next(m for m in messages if m.body == body)  # among the oldest
        assert first.id not in {e.ref for e in transcript.all_entries}
        fired = await screen.fired_rules()
        assert any(first.id in text for _, text in fired["P-COMM-ONPLATFORM"])


async def test_a_failed_read_is_reported_and_the_keys_move_on_what_is_shown(
    tmp_path: Path,
) -> None:
    async with opened(tmp_path) as (store, app, pilot, transcript):
        full = await whole_timeline(store, app)
        shown = list(transcript.entries)
        store.fail = StoreUnavailable("the API is down")
        await pilot.press("home")
        await settle(app, pilot)
        assert any(t.title == "Reading the older messages failed" for t in told(app))
        assert transcript.entries == shown and transcript.current == shown[0]
        assert transcript.more_before, "asked again when the agent next reaches the top"
        store.fail = None
        await pilot.press("up")
        await settle(app, pilot)
        assert transcript.current == full[-len(shown) - 1]
