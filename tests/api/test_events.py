"""`GET /events` (issue 15: live disputes): the store's changes as Server-Sent Events, through a
real server over SQLite and PostgreSQL; the fan-out to many subscribers and what a slow one
gets; `HttpStore.changes()` across a server that is SIGKILLed and started again; `mediator
serve` stopping with streams open."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from mediator.domain.changes import Change, ChangeKind
from mediator.server.events import Broadcaster
from mediator.store.http import HttpStore, NotAllowed
from mediator.store.sql import SqlStore
from tests.api.conftest import Api
from tests.api.servers import ServeProcess, http_client
from tests.store.conftest import NOW, example_disputes
from tests.store.conftest import sqlite_url as sqlite_url
from tests.store.feeds import Watching, eventually, sqlite_alone, what

NOTE = {"body": "Courier says it was left with a neighbour."}


async def _events(lines: AsyncIterator[str]) -> AsyncIterator[str]:
    """Each event's data of an event stream, checking the wire format on the way: `data: ` and
    a blank line, or a comment."""
    data: list[str] = []
    async for line in lines:
        if line.startswith(":"):
            continue
        if line:
            assert line.startswith("data: "), line
            data.append(line.removeprefix("data: "))
            continue
        assert len(data) == 1, data  # one line of JSON per event
        yield data.pop()


async def test_a_stream_sees_a_change_made_by_another_client(api: Api, bo: httpx.Client) -> None:
    headers = {"Authorization": f"Bearer {api.tokens['agent.ana']}"}
    async with (
        httpx.AsyncClient(base_url=api.base_url, headers=headers, timeout=10) as client,
        client.stream("GET", "/events") as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["cache-control"] == "no-cache"
        events = _events(response.aiter_lines())
        first = json.loads(await anext(events))
        assert first == {
            "kind": "reset",
            "dispute_id": None,
            "actor": None,
            "at": None,
            "seq": None,
        }
        answer = await asyncio.to_thread(bo.post, "/disputes/D-10001/notes", json=NOTE)
        assert answer.status_code == 201
        change = Change.model_validate_json(await asyncio.wait_for(anext(events), 5))
        assert what([change]) == [("note", "D-10001", "agent.bo")]
        assert change.at == NOW and change.seq is not None


def test_events_need_a_token(anonymous: httpx.Client) -> None:
    response = anonymous.get("/events")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


def test_the_openapi_document_describes_the_stream(ana: httpx.Client) -> None:
    document = ana.get("/openapi.json").json()
    operation = document["paths"]["/events"]["get"]
    assert operation["tags"] == ["events"]
    assert "reset" in operation["description"] and "ping" in operation["description"]
    stream = operation["responses"]["200"]["content"]["text/event-stream"]
    data = stream["itemSchema"]["properties"]["data"]
    assert data["contentMediaType"] == "application/json"
    assert data["contentSchema"] == {"$ref": "#/components/schemas/Change"}
    kinds = document["components"]["schemas"]["ChangeKind"]["enum"]
    assert set(kinds) == {kind.value for kind in ChangeKind}
    for status in ("401", "503"):  # errors are JSON, as everywhere
        content = operation["responses"][status]["content"]
        assert content == {
            "application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}
        }


async def test_the_http_store_reads_the_stream(api: Api, bo: httpx.Client) -> None:
    store = HttpStore(api.base_url, api.tokens["agent.ana"])
    watching = Watching(store.changes())
    try:
        await watching.reset()
        await asyncio.to_thread(bo.post, "/disputes/D-10002/notes", json=NOTE)
        assert what([await watching.next()]) == [("note", "D-10002", "agent.bo")]
    finally:
        await watching.stop()
        await store.close()


async def test_closing_the_http_store_ends_its_feed(api: Api) -> None:
    store = HttpStore(api.base_url, api.tokens["agent.ana"])
    feed = store.changes()
    assert (await anext(feed)).kind is ChangeKind.RESET
    waiting = asyncio.create_task(anext(feed))
    await asyncio.sleep(0)  # let it start reading the stream
    await store.close()
    with pytest.raises(StopAsyncIteration):
        await asyncio.wait_for(waiting, 5)


async def test_a_refused_token_is_an_error_not_a_retry(api: Api) -> None:
    store = HttpStore(api.base_url, "not-a-token")
    try:
        with pytest.raises(NotAllowed):
            await anext(store.changes())
    finally:
        await store.close()


# -- the broadcaster ----------------------------------------------------------------------------


@pytest.fixture
def sqlite_store(sqlite_url: str) -> Iterator[SqlStore]:
    store = SqlStore.open(sqlite_url, poll=0.05)
    store.import_disputes(example_disputes())
    yield store
    store.close_sync()


async def test_one_watcher_for_all_subscribers_started_and_stopped_by_them(
    sqlite_store: SqlStore, sqlite_url: str
) -> None:
    broadcaster = Broadcaster(sqlite_store)
    assert not broadcaster.watching
    async with broadcaster.subscribe() as first:
        early = aiter(first)
        assert (await anext(early)).kind is ChangeKind.RESET  # the watcher's: it is watching
        async with broadcaster.subscribe() as second:
            late = aiter(second)
            assert (await anext(late)).kind is ChangeKind.RESET  # its own
            assert broadcaster.subscribers == 2
            await sqlite_store.add_note("D-10001", "Both see it.", actor="ana", now=NOW)
            for changes in (early, late):
                change = await asyncio.wait_for(anext(changes), 5)
                assert what([change]) == [("note", "D-10001", "ana")]
        assert broadcaster.watching
    assert not broadcaster.watching  # the last one left: the store's connection is freed
    path = Path(make_url(sqlite_url).database or "")
    await eventually(lambda: sqlite_alone(path, sqlite_store))


async def test_a_subscriber_that_falls_behind_gets_a_reset_instead_of_a_backlog(
    sqlite_store: SqlStore,
) -> None:
    broadcaster = Broadcaster(sqlite_store, queue_size=3)
    async with broadcaster.subscribe() as fast, broadcaster.subscribe() as slow:
        reader, idle = aiter(fast), aiter(slow)
        assert (await anext(reader)).kind is ChangeKind.RESET
        for n in range(8):  # the slow one reads nothing meanwhile
            await sqlite_store.add_note("D-10001", f"Note {n}.", actor="ana", now=NOW)
            await asyncio.wait_for(anext(reader), 5)  # the fast one keeps up
            assert slow.waiting <= 3
        # 9 changes (the watcher's reset and 8 notes) overflowed 3 places: the oldest gave way
        # to a reset, and only what came after it waits
        assert (await anext(idle)).kind is ChangeKind.RESET
        while slow.waiting:
            assert what([await anext(idle)]) == [("note", "D-10001", "ana")]
        await sqlite_store.add_note("D-10002", "After.", actor="ana", now=NOW)
        assert what([await asyncio.wait_for(anext(idle), 5)]) == [("note", "D-10002", "ana")]


# -- a real `mediator serve`, killed and started again ---------------------------------------


@pytest.fixture
def serve(store_url: str, tmp_path: Path) -> Iterator[tuple[ServeProcess, dict[str, str]]]:
    """`mediator serve` over the examples, and tokens for agent.ana and agent.bo."""
    with SqlStore.open(store_url) as store:
        store.import_disputes(example_disputes())
        tokens = {n: store.add_staff_sync(n, "agent", now=NOW) for n in ("agent.ana", "agent.bo")}
    server = ServeProcess(store_url, tmp_path / "serve.log")
    server.start()
    yield server, tokens
    server.kill()


def _note(server: ServeProcess, token: str, dispute: str) -> None:
    with http_client(server.base_url, headers={"Authorization": f"Bearer {token}"}) as client:
        assert client.post(f"/disputes/{dispute}/notes", json=NOTE).status_code == 201


@pytest.mark.crash
async def test_the_http_store_survives_the_server_going_away_and_coming_back(
    serve: tuple[ServeProcess, dict[str, str]],
) -> None:
    server, tokens = serve
    store = HttpStore(server.base_url, tokens["agent.ana"])
    watching = Watching(store.changes())
    try:
        await watching.reset()
        await asyncio.to_thread(_note, server, tokens["agent.bo"], "D-10001")
        assert what([await watching.next()]) == [("note", "D-10001", "agent.bo")]
        for _ in range(2):  # SIGKILLed, and back on the same port
            await asyncio.to_thread(server.kill)
            await asyncio.to_thread(server.start)
            await watching.reset(timeout=10)  # what happened while it was away is unknown
            await asyncio.to_thread(_note, server, tokens["agent.bo"], "D-10002")
            assert what([await watching.next()]) == [("note", "D-10002", "agent.bo")]
        assert server.kills == 2
    finally:
        await watching.stop()
        await store.close()


@pytest.mark.crash
async def test_serve_stops_promptly_with_event_streams_open(
    serve: tuple[ServeProcess, dict[str, str]],
) -> None:
    """uvicorn waits for open responses before it stops; an event stream never ends, unless
    `mediator serve` ends it."""
    server, tokens = serve
    store = HttpStore(server.base_url, tokens["agent.ana"])
    watching = Watching(store.changes())
    try:
        await watching.reset()
        started = time.monotonic()
        os.kill(server.pid, signal.SIGINT)
        await eventually(lambda: not server.running, timeout=15)
        assert time.monotonic() - started < 15
    finally:
        await watching.stop()
        await store.close()
