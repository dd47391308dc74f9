"""`DeferredStore` (issue 18): the first page without the real store, everything else once it
is open; opened once, after `go()`, and again after a failure."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from datetime import timedelta
from functools import partial
from pathlib import Path

import pytest

from mediator.domain.models import message_key
from mediator.domain.queue import QueueQuery
from mediator.store.base import Store, StoreUnavailable
from mediator.store.deferred import DeferredStore
from mediator.store.sql import SqlStore
from mediator.store.sql.peek import first_page, peekable
from tests.store.conftest import BASE, long_dispute, make_dispute


@pytest.fixture
def url(sqlite_url: str) -> str:
    with SqlStore.open(sqlite_url) as store:
        store.import_disputes(
            make_dispute(n, urgency=BASE + timedelta(hours=n % 17)) for n in range(100, 140)
        )
    return sqlite_url


class Opener:
    """Opens the store at `url`, counting; fails while `failing`."""

    def __init__(self, url: str) -> None:
        self.url, self.calls, self.failing = url, 0, False

    def __call__(self) -> Store:
        self.calls += 1
        if self.failing:
            raise StoreUnavailable("cannot open the test store: it is failing on purpose")
        return SqlStore.open(self.url)


def deferred(url: str, opener: Opener) -> DeferredStore:
    peek = peekable(url)
    assert peek is not None
    return DeferredStore(peek.label, opener, first=partial(first_page, peek))


async def test_the_first_page_does_not_open_the_store(url: str) -> None:
    opener = Opener(url)
    store = deferred(url, opener)
    page = await store.queue_page(QueueQuery(), limit=10)
    again = await store.queue_page(QueueQuery(), limit=10)  # a reload before the store opens
    assert opener.calls == 0 and store.opened is None
    with SqlStore.open(url) as real:
        assert page == again == real.queue_page_sync(QueueQuery(), limit=10)
    await store.close()


async def test_other_calls_wait_for_go_and_open_it_once(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("mediator.store.deferred.GO_ANYWAY", 3600)
    opener = Opener(url)
    store = deferred(url, opener)
    counts = asyncio.create_task(store.queue_counts(QueueQuery()))
    dispute = asyncio.create_task(store.get_dispute("D-105"))
    await asyncio.sleep(0)
    assert not counts.done() and opener.calls == 0  # waiting for the first frame
    store.go()
    assert (await counts).matching == 40
    assert (await dispute).dispute.id == "D-105"
    assert opener.calls == 1 and store.opened is not None
    # once open, even the first page comes from the real store (a filtered one always does)
    page = await store.queue_page(QueueQuery(text="D-107"), limit=5)
    assert [r.id for r in page.rows] == ["D-107"]
    await store.close()


async def test_without_go_it_opens_anyway(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("mediator.store.deferred.GO_ANYWAY", 0.01)
    store = deferred(url, Opener(url))
    assert (await store.queue_counts(QueueQuery())).matching == 40
    await store.close()


async def test_a_failure_to_open_is_the_store_s_error_and_the_next_call_tries_again(
    url: str,
) -> None:
    opener = Opener(url)
    opener.failing = True
    store = deferred(url, opener)
    store.go()
    with pytest.raises(StoreUnavailable, match="failing on purpose"):
        await store.queue_counts(QueueQuery())
    opener.failing = False
    assert (await store.queue_counts(QueueQuery())).matching == 40
    assert opener.calls == 2
    await store.close()


async def test_the_change_feed_comes_from_the_real_store(url: str) -> None:
    store = deferred(url, Opener(url))
    store.go()
    feed = store.changes()
    first = await asyncio.wait_for(anext(feed), 30)
    assert first.kind.value == "reset"
    await feed.aclose()
    await store.close()


def test_the_console_s_first_frame_needs_no_sqlalchemy(url: str) -> None:
    """What the console imports before its first frame with rows (`mediator --store`): the
    app, its queue screen and the reader of the first page; SQLAlchemy, SQLModel, Alembic and
    httpx come later, when the real store opens."""
    code = (
        "import json, sys\n"
        "import mediator.app, mediator.cli\n"
        f"store = mediator.cli.deferred_store({url!r})\n"
        "assert store is not None\n"
        "page = store._first(10)\n"
        "assert page is not None and len(page.rows) == 10\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    loaded = set(json.loads(done.stdout))
    assert "textual" in loaded and "mediator" in loaded
    assert loaded & {"sqlalchemy", "sqlmodel", "alembic", "httpx", "psycopg"} == set()


def test_the_cli_opens_older_or_unknown_stores_first(url: str, tmp_path: Path) -> None:
    from mediator.cli import deferred_store

    assert deferred_store(url) is not None
    assert deferred_store(f"sqlite:///{tmp_path / 'nothing-here.db'}") is None


async def test_the_windowed_reads_go_to_the_store_once_open(url: str) -> None:
    """Issue 18: `get_dispute(newest=…)` and `dispute_messages` pass through as they are."""
    with SqlStore.open(url) as real:
        real.import_disputes([long_dispute(7, 40)])
        whole = real.get_dispute_sync("D-7")
    store = deferred(url, Opener(url))
    store.go()
    windowed = await store.get_dispute("D-7", newest=10)
    assert windowed.window == 10 and windowed.dispute.messages[-10:] == whole.dispute.messages[-10:]
    before = message_key(whole.dispute.messages[-10])
    older = await store.dispute_messages("D-7", before=before, limit=5)
    assert older == list(whole.dispute.messages[-15:-10])
    await store.close()
