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
from mediator.store.sql.bulk_load import bulk_load
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


# --- the indexes of an empty store, created after its rows (`bulk_load`) -----------------------


def schema(store: SqlStore) -> list[tuple[str, str, str | None]]:
    """Every index and trigger, as `sqlite_master` holds them."""
    query = (
        "SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') "
        "ORDER BY type, name"
    )
    with store.engine.connect() as conn:
        return [(kind, name, sql) for kind, name, sql in conn.exec_driver_sql(query)]


def integrity(store: SqlStore) -> list[str]:
    """SQLite's own check of every table against its indexes: ["ok"] when they agree."""
    with store.engine.connect() as conn:
        return [row for (row,) in conn.exec_driver_sql("PRAGMA integrity_check")]


def deferred(store: SqlStore) -> list[str]:
    """The `CREATE INDEX` statements `bulk_load` would defer on this store now."""
    with store.engine.connect() as conn:
        tx = conn.begin()
        try:
            with bulk_load(conn) as load:
                assert load is not None
                return list(load.indexes)
        finally:
            tx.rollback()  # nothing dropped stays dropped


def cache_sizes(store: SqlStore) -> set[int]:
    """The page cache of the pool's connections (an import enlarges its own for a while)."""
    with store.engine.connect() as conn:
        return {int(conn.exec_driver_sql("PRAGMA cache_size").scalar() or 0)}


def test_an_empty_store_gets_its_indexes_back_after_the_rows(sqlite_store: SqlStore) -> None:
    before = schema(sqlite_store)
    sizes = cache_sizes(sqlite_store)
    assert len(deferred(sqlite_store)) >= 16  # the queue's orders and filters
    report = sqlite_store.import_disputes(seeded(120), batch_size=50)
    assert report.inserted == 120
    assert schema(sqlite_store) == before
    assert integrity(sqlite_store) == ["ok"]
    check_index(sqlite_store)
    assert cache_sizes(sqlite_store) == sizes
    assert deferred(sqlite_store) == []  # it holds disputes now: its indexes stay


def test_an_id_twice_in_an_import_into_an_empty_store(sqlite_store: SqlStore) -> None:
    """The second line updates a row of the first batch: the indexes are created before the
    update reads through them, and the queue reads the newer revision."""
    before = schema(sqlite_store)
    disputes = seeded(30)
    newer = disputes[3].model_copy(update={"revision": disputes[3].revision + 1})
    again = disputes[5]  # the same revision: skipped, as a stored one would be
    report = sqlite_store.import_disputes([*disputes, newer, again], batch_size=8)
    assert (report.inserted, report.updated) == (30, 1)
    assert report.skipped == ((again.id, f"stored revision {again.revision} ≥ {again.revision}"),)
    assert schema(sqlite_store) == before
    assert integrity(sqlite_store) == ["ok"]
    record = sqlite_store.get_dispute_sync(newer.id)
    assert record.dispute.revision == newer.revision
    check_index(sqlite_store)


def test_a_failed_import_into_an_empty_store_leaves_its_schema(sqlite_store: SqlStore) -> None:
    before, sizes = schema(sqlite_store), cache_sizes(sqlite_store)
    bad = make_dispute(2, price="10.005")  # the store refuses to round it
    with pytest.raises(StoreError, match="nothing was written"):
        sqlite_store.import_disputes([make_dispute(1), bad], batch_size=1)
    assert schema(sqlite_store) == before
    assert cache_sizes(sqlite_store) == sizes
    assert sqlite_store.count_disputes() == 0


def test_a_big_import_refreshes_the_planner_statistics(
    sqlite_store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 18: an import that inserts `ANALYZE_AFTER` disputes or more ends with `ANALYZE
    disputes` (without it SQLite sorted every queued dispute for the queue's first page at
    1M); a smaller one, or one told not to (the seed's batches), leaves the statistics alone."""
    from mediator.store.sql import imports
    from mediator.store.sql.prepared import prepare

    monkeypatch.setattr(imports, "ANALYZE_AFTER", 30)
    disputes = seeded(120)

    def statistics() -> int:
        with sqlite_store.engine.connect() as conn:
            table = "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'"
            if conn.exec_driver_sql(table).first() is None:
                return 0
            query = "SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'disputes'"
            return int(conn.exec_driver_sql(query).scalar() or 0)

    sqlite_store.import_disputes(disputes[:29])
    assert statistics() == 0
    ready = [prepare(d, sqlite=True) for d in disputes[29:80]]
    sqlite_store.import_prepared(ready, statistics=False)
    assert statistics() == 0
    sqlite_store.import_disputes(disputes[:80])  # nothing new: skipped
    assert statistics() == 0
    sqlite_store.import_disputes(disputes[80:])
    assert statistics() > 0


def test_statistics_are_refreshed_on_every_database(store: SqlStore) -> None:
    """`refresh_statistics` (the seed's, once at its end) on SQLite and PostgreSQL: the planner
    then knows the column values of `disputes`."""
    store.import_disputes(seeded(40))
    store.refresh_statistics()
    with store.engine.connect() as conn:
        if store.is_sqlite:
            query = "SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'disputes'"
        else:
            query = (
                "SELECT count(*) FROM pg_stats "
                "WHERE tablename = 'disputes' AND schemaname = current_schema()"
            )
        assert int(conn.exec_driver_sql(query).scalar() or 0) > 0
