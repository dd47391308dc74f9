"""Every queue order (issue 19) reads a page from an index range, never sorts the queue.

20,000 disputes, 30 % of them in the queue, written with one SQL statement and ANALYZEd, so
that both planners know `status` is not selective; then the page statements `queue_page`
really runs (captured as they are sent) are EXPLAINed: SQLite names the order's index and
builds no temporary B-tree for the ORDER BY, PostgreSQL scans an index and sorts nothing.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, text

from mediator.domain.enums import Status
from mediator.domain.queue import QueueQuery, SortKey
from mediator.store.sql import SqlStore
from mediator.store.sql.schema import disputes
from tests.store.conftest import make_dispute

ROWS = 20_000
#: The index each order reads (SQLite's planner may pick either default-order index).
INDEXES = {
    SortKey.DUE: ("ix_disputes_status_urgency", "ix_disputes_urgency"),
    SortKey.ID: ("sqlite_autoindex_disputes_1", "disputes_pkey"),
    SortKey.REASON: ("ix_disputes_reason_urgency",),
    SortKey.AMOUNT: ("ix_disputes_amount_urgency",),
    SortKey.BUYER: ("ix_disputes_sort_buyer",),
    SortKey.SELLER: ("ix_disputes_sort_seller",),
    SortKey.STATUS: ("ix_disputes_status_urgency",),
    SortKey.EVIDENCE: ("ix_disputes_evidence_urgency",),
    SortKey.FLAGS: ("ix_disputes_flags_urgency",),
    SortKey.TITLE: ("ix_disputes_sort_title",),
    SortKey.DECIDED: ("ix_disputes_sort_decided",),
}
#: The decision time's order is the resolved list's (issue 22): one status, a range of
#: `(status, decision time, urgency_at, id)`.
QUERIES = {SortKey.DECIDED: QueueQuery(statuses=frozenset({Status.RESOLVED}))}
OVERRIDES = {
    "id": "'X-' || i",
    "status": "CASE i % 10 WHEN 0 THEN 'escalated' WHEN 1 THEN 'awaiting_info' "
    "WHEN 2 THEN 'escalated' ELSE 'resolved' END",
    "reason": "CASE i % 3 WHEN 0 THEN 'defective' WHEN 1 THEN 'other' ELSE 'not_received' END",
    "buyer_name": "'Buyer ' || ((i * 7919) % 9973)",
    "seller_name": "'seller ' || ((i * 104729) % 4001)",
    "order_title": "'Item ' || ((i * 31) % 2999)",
    "currency": "CASE i % 3 WHEN 0 THEN 'EUR' ELSE 'USD' END",
    "price_minor": "(i * 37) % 50000",
    "evidence_count": "i % 6",
    "flagged_count": "CASE WHEN i % 40 = 0 THEN 1 ELSE 0 END",
}


@pytest.fixture
def many(store: SqlStore) -> SqlStore:
    store.import_disputes([make_dispute(1)])
    columns = [col.name for col in disputes.c]
    values = ", ".join(OVERRIDES.get(name, name) for name in columns)
    with store.engine.begin() as conn:
        conn.execute(
            text(
                f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {ROWS}) "
                f"INSERT INTO disputes ({', '.join(columns)}) "
                f"SELECT {values} FROM disputes, n WHERE disputes.id = 'D-1'"
            )
        )
    with store.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
    return store


def page_statements(store: SqlStore, query: QueueQuery, **kwargs: Any) -> list[tuple[str, Any]]:
    """The page statements `queue_page` sends for `query` (not its existence checks)."""
    sent: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, params: Any, *args: Any) -> None:
        if statement.lstrip().startswith("SELECT disputes.id, disputes.status"):
            sent.append((statement, params))

    event.listen(store.engine, "before_cursor_execute", capture)
    try:
        page = store.queue_page_sync(query, limit=100, **kwargs)
    finally:
        event.remove(store.engine, "before_cursor_execute", capture)
    assert page.rows
    return sent


def plan(store: SqlStore, statement: str, params: Any) -> str:
    postgres = store.engine.dialect.name == "postgresql"
    explain = "EXPLAIN " if postgres else "EXPLAIN QUERY PLAN "
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql(explain + statement, params).all()
    return "\n".join(" ".join(str(v) for v in row) for row in rows)


def test_a_sorted_page_is_an_index_range(many: SqlStore) -> None:
    """Each order, both directions: the first page, after and before a key, and the last page
    (one test per database: the 20,000 rows are written once)."""
    postgres = many.engine.dialect.name == "postgresql"
    checked = 0
    for sort in SortKey:
        for descending in (False, True):
            query = QUERIES.get(sort, QueueQuery()).sorted_by(sort, descending)
            # keys with most of the queue on the side read (a short range may rightly be sorted)
            top = many.queue_page_sync(query, limit=100).rows[-1].key_for(sort)
            end = many.queue_page_sync(query, limit=100, from_end=True).rows[0].key_for(sort)
            for kwargs in ({}, {"after": top}, {"before": end}, {"from_end": True}):
                for statement, params in page_statements(many, query, **kwargs):
                    shown = plan(many, statement, params)
                    where = (sort.value, descending, kwargs, shown)
                    assert any(index in shown for index in INDEXES[sort]), where
                    if postgres:
                        assert "Index Scan" in shown and "Sort" not in shown, where
                    else:
                        assert "USE TEMP B-TREE" not in shown, where
                    checked += 1
    assert checked == len(SortKey) * 2 * 4
