"""Fixtures for the API tests: a real server on 127.0.0.1 over a real database.

`store_url` is the store tests' own fixture (imported, not copied): a SQLite file, and PostgreSQL
when `MEDIATOR_TEST_PG_URL` is set, each test in its own schema; skipped without the variable
except under `CI=true`, where it fails.

`api` serves `create_app(store, FrozenClock(NOW))` over a new database with the five example
disputes and three members of staff (`agent.ana`, `agent.bo`: agents; `sup.sam`: a supervisor);
`ana`, `bo`, `sam` and `anonymous` are httpx clients of it. One uvicorn server on 127.0.0.1 runs
in a thread for the whole session and serves each test its own new app (`servers.AppSwitch`).
The crash tests start `mediator serve` itself (`servers.ServeProcess`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from mediator.clock import FrozenClock
from mediator.server.api import create_app
from mediator.store.sql import SqlStore
from tests.api.servers import AppSwitch, ThreadServer, http_client
from tests.store.conftest import NOW, example_disputes
from tests.store.conftest import store_url as store_url  # the sqlite + postgres parametrisation

RATIONALE = "Left earbud defective per photo E-1."
#: A valid decision on D-10001 (USD 49.99): a partial refund below the price.
PARTIAL: dict[str, Any] = {
    "outcome": "buyer_partial_refund",
    "rationale": RATIONALE,
    "refund_amount": "20.00",
}
STAFF = {"agent.ana": "agent", "agent.bo": "agent", "sup.sam": "supervisor"}
#: Every table a write touches, with its key (for "nothing was written" checks).
TABLES = {
    "disputes": "id",
    "messages": "id",
    "evidence": "id",
    "decisions": "id",
    "info_requests": "id",
    "idempotency_keys": "key",
}


@dataclass
class Api:
    """A running API: its URL, the store under it (for checks), and bearer tokens by name."""

    base_url: str
    store: SqlStore
    tokens: dict[str, str]
    _clients: list[httpx.Client] = field(default_factory=list)

    def client(self, who: str | None = "agent.ana", *, token: str | None = None) -> httpx.Client:
        """An httpx client sending `who`'s token (or `token`; neither when both are None)."""
        secret = token if token is not None else (self.tokens[who] if who else None)
        headers = {"Authorization": f"Bearer {secret}"} if secret is not None else {}
        client = http_client(self.base_url, headers=headers, timeout=60.0)
        self._clients.append(client)
        return client

    def close(self) -> None:
        for client in self._clients:
            client.close()


def snapshot(store: SqlStore) -> dict[str, list[Any]]:
    """Every row of every table a write touches."""
    with store.engine.connect() as conn:
        return {
            table: [
                tuple(row)
                for row in conn.exec_driver_sql(f"SELECT * FROM {table} ORDER BY {key}").all()
            ]
            for table, key in TABLES.items()
        }


def jsonl(*disputes: dict[str, Any]) -> bytes:
    """An import body: one JSON object a line."""
    return b"".join(json.dumps(d).encode() + b"\n" for d in disputes)


@pytest.fixture(scope="session")
def served() -> Iterator[tuple[AppSwitch, str]]:
    """The session's uvicorn server on 127.0.0.1 and the switch that says which app it serves."""
    switch = AppSwitch()
    with ThreadServer(switch) as server:
        yield switch, server.base_url


@pytest.fixture
def api(store_url: str, served: tuple[AppSwitch, str]) -> Iterator[Api]:
    switch, base_url = served
    store = SqlStore.open(store_url, on_event_loop=True)  # as `mediator serve` opens it
    try:
        store.import_disputes(example_disputes())
        tokens = {name: store.add_staff_sync(name, role, now=NOW) for name, role in STAFF.items()}
        switch.app = create_app(store, FrozenClock(NOW))
        api = Api(base_url, store, tokens)
        yield api
        api.close()
    finally:
        switch.app = None
        store.close_sync()


@pytest.fixture
def ana(api: Api) -> httpx.Client:
    return api.client("agent.ana")


@pytest.fixture
def bo(api: Api) -> httpx.Client:
    return api.client("agent.bo")


@pytest.fixture
def sam(api: Api) -> httpx.Client:
    return api.client("sup.sam")


@pytest.fixture
def anonymous(api: Api) -> httpx.Client:
    return api.client(None)


def decide(
    client: httpx.Client,
    dispute: str = "D-10001",
    body: dict[str, Any] | None = None,
    *,
    version: str | None = '"1"',
    key: str | None = "key-1",
) -> httpx.Response:
    """POST a decision (`PARTIAL` unless `body`) with `If-Match: version` and `Idempotency-Key`
    (each left out when None)."""
    headers = {}
    if version is not None:
        headers["If-Match"] = version
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post(
        f"/disputes/{dispute}/decisions", json=PARTIAL if body is None else body, headers=headers
    )
