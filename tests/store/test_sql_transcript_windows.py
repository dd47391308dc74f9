"""The transcript read window by window (issue 18): `get_dispute(newest=…)` and
`dispute_messages`, a keyset on (sent_at, id). Real SQLite file and PostgreSQL."""

from __future__ import annotations

import pytest

from mediator.domain.deadlines import deadlines, next_deadline
from mediator.domain.enums import Channel
from mediator.domain.models import message_key
from mediator.domain.timeline import build_timeline, windowed_timeline
from mediator.store.base import NotFound
from mediator.store.sql import SqlStore
from tests.store.conftest import long_dispute, make_dispute

MESSAGES = 61


@pytest.fixture
def long_store(store: SqlStore) -> SqlStore:
    store.import_disputes([long_dispute(1, MESSAGES), make_dispute(2, messages=4)])
    return store


async def test_a_windowed_read_holds_the_newest_messages_and_what_the_timers_rest_on(
    long_store: SqlStore,
) -> None:
    full = await long_store.get_dispute("D-1")
    windowed = await long_store.get_dispute("D-1", newest=4)
    assert full.window is None and full.complete and not windowed.complete
    assert windowed.window == 4
    everything = full.dispute.messages
    assert windowed.dispute.messages[-4:] == everything[-4:]
    assert {m.channel for m in everything[-4:]} == {Channel.STAFF_NOTE}
    # before them, oldest first and nothing else: staff's newest in the dispute chat and the
    # seller's first (one minute: "…-0" before "…-1"), the newest chat message
    ahead = windowed.dispute.messages[:-4]
    assert [m.body for m in ahead] == [
        "message 2 of dispute 1",
        "message 1 of dispute 1",
        f"message {MESSAGES - 7} of dispute 1",
    ]
    assert deadlines(windowed) == deadlines(full)
    assert next_deadline(windowed) == next_deadline(full)
    assert windowed.model_copy(update={"dispute": full.dispute, "window": None}) == full


async def test_a_dispute_within_the_window_comes_whole(long_store: SqlStore) -> None:
    assert await long_store.get_dispute("D-2", newest=4) == await long_store.get_dispute("D-2")
    whole = await long_store.get_dispute("D-1", newest=MESSAGES)
    assert whole.window is None and len(whole.dispute.messages) == MESSAGES


@pytest.mark.parametrize("size", [1, 2, 3, 7, 60])
async def test_windows_read_back_to_the_first_lose_and_repeat_nothing(
    long_store: SqlStore, size: int
) -> None:
    """Seams fall inside minutes of three messages with the same time: (sent_at, id) orders
    them, and each window starts exactly where the one after it ended."""
    everything = list((await long_store.get_dispute("D-1")).dispute.messages)
    assert everything == await long_store.dispute_messages("D-1")
    windows = []
    before = None
    while True:
        window = await long_store.dispute_messages("D-1", before=before, limit=size)
        if not window:
            break
        assert len(window) <= size
        assert [message_key(m) for m in window] == sorted(message_key(m) for m in window)
        windows.append(window)
        before = message_key(window[0])
    read = [m for window in reversed(windows) for m in window]
    assert read == everything
    assert len({m.id for m in read}) == MESSAGES


async def test_everything_before_a_key(long_store: SqlStore) -> None:
    everything = (await long_store.get_dispute("D-1")).dispute.messages
    key = message_key(everything[31])
    assert await long_store.dispute_messages("D-1", before=key) == list(everything[:31])
    assert await long_store.dispute_messages("D-1", before=message_key(everything[0])) == []


async def test_a_timeline_shown_window_by_window_is_the_whole_timeline(
    long_store: SqlStore,
) -> None:
    """`windowed_timeline` and `TimelineWindow.older` over the store's windows give
    `build_timeline`'s entries in its order: evidence at a message's minute lands on the
    right side of each seam."""
    full = await long_store.get_dispute("D-1")
    expected = build_timeline(full)
    for size in (1, 4, 9):
        shown, window = windowed_timeline(await long_store.get_dispute("D-1", newest=size))
        assert window.more
        while window.more:
            assert window.oldest is not None
            older = await long_store.dispute_messages("D-1", before=window.oldest, limit=size)
            shown = window.older(older, complete=len(older) < size) + shown
        assert shown == expected
    shown, window = windowed_timeline(await long_store.get_dispute("D-1", newest=4))
    assert window.older(await long_store.dispute_messages("D-1", before=window.oldest),
                        complete=True) + shown == expected  # fmt: skip
    assert not window.more


async def test_unknown_dispute(long_store: SqlStore) -> None:
    with pytest.raises(NotFound):
        await long_store.dispute_messages("D-404", limit=3)
    with pytest.raises(NotFound):
        await long_store.get_dispute("D-404", newest=3)
