"""Two real consoles on one store (issue 15): claims, take-overs, `n` and the shift hand-over.

Two `MediatorApp`s, each with a store of its own on the same database (a SQLite file, a
PostgreSQL, or a real `mediator serve` API over a SQLite file), are driven by Pilot side by side,
as two agents at two desks."""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static, TextArea

from mediator.app import MANUAL, Every, MediatorApp
from mediator.clock import FrozenClock
from mediator.domain import Channel, DecisionDraft, Outcome
from mediator.screens.claims import HandOverScreen, TakeOver
from mediator.screens.dispute import DisputeScreen
from mediator.screens.queue import QueueScreen
from mediator.store import QueueQuery, Store
from mediator.store.http import HttpStore
from mediator.store.outbox import Outbox, OutboxStore
from mediator.store.sql import SqlStore
from mediator.widgets.queue_table import QueueTable
from mediator.widgets.resolution_form import ResolutionForm
from tests.api.servers import RestartableServer
from tests.store.conftest import _postgres_url
from tests.ui.conftest import NOW, example_disputes, settle, told

SIZE = (150, 45)


@dataclass
class Desk:
    """One agent's console: the app, its pilot, its own store."""

    app: MediatorApp
    pilot: Pilot[Any]
    store: Store

    async def settle(self) -> None:
        await settle(self.app, self.pilot)

    async def call(self, callback: Callable[[], object]) -> None:
        """Run `callback` on this console's own message loop (a screen's `app` is the app of the
        context it runs in: with two consoles in one test, never the test's own)."""
        self.app.call_later(callback)
        await self.pilot.pause()
        await self.settle()


@dataclass
class Team:
    """The three ways of running (issue 15): consoles on one SQLite file, on one PostgreSQL,
    or through one `mediator serve`. `store_for(agent)` opens a console's own store; `direct`
    reads the database behind them, for the checks."""

    store_for: Callable[[str], Store]
    direct: SqlStore


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres), "api"])
def team(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Team]:
    schemas = _postgres_url(request) if request.param == "postgres" else None
    url = f"sqlite:///{tmp_path / 'team.db'}" if schemas is None else next(schemas)
    direct = SqlStore.open(url)
    direct.import_disputes(example_disputes())
    server: RestartableServer | None = None
    try:
        if request.param != "api":
            yield Team(lambda agent: SqlStore.open(url), direct)
            return
        tokens = {name: direct.add_staff_sync(name, "agent", now=NOW) for name in ("ana", "bo")}
        server = RestartableServer(direct, NOW)
        server.start()
        url_of = server.url

        def through_api(agent: str) -> Store:
            api = HttpStore(url_of, tokens[agent], backoff=0.01, retries=1)
            return OutboxStore(api, Outbox(tmp_path / f"outbox-{agent}.db", url_of))

        yield Team(through_api, direct)
    finally:
        if server is not None:
            server.stop()
        direct.close_sync()
        if schemas is not None:
            schemas.close()  # drops the test's schema


@contextlib.asynccontextmanager
async def desk(team: Team, agent: str, *, every: Every = MANUAL) -> AsyncIterator[Desk]:
    store = team.store_for(agent)
    app = MediatorApp(store, clock=FrozenClock(NOW), agent=agent, tz=UTC, every=every)
    try:
        async with app.run_test(size=SIZE) as pilot:
            d = Desk(app, pilot, store)
            await d.settle()
            yield d
    finally:
        await store.close()


async def open_first(d: Desk) -> DisputeScreen:
    assert isinstance(d.app.screen, QueueScreen)
    await d.pilot.press("enter")
    await d.settle()
    assert isinstance(d.app.screen, DisputeScreen)
    return d.app.screen


def banner(screen: DisputeScreen) -> str:
    widget = screen.query_one("#claim-banner", Static)
    return str(widget.render()) if widget.display else ""


async def test_a_claimed_dispute_opens_read_only_and_can_be_taken_over(team: Team) -> None:
    async with desk(team, "ana") as ana, desk(team, "bo") as bo:
        mine = await open_first(ana)
        dispute_id = mine.dispute_id
        assert mine.mine is not None and not mine.read_only
        assert banner(mine).startswith("Claimed by you")
        await ana.pilot.press("f", "3")
        mine.query_one("#rationale", TextArea).focus()
        await ana.pilot.press(*"half typed")

        # bo's queue says who holds it
        queue = bo.app.screen
        assert isinstance(queue, QueueScreen)
        await bo.call(queue.refresh_rows)
        table = queue.query_one(QueueTable)
        row = next(r for r in table.rows if r.id == dispute_id)
        assert row.claimed_by == "ana"

        theirs = await open_first(bo)
        assert theirs.dispute_id == dispute_id
        assert theirs.read_only
        assert "Read-only: ana holds " + dispute_id in banner(theirs)
        assert theirs.query_one(ResolutionForm).disabled
        for action in ("submit", "note", "ask_info", "acknowledge"):
            assert not theirs.check_action(action, ())
        assert theirs.check_action("take_over", ())

        # taking over asks first; esc leaves it with ana
        await bo.pilot.press("ctrl+t")
        await bo.settle()
        assert isinstance(bo.app.screen, TakeOver)
        await bo.pilot.press("enter")  # the dialog opens on "Back"
        await bo.settle()
        assert theirs.read_only
        await bo.pilot.press("ctrl+t")
        await bo.settle()
        await bo.pilot.press("ctrl+y")
        await bo.settle()
        assert not theirs.read_only and theirs.mine is not None
        assert (await bo.store.get_dispute(dispute_id)).claimed_by == "bo"

        # ana's next renewal: read-only, told who, and nothing she typed is gone
        await ana.call(mine.renew_claim)
        assert mine.read_only and mine.mine is None
        assert mine.query_one("#rationale", TextArea).text == "half typed"
        assert mine.query_one(ResolutionForm).disabled
        notices = [n for n in told(ana.app) if n.title == "Taken over by bo"]
        assert len(notices) == 1 and "Nothing you typed is lost" in notices[0].message
        # leaving does not release bo's claim
        await ana.pilot.press("escape", "escape")
        await ana.settle()
        assert (await ana.store.get_dispute(dispute_id)).claimed_by == "bo"


async def test_leaving_releases_and_n_claims_the_next(team: Team) -> None:
    async with desk(team, "ana") as ana, desk(team, "bo") as bo:
        first = (await ana.store.queue_page(QueueQuery(), limit=2)).rows
        await ana.pilot.press("n")
        await ana.settle()
        screen = ana.app.screen
        assert isinstance(screen, DisputeScreen) and screen.dispute_id == first[0].id
        assert (await ana.store.get_dispute(first[0].id)).claimed_by == "ana"
        await bo.pilot.press("n")
        await bo.settle()
        other = bo.app.screen
        assert isinstance(other, DisputeScreen) and other.dispute_id == first[1].id
        await ana.pilot.press("escape")
        await ana.settle()
        assert isinstance(ana.app.screen, QueueScreen)
        assert (await ana.store.get_dispute(first[0].id)).claim is None


async def test_quitting_hands_the_claims_over_with_a_note(team: Team) -> None:
    async with desk(team, "ana") as ana:
        screen = await open_first(ana)
        dispute_id = screen.dispute_id
        await ana.pilot.press("ctrl+q")
        await ana.settle()
        dialog = ana.app.screen
        assert isinstance(dialog, HandOverScreen)
        await ana.pilot.press("ctrl+s")  # no name yet: says so, stays
        await ana.settle()
        assert ana.app.screen is dialog
        await ana.pilot.press("a", "n", "a")  # to herself: refused by the store, dialog again
        dialog.query_one("#handover-note", Input).value = "Carrier [ref 7] owes a reply"
        await ana.pilot.press("ctrl+s")
        await ana.settle()
        again = ana.app.screen
        assert isinstance(again, HandOverScreen)
        assert "not to yourself" in str(again.query_one("#handover-error", Static).render())
        again.query_one("#handover-to", Input).value = "bo"
        await ana.pilot.press("ctrl+s")
        await ana.settle()
        assert not ana.app.is_running
    record = team.direct.get_dispute_sync(dispute_id)
    assert record.claim is not None
    assert (record.claim.holder, record.claim.handed_by) == ("bo", "ana")
    note = record.dispute.messages[-1]
    assert note.channel is Channel.STAFF_NOTE
    assert note.body == "Handed over to bo: Carrier [ref 7] owes a reply"


async def test_quitting_can_release_or_stay(team: Team) -> None:
    async with desk(team, "ana") as ana:
        screen = await open_first(ana)
        await ana.pilot.press("escape")  # out of the dispute: released
        await ana.settle()
        await ana.pilot.press("n")
        await ana.settle()
        held = screen.dispute_id
        await ana.pilot.press("ctrl+q")
        await ana.settle()
        assert isinstance(ana.app.screen, HandOverScreen)
        await ana.pilot.press("escape")  # stay
        await ana.settle()
        assert isinstance(ana.app.screen, DisputeScreen)
        await ana.pilot.press("ctrl+q")
        await ana.settle()
        await ana.pilot.press("ctrl+r")
        await ana.settle()
        assert not ana.app.is_running
    assert team.direct.claims_held_sync("ana") == []
    assert team.direct.get_dispute_sync(held).claim is None


#: Live: the change feed followed (a short gathering window), every timer off.
LIVE = dataclasses.replace(MANUAL, live=0.05)


async def eventually(d: Desk, condition: Callable[[], bool], what: str) -> None:
    """Wait for `condition` on `d`'s screen: the feed delivers within seconds (issue 15 asks
    for 5); the bound is generous so that a loaded machine is slow, not wrong."""
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, f"not seen within 30 s: {what}"
        await d.pilot.pause(0.05)
    await d.settle()


async def test_live_changes_reach_the_other_console(team: Team) -> None:
    """No F5, no renewal tick: the queue shows a colleague's claim, an open dispute shows a
    colleague's note, a take-over and a decision, and the typed form is left alone."""
    async with desk(team, "ana", every=LIVE) as ana, desk(team, "bo", every=LIVE) as bo:
        mine = await open_first(ana)
        dispute_id = mine.dispute_id
        await ana.pilot.press("f", "3")
        mine.query_one("#rationale", TextArea).focus()
        await ana.pilot.press(*"typed while others work")

        queue = bo.app.screen
        assert isinstance(queue, QueueScreen)
        table = queue.query_one(QueueTable)

        def claimed_in_queue() -> bool:
            row = next((r for r in table.rows if r.id == dispute_id), None)
            return row is not None and row.claimed_by == "ana"

        await eventually(bo, claimed_in_queue, "ana's claim in bo's queue")

        theirs = await open_first(bo)
        assert theirs.read_only
        await ana.store.add_note(dispute_id, "Called the carrier", actor="ana", now=NOW)

        def note_shown() -> bool:
            record = theirs.record
            return record is not None and any(
                m.body == "Called the carrier" for m in record.dispute.messages
            )

        await eventually(bo, note_shown, "ana's note on bo's open dispute")

        await bo.store.claim(dispute_id, actor="bo", take_over=True)
        await eventually(ana, lambda: mine.read_only, "bo's take-over on ana's screen")
        assert mine.query_one("#rationale", TextArea).text == "typed while others work"
        assert any(n.title == "Taken over by bo" for n in told(ana.app))

        record = await bo.store.get_dispute(dispute_id)
        await bo.store.record_decision(
            dispute_id,
            DecisionDraft(
                outcome=Outcome.SELLER_FAVOUR,
                rationale="Tracking shows delivery.",
                acknowledged=frozenset({"P-OPEN-72H", "P-OPEN-CONFIRMED"}),
            ),
            expected_version=record.version,
            actor="bo",
            now=NOW,
        )
        await eventually(
            ana, lambda: not mine.query(ResolutionForm), "bo's decision on ana's screen"
        )
        decided = [n.message for n in told(ana.app) if n.title == "Decided by someone else"]
        assert len(decided) == 1 and decided[0].startswith(f"{dispute_id} was decided by bo")


async def test_an_idle_console_lets_its_claim_run_out(tmp_path: Path) -> None:
    """Renewed every tick while the agent works; idle for longer than the lease, the console
    stops renewing and the claim runs out by the store's clock; a key claims it again."""
    clock = FrozenClock(NOW)
    store = SqlStore.open(f"sqlite:///{tmp_path / 'idle.db'}", clock=clock.now)
    store.import_disputes(example_disputes())
    app = MediatorApp(store, clock=clock, agent="ana", tz=UTC, every=MANUAL)
    try:
        async with app.run_test(size=SIZE) as pilot:
            d = Desk(app, pilot, store)
            await d.settle()
            screen = await open_first(d)
            first = await store.get_dispute(screen.dispute_id)
            assert first.claim is not None and first.claim.until == NOW + app.lease
            clock.advance(timedelta(minutes=2))
            await d.call(screen.renew_claim)  # active: the agent pressed enter 2 min ago
            renewed = await store.get_dispute(screen.dispute_id)
            assert renewed.claim is not None
            assert renewed.claim.until == NOW + timedelta(minutes=2) + app.lease
            clock.advance(timedelta(minutes=4))  # idle for 6 min: no renewal
            await d.call(screen.renew_claim)
            assert (await store.get_dispute(screen.dispute_id)).claim is None
            await pilot.press("t")  # the agent is back
            await d.call(screen.renew_claim)
            back = await store.get_dispute(screen.dispute_id)
            assert back.claim is not None and back.claim.holder == "ana"
    finally:
        store.close_sync()
