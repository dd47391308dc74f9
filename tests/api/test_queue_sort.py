"""The queue sorted by any column (issue 19), on SQLite, PostgreSQL and the API.

Every order is compared with a Python-side sort of every row (`ORDERS`, written out here from
the rules, not from the store's code): walked forward a few rows at a time, backward from the
end, around one dispute, with a search, in both directions.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from mediator.domain import DecisionDraft, Outcome, Reason, Status
from mediator.domain.queue import NOT_DECIDED, QueueQuery, QueueRow, SortKey
from mediator.store.base import QueuePage
from mediator.store.http import HttpStore
from tests.api.conftest import Api
from tests.store.conftest import BASE, make_dispute

Store = Any  # SqlStore or HttpStore: the one protocol


def ascii_lower(text: str) -> str:
    return "".join(ch.lower() if "A" <= ch <= "Z" else ch for ch in text)


#: The rules of issue 19, one a sort: ties by deadline, then id; names folded (ASCII only);
#: amounts by currency first.
ORDERS: dict[SortKey, Callable[[QueueRow], tuple[Any, ...]]] = {
    SortKey.DUE: lambda r: (r.urgency_at, r.id),
    SortKey.ID: lambda r: (r.id,),
    SortKey.REASON: lambda r: (r.reason.value, r.urgency_at, r.id),
    SortKey.AMOUNT: lambda r: (r.currency, r.price, r.urgency_at, r.id),
    SortKey.BUYER: lambda r: (ascii_lower(r.buyer_name), r.urgency_at, r.id),
    SortKey.SELLER: lambda r: (ascii_lower(r.seller_name), r.urgency_at, r.id),
    SortKey.STATUS: lambda r: (r.status.value, r.urgency_at, r.id),
    SortKey.EVIDENCE: lambda r: (r.evidence_count, r.urgency_at, r.id),
    SortKey.FLAGS: lambda r: (r.flagged_count, r.urgency_at, r.id),
    SortKey.TITLE: lambda r: (ascii_lower(r.order_title), r.urgency_at, r.id),
    # issue 22: the decision that stands, its time; none sorts before any (last, newest first)
    SortKey.DECIDED: lambda r: (r.decided_at or NOT_DECIDED, r.urgency_at, r.id),
}
BUYERS = ["ana", "Ana", "bob", "Émile", "émile", "zoë", "Zed", "ANA", "_x", "bo b"]
SELLERS = ["Shop", "shop", "Ölwerk", "acme", "Acme Ltd", "zz"]
TITLES = ["Blue kettle", "blue Kettle", "Äpfel", "apple", "Zebra mug"]
CURRENCIES = [
    ("USD", "30.00"),
    ("EUR", "9.50"),
    ("JPY", "3000"),
    ("USD", "4.99"),
    ("EUR", "120.00"),
]
STATUSES = [Status.ESCALATED, Status.AWAITING_INFO, Status.ESCALATED, Status.RESOLVED]


def test_every_sort_has_a_rule() -> None:
    assert set(ORDERS) == set(SortKey)


@pytest.fixture
def sorted_api(api: Api) -> Api:
    """48 disputes: names that differ only in case or accents, three currencies, ties."""
    disputes = []
    for n in range(100, 148):
        currency, price = CURRENCIES[n % len(CURRENCIES)]
        disputes.append(
            make_dispute(
                n,
                urgency=BASE + timedelta(hours=n % 7),  # ties: the id breaks them
                status=STATUSES[n % len(STATUSES)].value,
                reason=list(Reason)[n % 5].value,
                buyer=BUYERS[n % len(BUYERS)],
                seller=SELLERS[n % len(SELLERS)],
                title=TITLES[n % len(TITLES)],
                currency=currency,
                price=price,
                fee="0" if currency == "JPY" else "0.50",
                evidence=n % 3,
            )
        )
    api.store.import_disputes(disputes)
    return api


@pytest.fixture(params=["sql", "api"])
async def store(request: pytest.FixtureRequest, sorted_api: Api) -> AsyncIterator[Store]:
    """The SQL store itself, or an HttpStore of the API over it."""
    if request.param == "sql":
        yield sorted_api.store
        return
    http = HttpStore(sorted_api.base_url, sorted_api.tokens["agent.ana"], backoff=0.01)
    try:
        yield http
    finally:
        await http.close()


def expected(every: list[QueueRow], query: QueueQuery) -> list[str]:
    rows = [r for r in every if r.status in query.statuses]
    if query.text:
        needle = query.text.lower()
        rows = [
            r
            for r in rows
            if any(needle in f.lower() for f in (r.id, r.order_title, r.buyer_name, r.seller_name))
        ]
    rows.sort(key=ORDERS[query.sort], reverse=query.descending)
    return [r.id for r in rows]


def ids(page: QueuePage) -> list[str]:
    return [r.id for r in page.rows]


async def walk(store: Store, query: QueueQuery, size: int) -> list[str]:
    page = await store.queue_page(query, limit=size)
    out = ids(page)
    assert not page.has_before
    while page.has_after:
        page = await store.queue_page(query, after=page.rows[-1].key_for(query.sort), limit=size)
        assert page.has_before
        out += ids(page)
    return out


async def walk_back(store: Store, query: QueueQuery, size: int) -> list[str]:
    page = await store.queue_page(query, from_end=True, limit=size)
    out = ids(page)
    assert not page.has_after
    while page.has_before:
        page = await store.queue_page(query, before=page.rows[0].key_for(query.sort), limit=size)
        assert page.has_after
        out = ids(page) + out
    return out


@pytest.mark.parametrize("descending", [False, True], ids=["asc", "desc"])
@pytest.mark.parametrize("sort", list(SortKey))
async def test_every_order_pages_like_a_python_sort(
    store: Store, sorted_api: Api, sort: SortKey, descending: bool
) -> None:
    every = list(
        sorted_api.store.queue_page_sync(QueueQuery(statuses=frozenset(Status)), limit=500).rows
    )
    query = QueueQuery(sort=sort, descending=descending)
    want = expected(every, query)
    assert len(want) > 30
    assert await walk(store, query, 7) == want
    assert await walk_back(store, query, 5) == want
    # around one dispute, as the console reloads keeping its cursor
    middle = (await store.queue_page(query, limit=100)).rows[20]
    key = middle.key_for(sort)
    before = await store.queue_page(query, before=key, limit=4)
    after = await store.queue_page(query, after=before.rows[-1].key_for(sort), limit=3)
    assert ids(before) + ids(after) == want[16:23]
    # a search keeps the order
    searched = QueueQuery(text="ana", sort=sort, descending=descending)
    assert await walk(store, searched, 3) == expected(every, searched)
    # every status, the claims column's neighbours included
    everything = QueueQuery(statuses=frozenset(Status), sort=sort, descending=descending)
    assert await walk_back(store, everything, 9) == expected(every, everything)


async def test_the_default_order_is_the_deadline(store: Store) -> None:
    assert ids(await store.queue_page(QueueQuery())) == ids(
        await store.queue_page(QueueQuery(sort=SortKey.DUE))
    )


async def test_counts_do_not_depend_on_the_order(store: Store) -> None:
    plain = await store.queue_counts(QueueQuery(), totals=False)
    by_buyer = await store.queue_counts(
        QueueQuery(sort=SortKey.BUYER, descending=True), totals=False
    )
    assert by_buyer == plain


def test_the_api_names_the_valid_orders(sorted_api: Api) -> None:
    ana = sorted_api.client()
    response = ana.get("/queue", params={"sort": "colour"})
    assert response.status_code == 422
    assert "sort: 'colour' is not one of due, id, reason, amount, buyer" in response.text
    response = ana.get("/queue", params={"sort": "buyer", "direction": "up"})
    assert response.status_code == 422
    assert "direction: 'up' is not one of asc, desc" in response.text
    first = ana.get("/queue", params={"sort": "buyer", "limit": "3"}).json()
    # a cursor of one order is refused in another
    response = ana.get("/queue", params={"sort": "amount", "after": first["last"]})
    assert response.status_code == 422
    assert "not a cursor this server issued for sort=amount" in response.text
    response = ana.get("/queue", params={"sort": "buyer", "after": first["last"]})
    assert response.status_code == 200


RESOLVED = QueueQuery(statuses=frozenset({Status.RESOLVED}))


async def test_the_resolved_list_is_newest_decision_first(store: Store, sorted_api: Api) -> None:
    """Issue 22: decided here at scattered times by two agents (ties on the time too), the
    resolved list pages newest decision first, each row naming who decided and when; a
    resolved dispute imported without a decision comes last."""
    db = sorted_api.store
    queue = db.queue_page_sync(QueueQuery(), limit=500).rows
    draft = DecisionDraft(outcome=Outcome.SELLER_FAVOUR, rationale="Tracking shows delivery.")
    decided: dict[str, tuple[datetime, str]] = {}
    for i, row in enumerate(queue[:14]):
        at = BASE + timedelta(days=10, minutes=(i * 37) % 11)  # out of queue order, with ties
        who = "agent.ana" if i % 2 else "agent.bo"
        db.record_decision_sync(row.id, draft, expected_version=row.version, actor=who, now=at)
        decided[row.id] = (at, who)
    query = RESOLVED.sorted_by(SortKey.DECIDED, descending=True)
    every = db.queue_page_sync(RESOLVED, limit=500).rows
    want = expected(list(every), query)
    assert set(want[: len(decided)]) == set(decided)  # then those decided elsewhere
    assert await walk(store, query, 4) == want
    assert await walk_back(store, query, 3) == want
    page = await store.queue_page(query, limit=len(decided) + 1)
    for row in page.rows[: len(decided)]:
        assert (row.decided_at, row.decided_by) == decided[row.id]
    imported = page.rows[len(decided)]  # resolved on import, without a decision
    assert (imported.decided_at, imported.decided_by) == (None, None)
    assert [d[0] for d in (decided[r.id] for r in page.rows[: len(decided)])] == sorted(
        (at for at, _ in decided.values()), reverse=True
    )
