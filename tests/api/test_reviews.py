"""Reviews through the API (issue 16), with real tokens against a real server over SQLite and
PostgreSQL.

The two-person rule end to end (a supervisor sets the rule, an agent's decision is proposed with
202 and leaves the queue, a supervisor approves it), who may not review and why (agents,
the proposer, a supervisor who took part), an overturn checked against the policy, a return that
puts the dispute back in the queue for its agent, racing reviews leaving one outcome, the replay
of a proposal, the review rule's validation, the dispute's history, the OpenAPI document, and
`HttpStore` speaking all of it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from mediator.domain import DecisionDraft, Outcome, Status
from mediator.domain.review import ReviewRule, ReviewState, ReviewVerdict, review_state
from mediator.store.base import AlreadyReviewed, InvalidDecision, NotAllowed, NotFound
from mediator.store.http import HttpStore
from mediator.store.sql.engine import read_tx
from mediator.store.sql.schema import audit_trail
from tests.api.conftest import PARTIAL, RATIONALE, Api, decide, snapshot
from tests.api.test_concurrency import race
from tests.api.test_contract import error
from tests.store.conftest import NOW

#: Refunds of 20.00 USD or more need a second person (PARTIAL on D-10001 is 20.00 USD).
RULE = {"refund_at_least": {"USD": "20.00"}}
FULL_RULE = {
    "refund_at_least": {"EUR": "90.00", "USD": "100.00"},
    "flagged": True,
    "acknowledged_warnings": True,
    "first_decisions": 20,
}
FAVOUR = {"outcome": "seller_favour", "rationale": "Tracking shows delivery to the buyer."}
SMALL = {**PARTIAL, "refund_amount": "10.00"}


def audit_count(api: Api) -> int:
    with read_tx(api.store.engine) as conn:
        return int(conn.execute(select(func.count()).select_from(audit_trail)).scalar_one())


def written(api: Api) -> tuple[dict[str, list[Any]], int]:
    """Every row a write touches, and the audit trail's length ("nothing was written")."""
    return snapshot(api.store), audit_count(api)


def supervisor(api: Api, name: str) -> httpx.Client:
    """A client of another supervisor, added to the store now."""
    api.tokens[name] = api.store.add_staff_sync(name, "supervisor", now=NOW)
    return api.client(name)


@pytest.fixture
def kim(api: Api) -> httpx.Client:
    return supervisor(api, "sup.kim")


@pytest.fixture
def ruled(api: Api, sam: httpx.Client) -> Api:
    """The API with RULE set by sup.sam."""
    response = sam.put("/review-rule", json=RULE)
    assert response.status_code == 200, response.text
    return api


def propose(client: httpx.Client, dispute: str = "D-10001", **kwargs: Any) -> dict[str, Any]:
    """Decide (PARTIAL unless `body`): the rule catches it, 202; the answer's body."""
    response = decide(client, dispute, **kwargs)
    assert response.status_code == 202, response.text
    body: dict[str, Any] = response.json()
    return body


def review(client: httpx.Client, decision_id: str, verdict: str, **body: Any) -> httpx.Response:
    return client.post(f"/decisions/{decision_id}/review", json={"verdict": verdict, **body})


def queue_ids(client: httpx.Client) -> list[str]:
    return [row["id"] for row in client.get("/queue").json()["rows"]]


def status(client: httpx.Client, dispute: str = "D-10001") -> str:
    state: str = client.get(f"/disputes/{dispute}").json()["dispute"]["status"]
    return state


# --- the rule end to end ---------------------------------------------------------------------


def test_the_two_person_rule_end_to_end(api: Api, ana: httpx.Client, sam: httpx.Client) -> None:
    assert sam.get("/review-rule").json() == {
        "refund_at_least": {},
        "flagged": False,
        "acknowledged_warnings": False,
        "first_decisions": 0,
    }
    response = sam.put("/review-rule", json=FULL_RULE)
    assert response.status_code == 200, response.text
    assert response.json() == FULL_RULE
    assert sam.get("/review-rule").json() == FULL_RULE
    response = sam.put("/review-rule", json=RULE)
    assert response.json()["refund_at_least"] == {"USD": "20.00"}

    # the agent's decision is a proposal: 202, out of the queue, in the supervisors' list
    proposed = propose(ana)
    decision = proposed["decision"]
    assert proposed["state"] == "proposed"
    assert proposed["decision_id"] == decision["id"]
    assert proposed["reasons"] == ["refund 20.00 USD is at or above 20.00 USD"]
    assert decision["decided_by"] == "agent.ana"
    assert decision["review"]["state"] == "pending"
    assert status(ana) == "awaiting_review"
    assert "D-10001" not in queue_ids(ana)
    [waiting] = sam.get("/reviews").json()["proposals"]
    assert waiting["dispute_id"] == "D-10001"
    assert waiting["decision"] == decision
    assert waiting["reasons"] == proposed["reasons"]
    assert waiting["version"] == 2

    # a decision the rule does not catch is final: 201, as before
    other = decide(ana, "D-10002", {**PARTIAL, "refund_amount": "50.00"}, key="k-eur")
    assert other.status_code == 201, other.text  # EUR is not listed
    assert other.json()["review"] == {"state": "not_required"}

    # the supervisor approves: final, resolved
    response = review(sam, decision["id"], "approve", note="Photos check out.")
    assert response.status_code == 200, response.text
    outcome = response.json()
    assert outcome["verdict"] == "approve"
    assert outcome["dispute_id"] == "D-10001"
    assert outcome["reviewed_by"] == "sup.sam"
    assert outcome["reviewed_at"] == "2026-11-22T12:00:00Z"
    assert outcome["final"]["id"] == decision["id"]
    assert outcome["final"]["review"]["state"] == "approved"
    assert outcome["proposal"] == outcome["final"]
    assert status(ana) == "resolved"
    assert sam.get("/reviews").json() == {"proposals": []}

    # and the dispute's history says who did what
    entries = ana.get("/disputes/D-10001/history").json()["entries"]
    assert [(e["action"], e["actor"]) for e in entries][-2:] == [
        ("decision_proposed", "agent.ana"),
        ("decision_approved", "sup.sam"),
    ]
    assert entries[-1]["after"]["status"] == "resolved"


def test_agents_may_not_see_or_set_the_rule_or_review(
    ruled: Api, ana: httpx.Client, bo: httpx.Client
) -> None:
    proposal = propose(ana)
    before = written(ruled)
    for response in (
        bo.get("/review-rule"),
        bo.put("/review-rule", json={"flagged": True}),
        bo.get("/reviews"),
        review(bo, proposal["decision_id"], "approve"),
        review(ana, proposal["decision_id"], "approve"),
    ):
        body = error(response, 403, "forbidden")
        assert "is an agent; this needs a supervisor" in body["detail"]
    assert written(ruled) == before
    assert status(ana) == "awaiting_review"


def test_nobody_reviews_their_own_proposal(
    ruled: Api, sam: httpx.Client, kim: httpx.Client
) -> None:
    proposal = propose(sam)  # a supervisor's decision is caught by the rule too
    before = written(ruled)
    body = error(review(sam, proposal["decision_id"], "approve"), 403, "not_allowed")
    assert f"sup.sam proposed {proposal['decision_id']}" in body["detail"]
    assert "nobody reviews their own decision" in body["detail"]
    assert written(ruled) == before
    assert review(kim, proposal["decision_id"], "approve").status_code == 200


def test_a_supervisor_who_took_part_may_not_review(
    ruled: Api, ana: httpx.Client, sam: httpx.Client, kim: httpx.Client
) -> None:
    """sup.sam claimed D-10001 and wrote a note on D-10003: sup.kim reviews both."""
    lease = {"lease_seconds": 180}
    assert sam.put("/disputes/D-10001/claim", json=lease).status_code == 200
    assert sam.delete("/disputes/D-10001/claim").status_code == 204
    assert sam.post("/disputes/D-10003/notes", json={"body": "Called the seller."}).status_code
    claimed = propose(ana, "D-10001")
    noted = propose(ana, "D-10003", key="key-3")
    before = written(ruled)
    for proposal, words in (
        (claimed, "sup.sam took part in D-10001 (held the claim on D-10001)"),
        (noted, "sup.sam took part in D-10003 (wrote a staff note on D-10003)"),
    ):
        body = error(review(sam, proposal["decision_id"], "approve"), 403, "not_allowed")
        assert words in body["detail"]
        assert "a second person must review it" in body["detail"]
    assert written(ruled) == before
    for proposal in (claimed, noted):
        assert review(kim, proposal["decision_id"], "approve").status_code == 200


# --- overturn and return -------------------------------------------------------------------


def test_an_overturn_is_checked_against_the_policy(
    ruled: Api, ana: httpx.Client, sam: httpx.Client
) -> None:
    proposal = propose(ana)
    decision_id = proposal["decision_id"]
    before = written(ruled)
    over_refund = {**PARTIAL, "refund_amount": "60.00"}  # D-10001 cost 49.99 USD
    body = error(
        review(sam, decision_id, "overturn", note="more", decision=over_refund),
        422,
        "policy_block",
    )
    assert "P-REFUND-BOUNDS" in body["blocks"]
    assert [field for field, _ in body["errors"]] == ["refund_amount"]
    body = error(review(sam, decision_id, "overturn", note="?"), 422, "invalid_request")
    assert body["errors"] == [
        ["decision", "an overturn needs the decision that replaces the proposal"]
    ]
    body = error(review(sam, decision_id, "approve", decision=FAVOUR), 422, "invalid_request")
    assert "only an overturn carries a decision" in body["detail"]
    assert written(ruled) == before

    response = review(sam, decision_id, "overturn", note="The seller shipped.", decision=FAVOUR)
    assert response.status_code == 200, response.text
    outcome = response.json()
    final = outcome["final"]
    assert (final["outcome"], final["decided_by"]) == ("seller_favour", "sup.sam")
    assert final["review"] == {"state": "not_required", "overturns": decision_id}
    assert outcome["proposal"]["review"]["state"] == "overturned"
    assert outcome["proposal"]["review"]["decision_id"] == final["id"]
    record = sam.get("/disputes/D-10001").json()
    assert record["dispute"]["status"] == "resolved"
    # (both at the frozen clock's time: their order is the ids')
    assert {d["id"] for d in record["decisions"]} == {decision_id, final["id"]}


def test_a_return_puts_the_dispute_back_in_the_queue_for_its_agent(
    ruled: Api, ana: httpx.Client, sam: httpx.Client
) -> None:
    proposal = propose(ana)
    before = written(ruled)
    body = error(review(sam, proposal["decision_id"], "return", note="  "), 422, "invalid_request")
    assert "a note is required" in body["detail"]
    assert written(ruled) == before

    note = "Ask the seller for the tracking number first."
    response = review(sam, proposal["decision_id"], "return", note=note)
    assert response.status_code == 200, response.text
    outcome = response.json()
    assert outcome["final"] is None
    assert outcome["note"] == note
    assert outcome["proposal"]["review"]["state"] == "returned"
    assert outcome["proposal"]["review"]["note"] == note
    record = ana.get("/disputes/D-10001").json()
    assert (record["dispute"]["status"], record["returned_to"]) == ("escalated", "agent.ana")
    [row] = [r for r in ana.get("/queue").json()["rows"] if r["id"] == "D-10001"]
    assert row["returned_to"] == "agent.ana"
    # the agent decides again, below the threshold: final, and the return is answered
    version = f'"{record["version"]}"'
    response = decide(ana, body=SMALL, version=version, key="key-again")
    assert response.status_code == 201, response.text
    assert ana.get("/disputes/D-10001").json()["returned_to"] is None


# --- one outcome, once ------------------------------------------------------------------------


def test_racing_reviews_leave_exactly_one_outcome(
    ruled: Api, ana: httpx.Client, sam: httpx.Client, kim: httpx.Client
) -> None:
    lee = supervisor(ruled, "sup.lee")
    reviewers = [
        (sam, "approve", {}),
        (kim, "return", {"note": "Ask for photos."}),
        (lee, "overturn", {"note": "Seller shipped.", "decision": FAVOUR}),
    ]
    for client, _, _ in reviewers:  # open every keep-alive connection before the start
        assert client.get("/healthz").status_code == 200
    for n, dispute in enumerate(("D-10001", "D-10003")):
        proposal = propose(ana, dispute, key=f"race-{n}")
        responses = race(
            [
                lambda c=client, v=verdict, b=body, i=proposal["decision_id"]: review(c, i, v, **b)
                for client, verdict, body in reviewers
            ]
        )
        done = [r for r in responses if r.status_code == 200]
        assert len(done) == 1, [r.text for r in responses]
        winner = done[0].json()
        for refused in (r for r in responses if r.status_code != 200):
            body = error(refused, 409, "already_reviewed")
            assert body["decision"] == winner["proposal"]
            assert f"by {winner['reviewed_by']}" in body["detail"]
        record = sam.get(f"/disputes/{dispute}").json()
        states = [d["review"]["state"] for d in record["decisions"]]
        assert "pending" not in states
        entries = ana.get(f"/disputes/{dispute}/history").json()["entries"]
        verdicts = [e for e in entries if e["action"] in REVIEWED]
        assert len(verdicts) == 1


REVIEWED = {"decision_approved", "decision_overturned", "decision_returned"}


def test_a_proposal_is_reviewed_once_and_only_proposals_are_reviewed(
    ruled: Api, ana: httpx.Client, sam: httpx.Client, kim: httpx.Client
) -> None:
    proposal = propose(ana)
    assert review(sam, proposal["decision_id"], "approve").status_code == 200
    body = error(review(kim, proposal["decision_id"], "return", note="no"), 409, "already_reviewed")
    assert body["decision"]["review"]["state"] == "approved"
    assert "already approved by sup.sam" in body["detail"]
    final = decide(ana, "D-10003", SMALL, key="final")
    assert final.status_code == 201
    body = error(review(kim, final.json()["id"], "approve"), 422, "invalid_request")
    assert "a final decision, not a proposal" in body["detail"]
    error(review(kim, "R-nope", "approve"), 404, "not_found")


def test_a_replayed_proposal_answers_as_it_stands(
    ruled: Api, ana: httpx.Client, sam: httpx.Client
) -> None:
    first = decide(ana, key="replay-1")
    assert first.status_code == 202
    again = decide(ana, key="replay-1")
    assert (again.status_code, again.json()) == (202, first.json())
    # returned: still 202, `returned`
    returned = propose(ana, "D-10003", key="replay-3")
    assert review(sam, returned["decision_id"], "return", note="Photos?").status_code == 200
    again = decide(ana, "D-10003", key="replay-3")
    assert again.status_code == 202
    assert again.json()["state"] == "returned"
    assert again.json()["decision"]["review"]["note"] == "Photos?"
    # approved: final, so 201 with the decision as it stands
    assert review(sam, first.json()["decision_id"], "approve").status_code == 200
    again = decide(ana, key="replay-1")
    assert again.status_code == 201, again.text
    assert again.json()["id"] == first.json()["decision_id"]
    assert again.json()["review"]["state"] == "approved"


# --- the rule's validation, the history ------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"refund_at_least": {"usd": "100.00"}}, "refund_at_least.usd", "'usd' is not a currency"),
        ({"refund_at_least": {"XXX": "1.00"}}, "refund_at_least.XXX", "XXX has no minor units"),
        ({"refund_at_least": {"USD": "abc"}}, "refund_at_least.USD", "'abc' is not a decimal"),
        ({"refund_at_least": {"USD": "1.001"}}, "refund_at_least", "USD 1.001 has more decimals"),
        ({"refund_at_least": {"USD": "-5"}}, "refund_at_least.USD", "'-5' is negative"),
        ({"refund_at_least": {"USD": "9" * 1000}}, "refund_at_least", "USD amount is too large"),
        ({"refund_at_least": {"USD": 100}}, "refund_at_least.USD", "valid string"),
        ({"first_decisions": -1}, "first_decisions", "greater than or equal to 0"),
        ({"flagged": "yes"}, "flagged", "valid boolean"),
        ({"flaged": True}, "flaged", "unknown field"),
    ],
)
def test_a_bad_rule_is_422_naming_it(
    api: Api, sam: httpx.Client, body: dict[str, Any], field: str, words: str
) -> None:
    before = written(api)
    answer = error(sam.put("/review-rule", json=body), 422, "invalid_request")
    [(named, message)] = answer["errors"]
    assert named == field
    assert words in message, message
    assert written(api) == before


def test_amounts_are_kept_in_their_currencys_minor_units(api: Api, sam: httpx.Client) -> None:
    body = {"refund_at_least": {"USD": "100", "JPY": "1000.0", "EUR": "90.5"}}
    response = sam.put("/review-rule", json=body)
    assert response.status_code == 200, response.text
    expected = {"USD": "100.00", "JPY": "1000", "EUR": "90.50"}
    assert response.json()["refund_at_least"] == expected
    assert sam.get("/review-rule").json()["refund_at_least"] == expected


def test_the_history_of_a_dispute(api: Api, ana: httpx.Client) -> None:
    """Any member of staff reads it (the console shows it inline); 404 for no such dispute."""
    before = ana.get("/disputes/D-10001/history")
    assert before.status_code == 200, before.text
    decision = decide(ana).json()
    entries = ana.get("/disputes/D-10001/history").json()["entries"]
    assert entries[: len(before.json()["entries"])] == before.json()["entries"]
    last = entries[-1]
    assert (last["action"], last["actor"], last["at"]) == (
        "decided",
        "agent.ana",
        "2026-11-22T12:00:00Z",
    )
    assert last["after"]["decision"] == decision
    assert (last["before"]["status"], last["after"]["status"]) == ("escalated", "resolved")
    assert all(e["dispute_id"] == "D-10001" for e in entries)
    assert [e["seq"] for e in entries] == sorted(e["seq"] for e in entries)
    assert entries == [e.model_dump(mode="json") for e in api.store.history_sync("D-10001")]
    error(ana.get("/disputes/D-nope/history"), 404, "not_found")


def test_the_openapi_document_describes_reviews(anonymous: httpx.Client) -> None:
    document = anonymous.get("/openapi.json").json()
    paths = document["paths"]
    for path, method in (
        ("/review-rule", "get"),
        ("/review-rule", "put"),
        ("/reviews", "get"),
        ("/decisions/{decision_id}/review", "post"),
    ):
        assert paths[path][method]["tags"] == ["reviews"], path
        assert "403" in paths[path][method]["responses"], path
    assert "reviews" in [tag["name"] for tag in document["tags"]]
    decide_op = paths["/disputes/{dispute_id}/decisions"]["post"]["responses"]
    assert decide_op["202"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ProposedBody"
    }
    review_op = paths["/decisions/{decision_id}/review"]["post"]["responses"]
    assert set(review_op) == {"200", "400", "401", "403", "404", "409", "422", "503"}
    assert review_op["409"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/AlreadyReviewedBody"
    }
    history = paths["/disputes/{dispute_id}/history"]["get"]
    assert history["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/History"
    }


# --- HttpStore against the real server ---------------------------------------------------------


BIG = DecisionDraft(
    outcome=Outcome.BUYER_PARTIAL_REFUND, rationale=RATIONALE, refund_amount=Decimal("20.00")
)


async def test_the_http_store_speaks_the_review_contract(api: Api, kim: httpx.Client) -> None:
    ana = HttpStore(api.base_url, api.tokens["agent.ana"], backoff=0.01)
    sam = HttpStore(api.base_url, api.tokens["sup.sam"], backoff=0.01)
    kim_store = HttpStore(api.base_url, api.tokens["sup.kim"], backoff=0.01)
    try:
        who = await ana.staff_role("whoever")
        assert who is not None and (who.name, who.role.value) == ("agent.ana", "agent")
        assert await sam.review_rule() == ReviewRule()
        rule = ReviewRule(refund_at_least={"USD": Decimal("20.00")}, first_decisions=3)
        assert await sam.set_review_rule(rule, actor="ignored", now=NOW) == rule
        assert await sam.review_rule() == rule
        with pytest.raises(NotAllowed, match=r"agent\.ana is an agent"):
            await ana.set_review_rule(ReviewRule(), actor="agent.ana", now=NOW)
        with pytest.raises(NotAllowed):
            await ana.review_rule()

        proposal = await ana.record_decision(
            "D-10001", BIG, expected_version=1, actor="x", now=NOW, idempotency_key="h-1"
        )
        assert review_state(proposal) is ReviewState.PENDING
        assert proposal.review["reasons"][0] == "refund 20.00 USD is at or above 20.00 USD"
        replayed = await ana.record_decision(
            "D-10001", BIG, expected_version=1, actor="x", now=NOW, idempotency_key="h-1"
        )
        assert replayed == proposal
        [waiting] = await sam.reviews()
        assert (waiting.decision, waiting.dispute_id) == (proposal, "D-10001")
        with pytest.raises(NotAllowed):
            await ana.reviews()

        with pytest.raises(NotAllowed, match=r"agent\.ana is an agent"):
            await ana.review(
                proposal.id, ReviewVerdict.APPROVE, note="", decision=None, actor="x", now=NOW
            )
        over = BIG.model_copy(update={"refund_amount": Decimal("60.00")})
        with pytest.raises(InvalidDecision) as refused:
            await sam.review(
                proposal.id, ReviewVerdict.OVERTURN, note="", decision=over, actor="x", now=NOW
            )
        assert "P-REFUND-BOUNDS" in refused.value.blocks
        with pytest.raises(InvalidDecision, match="note"):
            await sam.review(
                proposal.id, ReviewVerdict.RETURN, note="x" * 5000, decision=None, actor="", now=NOW
            )
        outcome = await sam.review(
            proposal.id, ReviewVerdict.APPROVE, note="ok", decision=None, actor="x", now=NOW
        )
        assert outcome.reviewed_by == "sup.sam"
        assert outcome.final is not None and outcome.final.id == proposal.id
        with pytest.raises(AlreadyReviewed) as late:
            await kim_store.review(
                proposal.id, ReviewVerdict.RETURN, note="n", decision=None, actor="x", now=NOW
            )
        assert late.value.decision.review["state"] == "approved"
        assert late.value.decision.review["by"] == "sup.sam"
        with pytest.raises(NotFound):
            await sam.review(
                "R-nope", ReviewVerdict.APPROVE, note="", decision=None, actor="x", now=NOW
            )

        # sam proposes on D-10003 and may not approve it himself
        own = await sam.record_decision(
            "D-10003", BIG, expected_version=1, actor="x", now=NOW, idempotency_key="h-3"
        )
        with pytest.raises(NotAllowed, match="nobody reviews their own decision"):
            await sam.review(
                own.id, ReviewVerdict.APPROVE, note="", decision=None, actor="x", now=NOW
            )
        returned = await kim_store.review(
            own.id, ReviewVerdict.RETURN, note="Photos?", decision=None, actor="x", now=NOW
        )
        assert returned.final is None
        record = await ana.get_dispute("D-10003")
        assert (record.dispute.status, record.returned_to) == (Status.ESCALATED, "sup.sam")

        history = await ana.history("D-10001")
        assert [e.action for e in history][-2:] == ["decision_proposed", "decision_approved"]
        assert history == api.store.history_sync("D-10001")
        with pytest.raises(NotFound):
            await ana.history("D-nope")
    finally:
        for store in (ana, sam, kim_store):
            await store.close()


def test_a_claim_held_elsewhere_still_answers_409_claimed(
    ruled: Api, ana: httpx.Client, bo: httpx.Client
) -> None:
    """The decisions route's 409 is still `claimed` (the review's 409 is its own)."""
    assert bo.put("/disputes/D-10001/claim", json={"lease_seconds": 180}).status_code == 200
    error(decide(ana), 409, "claimed")
