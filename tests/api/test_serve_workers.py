"""`mediator serve --workers N` (mediator/server/workers.py): real processes on 127.0.0.1.

Each worker accepts on its own SO_REUSEPORT socket, so keep-alive clients that connect together
are spread over the workers; a worker that dies is replaced; a taken port is refused, never
shared; the workers stop with the supervisor, even when it is SIGKILLed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mediator.server import workers
from tests.api.servers import ServeProcess, healthy

pytestmark = pytest.mark.skipif(
    not workers.supported() or not Path("/proc/net/tcp").exists(),
    reason="needs SO_REUSEPORT and /proc (Linux)",
)


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[ServeProcess]:
    server = ServeProcess(f"sqlite:///{tmp_path / 'm.db'}", tmp_path / "serve.log", workers=2)
    server.start()
    yield server
    server.kill()


def worker_pids(parent: int) -> list[int]:
    """The `mediator serve` worker processes: children of `parent` started by multiprocessing."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (entry / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if ppid == parent and b"spawn_main" in cmdline:
            found.append(int(entry.name))
    return sorted(found)


def wait_for_workers(parent: int, count: int, timeout: float = 30) -> list[int]:
    deadline = time.monotonic() + timeout
    while len(pids := worker_pids(parent)) != count:
        assert time.monotonic() < deadline, f"workers of {parent}: {pids}, wanted {count}"
        time.sleep(0.1)
    return pids


def connections_per_process(port: int, pids: list[int]) -> dict[int, int]:
    """Established connections to `port` that each of `pids` holds (from /proc)."""
    established: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "01":
                established.add(fields[9])
    held = {}
    for pid in pids:
        links = [os.readlink(fd) for fd in Path(f"/proc/{pid}/fd").iterdir()]
        held[pid] = sum(1 for link in links if link[8:-1] in established)
    return held


def test_clients_that_connect_together_are_spread_over_the_workers(serve: ServeProcess) -> None:
    pids = wait_for_workers(serve.pid, 2)
    clients = [httpx.Client(base_url=serve.base_url) for _ in range(16)]
    try:
        for client in clients:  # one keep-alive connection each, opened one after another
            assert client.get("/healthz").status_code == 200
        held = connections_per_process(serve.port, pids)
    finally:
        for client in clients:
            client.close()
    assert sum(held.values()) == 16
    # uvicorn's shared socket gave one worker all of them; the hash split is 16+0 with p = 3e-5
    assert all(n > 0 for n in held.values()), held


def test_a_worker_that_dies_is_replaced_and_the_server_keeps_answering(
    serve: ServeProcess,
) -> None:
    first = wait_for_workers(serve.pid, 2)
    os.kill(first[0], signal.SIGKILL)
    deadline = time.monotonic() + 30
    while (now := worker_pids(serve.pid)) and (first[0] in now or len(now) != 2):
        assert time.monotonic() < deadline, f"not replaced: {now}"
        time.sleep(0.1)
    assert first[1] in now  # the other worker was left alone
    for _ in range(20):  # every request answered, whichever socket it is hashed to
        with httpx.Client(base_url=serve.base_url) as client:
            assert client.get("/healthz").status_code == 200
    assert "died (exit -9); starting another" in serve.output()


def test_a_taken_port_is_refused_not_shared(serve: ServeProcess, tmp_path: Path) -> None:
    for count in ("2", "1"):
        command = [sys.executable, "-m", "mediator", "serve", "--store",
                   f"sqlite:///{tmp_path / 'other.db'}", "--port", str(serve.port),
                   "--workers", count]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, timeout=60)
        assert done.returncode != 0, count
        if count == "2":
            assert f"cannot listen on 127.0.0.1:{serve.port}: Address already in use" in (
                done.stderr
            )
    assert healthy(serve.base_url)


def test_workers_stop_with_the_supervisor(serve: ServeProcess) -> None:
    pids = wait_for_workers(serve.pid, 2)
    os.kill(serve.pid, signal.SIGTERM)
    assert serve._proc is not None
    assert serve._proc.wait(timeout=30) == 0
    assert not any(Path(f"/proc/{pid}").exists() for pid in pids)
    assert not healthy(serve.base_url)


def test_workers_stop_when_the_supervisor_is_killed(serve: ServeProcess) -> None:
    pids = wait_for_workers(serve.pid, 2)
    os.kill(serve.pid, signal.SIGKILL)  # the supervisor alone, not its process group
    deadline = time.monotonic() + 30
    while any(Path(f"/proc/{pid}").exists() for pid in pids):
        assert time.monotonic() < deadline, "orphaned workers still running"
        time.sleep(0.1)
    assert not healthy(serve.base_url)
