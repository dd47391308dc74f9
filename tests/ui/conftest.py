"""Fixtures for Pilot flows and snapshots: a real SQLite file, seeded, and a frozen clock."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.worker import WorkerCancelled, WorkerFailed

from mediator.app import MANUAL, MediatorApp
from mediator.clock import FrozenClock
from mediator.domain import Dispute
from mediator.seed import generate_decided
from mediator.store.sql import SqlStore


@pytest.fixture
def snap_compare(
    snap_compare: Callable[..., bool], request: pytest.FixtureRequest
) -> Callable[..., bool]:
    """The plugin's comparison, which also prints the lines that differ when it fails (CI's
    log is all there is to read of a red snapshot there: `snapshot_text`)."""
    from pytest_textual_snapshot import node_to_report_path  # type: ignore[import-untyped]

    from .snapshot_text import report_mismatch

    def compare(*args: Any, **kwargs: Any) -> bool:
        same = snap_compare(*args, **kwargs)
        if not same:
            lines = report_mismatch(node_to_report_path(request.node))
            print(f"snapshot mismatch, screen lines:\n{lines}")
        return same

    return compare


#: The frozen "now" of every UI test: a day after the newest example dispute was escalated.
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def example_disputes() -> list[Dispute]:
    text = resources.files("mediator").joinpath("data/examples.jsonl").read_text("utf-8")
    return [Dispute.model_validate_json(line) for line in text.splitlines() if line.strip()]


def make_store(path: Path, *, generated: int = 40, seed: int = 3) -> SqlStore:
    """The examples and `generated` disputes, the resolved ones with their decisions (as
    `mediator seed` writes them)."""
    store = SqlStore.open(f"sqlite:///{path}")
    pairs = list(generate_decided(generated, seed=seed, now=NOW))
    disputes = example_disputes() + [dispute for dispute, _ in pairs]
    store.import_disputes(disputes, decisions=[r for _, r in pairs if r is not None])
    return store


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlStore]:
    store = make_store(tmp_path / "ui.db")
    yield store
    store.close_sync()


@pytest.fixture
def app(store: SqlStore, clock: FrozenClock) -> MediatorApp:
    return MediatorApp(store, clock=clock, agent="agent.test", tz=UTC, every=MANUAL)


@dataclass(frozen=True)
class Told:
    """One notification the app raised (kept for the test, however long ago it expired)."""

    title: str
    message: str
    severity: str


@pytest.fixture(autouse=True)
def record_notifications(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every `App.notify` is also recorded on the app (`told(app)`): a notification disappears
    from the screen after its timeout in wall-clock time, so a test that read the screen, or
    `app._notifications`, could miss one on a busy machine."""
    original = App.notify

    def notify(self: App[Any], message: str, **kwargs: Any) -> None:
        title, severity = kwargs.get("title", ""), kwargs.get("severity", "information")
        self.__dict__.setdefault("_told", []).append(Told(str(title), str(message), severity))
        original(self, message, **kwargs)

    monkeypatch.setattr(App, "notify", notify)


def told(app: App[Any]) -> list[Told]:
    """The notifications `app` raised so far, oldest first."""
    notices: list[Told] = app.__dict__.get("_told", [])
    return notices


#: Workers that wait on the agent (a modal) rather than on the store (a supervisor's review
#: too: it asks first), and the app's follower of the store's change feed, which runs as long
#: as the app.
INTERACTIVE = {
    "decide", "note", "ask_info", "leave", "quit", "take_over", "discard_draft", "live", "review",
    "macro",
    "bulk-dialog", "bulk",  # issue 19: the bulk dialog, and a bulk job that ends in its result
}  # fmt: skip


async def settle(app: App[Any], pilot: Pilot[Any]) -> None:
    """Let store workers finish and the screen refresh (workers parked on a modal are skipped)."""
    for _ in range(3):
        busy = [w for w in app.workers if w.group not in INTERACTIVE]
        if busy:  # an empty list would mean "every worker" to wait_for_complete
            # replaced by a newer exclusive worker, or failed (the app reports it: test_failures)
            with contextlib.suppress(WorkerCancelled, WorkerFailed):
                await app.workers.wait_for_complete(busy)
        await pilot.pause()


async def until(
    pilot: Pilot[Any], condition: Callable[[], bool], what: str, *, refreshes: int = 50
) -> None:
    """Let the app run until `condition` holds, for at most `refreshes` refreshes (no clock)."""
    for _ in range(refreshes):
        if condition():
            return
        await pilot.pause()
    raise AssertionError(f"never happened: {what}")
