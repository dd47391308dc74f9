"""Running the API with uvicorn: the store is opened once per process, before it listens."""

from __future__ import annotations

import os
import sys

from fastapi import FastAPI

from mediator.clock import SystemClock
from mediator.store.sql import SqlStore

#: How a worker process learns which store to open (uvicorn imports `app_from_env` by name).
ENV_SERVE_STORE = "MEDIATOR_SERVE_STORE"


def app_from_env() -> FastAPI:
    """The ASGI app for one uvicorn worker process (factory named in `serve`)."""
    from mediator.server.api import create_app

    store = SqlStore.open(os.environ[ENV_SERVE_STORE])
    return create_app(store, SystemClock())


def serve(url: str, *, host: str, port: int, workers: int = 1) -> int:
    """Open `url` (creating or upgrading its schema, failing early on a bad URL), then serve."""
    import uvicorn

    # open once here: a bad URL or a newer schema fails before anything listens
    with SqlStore.open(url) as store:
        label = store.label
    print(
        f"mediator: serving {label} on http://{host}:{port} (OpenAPI: /openapi.json)",
        file=sys.stderr,
    )
    os.environ[ENV_SERVE_STORE] = url
    uvicorn.run(
        "mediator.server.run:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
    )
    return 0
