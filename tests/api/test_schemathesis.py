"""The OpenAPI document is true: Schemathesis, run against a real `mediator serve`, finds no answer
that the document does not describe (issue 14).

The command is Schemathesis' own CLI, as a person would run it, with the checks the issue names:
no 5xx, only documented status codes, content types, bodies and headers. Every phase runs
(examples, coverage with its negative cases, fuzzing, stateful), with a supervisor's token so that
every route is reached, on a store holding the example disputes. The seed is fixed: a run is
repeatable, and a new seed is one flag away (`MEDIATOR_SCHEMATHESIS_SEED`).

One operation is left out: `GET /events`, the change feed as Server-Sent Events. Its answer never
ends (that is the point of it) and Schemathesis checks whole answers: every call with a token ends
in the client's timeout and checks nothing (measured: the run took 115 s instead of 20, and
passed). What it did find there, a 401 documented as `text/event-stream`, was fixed; the
document's status codes, content types and event format for it are checked by
tests/api/test_events.py instead.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mediator.store.sql import SqlStore
from tests.api.servers import ServeProcess
from tests.store.conftest import NOW, example_disputes

CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "response_headers_conformance",
    ]
)


@pytest.fixture
def served(store_url: str, tmp_path: Path) -> Iterator[tuple[ServeProcess, str]]:
    """`mediator serve` over a new store with the examples, and a supervisor's token."""
    with SqlStore.open(store_url) as store:
        store.import_disputes(example_disputes())
        token = store.add_staff_sync("sup.schemathesis", "supervisor", now=NOW)
    server = ServeProcess(store_url, tmp_path / "serve.log")
    server.start()
    yield server, token
    server.kill()


def test_schemathesis_finds_nothing_the_openapi_document_does_not_say(
    served: tuple[ServeProcess, str], tmp_path: Path
) -> None:
    server, token = served
    st = Path(sys.executable).with_name("st")
    seed = os.environ.get("MEDIATOR_SCHEMATHESIS_SEED", "14")
    command = [
        str(st),
        "run",
        f"{server.base_url}/openapi.json",
        "--checks",
        CHECKS,
        "--exclude-path",
        "/events",  # a stream that never ends (see the module docstring)
        "--header",
        f"Authorization: Bearer {token}",
        "--seed",
        seed,
        "--max-examples",
        "25",
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--suppress-health-check",
        "all",  # generation speed depends on the machine's load, not on the API
        "--generation-database",
        "none",
        "--no-color",
    ]
    run = subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, timeout=600, check=False
    )
    report = run.stdout + run.stderr
    assert run.returncode == 0, report[-6000:]
    assert " passed" in report and "failures" not in report.split("SUMMARY")[-1], report[-3000:]
