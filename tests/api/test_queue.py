"""`GET /queue` and `/queue/counts` over HTTP: keyset pages with opaque cursors, and filters.

Walking the whole queue a few rows at a time, forward with `after` and backward with `before`,
must give exactly the store's own urgency order (`SqlStore.queue_page_sync`), ties broken by id.
"""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from typing import Any

import httpx
import pytest

from mediator.domain import Reason, Status
from mediator.store.base import QueueQuery
from mediator.store.wire import CursorPage, encode_cursor
from tests.api.conftest import Api
from tests.store.conftest import BASE, NOW, make_dispute

Params = dict[str, str]


@pytest.fixture
def queue_api(api: Api) -> Api:
    """The examples and 24 generated disputes, three at a time escalated at the same moment
    (ties in the urgency order), one in four `defective`, one in five awaiting information."""
    api.store.import_disputes(
        [
            make_dispute(
                n,
                urgency=BASE + timedelta(hours=n // 3),
                reason="defective" if n % 4 == 0 else "not_received",
                status="awaiting_info" if n % 5 == 0 else "escalated",
                title="Blue kettle" if n % 6 == 0 else None,
            )
            for n in range(1, 25)
        ]
    )
    return api


def store_ids(api: Api, query: QueueQuery) -> list[str]:
    page = api.store.queue_page_sync(query, limit=1000)
    assert not page.has_after
    return [row.id for row in page.rows]


def get_page(client: httpx.Client, params: Params) -> dict[str, Any]:
    response = client.get("/queue", params=params)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    rows = CursorPage.model_validate_json(response.content).rows
    assert page["first"] == (encode_cursor(rows[0].key) if rows else None)
    assert page["last"] == (encode_cursor(rows[-1].key) if rows else None)
    return page


def walk_forward(client: httpx.Client, params: Params, limit: int) -> list[str]:
    page = get_page(client, {**params, "limit": str(limit)})
    assert page["has_before"] is False
    ids = [r["id"] for r in page["rows"]]
    for _ in range(1000):
        if not page["has_after"]:
            return ids
        assert len(page["rows"]) == limit  # only the last page may be short
        page = get_page(client, {**params, "limit": str(limit), "after": page["last"]})
        assert page["has_before"] is True
        ids += [r["id"] for r in page["rows"]]
    raise AssertionError("the queue never ended")


def walk_backward(client: httpx.Client, params: Params, limit: int) -> list[str]:
    page = get_page(client, {**params, "limit": str(limit), "from_end": "true"})
    assert page["has_after"] is False
    ids = [r["id"] for r in page["rows"]]
    for _ in range(1000):
        if not page["has_before"]:
            return ids
        assert len(page["rows"]) == limit  # only the first page may be short
        page = get_page(client, {**params, "limit": str(limit), "before": page["first"]})
        assert page["has_after"] is True
        ids = [r["id"] for r in page["rows"]] + ids
    raise AssertionError("the queue never began")


@pytest.mark.parametrize("limit", [1, 4, 7, 500])
def test_walking_the_queue_both_ways_gives_the_store_order(
    queue_api: Api, ana: httpx.Client, limit: int
) -> None:
    expected = store_ids(queue_api, QueueQuery())
    assert len(expected) == 5 + 24  # the examples (escalated or awaiting_info) and 24 more
    assert walk_forward(ana, {}, limit) == expected
    assert walk_backward(ana, {}, limit) == expected


def test_a_page_is_the_store_page_field_for_field(queue_api: Api, ana: httpx.Client) -> None:
    first = queue_api.store.queue_page_sync(QueueQuery(), limit=5)
    assert get_page(ana, {"limit": "5"}) == CursorPage.of(first).model_dump(mode="json")
    assert CursorPage.model_validate(get_page(ana, {"limit": "5"}), strict=False).page() == first
    after = queue_api.store.queue_page_sync(QueueQuery(), after=first.rows[-1].key, limit=5)
    page = get_page(ana, {"limit": "5", "after": encode_cursor(first.rows[-1].key)})
    assert page == CursorPage.of(after).model_dump(mode="json")


def test_a_resolved_dispute_leaves_the_walk(queue_api: Api, ana: httpx.Client) -> None:
    body = {"outcome": "seller_favour", "rationale": "Tracking shows delivery."}
    headers = {"If-Match": '"1"', "Idempotency-Key": "k"}
    assert ana.post("/disputes/D-7/decisions", json=body, headers=headers).status_code == 201
    ids = walk_forward(ana, {}, 4)
    assert "D-7" not in ids
    assert ids == store_ids(queue_api, QueueQuery())


FILTERS: list[tuple[Params, QueueQuery, list[str] | None]] = [
    ({"q": "mira"}, QueueQuery(text="mira"), ["D-10001"]),
    ({"q": "  MIRA_k "}, QueueQuery(text="mira_k"), ["D-10001"]),
    ({"q": "blue kettle"}, QueueQuery(text="blue kettle"), ["D-6", "D-12", "D-18", "D-24"]),
    ({"q": "100%"}, QueueQuery(text="100%"), []),  # `%` is a character, not a wildcard
    ({"reason": "defective"}, QueueQuery(reasons=frozenset({Reason.DEFECTIVE})), None),
    (
        {"reason": "account_access_not_transferred,incomplete"},
        QueueQuery(reasons=frozenset({Reason.ACCOUNT_ACCESS_NOT_TRANSFERRED, Reason.INCOMPLETE})),
        ["D-10003", "D-10005"],
    ),
    (
        {"status": "awaiting_info"},
        QueueQuery(statuses=frozenset({Status.AWAITING_INFO})),
        None,
    ),
    ({"status": "resolved"}, QueueQuery(statuses=frozenset({Status.RESOLVED})), []),
    ({"flagged": "true"}, QueueQuery(flagged_only=True), ["D-10003"]),  # P-COMM-* flags
    (
        {"reason": "defective", "status": "awaiting_info"},
        QueueQuery(
            reasons=frozenset({Reason.DEFECTIVE}), statuses=frozenset({Status.AWAITING_INFO})
        ),
        ["D-20"],
    ),
]


def test_filters_match_the_store(queue_api: Api, ana: httpx.Client) -> None:
    for params, query, expected in FILTERS:
        want = store_ids(queue_api, query)
        if expected is not None:
            assert sorted(want) == sorted(expected), params
        else:
            assert want, params  # a filter that matches nothing would prove little
        assert walk_forward(ana, params, 3) == want, params
        assert walk_backward(ana, params, 3) == want, params
        counts = ana.get("/queue/counts", params=params)
        assert counts.status_code == 200, counts.text
        stored = queue_api.store.queue_counts_sync(query, now=NOW)
        assert counts.json() == stored.model_dump(mode="json")
        assert counts.json()["matching"] == len(want), params


def test_counts(queue_api: Api, ana: httpx.Client) -> None:
    counts = ana.get("/queue/counts").json()
    # 4 of the 24 generated disputes (D-5, D-10, D-15, D-20) wait for information, and D-10005
    assert counts["matching"] == 29
    assert counts["by_status"] == {"escalated": 24, "awaiting_info": 5}
    assert counts["overdue"] > 0  # the generated disputes' STAFF-48H ran out in October


def _cursor(raw: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(raw).encode()).decode().rstrip("=")


BAD: list[Params] = [
    {"after": "garbage"},
    {"before": "!!!"},
    {"after": _cursor(["not a time", "D-1"])},
    {"after": _cursor(["2026-10-01T09:00:00", "D-1"])},  # no UTC offset
    {"before": _cursor(["2026-10-01T09:00:00Z", 5])},
    {"after": _cursor({"urgency": "2026-10-01T09:00:00Z"})},
    {"after": _cursor(["2026-10-01T09:00:00Z", "D-\x00"])},
    {"limit": "0"},
    {"limit": "501"},
    {"limit": "ten"},
    {"reason": "bogus"},
    {"status": "escalated,bogus"},
    {"flagged": "maybe"},
    {"q": "a\x00b"},
]


def test_a_bad_cursor_or_filter_is_422(ana: httpx.Client) -> None:
    for params in BAD:
        paths = (
            ["/queue"]
            if set(params) & {"after", "before", "limit"}
            else ["/queue", "/queue/counts"]
        )
        for path in paths:
            response = ana.get(path, params=params)
            assert response.status_code == 422, (path, params, response.text)
            body = response.json()
            assert body["code"] == "invalid_request", body
            assert body["errors"] and body["blocks"] == body["warnings"] == [], body
