"""The transcript window by window through the real API (issue 18): `GET /disputes/{id}?newest=`
and `GET /disputes/{id}/messages`, read by the HTTP store as the console reads them."""

from __future__ import annotations

import httpx
import pytest

from mediator.domain.models import Message, message_key
from mediator.store.base import NotFound
from mediator.store.http import HttpStore
from tests.api.conftest import Api
from tests.store.conftest import long_dispute

MESSAGES = 61


@pytest.fixture
def long_api(api: Api) -> Api:
    api.store.import_disputes([long_dispute(1, MESSAGES)])
    return api


async def test_the_http_store_reads_the_same_windows_as_the_sql_store(long_api: Api) -> None:
    direct = long_api.store
    store = HttpStore(long_api.base_url, long_api.tokens["agent.ana"], backoff=0.01)
    try:
        assert await store.get_dispute("D-1", newest=4) == await direct.get_dispute("D-1", newest=4)
        assert (await store.get_dispute("D-1", newest=4)).window == 4
        assert await store.get_dispute("D-1") == await direct.get_dispute("D-1")
        everything = list((await direct.get_dispute("D-1")).dispute.messages)
        assert await store.dispute_messages("D-1") == everything
        read: list[Message] = []
        before = None
        while window := await store.dispute_messages("D-1", before=before, limit=7):
            read = window + read
            before = message_key(window[0])
        assert read == everything  # none lost or repeated at the seams (ties on sent_at)
        with pytest.raises(NotFound):
            await store.dispute_messages("D-404", limit=3)
    finally:
        await store.close()


def test_a_key_needs_both_halves_and_a_time_zone(long_api: Api, ana: httpx.Client) -> None:
    answer = ana.get("/disputes/D-1/messages", params={"before_at": "2026-10-01T09:00:00Z"})
    assert answer.status_code == 422
    naive = {"before_at": "2026-10-01T09:00:00", "before_id": "M-1-0001-0"}
    assert ana.get("/disputes/D-1/messages", params=naive).status_code == 422
    assert ana.get("/disputes/D-1/messages", params={"limit": "0"}).status_code == 422
    assert ana.get("/disputes/D-1", params={"newest": "0"}).status_code == 422
    page = ana.get("/disputes/D-1/messages", params={"limit": "2"})
    assert page.status_code == 200
    # the newest two by (sent_at, id): in the last full minute, "…-0" (message 57) is last
    assert [m["body"] for m in page.json()["messages"]] == [
        f"message {MESSAGES - 4} of dispute 1",
        f"message {MESSAGES - 1} of dispute 1",
    ]
