"""`GET /events`: the store's change feed as Server-Sent Events (issue 15: live disputes).

One watcher of the store per server process (`Store.changes()`: one database connection),
started by the first subscriber and stopped after the last one leaves, is fanned out to every
subscriber by a `Broadcaster`. Each subscriber has a bounded queue: one that does not keep up
(a console on a slow link) loses its backlog and gets a single `reset` instead, so a slow
reader costs the server `QUEUE_SIZE` changes at most, never unbounded memory.

The wire format (`text/event-stream`, WHATWG HTML § 9.2): every event is one
`data: <Change as JSON>` line and a blank line; the first event of every stream is a `reset`;
FastAPI sends a `: ping` comment every 15 s while nothing happens, so that proxies keep the
stream open and a client can tell a silent stream from a dead one.

Streams never end by themselves, and uvicorn waits for open responses before it shuts down, so
`end_streams()` ends them all: `Server` (what `mediator serve` runs) calls it when it begins to
stop.

FastAPI reads the route's annotations at run time: no `from __future__ import annotations` here.
"""

import asyncio
import contextlib
import socket
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import aclosing
from typing import Annotated, Any

import uvicorn
from fastapi import Depends, FastAPI
from fastapi.sse import EventSourceResponse

from mediator.domain.changes import RESET, Change, ChangeKind
from mediator.server.errors import responses
from mediator.store.base import StaffMember, Store

#: Changes a subscriber may have waiting before it is sent a `reset` instead.
QUEUE_SIZE = 1000

#: Every broadcaster of this process (one per app), for `end_streams`.
_broadcasters: "weakref.WeakSet[Broadcaster]" = weakref.WeakSet()

DESCRIPTION = """The store's changes as they are committed, as Server-Sent Events
(`text/event-stream`): decisions, notes, information requests, claims changing hands,
escalations and imports, by anyone (this client too).

Every event is one line `data: <Change>` (JSON: `kind`, `dispute_id`, `actor`, `at`, `seq`)
and a blank line. The first event is always `{"kind": "reset", …}`: read what you show after
it. A `reset` later on means changes may have been missed (the server lost its database
connection, or this client fell behind): read everything again. A comment line (`: ping`) is
sent every 15 s while nothing happens; a stream silent for longer is dead: connect again (the
new stream starts with a `reset`). `dispute_id` is null for an import or a reset."""


class Subscription:
    """One subscriber's queue of changes (iterate it; `None` in the queue ends it)."""

    def __init__(self, size: int) -> None:
        self._queue: asyncio.Queue[Change | None] = asyncio.Queue(size)
        self._ended = False

    def put(self, change: Change) -> None:
        """Queue `change`; a full queue is emptied and gets one `reset` instead."""
        if self._ended:
            return
        try:
            self._queue.put_nowait(change)
        except asyncio.QueueFull:
            self._clear()
            self._queue.put_nowait(RESET)

    @property
    def waiting(self) -> int:
        """Changes queued, not read yet."""
        return self._queue.qsize()

    def end(self) -> None:
        """End the stream: what is queued is dropped, and nothing more is queued."""
        if not self._ended:
            self._ended = True
            self._clear()
            self._queue.put_nowait(None)

    def _clear(self) -> None:
        while not self._queue.empty():
            self._queue.get_nowait()

    async def __aiter__(self) -> AsyncIterator[Change]:
        while (change := await self._queue.get()) is not None:
            yield change


class Broadcaster:
    """`store.changes()` read once, fanned out to every `subscribe()`r."""

    def __init__(self, store: Store, *, queue_size: int = QUEUE_SIZE) -> None:
        self.store = store
        self.queue_size = queue_size
        self._subscribers: set[Subscription] = set()
        self._watcher: asyncio.Task[None] | None = None
        #: The watcher has said `reset`: it is watching, and a new subscriber's own `reset`
        #: comes after everything it will miss.
        self._watching = False
        _broadcasters.add(self)

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)

    @property
    def watching(self) -> bool:
        """Whether the store is being watched (while anyone subscribes)."""
        return self._watcher is not None

    @contextlib.asynccontextmanager
    async def subscribe(self) -> AsyncIterator[Subscription]:
        """A new subscription; its first change is a `reset` (the watcher's own, if this
        subscriber starts it: that one comes once the store is watched)."""
        subscription = Subscription(self.queue_size)
        self._subscribers.add(subscription)
        if self._watcher is None:
            self._watching = False
            self._watcher = asyncio.create_task(self._watch(), name="mediator-events")
        elif self._watching:
            subscription.put(RESET)
        try:
            yield subscription
        finally:
            self._subscribers.discard(subscription)
            if not self._subscribers and self._watcher is not None:
                self._watcher.cancel()  # frees the store's connection
                self._watcher = None

    async def _watch(self) -> None:
        try:
            async with aclosing(self.store.changes()) as feed:
                async for change in feed:
                    if change.kind is ChangeKind.RESET:
                        self._watching = True
                    for subscription in self._subscribers:
                        subscription.put(change)
        finally:
            # the feed ended or failed (it reconnects by itself: it cannot, here): end the
            # streams; clients connect again and a new watcher starts
            if self._watcher is asyncio.current_task():
                self._watcher = None
                self.end()

    def end(self) -> None:
        """End every subscriber's stream (they connect again, to a new watcher)."""
        for subscription in self._subscribers:
            subscription.end()


def end_streams() -> None:
    """End every event stream of this process (the server is stopping)."""
    for broadcaster in list(_broadcasters):
        broadcaster.end()


def _json(answers: dict[int | str, dict[str, Any]]) -> dict[int | str, dict[str, Any]]:
    """`answers` (`errors.responses()`) as JSON: FastAPI would document a model's answer in the
    route's media type, `text/event-stream`, but errors are sent as JSON (`ErrorBody`, which the
    other routes put in the document's schemas)."""
    return {
        status: {
            "description": answer["description"],
            "content": {
                "application/json": {
                    "schema": {"$ref": f"#/components/schemas/{answer['model'].__name__}"}
                }
            },
        }
        for status, answer in answers.items()
    }


class Server(uvicorn.Server):
    """uvicorn's server, which ends the event streams when it begins to shut down: uvicorn lets
    open responses finish first, and an event stream would never finish."""

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        end_streams()
        await super().shutdown(sockets=sockets)


def install(
    app: FastAPI, store: Store, staff_member: Callable[..., Awaitable[StaffMember]]
) -> Broadcaster:
    """Add `GET /events` to `app`, over `store`, for callers `staff_member` lets in."""
    broadcaster = Broadcaster(store)
    app.openapi_tags = [
        *(app.openapi_tags or []),
        {"name": "events", "description": "Live updates: the store's changes as they happen"},
    ]

    @app.get(
        "/events",
        tags=["events"],
        response_class=EventSourceResponse,
        responses=_json(responses()),
        description=DESCRIPTION,
        summary="The store's changes, live (Server-Sent Events)",
    )
    async def events(
        who: Annotated[StaffMember, Depends(staff_member)],
    ) -> AsyncIterator[Change]:
        async with broadcaster.subscribe() as subscription:
            async for change in subscription:
                yield change

    return broadcaster
