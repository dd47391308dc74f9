"""The queue: keyset pages in urgency order, filters, counts."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from mediator.domain import Reason, Status
from mediator.domain.deadlines import next_deadline, urgency_at
from mediator.store import QueueKey, QueueQuery, QueueRow
from mediator.store.sql import SqlStore
from mediator.store.sql.schema import disputes
from mediator.store.sql.search import text_filter
from tests.store.conftest import BASE, make_dispute

STATUSES = [Status.ESCALATED, Status.AWAITING_INFO, Status.RESOLVED, Status.ESCALATED, Status.OPEN]
REASONS = [Reason.NOT_RECEIVED, Reason.DEFECTIVE, Reason.LATE_DELIVERY]


@pytest.fixture
def big(store: SqlStore) -> SqlStore:
    """250 queue disputes (plus 100 resolved or open ones), urgencies tied in threes."""
    disputes = [
        make_dispute(
            n,
            status=STATUSES[n % len(STATUSES)].value,
            reason=REASONS[n % len(REASONS)].value,
            # ties: three disputes share each urgency, so the id must break them
            urgency=BASE + timedelta(minutes=7 * ((n * 37) % 117)),
            messages=1,
            evidence=0,
        )
        for n in range(1000, 1350)
    ]
    store.import_disputes(reversed(disputes))
    return store


def expected(store: SqlStore, query: QueueQuery) -> list[str]:
    """The ids matching `query` in urgency order, computed the slow way."""
    rows = []
    for n in range(1000, 1350):
        record = store.get_dispute_sync(f"D-{n}")
        d = record.dispute
        if d.status in query.statuses and (not query.reasons or d.reason in query.reasons):
            rows.append((urgency_at(record), d.id))
    return [id_ for _, id_ in sorted(rows)]


def ids(rows: tuple[QueueRow, ...]) -> list[str]:
    return [r.id for r in rows]


async def test_forward_through_all_pages(big: SqlStore) -> None:
    query = QueueQuery()
    want = expected(big, query)
    assert len(want) == 210  # 3 in 5 statuses are in the queue
    page = await big.queue_page(query, limit=40)
    assert not page.has_before
    got = ids(page.rows)
    while page.has_after:
        page = await big.queue_page(query, after=page.rows[-1].key, limit=40)
        assert page.has_before
        got += ids(page.rows)
    assert got == want
    assert len(page.rows) == 210 - 5 * 40
    assert not page.has_after


async def test_backward_from_the_end(big: SqlStore) -> None:
    query = QueueQuery()
    want = expected(big, query)
    page = await big.queue_page(query, from_end=True, limit=40)
    assert not page.has_after
    assert page.has_before
    assert ids(page.rows) == want[-40:]
    got = ids(page.rows)
    while page.has_before:
        page = await big.queue_page(query, before=page.rows[0].key, limit=40)
        assert page.has_after
        got = ids(page.rows) + got
    assert got == want
    assert ids(page.rows) == want[:10]


def test_edges(big: SqlStore) -> None:
    query = QueueQuery()
    want = expected(big, query)
    everything = big.queue_page_sync(query, limit=1000)
    assert ids(everything.rows) == want
    assert not everything.has_before and not everything.has_after
    exact = big.queue_page_sync(query, limit=210)
    assert not exact.has_after and not exact.has_before
    first, last = everything.rows[0], everything.rows[-1]
    past_end = big.queue_page_sync(query, after=last.key, limit=10)
    assert past_end.rows == () and past_end.has_before and not past_end.has_after
    before_start = big.queue_page_sync(query, before=first.key, limit=10)
    assert before_start.rows == () and before_start.has_after and not before_start.has_before
    one = big.queue_page_sync(query, after=first.key, limit=1)
    assert ids(one.rows) == [want[1]] and one.has_before and one.has_after
    middle = big.queue_page_sync(query, before=everything.rows[100].key, limit=5)
    assert ids(middle.rows) == want[95:100] and middle.has_before and middle.has_after


def test_a_key_between_rows(big: SqlStore) -> None:
    """A key that is no longer in the queue (e.g. the row was resolved) still pages."""
    want = expected(big, QueueQuery())
    all_rows = big.queue_page_sync(QueueQuery(), limit=1000).rows
    k = all_rows[50].key
    gap = QueueKey(k.urgency_at, k.id + "0")  # sorts right after row 50
    assert ids(big.queue_page_sync(QueueQuery(), after=gap, limit=3).rows) == want[51:54]
    assert ids(big.queue_page_sync(QueueQuery(), before=gap, limit=3).rows) == want[48:51]


def test_rows_carry_what_the_table_shows(big: SqlStore) -> None:
    row = big.queue_page_sync(QueueQuery(), limit=1).rows[0]
    d = big.get_dispute_sync(row.id).dispute
    assert row.price == Decimal("30.00") and row.currency == "USD"
    assert row.urgency_at == urgency_at(big.get_dispute_sync(row.id))
    assert row.urgency_at.tzinfo is not None
    assert (row.buyer_name, row.seller_name) == (d.buyer.name, d.seller.name)
    assert (row.message_count, row.evidence_count, row.version) == (1, 0, 1)
    assert row.key == QueueKey(row.urgency_at, row.id)


def test_urgency_is_the_next_running_deadline(store: SqlStore) -> None:
    d = make_dispute(1, status="awaiting_info")
    d = d.model_copy(update={"escalated_at": None, "escalation_cause": None})
    store.import_disputes([d])
    row = store.queue_page_sync(QueueQuery()).rows[0]
    upcoming = next_deadline(store.get_dispute_sync(d.id))
    assert upcoming is not None and upcoming.rule_id == "P-INFO-7D"
    assert (row.urgency_at, row.deadline_rule) == (upcoming.due_at, "P-INFO-7D")
    assert row.escalated_at is None


@pytest.mark.parametrize(
    "statuses",
    [{Status.ESCALATED}, {Status.AWAITING_INFO}, {Status.RESOLVED, Status.OPEN}, set(Status)],
)
def test_status_filter(big: SqlStore, statuses: set[Status]) -> None:
    query = QueueQuery(statuses=frozenset(statuses))
    rows = big.queue_page_sync(query, limit=1000).rows
    assert ids(rows) == expected(big, query)
    assert {r.status for r in rows} == statuses - {Status.CLOSED, Status.AWAITING_REVIEW}


def test_reason_filter(big: SqlStore) -> None:
    query = QueueQuery(reasons=frozenset({Reason.DEFECTIVE, Reason.LATE_DELIVERY}))
    rows = big.queue_page_sync(query, limit=1000).rows
    assert ids(rows) == expected(big, query)
    assert {r.reason for r in rows} == {Reason.DEFECTIVE, Reason.LATE_DELIVERY}
    nothing = QueueQuery(reasons=frozenset({Reason.OTHER}))
    assert big.queue_page_sync(nothing).rows == ()


@pytest.fixture
def texts(store: SqlStore) -> SqlStore:
    store.import_disputes(
        [
            make_dispute(1, title="T-shirt, 100% cotton"),
            make_dispute(2, title="T-shirt, 100 cotton"),
            make_dispute(3, title="snake_case stickers", buyer="under_score"),
            make_dispute(4, title='snakeXcase stickers "quoted" ünïcode'),
            make_dispute(5, title="Mixed CASE Title", seller="ShopKeeper"),
            make_dispute(6, title="back\\slash"),
            make_dispute(77, title="plain", buyer="Ärger"),
        ]
    )
    return store


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("100%", ["D-1"]),
        ("%", ["D-1"]),
        ("_", ["D-3"]),
        ("e_c", ["D-3"]),
        ("mixed case", ["D-5"]),
        ("MIXED case title", ["D-5"]),
        ("shopkeeper", ["D-5"]),  # seller name
        ("UNDER_", ["D-3"]),  # buyer name
        ("d-7", ["D-77"]),  # id
        ("\\", ["D-6"]),
        ("  cotton ", ["D-1", "D-2"]),
        ("", ["D-1", "D-2", "D-3", "D-4", "D-5", "D-6", "D-77"]),
        ("no such thing", []),
        ('"quoted"', ["D-4"]),  # FTS5 query syntax is never interpreted
        ("cotton OR shop", []),
        ("ünïcode", ["D-4"]),
        ("ÜNÏCODE", ["D-4"]),
        ("77 plain", []),  # the id's end and the title's start: never across two columns
        ("plain ärger", []),
        ("plain", ["D-77"]),
    ],
)
def test_text_filter(texts: SqlStore, text: str, want: list[str]) -> None:
    query = QueueQuery(text=text)
    assert sorted(ids(texts.queue_page_sync(query).rows)) == want
    assert texts.queue_counts_sync(query).matching == len(want)


async def test_counts(big: SqlStore) -> None:
    counts = await big.queue_counts(QueueQuery())
    assert counts.matching == 210
    assert counts.by_status == {Status.ESCALATED: 140, Status.AWAITING_INFO: 70}
    narrow = await big.queue_counts(
        QueueQuery(text="no such thing", reasons=frozenset({Reason.DEFECTIVE}))
    )
    assert narrow.matching == 0
    assert narrow.by_status == counts.by_status  # whole queue, whatever the filter
    defective = QueueQuery(reasons=frozenset({Reason.DEFECTIVE}))
    assert (await big.queue_counts(defective)).matching == len(expected(big, defective))


def test_matching_counts_stop_at_the_cap(big: SqlStore, monkeypatch: pytest.MonkeyPatch) -> None:
    import mediator.store.sql.queue as queue_module

    monkeypatch.setattr(queue_module, "COUNT_CAP", 100)
    defective = QueueQuery(reasons=frozenset({Reason.DEFECTIVE}))
    few = len(expected(big, defective))
    assert few < 100
    counts = big.queue_counts_sync(defective, totals=False)
    assert (counts.matching, counts.capped, counts.by_status) == (few, False, {})
    every = QueueQuery(statuses=frozenset(Status))
    many = big.queue_counts_sync(every, totals=False)
    assert (many.matching, many.capped) == (100, True)
    # the whole queue with its totals is exact: the totals are the answer
    whole = big.queue_counts_sync(QueueQuery())
    assert (whole.matching, whole.capped) == (210, False)


def test_counts_of_an_empty_store(store: SqlStore) -> None:
    counts = store.queue_counts_sync(QueueQuery())
    assert counts.matching == 0
    assert counts.by_status == {Status.ESCALATED: 0, Status.AWAITING_INFO: 0}


def test_bad_arguments(store: SqlStore) -> None:
    k = QueueKey(BASE, "D-1")
    with pytest.raises(ValueError):
        store.queue_page_sync(QueueQuery(), after=k, before=k)
    with pytest.raises(ValueError):
        store.queue_page_sync(QueueQuery(), limit=0)


@pytest.mark.parametrize("needle", ["cotton", "shopkeeper", "d-77", "100%"])
def test_text_search_reads_the_index(texts: SqlStore, needle: str) -> None:
    """SQLite: the FTS5 trigram table; PostgreSQL: the pg_trgm GIN index (`search.py`), which
    `text_filter` must query with the very expression the index is built on."""
    with texts.engine.connect() as conn, conn.begin():
        where = text_filter(conn, needle)
        assert where is not None
        compiled = select(func.count()).select_from(disputes).where(where).compile(conn)
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")  # 7 rows: force the choice
            explain, index = "EXPLAIN ", "ix_disputes_search"
        else:
            explain, index = "EXPLAIN QUERY PLAN ", "disputes_fts"
        params = compiled.params
        if compiled.positiontup is not None:  # SQLite's qmark style
            params = tuple(params[name] for name in compiled.positiontup)
        plan = conn.exec_driver_sql(explain + compiled.string, params).all()
    assert index in "\n".join(str(row) for row in plan)


@pytest.mark.parametrize(
    ("few", "many", "plan"),
    [(10**6, 10**6, "from_index"), (0, 10**6, "plain"), (0, 0, "walk")],
)
def test_every_search_plan_reads_the_same_rows(
    big: SqlStore, monkeypatch: pytest.MonkeyPatch, few: int, many: int, plan: str
) -> None:
    """Issue 4: how a search is read at scale (from the FTS index outward, the planner's choice,
    or walking the urgency order) depends on how many disputes match; the answer must not."""
    import mediator.store.sql.queue as queue_module

    monkeypatch.setattr(queue_module, "FEW_CANDIDATES", few)
    monkeypatch.setattr(queue_module, "MANY_CANDIDATES", many)
    monkeypatch.setattr(queue_module, "MANY_TO_COUNT", many)
    query = QueueQuery(text="D-11")  # D-1100 … D-1199: the id column, mixed case below
    with big.engine.connect() as conn:
        if big.engine.dialect.name == "sqlite":
            assert queue_module.search_plan(conn, query).value == plan
    want = [i for i in expected(big, QueueQuery()) if i.startswith("D-11")]
    assert ids(big.queue_page_sync(query, limit=1000).rows) == want
    assert ids(big.queue_page_sync(QueueQuery(text="d-11"), limit=1000).rows) == want
    first = big.queue_page_sync(query, limit=7)
    rest = big.queue_page_sync(query, after=first.rows[-1].key, limit=1000)
    assert ids(first.rows + rest.rows) == want
    assert ids(big.queue_page_sync(query, from_end=True, limit=5).rows) == want[-5:]
    assert big.queue_counts_sync(query, totals=False).matching == len(want)
