"""`mediator serve --workers N`: N uvicorn processes, each accepting on its own listening socket.

uvicorn's own `--workers` shares one listening socket between the processes, and whichever is
awake first accepts: consoles that connect together (a shift starting, a load test) can all land
on one worker and leave the others idle (measured: 8 keep-alive clients on one of two workers).
Here every worker listens on its own socket bound to the same address with `SO_REUSEPORT`, and
the kernel spreads new connections over them by their address hash.

The sockets are made and kept by this supervisor, so a worker that dies is replaced on the same
socket and connections that arrive meanwhile wait in its queue instead of being refused. Before
binding, the address is claimed once without `SO_REUSEPORT`: a port that another program (or
another `mediator serve`) holds is an error, never a silent share.

Only where the platform has `SO_REUSEPORT` (Linux, the BSDs, macOS); elsewhere `serve` falls
back to uvicorn's workers.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import socket
import sys
import threading
import time
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from types import FrameType

import uvicorn
from uvicorn.config import STARTUP_FAILURE

from mediator.server.events import Server

#: How long workers get to finish their requests on shutdown before they are killed.
GRACEFUL_SECONDS = 10.0
#: A worker that dies sooner than this after it was started is restarted after a growing pause.
MIN_UPTIME_SECONDS = 2.0
FIRST_BACKOFF_SECONDS = 0.5
MAX_BACKOFF_SECONDS = 30.0


def supported() -> bool:
    return hasattr(socket, "SO_REUSEPORT")


class AddressInUse(Exception):
    """The address cannot be listened on; the message is one line."""


def listening_sockets(host: str, port: int, count: int) -> list[socket.socket]:
    """`count` sockets bound to (host, port) with SO_REUSEPORT, listening."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # claim the address alone first: fails if anything listens there (with or without reuseport)
    probe = socket.socket(family, socket.SOCK_STREAM)
    try:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))
    except OSError as exc:
        raise AddressInUse(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    finally:
        probe.close()
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.socket(family, socket.SOCK_STREAM)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind((host, port))
            sock.listen(2048)
            sock.set_inheritable(True)
    except OSError as exc:
        for sock in sockets:
            sock.close()
        raise AddressInUse(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return sockets


def _worker(config: uvicorn.Config, sock: socket.socket, parent: int) -> None:  # child process
    config.configure_logging()
    threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()
    Server(config).run(sockets=[sock])


def _exit_with(parent: int) -> None:
    """Shut this worker down (gracefully: SIGTERM) once the supervisor is gone, even SIGKILLed:
    orphans would go on answering on a port nobody manages."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os.kill(os.getpid(), signal.SIGTERM)


@dataclass
class _Slot:
    """One worker's place: its socket (kept for its replacements) and its current process."""

    sock: socket.socket
    process: BaseProcess | None = None
    started: float = 0.0
    #: When a worker that died too soon may be started again, and the pause before that.
    restart_at: float = 0.0
    backoff: float = FIRST_BACKOFF_SECONDS


class Workers:
    """Runs, watches and stops the worker processes (`run` blocks until SIGINT or SIGTERM)."""

    def __init__(self, config: uvicorn.Config, sockets: list[socket.socket]) -> None:
        self.config = config
        self.slots = [_Slot(sock) for sock in sockets]
        self.context = multiprocessing.get_context("spawn")
        self.stopping = False
        self.failed = False

    def _start(self, slot: _Slot) -> None:
        process = self.context.Process(
            target=_worker, args=(self.config, slot.sock, os.getpid()), daemon=False
        )
        process.start()
        slot.process, slot.started = process, time.monotonic()

    def _on_signal(self, _signum: int, _frame: FrameType | None) -> None:
        self.stopping = True

    def run(self) -> int:
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self._on_signal)
        for slot in self.slots:
            self._start(slot)
        try:
            while not self.stopping:
                time.sleep(0.2)
                self._replace_dead()
        finally:
            self._stop()
            for slot in self.slots:
                slot.sock.close()
        return 1 if self.failed else 0

    def _replace_dead(self) -> None:
        now = time.monotonic()
        for slot in self.slots:
            process = slot.process
            if self.stopping:
                return
            if process is None:
                if now >= slot.restart_at:
                    self._start(slot)
                continue
            if process.is_alive():
                continue
            code = process.exitcode
            process.join()
            if code == STARTUP_FAILURE:  # uvicorn could not start the app: it will not next time
                print(
                    f"mediator serve: worker {process.pid} could not start (exit {code}); stopping",
                    file=sys.stderr,
                )
                self.failed = self.stopping = True
                return
            # a worker that keeps dying at once (the database is down, …) is restarted ever
            # more slowly, up to once every MAX_BACKOFF_SECONDS
            if now - slot.started < MIN_UPTIME_SECONDS:
                slot.backoff = min(MAX_BACKOFF_SECONDS, slot.backoff * 2)
                slot.restart_at = now + slot.backoff
            else:
                slot.backoff, slot.restart_at = FIRST_BACKOFF_SECONDS, now
            slot.process = None
            print(
                f"mediator serve: worker {process.pid} died (exit {code}); starting another",
                file=sys.stderr,
            )

    def _stop(self) -> None:
        """SIGTERM to each worker (after a Ctrl-C they have the SIGINT too; uvicorn treats a
        SIGTERM after it as the same request, only a second SIGINT drops open requests), the
        requests in flight finish, and whatever still runs after GRACEFUL_SECONDS is killed."""
        processes = [slot.process for slot in self.slots if slot.process is not None]
        alive = [process for process in processes if process.is_alive()]
        for process in alive:
            if process.pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + GRACEFUL_SECONDS
        for process in alive:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join()
