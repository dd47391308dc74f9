"""The HTTP store and the offline outbox, against a real `mediator serve` app on 127.0.0.1.

The server is the real FastAPI app under uvicorn in a thread, over a real SQLite file; it is
started, stopped and restarted on the same port to make the API go away and come back. The only
fault injected by hand is a lost response (`LoseFirstResponse`): the request reaches the real
server and is stored, and the answer is dropped on the way back, as a cut connection would.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from mediator.domain import Actor, Channel, DecisionDraft, Outcome, Status
from mediator.domain.models import message_key
from mediator.domain.review import ReviewRule, ReviewState, ReviewVerdict, review_state
from mediator.store.base import (
    IdempotencyMismatch,
    InvalidDecision,
    NotFound,
    PendingSync,
    QueueQuery,
    StoreUnavailable,
    VersionConflict,
)
from mediator.store.http import HttpStore, NotAllowed
from mediator.store.outbox import Outbox, OutboxStore
from mediator.store.sql import SqlStore
from tests.api.servers import RestartableServer
from tests.store.conftest import NOW, example_disputes, long_dispute

RATIONALE = "Left earbud defective per photo E-1."
PARTIAL = DecisionDraft(
    outcome=Outcome.BUYER_PARTIAL_REFUND, rationale=RATIONALE, refund_amount=Decimal("20.00")
)


@pytest.fixture
def db(sqlite_url: str) -> Iterator[SqlStore]:
    store = SqlStore.open(sqlite_url)
    store.import_disputes(example_disputes())
    yield store
    store.close_sync()


@pytest.fixture
def server(db: SqlStore) -> Iterator[RestartableServer]:
    running = RestartableServer(db, NOW)
    running.start()
    yield running
    running.stop()


@pytest.fixture
def token(db: SqlStore) -> str:
    return db.add_staff_sync("agent.ana", "agent", now=NOW)


def fast(url: str, token: str, **kwargs: object) -> HttpStore:
    """An HttpStore with short backoffs (the retry logic is the same)."""
    return HttpStore(url, token, backoff=0.01, **kwargs)  # type: ignore[arg-type]


async def test_reads_match_the_database(
    server: RestartableServer, db: SqlStore, token: str
) -> None:
    api = fast(server.url, token)
    try:
        for query in (QueueQuery(), QueueQuery(text="earbud"), QueueQuery(flagged_only=True)):
            assert await api.queue_page(query) == db.queue_page_sync(query)
            assert await api.queue_counts(query) == db.queue_counts_sync(query, now=NOW)
        first = await api.queue_page(QueueQuery(), limit=2)
        rest = await api.queue_page(QueueQuery(), after=first.rows[-1].key, limit=10)
        assert first.rows + rest.rows == db.queue_page_sync(QueueQuery()).rows
        back = await api.queue_page(QueueQuery(), before=rest.rows[0].key, limit=10)
        assert back.rows == first.rows
        assert await api.get_dispute("D-10001") == db.get_dispute_sync("D-10001")
        with pytest.raises(NotFound):
            await api.get_dispute("D-nope")
    finally:
        await api.close()


async def test_writes_are_the_token_owners(
    server: RestartableServer, db: SqlStore, token: str
) -> None:
    api = fast(server.url, token)
    try:
        note = await api.add_note("D-10002", "Called the seller.", actor="mallory", now=NOW)
        assert note.author_name == "agent.ana" and note.channel is Channel.STAFF_NOTE
        request = await api.request_info(
            "D-10002", Actor.SELLER, "Tracking number?", expected_version=1, actor="x", now=NOW
        )
        assert request.asked_by == "agent.ana"
        decision = await api.record_decision(
            "D-10001", PARTIAL, expected_version=1, actor="mallory", now=NOW, idempotency_key="k1"
        )
        assert decision.decided_by == "agent.ana" and decision.fee_refund == Decimal("1.00")
        assert db.get_dispute_sync("D-10001").decisions == (decision,)
    finally:
        await api.close()


async def test_refusals_map_to_store_errors(
    server: RestartableServer, db: SqlStore, token: str
) -> None:
    api = fast(server.url, token)
    try:
        await api.record_decision(
            "D-10001", PARTIAL, expected_version=1, actor="", now=NOW, idempotency_key="a"
        )
        with pytest.raises(VersionConflict) as conflict:
            await api.record_decision(
                "D-10001", PARTIAL, expected_version=1, actor="", now=NOW, idempotency_key="b"
            )
        assert (conflict.value.dispute_id, conflict.value.expected) == ("D-10001", 1)
        assert conflict.value.current is not None
        assert conflict.value.current.decisions[0].decided_by == "agent.ana"
        assert conflict.value.current.dispute.status is Status.RESOLVED
        other = DecisionDraft(outcome=Outcome.SELLER_FAVOUR, rationale=RATIONALE)
        with pytest.raises(IdempotencyMismatch):
            await api.record_decision(
                "D-10001", other, expected_version=2, actor="", now=NOW, idempotency_key="a"
            )
        over = DecisionDraft(
            outcome=Outcome.BUYER_PARTIAL_REFUND,
            rationale=RATIONALE,
            refund_amount=Decimal("95.00"),
        )
        with pytest.raises(InvalidDecision, match="P-REFUND-BOUNDS"):
            await api.record_decision(
                "D-10002", over, expected_version=1, actor="", now=NOW, idempotency_key="c"
            )
        assert db.get_dispute_sync("D-10002").decisions == ()
    finally:
        await api.close()
    intruder = fast(server.url, "mdt_not-a-token")
    try:
        with pytest.raises(NotAllowed, match="unknown or revoked token"):
            await intruder.queue_page(QueueQuery())
    finally:
        await intruder.close()


class LoseFirstResponse(httpx.AsyncBaseTransport):
    """Send to the real server, then drop the first decision's answer (a cut connection)."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.lost = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.url.path.endswith("/decisions") and self.lost == 0:
            await response.aread()
            self.lost += 1
            raise httpx.ReadError("connection reset by peer", request=request)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_a_lost_answer_is_retried_with_the_same_key_and_stored_once(
    server: RestartableServer, db: SqlStore, token: str
) -> None:
    transport = LoseFirstResponse()
    api = fast(server.url, token, transport=transport)
    try:
        decision = await api.record_decision(
            "D-10001", PARTIAL, expected_version=1, actor="", now=NOW, idempotency_key="lost-1"
        )
    finally:
        await api.close()
    assert transport.lost == 1  # the first answer really was lost after the write
    assert db.get_dispute_sync("D-10001").decisions == (decision,)


async def test_a_note_whose_answer_is_lost_is_not_sent_twice(
    server: RestartableServer, db: SqlStore, token: str
) -> None:
    class LoseNote(LoseFirstResponse):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            response = await self.inner.handle_async_request(request)
            if request.url.path.endswith("/notes"):
                await response.aread()
                raise httpx.ReadError("connection reset by peer", request=request)
            return response

    api = fast(server.url, token, transport=LoseNote())
    try:
        with pytest.raises(StoreUnavailable, match="reload to see whether it was stored"):
            await api.add_note("D-10002", "once", actor="", now=NOW)
    finally:
        await api.close()
    notes = [m for m in db.get_dispute_sync("D-10002").dispute.messages if m.body == "once"]
    assert len(notes) == 1


async def test_unreachable_api_keeps_the_decision_until_it_is_back(
    db: SqlStore, token: str, tmp_path: Path
) -> None:
    server = RestartableServer(db, NOW)  # not started: nothing listens on the port yet
    outbox_file = tmp_path / "outbox.db"
    store = OutboxStore(fast(server.url, token, retries=1), Outbox(outbox_file, server.url))
    with pytest.raises(PendingSync, match="pending sync") as kept:
        await store.record_decision(
            "D-10001", PARTIAL, expected_version=1, actor="", now=NOW, idempotency_key="off-1"
        )
    assert kept.value.key == "off-1"
    assert [p.dispute_id for p in await store.pending()] == ["D-10001"]
    report = await store.sync()  # still down: nothing moves, nothing is lost
    assert report.delivered == () and report.waiting == 1
    await store.close()
    assert db.get_dispute_sync("D-10001").decisions == ()

    # the console is restarted; the API comes back
    server.start()
    try:
        again = OutboxStore(fast(server.url, token), Outbox(outbox_file, server.url))
        (pending,) = await again.pending()
        assert pending.key == "off-1" and pending.draft == PARTIAL
        report = await again.sync()
        assert [d.dispute_id for d in report.delivered] == ["D-10001"]
        assert await again.pending() == []
        assert (await again.sync()).delivered == ()
        await again.close()
    finally:
        server.stop()
    (stored,) = db.get_dispute_sync("D-10001").decisions
    assert stored == report.delivered[0] and stored.decided_by == "agent.ana"


async def test_a_pending_decision_refused_on_delivery_is_kept_as_failed(
    db: SqlStore, token: str, tmp_path: Path
) -> None:
    server = RestartableServer(db, NOW)
    store = OutboxStore(fast(server.url, token, retries=0), Outbox(tmp_path / "o.db", server.url))
    with pytest.raises(PendingSync):
        await store.record_decision(
            "D-10001", PARTIAL, expected_version=1, actor="", now=NOW, idempotency_key="late"
        )
    # meanwhile a colleague decides it directly
    db.record_decision_sync(
        "D-10001", DecisionDraft(outcome=Outcome.SELLER_FAVOUR, rationale="ok"), expected_version=1,
        actor="agent.bo", now=NOW,
    )  # fmt: skip
    server.start()
    try:
        report = await store.sync()
        assert report.delivered == ()
        ((dispute_id, why),) = report.failed
        assert dispute_id == "D-10001" and isinstance(why, VersionConflict)
        assert why.current is not None and why.current.decisions[0].decided_by == "agent.bo"
        (kept,) = await store.pending()
        assert kept.state == "failed" and kept.draft == PARTIAL
        assert (await store.sync()).failed == ()  # reported once, never re-sent
    finally:
        await store.close()
        server.stop()
    assert [d.decided_by for d in db.get_dispute_sync("D-10001").decisions] == ["agent.bo"]


# --- reviews (issue 16) ------------------------------------------------------------------------


@pytest.fixture
def supervisor(db: SqlStore) -> str:
    """sup.sam's token, with a review rule set by him: refunds of 20.00 USD or more."""
    token = db.add_staff_sync("sup.sam", "supervisor", now=NOW)
    rule = ReviewRule(refund_at_least={"USD": Decimal("20.00")})
    db.set_review_rule_sync(rule, actor="sup.sam", now=NOW)
    return token


async def test_an_offline_decision_the_rule_catches_is_delivered_as_a_proposal(
    db: SqlStore, token: str, supervisor: str, tmp_path: Path
) -> None:
    server = RestartableServer(db, NOW)  # down
    outbox_file = tmp_path / "outbox.db"
    store = OutboxStore(fast(server.url, token, retries=0), Outbox(outbox_file, server.url))
    with pytest.raises(PendingSync):
        await store.record_decision(
            "D-10001", PARTIAL, expected_version=1, actor="", now=NOW, idempotency_key="off-r"
        )
    server.start()
    try:
        report = await store.sync()
        (proposal,) = report.delivered
        assert report.failed == () and report.waiting == 0
        assert review_state(proposal) is ReviewState.PENDING  # the 202, taken as delivered
        assert await store.pending() == []
        assert (await store.sync()).delivered == ()
    finally:
        await store.close()
        server.stop()
    record = db.get_dispute_sync("D-10001")
    assert record.dispute.status is Status.AWAITING_REVIEW
    assert record.decisions == (proposal,)


async def test_reviews_go_through_the_outbox_store_and_are_never_kept_offline(
    server: RestartableServer, db: SqlStore, token: str, supervisor: str, tmp_path: Path
) -> None:
    agent = OutboxStore(fast(server.url, token), Outbox(tmp_path / "a.db", server.url))
    sam = OutboxStore(
        fast(server.url, supervisor, retries=0), Outbox(tmp_path / "s.db", server.url)
    )
    try:
        proposal = await agent.record_decision(
            "D-10001", PARTIAL, expected_version=1, actor="", now=NOW, idempotency_key="on-r"
        )
        assert review_state(proposal) is ReviewState.PENDING
        assert await agent.pending() == []
        assert await sam.review_rule() == db.review_rule_sync()
        staff = await sam.staff_role("anyone")
        assert staff is not None and staff.name == "sup.sam"
        [waiting] = await sam.reviews()
        assert waiting.decision == proposal
        server.stop()  # the API goes away: a review is refused, not kept
        with pytest.raises(StoreUnavailable):
            await sam.review(
                proposal.id, ReviewVerdict.APPROVE, note="", decision=None, actor="", now=NOW
            )
        with pytest.raises(StoreUnavailable):
            await sam.set_review_rule(ReviewRule(), actor="", now=NOW)
        assert await sam.pending() == []
        server.start()
        outcome = await sam.review(
            proposal.id, ReviewVerdict.APPROVE, note="ok", decision=None, actor="", now=NOW
        )
        assert outcome.final is not None and outcome.reviewed_by == "sup.sam"
        history = await agent.history("D-10001")
        assert [e.action for e in history][-2:] == ["decision_proposed", "decision_approved"]
        with pytest.raises(NotAllowed, match="this needs a supervisor"):
            await agent.set_review_rule(ReviewRule(), actor="", now=NOW)
    finally:
        await agent.close()
        await sam.close()
    assert db.get_dispute_sync("D-10001").dispute.status is Status.RESOLVED


async def test_the_outbox_store_reads_the_transcript_window_by_window(
    server: RestartableServer, db: SqlStore, token: str, tmp_path: Path
) -> None:
    """Issue 18: through the outbox store (the console's over the API), as the SQL store."""
    db.import_disputes([long_dispute(7, 40)])
    store = OutboxStore(fast(server.url, token), Outbox(tmp_path / "o.db", server.url))
    try:
        assert await store.get_dispute("D-7", newest=10) == db.get_dispute_sync("D-7", newest=10)
        before = message_key(db.get_dispute_sync("D-7").dispute.messages[-10])
        assert await store.dispute_messages(
            "D-7", before=before, limit=5
        ) == db.dispute_messages_sync("D-7", before=before, limit=5)
    finally:
        await store.close()
