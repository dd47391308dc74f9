"""Racing writers through the API (SQLite and PostgreSQL): one decision wins, the rest get 412.

The store-level race is tests/store/test_sql_writes.py; here 16 HTTP clients, each with its own
token and keep-alive connection, are released at once by a barrier.
"""

from __future__ import annotations

import threading
from typing import Any

import httpx

from tests.api.conftest import RATIONALE, Api, decide, snapshot
from tests.store.conftest import NOW

CLIENTS = 16


def race(calls: list[Any]) -> list[httpx.Response]:
    """Run every call at once (a barrier releases them together); their responses, in order."""
    barrier = threading.Barrier(len(calls))
    results: list[httpx.Response | BaseException | None] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait(timeout=30)
        try:
            results[i] = calls[i]()
        except BaseException as exc:  # reported below, not lost in the thread
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    responses = [r for r in results if isinstance(r, httpx.Response)]
    assert len(responses) == len(calls), results
    return responses


def test_sixteen_conflicting_decisions_store_exactly_one(api: Api) -> None:
    names = [f"agent.{i}" for i in range(CLIENTS)]
    clients = [api.client(token=api.store.add_staff_sync(n, "agent", now=NOW)) for n in names]
    for client in clients:  # open every keep-alive connection before the start
        assert client.get("/healthz").status_code == 200
    # sixteen different, valid decisions on D-10001 (USD 49.99), all read at version 1
    bodies = [
        {
            "outcome": "buyer_partial_refund",
            "rationale": f"{RATIONALE} (agent {i})",
            "refund_amount": f"{10 + i}.00",
        }
        for i in range(CLIENTS)
    ]
    responses = race(
        [
            lambda c=client, b=body, i=i: decide(c, body=b, key=f"race-{i}")
            for i, (client, body) in enumerate(zip(clients, bodies, strict=True))
        ]
    )

    won = [i for i, r in enumerate(responses) if r.status_code == 201]
    lost = [i for i, r in enumerate(responses) if r.status_code == 412]
    assert len(won) == 1, [(r.status_code, r.text[:200]) for r in responses]
    assert len(lost) == CLIENTS - 1, [(r.status_code, r.text[:200]) for r in responses]
    winner = won[0]
    decision = responses[winner].json()
    assert decision["decided_by"] == names[winner]
    assert decision["refund_amount"] == bodies[winner]["refund_amount"]
    for i in lost:
        body = responses[i].json()
        assert body["code"] == "version_conflict"
        assert body["detail"] == (
            f"D-10001 was decided by {names[winner]} at 2026-11-22 12:00 UTC; nothing was written "
            "(the request was based on version 1, the dispute is at version 2)"
        )
        assert body["current"]["version"] == 2
        assert body["current"]["decisions"] == [decision]
    record = api.store.get_dispute_sync("D-10001")
    assert [d.id for d in record.decisions] == [decision["id"]]
    assert record.version == 2
    # only the winner's key was taken: a loser retrying its own key is told the news again
    assert decide(clients[lost[0]], body=bodies[lost[0]], key=f"race-{lost[0]}").status_code == 412


def test_sixteen_retries_of_one_request_at_once_store_one_decision(api: Api) -> None:
    clients = [api.client("agent.ana") for _ in range(CLIENTS)]
    for client in clients:
        assert client.get("/healthz").status_code == 200
    responses = race([lambda c=client: decide(c, key="one-request") for client in clients])
    assert [r.status_code for r in responses] == [201] * CLIENTS, [r.text for r in responses]
    decisions = [r.json() for r in responses]
    assert all(d == decisions[0] for d in decisions)
    rows = snapshot(api.store)
    assert [row[0] for row in rows["decisions"]] == [decisions[0]["id"]]
    assert len(rows["idempotency_keys"]) == 1
