"""Snapshots at 120×40 and 80×24: frozen clock, seeded data, UTC display, no cursor blink.

Each accepted SVG was looked at; behaviour is asserted in test_flows.py, not here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from mediator.app import MANUAL, MediatorApp
from mediator.clock import FrozenClock
from mediator.domain import Actor, DecisionDraft, Outcome
from mediator.domain.macros import MacroBody
from mediator.domain.review import ReviewRule
from mediator.store import QueueQuery
from mediator.store.sql import SqlStore

from .conftest import NOW, make_store, settle
from .test_hostile_text import hostile_dispute

WIDE = (120, 40)
NARROW = (80, 24)
Snap = Callable[..., bool]


def build(tmp_path: Path, *, hostile: bool = False) -> MediatorApp:
    store = make_store(tmp_path / "snap.db")
    store.label = "sqlite:snap.db"  # the status line shows the store; tmp paths vary per run
    if hostile:
        store.import_disputes([hostile_dispute()])
    clock = FrozenClock(NOW)
    # claims (issue 15) on the 2nd and 3rd most urgent disputes: a colleague's, made 2 minutes
    # ago by the store's clock, and the agent's own
    store.clock = lambda: NOW - timedelta(minutes=2)
    second, third = store.queue_page_sync(QueueQuery(), limit=3).rows[1:3]
    store.claim_sync(second.id, actor="agent.ana")
    store.claim_sync(third.id, actor="agent.snap")
    store.clock = clock.now
    return MediatorApp(store, clock=clock, agent="agent.snap", tz=UTC, every=MANUAL)


async def steady(pilot: Pilot[Any]) -> None:
    await settle(pilot.app, pilot)
    for screen in pilot.app.screen_stack:
        for widget in screen.query("Input, TextArea"):
            assert isinstance(widget, Input | TextArea)
            widget.cursor_blink = False


def keys(*presses: str) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def run(pilot: Pilot[Any]) -> None:
        await steady(pilot)
        for key in presses:
            await pilot.press(key)
            await steady(pilot)

    return run


@pytest.mark.parametrize("size", [WIDE, NARROW], ids=["wide", "narrow"])
def test_queue(snap_compare: Snap, tmp_path: Path, size: tuple[int, int]) -> None:
    assert snap_compare(build(tmp_path), terminal_size=size, run_before=keys())


@pytest.mark.parametrize("size", [WIDE, NARROW], ids=["wide", "narrow"])
def test_dispute(snap_compare: Snap, tmp_path: Path, size: tuple[int, int]) -> None:
    assert snap_compare(build(tmp_path), terminal_size=size, run_before=keys("enter"))


def test_dispute_held_by_a_colleague(snap_compare: Snap, tmp_path: Path) -> None:
    """Read-only under agent.ana's claim: the banner names her, the form is disabled."""
    assert snap_compare(build(tmp_path), terminal_size=WIDE, run_before=keys("down", "enter"))


def test_form_with_inline_error(snap_compare: Snap, tmp_path: Path) -> None:
    async def run(pilot: Pilot[Any]) -> None:
        await keys("enter", "f", "4")(pilot)
        pilot.app.screen.query_one("#refund_amount", Input).focus()
        await pilot.press(*"12.345")
        await steady(pilot)

    assert snap_compare(build(tmp_path), terminal_size=WIDE, run_before=run)


def test_confirm_modal(snap_compare: Snap, tmp_path: Path) -> None:
    async def run(pilot: Pilot[Any]) -> None:
        await keys("enter", "f", "4")(pilot)
        pilot.app.screen.query_one("#refund_amount", Input).focus()
        await pilot.press(*"20.00")
        pilot.app.screen.query_one("#rationale", TextArea).focus()
        await pilot.press(*"Left earbud defective per photo E-1.")
        await pilot.press("ctrl+s")
        await steady(pilot)

    assert snap_compare(build(tmp_path), terminal_size=WIDE, run_before=run)


def test_help_screen(snap_compare: Snap, tmp_path: Path) -> None:
    assert snap_compare(
        build(tmp_path), terminal_size=WIDE, run_before=keys("enter", "question_mark")
    )


def test_hostile_transcript(snap_compare: Snap, tmp_path: Path) -> None:
    async def run(pilot: Pilot[Any]) -> None:
        await steady(pilot)
        pilot.app.screen.query_one("#search", Input).focus()
        await pilot.press(*"D-66666", "enter", "enter")
        await steady(pilot)
        await pilot.press("t", "home")
        await steady(pilot)

    assert snap_compare(build(tmp_path, hostile=True), terminal_size=WIDE, run_before=run)


def _open(dispute_id: str, *presses: str) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def run(pilot: Pilot[Any]) -> None:
        await steady(pilot)
        pilot.app.screen.query_one("#search", Input).focus()
        await pilot.press(*dispute_id, "enter", "enter")
        await steady(pilot)
        for key in presses:
            await pilot.press(key)
            await steady(pilot)

    return run


def test_form_blocked_by_policy(snap_compare: Snap, tmp_path: Path) -> None:
    """D-10004 was paid out: a full refund is blocked (P-REFUND-PAIDOUT), submit is disabled."""
    assert snap_compare(build(tmp_path), terminal_size=WIDE, run_before=_open("D-10004", "f", "3"))


def test_form_with_warnings(snap_compare: Snap, tmp_path: Path) -> None:
    """D-10004 was opened after confirmation: P-OPEN-CONFIRMED waits for ctrl+g."""
    assert snap_compare(build(tmp_path), terminal_size=WIDE, run_before=_open("D-10004", "f", "5"))


def test_form_refused_submit(snap_compare: Snap, tmp_path: Path) -> None:
    """Issue 22: ctrl+s on the blocked D-10004 says why above Submit (the rationale, the block
    by id, the warnings to acknowledge); focus goes to the rationale, marked."""
    assert snap_compare(
        build(tmp_path), terminal_size=WIDE, run_before=_open("D-10004", "f", "3", "ctrl+s")
    )


def test_form_on_a_wide_terminal(snap_compare: Snap, tmp_path: Path) -> None:
    """Issue 22: at 240 columns the form takes half the room beyond the facts, in two columns
    (the decision, then the words), with the defective box's note and the findings in view."""

    async def run(pilot: Pilot[Any]) -> None:
        await _open("D-10001", "f", "4")(pilot)
        pilot.app.screen.query_one("#refund_amount", Input).focus()
        await pilot.press(*"20.00")
        await steady(pilot)

    assert snap_compare(build(tmp_path), terminal_size=(240, 50), run_before=run)


def test_policy_page(snap_compare: Snap, tmp_path: Path) -> None:
    assert snap_compare(
        build(tmp_path), terminal_size=WIDE, run_before=_open("D-10004", "f", "3", "escape", "p")
    )


def test_queue_after_scrolling_down_and_back(snap_compare: Snap, tmp_path: Path) -> None:
    """Cursor moves repaint only two lines unless the view scrolls: the screen must still match."""
    presses = ["down"] * 25 + ["up"] * 24 + ["pagedown", "up", "up"]
    assert snap_compare(build(tmp_path), terminal_size=NARROW, run_before=keys(*presses))


def build_reviews(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> MediatorApp:
    """Issue 16: a supervisor's console with two proposals waiting (refunds of 20.00 USD or more
    go to review), made 3 h and 1 h ago by two agents; decision ids fixed for the snapshot."""
    ids = iter(f"R-snap{n}" for n in range(1, 100))
    monkeypatch.setattr("mediator.store.sql.deciding.new_id", lambda prefix: next(ids))
    store = make_store(tmp_path / "snap.db")
    store.label = "sqlite:snap.db"
    for name, role in (("agent.ana", "agent"), ("agent.bo", "agent"), ("sup.snap", "supervisor")):
        store.add_staff_sync(name, role, now=NOW)
    rule = ReviewRule(refund_at_least={"USD": Decimal("20.00")})
    store.set_review_rule_sync(rule, actor="sup.snap", now=NOW)
    for dispute_id, actor, refund, ago in (
        ("D-10001", "agent.ana", "25.00", 3),
        ("D-10003", "agent.bo", "50.00", 1),
    ):
        draft = DecisionDraft(
            outcome=Outcome.BUYER_PARTIAL_REFUND,
            rationale=f"Refund {refund} per the evidence [E-1] and the chat.",
            refund_amount=Decimal(refund),
        )
        version = store.get_dispute_sync(dispute_id).version
        store.record_decision_sync(
            dispute_id, draft, expected_version=version, actor=actor, now=NOW - timedelta(hours=ago)
        )
    return MediatorApp(store, clock=FrozenClock(NOW), agent="sup.snap", tz=UTC, every=MANUAL)


def test_review_list(snap_compare: Snap, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The proposals waiting, oldest first, each with why it needs a second person."""
    app = build_reviews(tmp_path, monkeypatch)
    assert snap_compare(app, terminal_size=WIDE, run_before=keys("v"))


def test_proposal_opened_for_review(
    snap_compare: Snap, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The oldest proposal beside its dispute: the review banner, the proposal with its reasons
    and what its agent did, the history in the timeline, and a / o / r in the footer."""
    app = build_reviews(tmp_path, monkeypatch)
    assert snap_compare(app, terminal_size=WIDE, run_before=keys("v", "enter"))


def test_macro_picker(snap_compare: Snap, tmp_path: Path) -> None:
    """Issue 19: `m` on a dispute opens the team's macros by folder and name, narrowed by
    what is typed."""
    app = build(tmp_path)
    store = app.store
    assert isinstance(store, SqlStore)
    store.add_staff_sync("sup.snap", "supervisor", now=NOW)
    for body in (
        MacroBody(path="Refunds/Partial, keep item", message="We refund {refund}, {buyer}."),
        MacroBody(path="Refunds/Full, item returned", outcome=Outcome.BUYER_FULL_REFUND),
        MacroBody(path="Information/Photo of the label", info_party=Actor.BUYER,
                  info_text="Please send a photo of the parcel label."),
        MacroBody(path="Notes/Carrier called", note="Called the carrier about {order}."),
    ):  # fmt: skip
        store.save_macro_sync(body, actor="sup.snap", now=NOW)
    assert snap_compare(app, terminal_size=WIDE, run_before=keys("enter", "t", "m", *"ref"))


def test_empty_store(snap_compare: Snap, tmp_path: Path) -> None:
    """Issue 22: an empty store says how to get disputes (import, seed, demo)."""
    store = SqlStore.open(f"sqlite:///{tmp_path / 'empty.db'}")
    store.label = "sqlite:empty.db"
    app = MediatorApp(store, clock=FrozenClock(NOW), agent="agent.snap", tz=UTC, every=MANUAL)
    assert snap_compare(app, terminal_size=WIDE, run_before=keys())


def test_resolved_list(snap_compare: Snap, tmp_path: Path) -> None:
    """Issue 22: the Resolved view: who decided and when, the newest decision first."""
    pick = ("s", *["down"] * 5, "enter")  # "Resolved", sixth in the status list
    assert snap_compare(build(tmp_path), terminal_size=WIDE, run_before=keys(*pick))
