"""The bulk path of an import (issue 18): SQLite's search index filled after each batch instead
of by its per-row trigger, and rows made ready (`prepared.prepare`) apart from the writing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from mediator.domain import Dispute
from mediator.seed import generate
from mediator.store import QueueQuery, StoreError
from mediator.store.sql import SqlStore
from tests.store.conftest import make_dispute

NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)
#: Needles for the search index: ids, titles, names, hostile text, a miss.
NEEDLES = ("D-1000", "D-10012", "lamp", "account", "keys", "ana", "shop", "ünï", "zzzq", "[b]")


def trigger_sql(store: SqlStore) -> list[tuple[str, str]]:
    with store.engine.connect() as conn:
        query = "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
        return [(name, sql) for name, sql in conn.exec_driver_sql(query)]


def matches(store: SqlStore) -> dict[str, list[str]]:
    """What the search index finds for each needle (ids, sorted; whatever their status)."""
    found = {}
    query = (
        "SELECT d.id FROM disputes_fts JOIN disputes d ON d.rowid = disputes_fts.rowid "
        "WHERE disputes_fts MATCH ? ORDER BY d.id"
    )
    with store.engine.connect() as conn:
        for needle in NEEDLES:
            phrase = '"' + needle.replace('"', '""') + '"'
            found[needle] = [id_ for (id_,) in conn.exec_driver_sql(query, (phrase,))]
    return found


def check_index(store: SqlStore) -> None:
    """FTS5's own check: the index holds exactly the rows of `disputes` (raises otherwise)."""
    with store.engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO disputes_fts(disputes_fts) VALUES ('integrity-check')")


@pytest.fixture
def sqlite_store(sqlite_url: str) -> Iterator[SqlStore]:
    store = SqlStore.open(sqlite_url)
    yield store
    store.close_sync()


def seeded(n: int) -> list[Dispute]:
    return list(generate(n, seed=5, now=NOW))


def test_the_index_finds_what_a_rebuild_from_the_rows_finds(sqlite_store: SqlStore) -> None:
    """Imported in batches (the trigger paused), then updated by a newer revision (the update
    trigger on rows the batches indexed): the index equals one rebuilt from `disputes`."""
    triggers = trigger_sql(sqlite_store)
    disputes = seeded(300)
    sqlite_store.import_disputes(disputes[:200], batch_size=64)
    newer = [
        d.model_copy(update={"revision": d.revision + 1, "order": d.order.model_copy(
            update={"title": f"Renamed lamp {d.id}"})})
        for d in disputes[:20]
    ]  # fmt: skip
    sqlite_store.import_disputes([*disputes[200:], *newer], batch_size=64)
    assert trigger_sql(sqlite_store) == triggers  # the insert trigger is back, as it was
    check_index(sqlite_store)
    found = matches(sqlite_store)
    assert found["D-10012"] and found["lamp"] and not found["zzzq"]
    assert set(found["lamp"]) >= {d.id for d in disputes[:20]}
    with sqlite_store.engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO disputes_fts(disputes_fts) VALUES ('rebuild')")
    assert matches(sqlite_store) == found


def test_rows_written_after_an_import_are_indexed_by_the_trigger(sqlite_store: SqlStore) -> None:
    sqlite_store.import_disputes(seeded(10))
    with sqlite_store.engine.begin() as conn:  # a row written by anything but an import
        conn.exec_driver_sql("CREATE TEMP TABLE copy AS SELECT * FROM disputes LIMIT 1")
        conn.exec_driver_sql("UPDATE copy SET id = 'D-900001', order_title = 'Quokka plush'")
        conn.exec_driver_sql("INSERT INTO disputes SELECT * FROM copy")
    found = sqlite_store.queue_page_sync(QueueQuery(text="quokka")).rows
    assert [r.id for r in found] == ["D-900001"]
    check_index(sqlite_store)


def test_a_failed_import_leaves_the_index_and_its_trigger_as_they_were(
    sqlite_store: SqlStore,
) -> None:
    sqlite_store.import_disputes(seeded(50))
    triggers, found = trigger_sql(sqlite_store), matches(sqlite_store)
    bad = make_dispute(2, price="10.005")  # the store refuses to round it
    with pytest.raises(StoreError, match="nothing was written"):
        sqlite_store.import_disputes([make_dispute(1), bad], batch_size=1)
    assert trigger_sql(sqlite_store) == triggers
    assert matches(sqlite_store) == found
    check_index(sqlite_store)
