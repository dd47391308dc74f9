"""Pooled PostgreSQL connections that the server dropped (a restart, an idle timeout, an admin's
`pg_terminate_backend`): the store checks a connection that sat idle before using it, so the
next call after a pause succeeds; a connection used a moment ago is not checked (a ping per
call would cost three round trips), so at most one call fails, cleanly, and the next succeeds."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from mediator.store.base import StoreUnavailable
from mediator.store.sql import SqlStore
from mediator.store.sql import engine as sql_engine
from tests.store.conftest import example_disputes

pytestmark = pytest.mark.postgres


APP = "mediator-reconnect-test"


@pytest.fixture
def store(postgres_url: str) -> Iterator[SqlStore]:
    url = make_url(postgres_url).update_query_dict({"application_name": APP})
    store = SqlStore.open(url.render_as_string(hide_password=False))
    store.import_disputes(example_disputes())
    yield store
    store.close_sync()


def drop_sessions(store: SqlStore) -> int:
    """Terminate every server session of `store`'s pool (as a restart would); how many."""
    admin = create_engine(store.engine.url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            killed = conn.scalar(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE application_name = :app AND pid <> pg_backend_pid()"
                ),
                {"app": APP},
            )
    finally:
        admin.dispose()
    return int(killed or 0)


def test_an_idle_connection_dropped_by_the_server_is_replaced_unseen(
    store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sql_engine, "PING_IDLE_AFTER", 0.05)
    assert store.get_dispute_sync("D-10001").version == 1
    assert drop_sessions(store) >= 1
    time.sleep(0.1)
    assert store.get_dispute_sync("D-10001").version == 1  # pinged, replaced, answered


def test_a_busy_connection_dropped_fails_one_call_cleanly_then_recovers(
    store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sql_engine, "PING_IDLE_AFTER", 3600.0)
    assert store.get_dispute_sync("D-10001").version == 1
    assert drop_sessions(store) >= 1
    with pytest.raises(StoreUnavailable) as failed:
        store.get_dispute_sync("D-10001")
    assert "\n" not in str(failed.value)
    assert store.get_dispute_sync("D-10001").version == 1
