"""Fixtures for the SQL store: a real database per test (SQLite file; PostgreSQL when configured).

`store_url` is parametrised: `sqlite` always, `postgres` when `MEDIATOR_TEST_PG_URL` is set (each
test gets its own PostgreSQL schema, dropped afterwards). Without the variable the postgres case
is skipped, except under `CI=true`, where it fails: CI must not silently test less.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Generator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import make_url

from mediator.domain import Dispute
from mediator.store.sql import SqlStore

#: The packaged copy of ../shared/examples/disputes.jsonl (tests/test_importer.py checks).
EXAMPLES = Path(__file__).parents[2] / "mediator" / "data" / "examples.jsonl"
PG_URL_ENV = "MEDIATOR_TEST_PG_URL"

#: A fixed "now" for writes: a day after the newest example dispute was escalated.
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
BASE = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


def example_disputes() -> list[Dispute]:
    lines = EXAMPLES.read_text("utf-8").splitlines()
    return [Dispute.model_validate_json(line) for line in lines if line.strip()]


def dispute_data(
    n: int,
    *,
    revision: int = 1,
    status: str = "escalated",
    reason: str = "not_received",
    urgency: datetime | None = None,
    title: str | None = None,
    buyer: str | None = None,
    seller: str | None = None,
    messages: int = 2,
    evidence: int = 1,
    price: str = "30.00",
    fee: str = "1.50",
    currency: str = "USD",
    message_prefix: str = "",
) -> dict[str, Any]:
    """A valid dispute in the interchange format (a JSON-able dict), numbered `n`.

    Message and evidence ids are unique across disputes (`M-<n>-<i>`), as the format requires.
    `urgency` is the escalation time (the queue's sort key); the dispute opened a day earlier.
    """
    escalated = urgency or BASE + timedelta(hours=n)
    opened = escalated - timedelta(days=1)
    placed = opened - timedelta(days=3)

    def iso(at: datetime) -> str:
        return at.isoformat().replace("+00:00", "Z")

    return {
        "id": f"D-{n}",
        "revision": revision,
        "reason": reason,
        "status": status,
        "opened_at": iso(opened),
        "escalated_at": iso(escalated),
        "escalation_cause": "party_request",
        "buyer_request": "full_refund",
        "buyer_request_amount": None,
        "order": {
            "id": f"O-{n}",
            "kind": "goods",
            "title": title if title is not None else f"Item number {n}",
            "quantity": 1,
            "currency": currency,
            "price": price,
            "service_fee": fee,
            "placed_at": iso(placed),
            "delivered_at": None,
            "confirmed_at": None,
            "paid_out_at": None,
        },
        "buyer": {"id": f"U-b{n}", "name": buyer or f"buyer{n}"},
        "seller": {"id": f"U-s{n}", "name": seller or f"seller{n}", "trust_level": 2},
        "messages": [
            {
                "id": f"M-{message_prefix}{n}-{i}",
                "channel": "dispute_chat",
                "author": "buyer" if i % 2 == 0 else "seller",
                "sent_at": iso(opened + timedelta(minutes=10 * (messages - i))),
                "body": f"message {i} of dispute {n} (revision {revision})",
            }
            for i in range(messages)
        ],
        "evidence": [
            {
                "id": f"E-{message_prefix}{n}-{i}",
                "kind": "photo",
                "submitted_by": "buyer",
                "submitted_at": iso(opened + timedelta(minutes=5 + i)),
                "caption": f"photo {i}",
                "uri": None,
                "sha256": None,
            }
            for i in range(evidence)
        ],
        "extra": {"source": "factory", "n": n},
    }


def make_dispute(n: int, **kwargs: Any) -> Dispute:
    """`dispute_data(n, **kwargs)` parsed exactly as an import line would be."""
    return Dispute.model_validate_json(json.dumps(dispute_data(n, **kwargs)))


def _install_pg_trgm(conn: Connection) -> None:
    """Install pg_trgm in `public` once: the extension is per database, and the store's search
    migration would otherwise create it in the first test's schema, to be dropped (with every
    other test's search index) when that schema is."""
    if conn.scalar(text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")) is None:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))


def _postgres_url(request: pytest.FixtureRequest) -> Generator[str]:
    base = os.environ.get(PG_URL_ENV)
    if not base:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{PG_URL_ENV} is not set: CI must run the store tests on PostgreSQL")
        pytest.skip(f"set {PG_URL_ENV} to run the store tests on PostgreSQL")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            _install_pg_trgm(conn)
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a new, empty database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'mediator.db'}"
    else:
        yield from _postgres_url(request)


@pytest.fixture
def store(store_url: str) -> Iterator[SqlStore]:
    store = SqlStore.open(store_url)
    yield store
    store.close_sync()


@pytest.fixture
def loaded(store: SqlStore) -> SqlStore:
    """The store with the five example disputes imported."""
    store.import_disputes(example_disputes())
    return store


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'mediator.db'}"


@pytest.fixture
def postgres_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """The URL of a new, empty PostgreSQL schema (for tests of PostgreSQL's own behaviour)."""
    yield from _postgres_url(request)


def long_dispute(n: int, messages: int, *, status: str = "awaiting_info") -> Dispute:
    """A dispute with a long transcript for the windowed reads (issue 18): messages three to a
    minute (the same `sent_at`), their ids within a minute the reverse of the order they were
    written in, so that only (sent_at, id) orders them; evidence at the same minutes. The
    seller's only message and staff's only dispute-chat message are the second and third, and
    the last four are staff notes: the timers rest on messages a window of the four newest
    leaves out."""
    data = dispute_data(n, status=status, messages=0, evidence=0)
    opened = datetime.fromisoformat(data["opened_at"])

    def iso(at: datetime) -> str:
        return at.isoformat().replace("+00:00", "Z")

    rows = []
    for i in range(messages):
        channel, author = "dispute_chat", "buyer"
        if i == 1:
            author = "seller"
        elif i == 2:
            author = "staff"
        elif i >= messages - 4:
            channel, author = "staff_note", "staff"
        rows.append(
            {
                "id": f"M-{n}-{i // 3:04d}-{2 - i % 3}",
                "channel": channel,
                "author": author,
                "sent_at": iso(opened + timedelta(minutes=1 + i // 3)),
                "body": f"message {i} of dispute {n}",
            }
        )
    data["messages"] = rows
    data["evidence"] = [
        {
            "id": f"E-{n}-{i}",
            "kind": "photo",
            "submitted_by": "buyer",
            "submitted_at": iso(opened + timedelta(minutes=1 + 5 * i)),
            "caption": f"photo {i}",
            "uri": None,
            "sha256": None,
        }
        for i in range(max(1, messages // 15))
    ]
    return Dispute.model_validate_json(json.dumps(data))
