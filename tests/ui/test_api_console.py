"""The console through `mediator serve` (HTTP store + offline outbox), driven with Pilot.

A real API server on 127.0.0.1 over a real SQLite file; the server is stopped while the agent
confirms a decision, and started again: the decision waits in the outbox ("pending sync"), is
delivered once, and is the token owner's.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import TextArea

from mediator.app import MANUAL, MediatorApp
from mediator.clock import FrozenClock
from mediator.screens.dispute import DisputeScreen
from mediator.store.http import HttpStore
from mediator.store.outbox import Outbox, OutboxStore
from mediator.store.sql import SqlStore
from tests.api.servers import RestartableServer
from tests.ui.conftest import NOW, settle, told
from tests.ui.test_flows import SIZE


@pytest.fixture
def server(store: SqlStore) -> Iterator[RestartableServer]:
    running = RestartableServer(store, NOW)
    running.start()
    yield running
    running.stop()


def console(server: RestartableServer, store: SqlStore, outbox: Path) -> MediatorApp:
    token = store.add_staff_sync("agent.ana", "agent", now=NOW)
    api = HttpStore(server.url, token, backoff=0.01, retries=1)
    return MediatorApp(
        OutboxStore(api, Outbox(outbox, server.url)),
        clock=FrozenClock(NOW),
        agent="agent.ana",
        every=MANUAL,  # the test sends the outbox itself: a 10 s timer raced it under load
    )


async def decide_d10001(
    app: MediatorApp, pilot: Pilot[Any], server: RestartableServer | None
) -> None:
    await settle(app, pilot)
    await pilot.press("slash", *"D-10001", "enter", "enter")
    await settle(app, pilot)
    assert isinstance(app.screen, DisputeScreen) and app.screen.record is not None
    await pilot.press("f", "1")
    app.screen.query_one("#rationale", TextArea).focus()
    await pilot.press(*"Seller re-sent the item per M-3.", "ctrl+s")
    await settle(app, pilot)
    if server is not None:
        server.stop()  # the API goes away while the agent reads the confirmation
    await pilot.press("ctrl+y")
    await settle(app, pilot)


async def test_a_decision_through_the_api_is_the_token_owners(
    server: RestartableServer, store: SqlStore, tmp_path: Path
) -> None:
    app = console(server, store, tmp_path / "outbox.db")
    async with app.run_test(size=SIZE) as pilot:
        await decide_d10001(app, pilot, None)
        assert not isinstance(app.screen, DisputeScreen)
    await app.store.close()
    (decision,) = store.get_dispute_sync("D-10001").decisions
    assert decision.decided_by == "agent.ana"


async def test_api_down_at_submit_keeps_the_decision_pending_then_syncs(
    server: RestartableServer, store: SqlStore, tmp_path: Path
) -> None:
    app = console(server, store, tmp_path / "outbox.db")
    async with app.run_test(size=SIZE) as pilot:
        await decide_d10001(app, pilot, server)
        assert not isinstance(app.screen, DisputeScreen)  # the agent can go on
        assert "1 pending sync" in app.sub_title
        status = str(app.screen.query_one("#queue-status").render())
        assert "1 decision pending sync" in status
        titles = [n.title for n in told(app)]
        assert "Decision kept offline: pending sync" in titles
        assert store.get_dispute_sync("D-10001").decisions == ()

        server.start()
        await pilot.press("enter")  # reopening it says a decision is waiting
        await settle(app, pilot)
        assert isinstance(app.screen, DisputeScreen)
        assert "Decision pending sync" in [n.title for n in told(app)]
        await pilot.press("escape")
        await settle(app, pilot)
        app.sync_outbox()
        await settle(app, pilot)
        assert "pending sync" not in app.sub_title
        assert "pending sync" not in str(app.screen.query_one("#queue-status").render())
        assert "Pending decisions sent" in [n.title for n in told(app)]
    await app.store.close()
    (decision,) = store.get_dispute_sync("D-10001").decisions
    assert decision.decided_by == "agent.ana"
