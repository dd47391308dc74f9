"""The shift dashboard in the console (issue 17): `d` opens it on the hand-computed week of
tests/store/test_sql_report.py; Enter on a figure or a bar opens the queue filtered to exactly
the disputes the figure counts, named in the title; the period keys and the from–to dialog; the
definitions panel."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static

from mediator.app import MANUAL, MediatorApp
from mediator.clock import FrozenClock
from mediator.domain.report import PeriodKind
from mediator.screens.dashboard import DashboardScreen
from mediator.screens.definitions import DefinitionsScreen
from mediator.screens.drilled import DrilledQueueScreen
from mediator.screens.period_dialog import PeriodDialog, parse_days
from mediator.screens.queue import QueueScreen
from mediator.store.sql import SqlStore
from mediator.widgets.charts import BarChart
from mediator.widgets.figure_list import FigureList
from mediator.widgets.queue_table import QueueTable
from tests.store.test_sql_report import CASES, NOW, _decide, _dispute, _draft
from tests.ui.conftest import settle

SIZE = (150, 45)


def shift_store(path: Path) -> SqlStore:
    store = SqlStore.open(f"sqlite:///{path}")
    store.import_disputes([_dispute(c) for c in CASES])
    for c in CASES:
        if c.decided is not None:
            agent, when, outcome, refund = c.decided
            _decide(store, f"D-{c.n}", agent, when, _draft(outcome, refund))
    return store


@pytest.fixture
async def dash(tmp_path: Path) -> AsyncIterator[tuple[MediatorApp, Pilot[Any]]]:
    store = shift_store(tmp_path / "shift.db")
    app = MediatorApp(store, clock=FrozenClock(NOW), agent="sam", tz=UTC, every=MANUAL)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await pilot.press("d")
            await settle(app, pilot)
            assert isinstance(app.screen, DashboardScreen)
            assert app.screen.kind is PeriodKind.TODAY  # the shift first
            await pilot.press("2")  # the hand-computed week
            await settle(app, pilot)
            yield app, pilot
    finally:
        store.close_sync()


def shown_ids(app: MediatorApp) -> set[str]:
    table = app.screen.query_one(QueueTable)
    return {row.id for row in table.rows}


async def drill(app: MediatorApp, pilot: Pilot[Any], key: str) -> DrilledQueueScreen:
    figures = app.screen.query_one(FigureList)
    figures.focus()
    figures.highlighted = figures.get_option_index(key)
    await pilot.press("enter")
    await settle(app, pilot)
    screen = app.screen
    assert isinstance(screen, DrilledQueueScreen)
    return screen


def current(app: MediatorApp) -> object:
    return app.screen


def kind_of(screen: DashboardScreen) -> PeriodKind:
    return screen.kind


def title(app: MediatorApp) -> str:
    return str(app.screen.query_one("#queue-title", Static).render())


async def test_every_figure_drills_down_to_exactly_its_disputes(
    dash: tuple[MediatorApp, Pilot[Any]],
) -> None:
    app, pilot = dash
    screen = app.screen
    assert isinstance(screen, DashboardScreen) and screen.summary is not None
    expected = {
        "outcome:buyer_full_refund": ({"D-1"}, "Decided: Buyer favour: full refund, 7 days"),
        "decided": ({"D-1", "D-2", "D-3", "D-7"}, "Decided, 7 days"),
        "money:USD": ({"D-1", "D-7"}, "Refunded in USD, 7 days"),
        "agent:ana": ({"D-1", "D-2"}, "Decided by ana, 7 days"),
        "breached:STAFF-48H": ({"D-2", "D-6", "D-13"}, "STAFF-48H breached, 7 days"),
        "met:P-ESC-SELLER-SILENT": ({"D-1", "D-2", "D-3", "D-5", "D-6"}, "met, 7 days"),
        "overdue": ({"D-6", "D-13"}, "Overdue now"),
        "backlog": ({"D-5", "D-6", "D-13"}, "Backlog: the queue"),
    }
    for key, (ids, words) in expected.items():
        await drill(app, pilot, key)
        assert shown_ids(app) == ids, key
        assert words in title(app), title(app)
        assert f"{len(ids)} dispute" in title(app)
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, DashboardScreen)


async def test_a_bar_drills_down_and_a_deadline_opens_its_dispute(
    dash: tuple[MediatorApp, Pilot[Any]],
) -> None:
    from mediator.screens.dispute import DisputeScreen

    app, pilot = dash
    chart = app.screen.query_one("#agents-chart", BarChart)
    chart.focus()
    await pilot.press("enter")  # the first bar: the busiest agent
    await settle(app, pilot)
    assert isinstance(app.screen, DrilledQueueScreen)
    assert shown_ids(app) == {"D-1", "D-2"} and "Decided by ana" in title(app)
    await pilot.press("escape")
    await settle(app, pilot)
    figures = app.screen.query_one(FigureList)
    figures.focus()
    figures.highlighted = figures.get_option_index("dispute:D-5")
    await pilot.press("enter")
    await settle(app, pilot)
    assert isinstance(app.screen, DisputeScreen) and app.screen.dispute_id == "D-5"


async def test_the_period_keys_and_the_from_to_dialog(
    dash: tuple[MediatorApp, Pilot[Any]],
) -> None:
    app, pilot = dash
    screen = app.screen
    assert isinstance(screen, DashboardScreen)
    await pilot.press("1")
    await settle(app, pilot)
    assert screen.kind is PeriodKind.TODAY and screen.summary is not None
    assert screen.summary.start == datetime(2026, 12, 7, tzinfo=UTC)
    assert screen.summary.decided == 0
    await pilot.press("3")
    await settle(app, pilot)
    assert screen.summary.decided == 5  # D-4 (11-29) joins the week's four
    await pilot.press("f")
    await settle(app, pilot)
    assert isinstance(app.screen, PeriodDialog)
    app.screen.query_one("#period-from", Input).value = "2026-12-01"
    app.screen.query_one("#period-to", Input).value = "2026-11-30"
    app.screen.query_one("#period-to", Input).focus()
    await pilot.press("enter")
    await settle(app, pilot)
    problem = str(app.screen.query_one("#period-problem", Static).render())
    assert "To (2026-11-30) is before From (2026-12-01)" in problem
    app.screen.query_one("#period-to", Input).value = "2026-12-02"
    await pilot.press("enter")
    await settle(app, pilot)
    assert current(app) is screen and kind_of(screen) is PeriodKind.RANGE
    assert screen.summary.start == datetime(2026, 12, 1, tzinfo=UTC)
    assert screen.summary.end == datetime(2026, 12, 3, tzinfo=UTC)
    assert screen.summary.decided == 2  # D-2 (12-04) is after the 2nd: D-1, D-3
    await pilot.press("h")
    await settle(app, pilot)
    assert isinstance(app.screen, DefinitionsScreen)
    await pilot.press("escape")
    await pilot.press("escape")
    await settle(app, pilot)
    assert isinstance(app.screen, QueueScreen)


def test_parse_days_names_the_problem() -> None:
    assert parse_days("2026-12-01", "2026-12-01") == (
        datetime(2026, 12, 1).date(),
        datetime(2026, 12, 1).date(),
    )
    assert parse_days("1 Dec", "2026-12-01") == "From: 1 Dec is not a date (YYYY-MM-DD)"
    assert parse_days("2026-12-01", "") == "To: nothing is not a date (YYYY-MM-DD)"


@pytest.mark.parametrize("size", [(150, 45), (100, 30)], ids=["wide", "narrow"])
def test_dashboard_snapshot(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    """The hand-computed week (the README's picture is the wide one), at two sizes."""
    store = shift_store(tmp_path / "snap.db")
    store.label = "sqlite:shift.db"  # tmp paths vary per run
    app = MediatorApp(store, clock=FrozenClock(NOW), agent="sam", tz=UTC, every=MANUAL)

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(app, pilot)
        await pilot.press("d")
        await settle(app, pilot)
        await pilot.press("2")
        await settle(app, pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


async def test_a_change_elsewhere_reads_the_figures_again_throttled(
    dash: tuple[MediatorApp, Pilot[Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another console decides: the dashboard reads its figures again, once for a burst."""
    import mediator.screens.dashboard as dashboard
    from mediator.domain import Outcome
    from mediator.messages import DisputesChanged

    monkeypatch.setattr(dashboard, "CHANGE_REFRESH", 0.3)
    app, pilot = dash
    screen = app.screen
    assert isinstance(screen, DashboardScreen) and screen.summary is not None
    assert screen.summary.decided == 4
    store = app.store
    assert isinstance(store, SqlStore)
    _decide(store, "D-5", "ana", NOW - timedelta(hours=1), _draft(Outcome.SELLER_FAVOUR, None))
    reads = 0
    original = screen.reload

    def counted() -> None:
        nonlocal reads
        reads += 1
        original()

    monkeypatch.setattr(screen, "reload", counted)
    for _ in range(5):  # a burst of changes
        screen.post_message(DisputesChanged(("D-5",)))
    await pilot.pause()
    for _ in range(400):  # until the figures are read again (a bound, not a wait for time)
        if screen.summary is not None and screen.summary.decided == 5:
            break
        await pilot.pause(0.05)
    assert screen.summary is not None and screen.summary.decided == 5
    await settle(app, pilot)
    assert reads == 1
