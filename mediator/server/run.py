"""Running the API with uvicorn: the store is opened once per process, before it listens."""

from __future__ import annotations

import os
import sys
from typing import Any

from fastapi import FastAPI

from mediator.clock import SystemClock
from mediator.store.sql import SqlStore

#: How a worker process learns which store to open (uvicorn imports `app_from_env` by name).
ENV_SERVE_STORE = "MEDIATOR_SERVE_STORE"
APP = "mediator.server.run:app_from_env"


def app_from_env() -> FastAPI:
    """The ASGI app for one uvicorn worker process (factory named in `serve`)."""
    from mediator.server.api import create_app

    # on PostgreSQL, requests wait for the database on the event loop, not in threads
    store = SqlStore.open(os.environ[ENV_SERVE_STORE], on_event_loop=True)
    return create_app(store, SystemClock(), owns_store=True)


def serve(url: str, *, host: str, port: int, workers: int = 1) -> int:
    """Open `url` (creating or upgrading its schema, failing early on a bad URL), then serve with
    `workers` processes (see `server.workers` for how connections are spread over them)."""
    import uvicorn

    from mediator.server import workers as pool
    from mediator.server.events import Server

    # open once here: a bad URL or a newer schema fails before anything listens
    with SqlStore.open(url) as store:
        label = store.label
    os.environ[ENV_SERVE_STORE] = url
    options: dict[str, Any] = {
        "factory": True,
        "host": host,
        "port": port,
        "log_level": "warning",
        "access_log": False,
    }
    config = uvicorn.Config(APP, **options)
    sockets = None
    if workers > 1 and pool.supported():  # bound before the announcement: a taken port fails
        try:
            sockets = pool.listening_sockets(host, port, workers)
        except pool.AddressInUse as exc:
            print(f"mediator serve: {exc}", file=sys.stderr)
            return 1
    processes = "" if workers == 1 else f", {workers} worker processes"
    print(
        f"mediator: serving {label} on http://{host}:{port} (OpenAPI: /openapi.json{processes})",
        file=sys.stderr,
    )
    if sockets is not None:
        return pool.Workers(config, sockets).run()
    if workers > 1:  # no SO_REUSEPORT: uvicorn's workers on one shared socket
        # (its own servers, which do not end the event streams: give open ones 5 s)
        uvicorn.run(APP, workers=workers, timeout_graceful_shutdown=5, **options)
        return 0
    server = Server(config)  # uvicorn's, ending the event streams when it stops
    server.run()
    return 0 if server.started else 1  # uvicorn has logged why (e.g. the port is taken)
