"""Real API servers on 127.0.0.1 for the tests: in a thread of this process, or `mediator serve`.

`ThreadServer` serves an ASGI app with `uvicorn.Server` from a background thread, on a socket this
process bound itself (no port race); `AppSwitch` lets one such server serve a new
`create_app(store, clock)` for every test (starting and stopping uvicorn costs more than most
tests). `ServeProcess` is the real command, `python -m mediator serve --store URL --port N`,
which a test can SIGKILL and start again on the same port (the crash tests).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from datetime import datetime
from functools import cache
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send

import mediator
from mediator.clock import FrozenClock
from mediator.server.api import create_app
from mediator.store.sql import SqlStore

#: Seconds a server may take to answer `/healthz` after it was started.
START_TIMEOUT = 60.0


def free_port() -> int:
    """A TCP port nobody listens on right now (for a subprocess, which must bind it itself)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@cache
def _tls() -> ssl.SSLContext:
    # httpx builds a TLS context (and reads the CA bundle) for every client unless given one:
    # ~50 ms a client, for servers that only speak plain HTTP on 127.0.0.1
    return ssl.create_default_context()


def http_client(base_url: str, **kwargs: Any) -> httpx.Client:
    """An httpx client of a test server (cheap to make: the TLS context is shared)."""
    return httpx.Client(base_url=base_url, verify=_tls(), **kwargs)


def healthy(base_url: str) -> bool:
    try:
        with http_client(base_url, timeout=1.0) as client:
            return client.get("/healthz").status_code == 200
    except httpx.TransportError:
        return False


class AppSwitch:
    """An ASGI app that hands every request to `self.app`, which a test replaces."""

    def __init__(self) -> None:
        self.app: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.app is None:
            raise RuntimeError("no app is being served (AppSwitch.app is None)")
        await self.app(scope, receive, send)


class ThreadServer:
    """`app` served by uvicorn in a background thread of this process, on a free port."""

    def __init__(self, app: ASGIApp, *, port: int = 0, graceful_timeout: int | None = None) -> None:
        """`port` 0: any free port. `graceful_timeout`: seconds `__exit__` lets open
        connections finish (None: as long as they take)."""
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # inherited by accepted connections; without it every response waits ~40 ms for a
        # delayed ACK (Nagle), which uvicorn's own listening sockets avoid
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock.bind(("127.0.0.1", port))
        self.port: int = self._sock.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=graceful_timeout,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True
        )

    def __enter__(self) -> ThreadServer:
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the in-process API server did not start")
            time.sleep(0.01)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=30)
        self._sock.close()


class RestartableServer:
    """`create_app(store, FrozenClock(now))` served in a thread on one fixed port, which a test
    stops and starts again to make the API go away and come back (nothing listens until the
    first `start()`)."""

    def __init__(self, store: SqlStore, now: datetime) -> None:
        self.store, self.now = store, now
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._running: ThreadServer | None = None

    def start(self) -> None:
        app = create_app(self.store, FrozenClock(self.now))
        # a client's kept-alive connection must not hold the "API goes away" step for long
        server = ThreadServer(app, port=self.port, graceful_timeout=1)
        self._running = server.__enter__()

    def stop(self) -> None:
        if self._running is not None:
            self._running.__exit__(None, None, None)
            self._running = None


class ServeProcess:
    """`mediator serve --store URL --host 127.0.0.1 --port N` as a child process.

    `start()` returns once `/healthz` answers; `kill()` is SIGKILL (no shutdown, no cleanup), and
    `start()` again brings it back on the same port. Its output goes to `log`.
    """

    def __init__(self, store_url: str, log: Path, *, workers: int = 1) -> None:
        self.store_url = store_url
        self.workers = workers
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.starts = 0
        self.kills = 0
        self._proc: subprocess.Popen[bytes] | None = None
        # the child imports the very `mediator` these tests import (a checkout, not a wheel)
        root = str(Path(mediator.__file__).resolve().parents[1])
        path = os.environ.get("PYTHONPATH")
        self._env = {**os.environ, "PYTHONPATH": root if not path else f"{root}{os.pathsep}{path}"}

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> None:
        assert not self.running, "already running"
        command = [sys.executable, "-m", "mediator", "serve", "--store", self.store_url]
        command += ["--host", "127.0.0.1", "--port", str(self.port)]
        command += ["--workers", str(self.workers)]
        with self.log.open("ab") as out:
            self._proc = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=self._env,
                start_new_session=True,  # its own process group: `kill` stops its workers too
            )
        self.starts += 1
        deadline = time.monotonic() + START_TIMEOUT
        while not healthy(self.base_url):
            if self._proc.poll() is not None:
                raise RuntimeError(
                    f"mediator serve exited ({self._proc.returncode}): {self.output()}"
                )
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"mediator serve did not answer /healthz: {self.output()}")
            time.sleep(0.05)

    def pause(self) -> None:
        """SIGSTOP: the server freezes wherever it is (mid-request, mid-transaction)."""
        if self.running:
            assert self._proc is not None
            os.kill(self._proc.pid, signal.SIGSTOP)

    def resume(self) -> None:
        if self.running:
            assert self._proc is not None
            os.kill(self._proc.pid, signal.SIGCONT)

    @property
    def pid(self) -> int:
        assert self._proc is not None
        return self._proc.pid

    def kill(self) -> None:
        """SIGKILL the server and any worker processes (its process group), and reap it."""
        proc = self._proc
        if proc is None or proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        self.kills += 1

    def output(self) -> str:
        text = self.log.read_text("utf-8", errors="replace") if self.log.exists() else ""
        return text[-2000:]

    def __enter__(self) -> ServeProcess:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.kill()
