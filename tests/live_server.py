"""A real API server for tests: the FastAPI app under uvicorn, in a thread, on 127.0.0.1."""

from __future__ import annotations

import socket
import threading
import time
from datetime import datetime

import uvicorn

from mediator.clock import FrozenClock
from mediator.server.api import create_app
from mediator.store.sql import SqlStore


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Server:
    """The real API app under uvicorn in a background thread, on a fixed port."""

    def __init__(self, store: SqlStore, port: int, now: datetime) -> None:
        self.store, self.port, self.now = store, port, now
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        config = uvicorn.Config(
            create_app(self.store, FrozenClock(self.now)),
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            lifespan="off",
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the API server did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(10)
            self._server = self._thread = None
