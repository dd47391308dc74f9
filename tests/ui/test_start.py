"""Start-up (issue 18): the console as `mediator --store` starts it shows the first page from
`sql.peek`, opens the real store once that frame is drawn, and then works as usual."""

from __future__ import annotations

import asyncio
from datetime import UTC
from pathlib import Path

import pytest

from mediator.app import MANUAL, MediatorApp
from mediator.cli import deferred_store
from mediator.clock import FrozenClock
from mediator.screens.dispute import DisputeScreen
from mediator.screens.queue import QueueScreen
from mediator.store.base import QueueQuery
from mediator.store.deferred import DeferredStore
from mediator.store.sql import SqlStore
from mediator.widgets.queue_table import QueueTable
from mediator.widgets.resolution_form import ResolutionForm

from .conftest import settle


async def test_the_first_rows_come_before_the_store_opens(
    store: SqlStore, tmp_path: Path, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("mediator.store.deferred.GO_ANYWAY", 3600)  # only the frame opens it
    deferred = deferred_store(f"sqlite:///{tmp_path / 'ui.db'}")
    assert isinstance(deferred, DeferredStore)
    opened: list[bool] = []
    go = deferred.go

    def spy() -> None:
        opened.append(deferred.opened is not None)
        go()

    monkeypatch.setattr(deferred, "go", spy)
    app = MediatorApp(deferred, clock=clock, agent="agent.test", tz=UTC, every=MANUAL)
    async with app.run_test(size=(140, 45)) as pilot:
        async with asyncio.timeout(60):
            while deferred.opened is None:  # the counts wait for it; the rows did not
                await pilot.pause(0.01)
        assert opened and opened[0] is False, "go() came from the first frame, before opening"
        await settle(app, pilot)
        table = app.screen.query_one(QueueTable)
        expected = store.queue_page_sync(QueueQuery(), limit=len(table.rows))
        assert [r.id for r in table.rows] == [r.id for r in expected.rows]
        assert "shown" in str(app.screen.query_one("#queue-status").render())
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, DisputeScreen)
        assert app.screen.query_one(ResolutionForm)
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, QueueScreen)
    await deferred.close()
