"""Claims through the API (issue 15), against a real server over SQLite and PostgreSQL.

The contract of every claim route (status codes, bodies, the OpenAPI document), the 409 that
names the holder, writes refused to anyone but the holder with nothing written, take-over,
supervisors breaking claims, hand-over to a known member of staff only, claim-next, the queue's
claim filter (always the token owner's), 16 racing claims leaving one holder, and `HttpStore`
end to end against the real server.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from mediator.domain.claims import ClaimFilter
from mediator.domain.enums import Reason, Status
from mediator.store.base import Claimed, InvalidDecision, NotFound, QueueQuery
from mediator.store.http import HttpStore, NotAllowed
from mediator.store.sql.engine import read_tx
from mediator.store.sql.schema import claim_events
from mediator.store.wire import parse_query, query_params
from tests.api.conftest import Api, decide, snapshot
from tests.api.test_concurrency import race
from tests.api.test_contract import error
from tests.store.conftest import NOW

D1 = "/disputes/D-10001"
LEASE = {"lease_seconds": 180}
INFO = {"party": "seller", "message": "Please send the tracking number."}


def events(api: Api, dispute_id: str = "D-10001") -> list[tuple[str, str, str | None, str | None]]:
    """The claim events recorded for `dispute_id`: (kind, actor, holder, previous)."""
    e = claim_events.c
    with read_tx(api.store.engine) as conn:
        rows = conn.execute(
            select(e.kind, e.actor, e.holder, e.previous)
            .where(e.dispute_id == dispute_id)
            .order_by(e.at, e.id)
        ).all()
    return [(r.kind, r.actor, r.holder, r.previous) for r in rows]


def written(api: Api) -> tuple[dict[str, list[Any]], list[Any]]:
    """Every row a write or a claim touches (the claim columns are on `disputes`)."""
    return snapshot(api.store), events(api)


def claimed(response: httpx.Response, holder: str, dispute_id: str = "D-10001") -> dict[str, Any]:
    """A 409 `claimed` naming `holder`, its claim and a one-line detail."""
    body = error(response, 409, "claimed")
    assert body["holder"] == holder
    assert body["claim"]["holder"] == holder
    assert body["claim"]["dispute_id"] == dispute_id
    assert holder in body["detail"] and "nothing was written" in body["detail"]
    return body


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def claim(client: httpx.Client, path: str = D1, seconds: int = 180) -> httpx.Response:
    return client.put(f"{path}/claim", json={"lease_seconds": seconds})


# --- claim, renew, release ---------------------------------------------------------------------


def test_a_claim_is_the_token_owners_and_shows_in_the_dispute_and_queue(
    api: Api, ana: httpx.Client, bo: httpx.Client
) -> None:
    response = claim(ana)
    assert response.status_code == 200, response.text
    got = response.json()
    assert set(got) == {"dispute_id", "holder", "since", "until", "handed_by"}
    assert (got["dispute_id"], got["holder"], got["handed_by"]) == ("D-10001", "agent.ana", None)
    assert at(got["until"]) - at(got["since"]) == timedelta(minutes=3)
    record = bo.get(D1).json()
    assert (record["claimed_by"], record["claimed_until"]) == ("agent.ana", got["until"])
    assert record["claimed_since"] == got["since"]
    rows = {r["id"]: r for r in bo.get("/queue").json()["rows"]}
    assert (rows["D-10001"]["claimed_by"], rows["D-10001"]["claimed_until"]) == (
        "agent.ana",
        got["until"],
    )
    assert rows["D-10002"]["claimed_by"] is None
    assert events(api) == [("claimed", "agent.ana", "agent.ana", None)]


def test_renewing_keeps_since_and_moves_until(api: Api, ana: httpx.Client) -> None:
    first = claim(ana).json()
    renewed = claim(ana, seconds=600)
    assert renewed.status_code == 200, renewed.text
    again = renewed.json()
    assert again["since"] == first["since"]
    assert at(again["until"]) >= at(first["until"]) + timedelta(minutes=7)
    assert len(events(api)) == 1  # renewals are not recorded


def test_a_dispute_someone_else_holds_is_409_naming_the_holder(
    api: Api, ana: httpx.Client, bo: httpx.Client
) -> None:
    mine = claim(ana).json()
    before = written(api)
    body = claimed(claim(bo), "agent.ana")
    assert body["claim"] == mine
    assert written(api) == before


@pytest.mark.parametrize("seconds", [0, 9, 3601, -5])
def test_a_lease_out_of_bounds_is_422(api: Api, ana: httpx.Client, seconds: int) -> None:
    before = written(api)
    body = error(claim(ana, seconds=seconds), 422, "invalid_request")
    assert [f for f, _ in body["errors"]] == ["lease_seconds"]
    assert written(api) == before


def test_only_a_dispute_in_the_queue_can_be_claimed(api: Api, ana: httpx.Client) -> None:
    assert decide(ana).status_code == 201  # D-10001 is resolved now
    before = written(api)
    for response in (
        claim(ana),
        ana.post(f"{D1}/claim/takeover", json=LEASE),
        ana.post(f"{D1}/claim/handover", json={"to": "agent.bo", "note": ""}),
    ):
        body = error(response, 422, "invalid_request")
        assert "only a dispute in the queue" in body["detail"], body
    assert written(api) == before


def test_every_claim_route_on_an_unknown_dispute_is_404(api: Api, sam: httpx.Client) -> None:
    path = "/disputes/D-404/claim"
    before = written(api)
    for response in (
        sam.put(path, json=LEASE),
        sam.delete(path),
        sam.delete(path, params={"force": "true"}),
        sam.post(f"{path}/takeover", json=LEASE),
        sam.post(f"{path}/handover", json={"to": "agent.bo"}),
    ):
        assert error(response, 404, "not_found")["detail"] == "no dispute 'D-404'"
    assert written(api) == before


def test_release_is_204_and_only_the_holders(api: Api, ana: httpx.Client, bo: httpx.Client) -> None:
    claim(ana)
    before = written(api)
    claimed(bo.delete(f"{D1}/claim"), "agent.ana")
    assert written(api) == before
    response = ana.delete(f"{D1}/claim")
    assert (response.status_code, response.content) == (204, b"")
    assert ana.get(D1).json()["claimed_by"] is None
    assert ana.delete(f"{D1}/claim").status_code == 204  # nothing to release: still 204
    assert bo.delete(f"{D1}/claim").status_code == 204
    assert [e[0] for e in events(api)] == ["claimed", "released"]


def test_a_supervisor_may_break_a_claim_an_agent_may_not(
    api: Api, ana: httpx.Client, bo: httpx.Client, sam: httpx.Client
) -> None:
    claim(ana)
    before = written(api)
    body = error(bo.delete(f"{D1}/claim", params={"force": "true"}), 403, "forbidden")
    assert "agent.bo is an agent" in body["detail"]
    # the holder may not force either: forcing is a supervisor's act
    error(ana.delete(f"{D1}/claim", params={"force": "true"}), 403, "forbidden")
    claimed(sam.delete(f"{D1}/claim"), "agent.ana")  # without force, a supervisor is told too
    assert written(api) == before
    response = sam.delete(f"{D1}/claim", params={"force": "true"})
    assert response.status_code == 204, response.text
    assert sam.get(D1).json()["claimed_by"] is None
    assert events(api)[-1] == ("broken", "sup.sam", None, "agent.ana")
    assert claim(bo).json()["holder"] == "agent.bo"


# --- take-over and hand-over -------------------------------------------------------------------


def test_a_take_over_is_recorded_and_the_old_holder_is_told_at_renewal(
    api: Api, ana: httpx.Client, bo: httpx.Client
) -> None:
    claim(ana)
    response = bo.post(f"{D1}/claim/takeover", json=LEASE)
    assert response.status_code == 200, response.text
    taken = response.json()
    assert taken["holder"] == "agent.bo"
    assert events(api)[-1] == ("taken_over", "agent.bo", "agent.bo", "agent.ana")
    body = claimed(claim(ana), "agent.bo")  # ana's console renews: it learns who took it
    assert body["claim"] == taken
    before = written(api)
    claimed(ana.delete(f"{D1}/claim"), "agent.bo")
    claimed(decide(ana), "agent.bo")  # ana's draft is refused, naming who took it
    assert written(api) == before
    assert bo.get(D1).json()["claimed_by"] == "agent.bo"


def test_a_hand_over_goes_to_a_colleague_with_the_note_in_the_timeline(
    api: Api, ana: httpx.Client, bo: httpx.Client
) -> None:
    claim(ana)
    response = ana.post(
        f"{D1}/claim/handover",
        json={"to": "agent.bo", "note": "Waiting on the carrier.", "lease_seconds": 600},
    )
    assert response.status_code == 200, response.text
    handed = response.json()
    assert (handed["holder"], handed["handed_by"]) == ("agent.bo", "agent.ana")
    assert at(handed["until"]) - at(handed["since"]) == timedelta(minutes=10)
    record = bo.get(D1).json()
    assert (record["claimed_by"], record["claimed_from"]) == ("agent.bo", "agent.ana")
    note = record["dispute"]["messages"][-1]
    assert (note["channel"], note["author_name"]) == ("staff_note", "agent.ana")
    assert note["body"] == "Handed over to agent.bo: Waiting on the carrier."
    assert bo.get("/me/claims").json() == {"claims": [handed]}
    assert ana.get("/me/claims").json() == {"claims": []}
    assert events(api)[-1] == ("handed_over", "agent.ana", "agent.bo", "agent.ana")


@pytest.mark.parametrize(
    ("to", "says"),
    [
        ("agent.nobody", "'agent.nobody' is not a member of staff"),
        ("agent bo", "'agent bo' may hold only"),
        ("", "'' must not be empty"),
    ],
)
def test_a_hand_over_to_someone_who_is_not_staff_is_422(
    api: Api, ana: httpx.Client, to: str, says: str
) -> None:
    claim(ana)
    before = written(api)
    response = ana.post(f"{D1}/claim/handover", json={"to": to, "note": "over to you"})
    body = error(response, 422, "invalid_request")
    assert [f for f, _ in body["errors"]] == ["to"]
    assert body["errors"][0][1].startswith(says), body
    assert written(api) == before


def test_a_hand_over_of_someone_elses_claim_or_to_oneself_is_refused(
    api: Api, ana: httpx.Client, bo: httpx.Client, sam: httpx.Client
) -> None:
    claim(ana)
    before = written(api)
    claimed(
        bo.post(f"{D1}/claim/handover", json={"to": "sup.sam", "note": "mine now"}), "agent.ana"
    )
    body = error(ana.post(f"{D1}/claim/handover", json={"to": "agent.ana"}), 422, "invalid_request")
    assert "not to yourself" in body["detail"]
    assert written(api) == before


# --- writes need the claim ---------------------------------------------------------------------


def test_a_write_by_someone_not_holding_the_claim_is_409_and_writes_nothing(
    api: Api, ana: httpx.Client, bo: httpx.Client
) -> None:
    claim(ana)
    before = written(api)
    claimed(decide(bo), "agent.ana")
    claimed(bo.post(f"{D1}/notes", json={"body": "I looked too"}), "agent.ana")
    claimed(bo.post(f"{D1}/info-requests", json=INFO, headers={"If-Match": '"1"'}), "agent.ana")
    assert written(api) == before
    # the holder writes; the decision ends the claim
    assert ana.post(f"{D1}/notes", json={"body": "Called the carrier."}).status_code == 201
    response = decide(ana)
    assert response.status_code == 201, response.text
    assert response.json()["decided_by"] == "agent.ana"
    assert ana.get(D1).json()["claimed_by"] is None


def test_a_stale_version_is_still_412_and_its_dispute_names_the_holder(
    api: Api, ana: httpx.Client, bo: httpx.Client
) -> None:
    """The version is judged first (as the store does): a stale write is 412 for anyone, and
    the current dispute it carries says who holds it."""
    claim(ana)
    error(decide(ana, version='"7"'), 412, "version_conflict")
    body = error(decide(bo, version='"7"'), 412, "version_conflict")
    assert body["current"]["claimed_by"] == "agent.ana"


# --- claim-next, the queue's claim filter, my claims ------------------------------------------


def test_claim_next_gives_two_agents_two_disputes_then_204(
    api: Api, ana: httpx.Client, bo: httpx.Client
) -> None:
    order = [r.id for r in api.store.queue_page_sync(QueueQuery()).rows]
    first = ana.post("/queue/claim-next", json=LEASE)
    second = bo.post("/queue/claim-next", json=LEASE)
    assert (first.status_code, second.status_code) == (200, 200), (first.text, second.text)
    assert (first.json()["holder"], second.json()["holder"]) == ("agent.ana", "agent.bo")
    assert [first.json()["dispute_id"], second.json()["dispute_id"]] == order[:2]
    # the filters are GET /queue's: only awaiting_info disputes
    waiting = bo.post("/queue/claim-next", params={"status": "awaiting_info"}, json=LEASE)
    assert waiting.json()["dispute_id"] == "D-10005"
    for expected in order[2:]:
        if expected != "D-10005":
            assert ana.post("/queue/claim-next", json=LEASE).json()["dispute_id"] == expected
    nothing = ana.post("/queue/claim-next", json=LEASE)
    assert (nothing.status_code, nothing.content) == (204, b"")
    error(
        ana.post("/queue/claim-next", params={"claims": "theirs"}, json=LEASE),
        422,
        "invalid_request",
    )


def test_racing_claim_next_hands_each_dispute_to_one_agent(api: Api) -> None:
    """Eight agents ask at once for the next of five disputes: five get one each, three 204."""
    names = [f"agent.next{i}" for i in range(8)]
    clients = [api.client(token=api.store.add_staff_sync(n, "agent", now=NOW)) for n in names]
    for client in clients:
        assert client.get("/healthz").status_code == 200
    responses = race([lambda c=c: c.post("/queue/claim-next", json=LEASE) for c in clients])
    granted = [r.json() for r in responses if r.status_code == 200]
    assert sorted(r.status_code for r in responses) == [200] * 5 + [204] * 3
    assert sorted(g["dispute_id"] for g in granted) == [f"D-1000{n}" for n in range(1, 6)]
    for i, response in enumerate(responses):
        if response.status_code == 200:
            assert response.json()["holder"] == names[i]


def test_the_queue_filter_mine_is_the_token_owners(
    api: Api, ana: httpx.Client, bo: httpx.Client
) -> None:
    claim(ana, "/disputes/D-10002")
    claim(bo, "/disputes/D-10003")

    def ids(client: httpx.Client, **params: str) -> list[str]:
        response = client.get("/queue", params=params)
        assert response.status_code == 200, response.text
        return [r["id"] for r in response.json()["rows"]]

    assert ids(ana, claims="mine") == ["D-10002"]
    assert ids(bo, claims="mine") == ["D-10003"]
    # a name in the query does not change whose claims "mine" are
    assert ids(ana, claims="mine", agent="agent.bo") == ["D-10002"]
    unclaimed = ids(ana, claims="unclaimed")
    assert "D-10002" not in unclaimed and "D-10003" not in unclaimed and len(unclaimed) == 3
    assert len(ids(ana, claims="all")) == 5
    counts = ana.get("/queue/counts", params={"claims": "mine"}).json()
    assert counts["matching"] == 1
    error(ana.get("/queue", params={"claims": "everyone"}), 422, "invalid_request")
    # claim-next never hands out a claimed dispute, nor one the filter excludes
    got = ana.post("/queue/claim-next", params={"claims": "mine"}, json=LEASE)
    assert got.status_code == 204


def test_my_claims_lists_the_token_owners_claims_most_urgent_first(
    api: Api, ana: httpx.Client, bo: httpx.Client
) -> None:
    assert ana.get("/me/claims").json() == {"claims": []}
    order = [r.id for r in api.store.queue_page_sync(QueueQuery()).rows]
    for dispute_id in reversed(order[:3]):
        claim(ana, f"/disputes/{dispute_id}")
    claim(bo, f"/disputes/{order[3]}")
    mine = ana.get("/me/claims").json()["claims"]
    assert [c["dispute_id"] for c in mine] == order[:3]
    assert {c["holder"] for c in mine} == {"agent.ana"}


def test_the_queues_claim_filter_round_trips_through_the_wire() -> None:
    """`query_params` and `parse_query` agree; `agent` is never sent (the server supplies the
    token's owner)."""
    for query in (
        QueueQuery(),
        QueueQuery(claims=ClaimFilter.MINE, agent="agent.ana"),
        QueueQuery(claims=ClaimFilter.UNCLAIMED, agent="agent.bo", flagged_only=True),
        QueueQuery(
            text="kettle",
            reasons=frozenset({Reason.DEFECTIVE}),
            statuses=frozenset({Status.ESCALATED}),
            claims=ClaimFilter.MINE,
        ),
    ):
        params = query_params(query)
        assert "agent" not in params
        back = parse_query(
            params.get("q"),
            params.get("reason"),
            params.get("status"),
            params.get("flagged") == "true",
            params.get("claims"),
            agent=query.agent,
        )
        assert back == query
    assert query_params(QueueQuery(claims=ClaimFilter.MINE))["claims"] == "mine"
    assert "claims" not in query_params(QueueQuery())


# --- racing claims -----------------------------------------------------------------------------

CLIENTS = 16


def test_sixteen_racing_claims_leave_exactly_one_holder(api: Api) -> None:
    names = [f"agent.racer{i}" for i in range(CLIENTS)]
    clients = [api.client(token=api.store.add_staff_sync(n, "agent", now=NOW)) for n in names]
    for client in clients:  # every keep-alive connection open before the start
        assert client.get("/healthz").status_code == 200
    responses = race([lambda c=client: claim(c) for client in clients])
    won = [i for i, r in enumerate(responses) if r.status_code == 200]
    assert len(won) == 1, [(r.status_code, r.text[:200]) for r in responses]
    winner = names[won[0]]
    assert responses[won[0]].json()["holder"] == winner
    for i, response in enumerate(responses):
        if i != won[0]:
            claimed(response, winner)
    assert api.store.get_dispute_sync("D-10001").claimed_by == winner
    assert events(api) == [("claimed", winner, winner, None)]


# --- the OpenAPI document ----------------------------------------------------------------------


def test_openapi_documents_every_claim_route_with_its_answers(anonymous: httpx.Client) -> None:
    document = anonymous.get("/openapi.json").json()
    paths = document["paths"]
    expected = {
        ("/disputes/{dispute_id}/claim", "put"): {"200", "400", "401", "404", "409", "422", "503"},
        ("/disputes/{dispute_id}/claim", "delete"): {
            "204", "401", "403", "404", "409", "422", "503"
        },
        ("/disputes/{dispute_id}/claim/takeover", "post"): {
            "200", "400", "401", "404", "422", "503"
        },
        ("/disputes/{dispute_id}/claim/handover", "post"): {
            "200", "400", "401", "404", "409", "422", "503"
        },
        ("/queue/claim-next", "post"): {"200", "204", "400", "401", "422", "503"},
        ("/me/claims", "get"): {"200", "401", "503"},
    }  # fmt: skip
    for (path, method), statuses in expected.items():
        assert set(paths[path][method]["responses"]) == statuses, (path, method)
    for path, method in [
        ("/disputes/{dispute_id}/claim", "put"),
        ("/disputes/{dispute_id}/decisions", "post"),
        ("/disputes/{dispute_id}/notes", "post"),
        ("/disputes/{dispute_id}/info-requests", "post"),
    ]:
        conflict = paths[path][method]["responses"]["409"]["content"]["application/json"]
        assert conflict["schema"] == {"$ref": "#/components/schemas/ClaimedBody"}
    schemas = document["components"]["schemas"]
    assert {"holder", "claim", "code", "detail"} <= set(schemas["ClaimedBody"]["properties"])
    assert set(schemas["Claim"]["properties"]) >= {"holder", "until", "since", "dispute_id"}
    put = paths["/disputes/{dispute_id}/claim"]["put"]
    assert put["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ClaimBody"
    }
    assert paths["/disputes/{dispute_id}/claim"]["delete"]["responses"]["204"].get("content") in (
        None,
        {},
    )
    for path in ("/queue", "/queue/counts", "/queue/claim-next"):
        method = "post" if path.endswith("claim-next") else "get"
        names = {p["name"] for p in paths[path][method]["parameters"]}
        assert {"q", "reason", "status", "flagged", "claims"} <= names, path
        assert "agent" not in names, path  # "mine" is the token's owner, never a parameter
    for queue_row in ("QueueRow", "DisputeRecord"):
        assert {"claimed_by", "claimed_until"} <= set(schemas[queue_row]["properties"])


# --- HttpStore against the real server ---------------------------------------------------------


async def test_the_http_store_speaks_the_claim_contract(api: Api) -> None:
    ana = HttpStore(api.base_url, api.tokens["agent.ana"], backoff=0.01)
    bo = HttpStore(api.base_url, api.tokens["agent.bo"], backoff=0.01)
    sam = HttpStore(api.base_url, api.tokens["sup.sam"], backoff=0.01)
    try:
        held = await ana.claim("D-10001", actor="ignored", lease=timedelta(minutes=2))
        assert (held.holder, held.until - held.since) == ("agent.ana", timedelta(minutes=2))
        with pytest.raises(Claimed) as refused:
            await bo.claim("D-10001", actor="agent.bo")
        assert refused.value.claim.holder == "agent.ana"
        assert refused.value.claim == held
        with pytest.raises(Claimed):
            await bo.release("D-10001", actor="agent.bo")
        with pytest.raises(NotAllowed):
            await bo.release("D-10001", actor="agent.bo", force=True)
        with pytest.raises(NotFound):
            await ana.claim("D-404", actor="agent.ana")
        with pytest.raises(InvalidDecision):
            await ana.hand_over("D-10001", actor="agent.ana", to="agent.nobody", note="")

        mine = await ana.queue_page(QueueQuery(claims=ClaimFilter.MINE, agent="agent.ana"))
        assert [r.id for r in mine.rows] == ["D-10001"]
        assert mine.rows[0].claim == held
        assert await ana.claims_held("agent.ana") == [held]

        taken = await bo.claim("D-10001", actor="agent.bo", take_over=True)
        assert taken.holder == "agent.bo"
        with pytest.raises(Claimed) as renewal:
            await ana.claim("D-10001", actor="agent.ana")
        assert renewal.value.claim.holder == "agent.bo"
        handed = await bo.hand_over("D-10001", actor="agent.bo", to="agent.ana", note="yours")
        assert (handed.holder, handed.handed_by) == ("agent.ana", "agent.bo")
        await sam.release("D-10001", actor="sup.sam", force=True)
        assert (await ana.get_dispute("D-10001")).claim is None

        got = []
        while (next_claim := await ana.claim_next(QueueQuery(), actor="agent.ana")) is not None:
            got.append(next_claim.dispute_id)
        assert sorted(got) == [f"D-1000{n}" for n in range(1, 6)]
        assert await bo.claim_next(QueueQuery(), actor="agent.bo") is None  # a 204
        await ana.release(got[0], actor="agent.ana")
        # claim-next handed them out most urgent first, which is how claims are listed
        assert [c.dispute_id for c in await ana.claims_held("agent.ana")] == got[1:]
    finally:
        for store in (ana, bo, sam):
            await store.close()
