"""Bulk actions (issue 19) on SQLite, PostgreSQL and the API: each test runs on the SQL store
itself and on `HttpStore` against a real server, over both databases.

A bulk note on 1,000 disputes with some claimed by a colleague (refused and named), a retry
that acts on nothing twice, a job interrupted and resumed that acts on the rest only, two
runners at once, a job id reused for another request, bad input refused up front, information
requests filled per dispute (and refused on a decided dispute), claim / release / hand-over,
the API's contract (202, polling, another member of staff's job is 404), the same job posted
twice at once, and `mediator serve --workers 2` SIGKILLed in the middle of a job and started
again: the job resumes and every dispute has its note once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from mediator.domain import Actor, DecisionDraft, Outcome
from mediator.domain.bulk_actions import BulkAction, BulkKind, BulkRequest, BulkStatus
from mediator.store.base import IdempotencyMismatch, InvalidDecision, NotFound, QueueQuery, Store
from mediator.store.http import HttpStore
from mediator.store.sql import SqlStore
from mediator.store.sql.engine import read_tx
from mediator.store.sql.schema import audit_trail, info_requests, messages
from tests.api.conftest import Api
from tests.api.servers import ServeProcess
from tests.api.test_concurrency import race
from tests.store.conftest import NOW, make_dispute

NOTE = BulkAction(kind=BulkKind.NOTE, text="Carrier confirmed a delay across the region.")
MANY = [f"D-{n}" for n in range(1, 1001)]


@pytest.fixture(params=["sql", "http"])
async def ana(request: pytest.FixtureRequest, api: Api) -> AsyncIterator[Store]:
    """agent.ana's store: the SQL store itself, or `HttpStore` against the real server."""
    if request.param == "sql":
        yield api.store
        return
    store = HttpStore(api.base_url, api.tokens["agent.ana"], backoff=0.01)
    try:
        yield store
    finally:
        await store.close()


@pytest.fixture
def many(api: Api) -> list[str]:
    """1,000 more disputes in the queue (D-1 … D-1000); agent.bo holds D-7, D-77 and D-777."""
    api.store.import_disputes([make_dispute(n) for n in range(1, 1001)])
    for dispute_id in ("D-7", "D-77", "D-777"):
        api.store.claim_sync(dispute_id, actor="agent.bo")
    return MANY


async def run(store: Store, request: BulkRequest) -> BulkStatus:
    """Start (or retry) the job and run it to its end; its last status."""
    status = await store.start_bulk(request, actor="agent.ana", now=NOW)
    seen = [status]
    seen += [s async for s in store.run_bulk(request.id, actor="agent.ana", now=NOW)]
    assert seen[-1].finished
    return seen[-1]


def notes(api: Api, body: str) -> dict[str, int]:
    """How many staff notes saying `body` each dispute has."""
    return db_notes(api.store, body)


def db_notes(store: SqlStore, body: str) -> dict[str, int]:
    m = messages.c
    with read_tx(store.engine) as conn:
        rows = conn.execute(
            select(m.dispute_id, func.count())
            .where(m.channel == "staff_note", m.body == body)
            .group_by(m.dispute_id)
        ).all()
    return {r[0]: r[1] for r in rows}


def audited(api: Api, action: str) -> int:
    a = audit_trail.c
    with read_tx(api.store.engine) as conn:
        return conn.scalar(select(func.count()).where(a.action == action)) or 0


async def test_a_bulk_note_on_1000_disputes_refuses_those_a_colleague_holds(
    api: Api, ana: Store, many: list[str]
) -> None:
    ids = await ana.matching_ids(QueueQuery(text="Item number"))
    assert sorted(ids) == sorted(many)
    request = BulkRequest(id="bulk-note-1", action=NOTE, dispute_ids=tuple(ids))
    status = await run(ana, request)
    assert (status.total, status.done, status.refused) == (1000, 997, 3)
    assert {(o.dispute_id, o.reason) for o in status.refusals} == {
        ("D-7", "claimed by agent.bo"),
        ("D-77", "claimed by agent.bo"),
        ("D-777", "claimed by agent.bo"),
    }
    written = notes(api, NOTE.text)
    assert len(written) == 997 and set(written.values()) == {1}
    assert not {"D-7", "D-77", "D-777"} & set(written)
    assert audited(api, "note_added") == 997

    # a retry tries the refused ones again, and nothing done is done twice
    again = await run(ana, request.model_copy(update={"retry": True}))
    assert (again.done, again.refused) == (997, 3)
    api.store.release_sync("D-77", actor="agent.bo")
    again = await run(ana, request.model_copy(update={"retry": True}))
    assert (again.done, again.refused) == (998, 2)
    assert [o.dispute_id for o in again.refusals] == ["D-7", "D-777"]
    written = notes(api, NOTE.text)
    assert len(written) == 998 and set(written.values()) == {1}
    assert audited(api, "note_added") == 998


async def test_an_interrupted_job_resumes_with_the_rest_only(
    api: Api, ana: Store, many: list[str]
) -> None:
    request = BulkRequest(id="bulk-resume", action=NOTE, dispute_ids=tuple(many[100:200]))
    # the job is created and its first disputes done; then the runner is gone (a crash)
    api.store.start_bulk_sync(request, actor="agent.ana", now=NOW)
    first, _ = api.store.run_bulk_step_sync("bulk-resume", actor="agent.ana", now=NOW, limit=30)
    assert (first.done, first.pending) == (30, 70)
    assert len(notes(api, NOTE.text)) == 30
    seen = [s async for s in ana.run_bulk("bulk-resume", actor="agent.ana", now=NOW)]
    status = seen[-1]
    assert (status.done, status.refused, status.pending) == (100, 0, 0)
    written = notes(api, NOTE.text)
    assert set(written) == set(many[100:200]) and set(written.values()) == {1}
    # and creating it again (a client that lost the answer) changes nothing
    assert (await ana.start_bulk(request, actor="agent.ana", now=NOW)).done == 100
    assert await ana.bulk_job("bulk-resume") == status


def test_two_runners_at_once_never_act_twice(api: Api, many: list[str]) -> None:
    request = BulkRequest(id="bulk-race", action=NOTE, dispute_ids=tuple(many[200:400]))
    api.store.start_bulk_sync(request, actor="agent.ana", now=NOW)
    barrier = threading.Barrier(2)
    failures: list[BaseException] = []

    def runner() -> None:
        try:
            barrier.wait(timeout=30)
            after: int | None = -1
            while after is not None:
                _, after = api.store.run_bulk_step_sync(
                    "bulk-race", actor="agent.ana", now=NOW, after=after, limit=10
                )
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=runner) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    written = notes(api, NOTE.text)
    assert set(written) == set(many[200:400]) and set(written.values()) == {1}
    assert api.store.bulk_job_sync("bulk-race").done == 200


async def test_a_job_id_used_again_for_another_request_is_refused(
    api: Api, ana: Store, many: list[str]
) -> None:
    request = BulkRequest(id="bulk-same", action=NOTE, dispute_ids=("D-1", "D-2"))
    await run(ana, request)
    other = BulkAction(kind=BulkKind.NOTE, text="Something else.")
    with pytest.raises(IdempotencyMismatch, match="bulk-same"):
        await ana.start_bulk(
            request.model_copy(update={"action": other}), actor="agent.ana", now=NOW
        )
    with pytest.raises(IdempotencyMismatch):
        await ana.start_bulk(
            request.model_copy(update={"dispute_ids": ("D-1", "D-3")}), actor="agent.ana", now=NOW
        )
    assert notes(api, "Something else.") == {}
    assert notes(api, NOTE.text) == {"D-1": 1, "D-2": 1}


@pytest.mark.parametrize(
    ("action", "ids", "field", "words"),
    [
        ({"kind": "note", "text": "   "}, ("D-1",), "text", "a note cannot be empty"),
        ({"kind": "note", "text": "x"}, (), "dispute_ids", "select at least one dispute"),
        ({"kind": "note", "text": "x"}, ("D-1", "D-1"), "dispute_ids", "listed twice"),
        ({"kind": "ask_info", "text": "Hi {name}", "party": "buyer"}, ("D-1",), "text",
         "unknown placeholder {name}"),
        ({"kind": "ask_info", "text": "Hi", "party": "staff"}, ("D-1",), "party",
         "the buyer or the seller"),
        ({"kind": "hand_over", "text": "", "to": "no one!"}, ("D-1",), "to", ""),
    ],
)  # fmt: skip
async def test_bad_input_is_refused_before_anything_is_written(
    api: Api,
    ana: Store,
    many: list[str],
    action: dict[str, Any],
    ids: tuple[str, ...],
    field: str,
    words: str,
) -> None:
    request = BulkRequest(id="bulk-bad", action=BulkAction.model_validate(action), dispute_ids=ids)
    with pytest.raises(InvalidDecision) as raised:
        await ana.start_bulk(request, actor="agent.ana", now=NOW)
    assert any(f.endswith(field) and words in m for f, m in raised.value.errors)
    with pytest.raises(NotFound):
        await ana.bulk_job("bulk-bad")


async def test_information_requests_are_filled_per_dispute(api: Api, ana: Store) -> None:
    api.store.record_decision_sync(
        "D-10003",
        DecisionDraft(outcome=Outcome.BUYER_FULL_REFUND, rationale="Never shipped."),
        expected_version=1,
        actor="agent.bo",
        now=NOW,
    )
    api.store.claim_sync("D-10004", actor="agent.bo")
    action = BulkAction(
        kind=BulkKind.ASK_INFO,
        party=Actor.SELLER,
        text="Dear {seller}, please send the tracking of {order} ({price}) by {deadline}. {agent}",
    )
    ids = ("D-10001", "D-10002", "D-10003", "D-10004")
    status = await run(ana, BulkRequest(id="bulk-ask", action=action, dispute_ids=ids))
    assert (status.done, status.refused) == (2, 2)
    assert {(o.dispute_id, o.reason) for o in status.refusals} == {
        ("D-10003", "already decided"),
        ("D-10004", "claimed by agent.bo"),
    }
    q = info_requests.c
    with read_tx(api.store.engine) as conn:
        rows = conn.execute(select(q.dispute_id, q.message).where(q.asked_by == "agent.ana"))
        asked = {r.dispute_id: r.message for r in rows}
    assert asked == {
        "D-10001": "Dear SoundHub, please send the tracking of O-5001 (49.99 USD) by "
        "2026-11-29 12:00 UTC. agent.ana",
        "D-10002": "Dear KeyCraft, please send the tracking of O-5002 (89.00 EUR) by "
        "2026-11-29 12:00 UTC. agent.ana",
    }
    record = await ana.get_dispute("D-10001")
    assert record.dispute.status.value == "awaiting_info" and record.version == 2


async def test_claim_hand_over_and_release_in_bulk(api: Api, ana: Store) -> None:
    api.store.claim_sync("D-10002", actor="agent.bo")
    ids = ("D-10001", "D-10002", "D-10003")
    claimed = await run(
        ana, BulkRequest(id="bulk-claim", action=BulkAction(kind=BulkKind.CLAIM), dispute_ids=ids)
    )
    assert (claimed.done, [(o.dispute_id, o.reason) for o in claimed.refusals]) == (
        2,
        [("D-10002", "claimed by agent.bo")],
    )
    assert {c.dispute_id for c in api.store.claims_held_sync("agent.ana")} == {
        "D-10001",
        "D-10003",
    }
    hand = BulkAction(kind=BulkKind.HAND_OVER, to="sup.sam", text="Night shift takes these.")
    handed = await run(ana, BulkRequest(id="bulk-hand", action=hand, dispute_ids=("D-10001",)))
    assert handed.done == 1
    assert [c.dispute_id for c in api.store.claims_held_sync("sup.sam")] == ["D-10001"]
    assert notes(api, "Handed over to sup.sam: Night shift takes these.") == {"D-10001": 1}
    release = BulkAction(kind=BulkKind.RELEASE)
    released = await run(ana, BulkRequest(id="bulk-rel", action=release, dispute_ids=ids))
    assert {(o.dispute_id, o.reason) for o in released.refusals} == {
        ("D-10001", "claimed by sup.sam"),
        ("D-10002", "claimed by agent.bo"),
    }
    assert api.store.claims_held_sync("agent.ana") == []


# --- the API's own contract -------------------------------------------------------------------


def test_the_same_job_posted_twice_at_once_is_one_job(api: Api, many: list[str]) -> None:
    """A client retrying while its first POST is still in flight: one job, each note once."""
    ana = api.client("agent.ana")
    body = {"id": "bulk-twice", "action": {"kind": "note", "text": "Twice posted."},
            "dispute_ids": many[500:600]}  # fmt: skip
    answers = race([lambda: ana.post("/bulk-jobs", json=body) for _ in range(4)])
    assert [a.status_code for a in answers] == [202] * 4, [a.text for a in answers]
    deadline = time.monotonic() + 60
    while api.store.bulk_job_sync("bulk-twice").pending:
        assert time.monotonic() < deadline, "the job did not finish"
        time.sleep(0.02)
    written = notes(api, "Twice posted.")
    assert set(written) == set(many[500:600]) and set(written.values()) == {1}


def test_the_api_runs_a_job_and_answers_the_poll(api: Api, many: list[str]) -> None:
    ana, bo = api.client("agent.ana"), api.client("agent.bo")
    body = {"id": "bulk-http", "action": {"kind": "note", "text": "Batch note."},
            "dispute_ids": ["D-1", "D-7", "D-2"]}  # fmt: skip
    response = ana.post("/bulk-jobs", json=body)
    assert response.status_code == 202, response.text
    assert response.json()["total"] == 3
    status = ana.get("/bulk-jobs/bulk-http").json()
    deadline = time.monotonic() + 60  # the server runs it in the background: poll till done
    while status["done"] + status["refused"] < 3:
        assert time.monotonic() < deadline, f"the job did not finish: {status}"
        time.sleep(0.02)
        status = ana.get("/bulk-jobs/bulk-http").json()
    assert (status["done"], status["refused"]) == (2, 1)
    assert status["refusals"] == [
        {"dispute_id": "D-7", "outcome": "refused", "reason": "claimed by agent.bo"}
    ]
    assert status["actor"] == "agent.ana"
    # another member of staff's job is not theirs to see or run
    assert bo.get("/bulk-jobs/bulk-http").status_code == 404
    assert bo.post("/bulk-jobs/bulk-http/run").status_code == 404
    reused = bo.post("/bulk-jobs", json=body)
    assert reused.status_code == 403, reused.text
    # a hand-over names a member of staff
    body = {"id": "bulk-h2", "action": {"kind": "hand_over", "to": "agent.zed"},
            "dispute_ids": ["D-1"]}  # fmt: skip
    refused = ana.post("/bulk-jobs", json=body)
    assert refused.status_code == 422 and "not a member of staff" in refused.json()["detail"]
    for bad in (["D-1\u0000"], ["X-1"], ["D-1", "D-1"], []):  # 422, never a 500
        body = {"id": "bulk-x", "action": {"kind": "note", "text": "n"}, "dispute_ids": bad}
        answer = ana.post("/bulk-jobs", json=body)
        assert answer.status_code == 422, (bad, answer.text)
    ids = ana.get("/queue/ids", params={"q": "Item number 99"}).json()["ids"]
    assert sorted(ids) == ["D-99", "D-990", "D-991", "D-992", "D-993", "D-994", "D-995",
                           "D-996", "D-997", "D-998", "D-999"]  # fmt: skip
    paths = api.client().get("/openapi.json").json()["paths"]
    assert {"/bulk-jobs", "/bulk-jobs/{job_id}", "/bulk-jobs/{job_id}/run", "/queue/ids"} <= set(
        paths
    )
    assert notes(api, "Batch note.") == {"D-1": 1, "D-2": 1}


# --- a server killed in the middle of a job ---------------------------------------------------


async def test_a_job_survives_a_killed_server_and_acts_once(store_url: str, tmp_path: Path) -> None:
    """`mediator serve --workers 2` is SIGKILLed while it runs a job; started again, the job
    is resumed (any worker answers: the state is in the database) and every dispute has its
    note exactly once."""
    ids = [f"D-{n}" for n in range(1, 1001)]
    with SqlStore.open(store_url) as db:
        db.import_disputes([make_dispute(n) for n in range(1, 1001)])
        token = db.add_staff_sync("agent.ana", "agent", now=NOW)
    server = ServeProcess(store_url, tmp_path / "serve.log", workers=2)
    server.start()
    ana = HttpStore(server.base_url, token, backoff=0.05)
    try:
        request = BulkRequest(id="bulk-crash", action=NOTE, dispute_ids=tuple(ids))
        await ana.start_bulk(request, actor="agent.ana", now=NOW)
        status = await ana.bulk_job("bulk-crash")
        deadline = time.monotonic() + 60
        while status.done == 0:  # the server runs it: kill it once it has begun
            assert time.monotonic() < deadline, "the server never began the job"
            status = await ana.bulk_job("bulk-crash")
        server.kill()
        with SqlStore.open(store_url) as db:
            left = db.bulk_job_sync("bulk-crash")
            assert left.done > 0 and left.pending > 0, "killed before or after the job"
            written = db_notes(db, NOTE.text)
            assert len(written) == left.done and set(written.values()) == {1}
        server.start()
        seen = [s async for s in ana.run_bulk("bulk-crash", actor="agent.ana", now=NOW)]
        assert (seen[-1].done, seen[-1].refused, seen[-1].pending) == (1000, 0, 0)
        with SqlStore.open(store_url) as db:
            written = db_notes(db, NOTE.text)
        assert set(written) == set(ids) and set(written.values()) == {1}
    finally:
        await ana.close()
        server.kill()
