"""The HTTP contract of `mediator serve` (mediator/server/api.py), against a real server.

Auth (401 with `WWW-Authenticate`, 403 for agents on supervisor routes), the actor is always the
token's owner, `If-Match` (428 / 412 with the current dispute), `Idempotency-Key` (400, replay,
422 `idempotency_key_reused`), policy blocks (422 with the rule ids), 404, the error shape and
`/openapi.json`. Every refused write is checked to have written nothing.
"""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.conftest import PARTIAL, RATIONALE, Api, decide, jsonl, snapshot
from tests.store.conftest import dispute_data

#: Every route that needs a token, with a body that would be valid.
ROUTES: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/me", {}),
    ("GET", "/queue", {}),
    ("GET", "/queue/counts", {}),
    ("GET", "/disputes/D-10001", {}),
    (
        "POST",
        "/disputes/D-10001/decisions",
        {"json": PARTIAL, "headers": {"If-Match": '"1"', "Idempotency-Key": "k"}},
    ),
    ("POST", "/disputes/D-10001/notes", {"json": {"body": "hello"}}),
    (
        "POST",
        "/disputes/D-10001/info-requests",
        {"json": {"party": "seller", "message": "a photo?"}, "headers": {"If-Match": '"1"'}},
    ),
    ("POST", "/escalations", {}),
    ("POST", "/imports", {"content": jsonl(dispute_data(1))}),
    ("PUT", "/disputes/D-10001/claim", {"json": {"lease_seconds": 180}}),
    ("DELETE", "/disputes/D-10001/claim", {}),
    ("POST", "/disputes/D-10001/claim/takeover", {"json": {"lease_seconds": 180}}),
    ("POST", "/disputes/D-10001/claim/handover", {"json": {"to": "agent.bo"}}),
    ("POST", "/queue/claim-next", {"json": {"lease_seconds": 180}}),
    ("GET", "/me/claims", {}),
    ("GET", "/disputes/D-10001/history", {}),
    ("GET", "/review-rule", {}),
    ("PUT", "/review-rule", {"json": {"flagged": True}}),
    ("GET", "/reviews", {}),
    ("POST", "/decisions/R-1/review", {"json": {"verdict": "approve"}}),
]


def error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The body of an error response, after checking its status, code and one-line detail."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    assert isinstance(body["detail"], str) and body["detail"]
    assert "\n" not in body["detail"]
    return body


# --- auth ---------------------------------------------------------------------------------------


def test_healthz_needs_no_token(anonymous: httpx.Client) -> None:
    response = anonymous.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


#: No token, an unknown one, an empty one, another scheme, a token without its scheme.
BAD_AUTHORIZATION = [
    None,
    "Bearer mdt_not-a-token-anyone-was-given",
    "Bearer",
    "Basic YWdlbnQuYW5hOnNlY3JldA==",
    "mdt_token-without-a-scheme",
]


def test_every_route_but_healthz_is_401_without_a_valid_token(api: Api) -> None:
    client = api.client(None)
    before = snapshot(api.store)
    for authorization in BAD_AUTHORIZATION:
        for method, path, kwargs in ROUTES:
            headers = {**kwargs.get("headers", {})}
            if authorization is not None:
                headers["Authorization"] = authorization
            response = client.request(method, path, **{**kwargs, "headers": headers})
            error(response, 401, "unauthorized")
            assert response.headers["WWW-Authenticate"] == "Bearer", (authorization, path)
    assert snapshot(api.store) == before
    # the same requests with a token go through (the 401s were about the token, not the request)
    assert api.client("sup.sam").get("/queue").status_code == 200


def test_another_members_token_with_one_character_changed_is_401(api: Api) -> None:
    token = api.tokens["agent.ana"]
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")
    response = api.client(token=forged).get("/queue")
    error(response, 401, "unauthorized")


def test_me_names_the_token_owner_and_role(ana: httpx.Client, sam: httpx.Client) -> None:
    assert ana.get("/me").json() == {"name": "agent.ana", "role": "agent"}
    assert sam.get("/me").json() == {"name": "sup.sam", "role": "supervisor"}


def test_agents_may_not_import_or_escalate(api: Api, ana: httpx.Client) -> None:
    before = snapshot(api.store)
    for path, content in [("/imports", jsonl(dispute_data(1))), ("/escalations", b"")]:
        body = error(ana.post(path, content=content), 403, "forbidden")
        assert "agent.ana is an agent" in body["detail"]
    assert snapshot(api.store) == before


def test_supervisors_may_import_and_escalate(api: Api, sam: httpx.Client) -> None:
    """An import, then P-ESC-STALE: an open dispute with no update for 72 h is escalated once."""
    response = sam.post("/imports", content=jsonl(dispute_data(1, status="open")))
    assert response.status_code == 200, response.text
    assert response.json() == {"inserted": 1, "updated": 0, "skipped": []}
    # D-1 opened on 2026-09-30 and nothing happened since: P-ESC-STALE ran out long ago
    response = sam.post("/escalations")
    assert response.status_code == 200, response.text
    assert response.json() == {"escalated": [{"id": "D-1", "cause": "stale"}]}
    assert sam.post("/escalations").json() == {"escalated": []}  # idempotent
    assert sam.get("/disputes/D-1").json()["dispute"]["status"] == "escalated"


# --- the actor is the token's owner ---------------------------------------------------------


def test_decided_by_is_the_token_owner(ana: httpx.Client, sam: httpx.Client) -> None:
    response = decide(ana)
    assert response.status_code == 201, response.text
    decision = response.json()
    assert decision["decided_by"] == "agent.ana"
    assert decision["decided_at"] == "2026-11-22T12:00:00Z"  # the server's (frozen) clock
    assert sam.get("/disputes/D-10001").json()["decisions"] == [decision]


def test_a_body_cannot_choose_who_decided(api: Api, ana: httpx.Client) -> None:
    """`decided_by` in the body is refused (422), even when it names the sender: never stored."""
    before = snapshot(api.store)
    for spoof in ("sup.sam", "agent.ana", "", None):
        response = decide(ana, body={**PARTIAL, "decided_by": spoof})
        assert error(response, 422, "invalid_request")["errors"] == [
            ["decided_by", "unknown field (decided_by comes from the token)"]
        ]
    assert snapshot(api.store) == before
    assert decide(ana).json()["decided_by"] == "agent.ana"


def test_a_misspelt_decision_field_is_refused_not_dropped(api: Api, ana: httpx.Client) -> None:
    before = snapshot(api.store)
    response = decide(ana, body={**PARTIAL, "return_requried": True})
    assert error(response, 422, "invalid_request")["errors"] == [
        ["return_requried", "unknown field"]
    ]
    assert snapshot(api.store) == before


def test_a_note_body_cannot_choose_its_author(api: Api, ana: httpx.Client) -> None:
    before = snapshot(api.store)
    for field in ("author_name", "author", "decided_by"):
        response = ana.post("/disputes/D-10001/notes", json={"body": "hi", field: "sup.sam"})
        assert error(response, 422, "invalid_request")["errors"][0][0] == field
    assert snapshot(api.store) == before
    note = ana.post("/disputes/D-10001/notes", json={"body": "hi"}).json()
    assert (note["author"], note["author_name"]) == ("staff", "agent.ana")


def test_an_information_request_is_asked_by_the_token_owner(api: Api, bo: httpx.Client) -> None:
    """P-INFO-7D: the request is recorded as agent.bo's, the dispute waits for the seller."""
    body = {"party": "seller", "message": "Please send a photo of the label.", "asked_by": "x"}
    assert error(
        bo.post("/disputes/D-10001/info-requests", json=body, headers={"If-Match": '"1"'}),
        422,
        "invalid_request",
    )["errors"] == [["asked_by", "unknown field (the asker is the token's owner)"]]
    del body["asked_by"]
    response = bo.post("/disputes/D-10001/info-requests", json=body, headers={"If-Match": '"1"'})
    assert response.status_code == 201, response.text
    assert response.json() == {
        "party": "seller",
        "asked_at": "2026-11-22T12:00:00Z",
        "message": "Please send a photo of the label.",
        "asked_by": "agent.bo",
        "answered_at": None,
    }
    record = bo.get("/disputes/D-10001")
    assert record.headers["ETag"] == '"2"'
    assert record.json()["dispute"]["status"] == "awaiting_info"
    assert record.json()["info_request"] == response.json()


def test_information_can_be_asked_of_the_buyer_or_seller_only(api: Api, bo: httpx.Client) -> None:
    before = snapshot(api.store)
    for party in ("staff", "nobody", ""):
        body = {"party": party, "message": "?"}
        response = bo.post(
            "/disputes/D-10001/info-requests", json=body, headers={"If-Match": '"1"'}
        )
        errors = error(response, 422, "invalid_request")["errors"]
        assert [field for field, _ in errors] == ["party"], errors
    assert snapshot(api.store) == before


# --- If-Match ---------------------------------------------------------------------------------


def test_get_returns_the_version_as_the_etag(ana: httpx.Client) -> None:
    response = ana.get("/disputes/D-10001")
    assert response.status_code == 200
    assert response.headers["ETag"] == '"1"'
    record = response.json()
    assert record["version"] == 1
    assert record["dispute"]["id"] == "D-10001"
    assert record["decisions"] == [] and record["info_request"] is None
    assert decide(ana).status_code == 201
    assert ana.get("/disputes/D-10001").headers["ETag"] == '"2"'


def test_writes_without_if_match_are_428(api: Api, ana: httpx.Client) -> None:
    before = snapshot(api.store)
    error(decide(ana, version=None), 428, "version_required")
    response = ana.post("/disputes/D-10001/info-requests", json={"party": "buyer", "message": "?"})
    error(response, 428, "version_required")
    assert snapshot(api.store) == before


def test_an_if_match_that_is_not_a_version_is_400(api: Api, ana: httpx.Client) -> None:
    before = snapshot(api.store)
    for if_match in ("*", "one", '"-1"', '"1", "2"', ""):
        error(decide(ana, version=if_match), 400, "bad_if_match")
    assert snapshot(api.store) == before


def test_if_match_takes_the_etag_strong_weak_or_bare(ana: httpx.Client) -> None:
    favour = {"outcome": "seller_favour", "rationale": RATIONALE}
    for dispute, if_match in [("D-10001", '"1"'), ("D-10002", 'W/"1"'), ("D-10003", "1")]:
        response = decide(ana, dispute, favour, version=if_match, key=dispute)
        assert response.status_code == 201, (if_match, response.text)


def test_a_stale_version_is_412_with_the_current_dispute(
    api: Api, ana: httpx.Client, bo: httpx.Client
) -> None:
    first = decide(ana, key="ana-1")
    assert first.status_code == 201
    before = snapshot(api.store)
    other = {"outcome": "seller_favour", "rationale": "The seller shipped what was listed."}
    body = error(decide(bo, body=other, key="bo-1"), 412, "version_conflict")
    assert body["detail"] == (
        "D-10001 was decided by agent.ana at 2026-11-22 12:00 UTC; nothing was written (the "
        "request was based on version 1, the dispute is at version 2)"
    )
    current = body["current"]
    assert current["version"] == 2
    assert current["dispute"]["status"] == "resolved"
    assert current["decisions"] == [first.json()]
    assert current["decisions"][0]["decided_by"] == "agent.ana"
    # the same for an information request
    response = bo.post(
        "/disputes/D-10001/info-requests",
        json={"party": "buyer", "message": "?"},
        headers={"If-Match": '"1"'},
    )
    assert error(response, 412, "version_conflict")["current"]["version"] == 2
    assert snapshot(api.store) == before


def test_the_new_version_on_a_resolved_dispute_is_refused(api: Api, ana: httpx.Client) -> None:
    assert decide(ana, key="first").status_code == 201
    before = snapshot(api.store)
    body = error(decide(ana, version='"2"', key="second"), 422, "invalid_request")
    assert "already resolved" in body["detail"]
    assert snapshot(api.store) == before


# --- Idempotency-Key ----------------------------------------------------------------------------


def test_a_decision_without_an_idempotency_key_is_400(api: Api, ana: httpx.Client) -> None:
    before = snapshot(api.store)
    for key in (None, ""):
        error(decide(ana, key=key), 400, "idempotency_key_missing")
    assert snapshot(api.store) == before


def test_an_overlong_idempotency_key_is_400_not_reused(api: Api, ana: httpx.Client) -> None:
    before = snapshot(api.store)
    body = error(decide(ana, key="k" * 256), 400, "idempotency_key_invalid")
    assert "255" in body["detail"]
    assert snapshot(api.store) == before
    assert decide(ana, key="k" * 255).status_code == 201


def test_the_same_key_and_body_replay_the_first_decision(api: Api, ana: httpx.Client) -> None:
    first = decide(ana, key="retry-me")
    assert first.status_code == 201
    after_first = snapshot(api.store)
    # a retry after a lost response (the version moved on, If-Match is still the one read)
    again = decide(ana, key="retry-me")
    assert again.status_code == 201
    assert again.json() == first.json()
    # an equal amount written differently is the same request
    same = decide(ana, body={**PARTIAL, "refund_amount": "20"}, key="retry-me")
    assert same.status_code == 201
    assert same.json() == first.json()
    assert snapshot(api.store) == after_first
    assert [d["id"] for d in ana.get("/disputes/D-10001").json()["decisions"]] == [
        first.json()["id"]
    ]


def test_the_same_key_with_another_request_is_422_and_writes_nothing(
    api: Api, ana: httpx.Client, bo: httpx.Client
) -> None:
    assert decide(ana, key="once").status_code == 201
    before = snapshot(api.store)
    favour = {"outcome": "seller_favour", "rationale": RATIONALE}
    others = [
        (ana, "D-10001", {**PARTIAL, "refund_amount": "21.00"}),
        (ana, "D-10001", favour),
        (ana, "D-10003", favour),  # an undecided dispute: still nothing written
        (bo, "D-10001", PARTIAL),  # another agent cannot replay (or learn) ana's decision
    ]
    for client, dispute, body in others:
        response = decide(client, dispute, body, key="once")
        answer = error(response, 422, "idempotency_key_reused")
        detail = answer["detail"]
        # a 422 is an InvalidBody, as the OpenAPI document says (Schemathesis found it was not)
        assert answer["errors"] == [["Idempotency-Key", detail]]
        assert answer["blocks"] == answer["warnings"] == []
        assert "nothing was written" in detail
        assert "R-" not in detail  # the first decision is not disclosed
    assert snapshot(api.store) == before


# --- policy -------------------------------------------------------------------------------------


def test_a_warning_not_yet_acknowledged_is_not_a_block(api: Api, ana: httpx.Client) -> None:
    """D-10004 was opened late (P-OPEN-72H) and after confirmation (P-OPEN-CONFIRMED): warnings,
    not blocks. The 422 tells "confirm first" from "forbidden"; acknowledged, it is written."""
    favour = {"outcome": "seller_favour", "rationale": "Opened after the guarantee window."}
    before = snapshot(api.store)
    body = error(decide(ana, "D-10004", favour, key="w-1"), 422, "unacknowledged_warnings")
    assert body["blocks"] == []
    assert body["warnings"] == ["P-OPEN-72H", "P-OPEN-CONFIRMED"]
    assert snapshot(api.store) == before
    one = {**favour, "acknowledged": ["P-OPEN-72H"]}
    body = error(decide(ana, "D-10004", one, key="w-2"), 422, "unacknowledged_warnings")
    assert body["warnings"] == ["P-OPEN-CONFIRMED"]
    both = {**favour, "acknowledged": ["P-OPEN-CONFIRMED", "P-OPEN-72H"]}
    written = decide(ana, "D-10004", both, key="w-3")
    assert written.status_code == 201, written.text
    assert {"P-OPEN-72H", "P-OPEN-CONFIRMED"} <= set(written.json()["findings"])


def test_a_block_and_a_warning_are_kept_apart(api: Api, ana: httpx.Client) -> None:
    """A full refund of a paid-out order is forbidden (P-REFUND-PAIDOUT) whatever is acknowledged:
    `code` is policy_block, and the warnings still to acknowledge are listed beside it."""
    assert api.store.get_dispute_sync("D-10004").dispute.order.paid_out_at is not None
    body = {"outcome": "buyer_full_refund", "rationale": "Refund in full."}
    found = error(decide(ana, "D-10004", body, key="b-1"), 422, "policy_block")
    assert found["blocks"] == ["P-REFUND-PAIDOUT"]
    assert found["warnings"] == ["P-OPEN-72H", "P-OPEN-CONFIRMED"]


def test_p_refund_bounds_blocks_a_refund_above_the_price(api: Api, ana: httpx.Client) -> None:
    """P-REFUND-BOUNDS: D-10001 costs USD 49.99, a partial refund of 60.00 is blocked (422)."""
    before = snapshot(api.store)
    response = decide(ana, body={**PARTIAL, "refund_amount": "60.00"}, key="too-much")
    body = error(response, 422, "policy_block")
    assert body["blocks"] == ["P-REFUND-BOUNDS"] and body["warnings"] == []
    assert [field for field, _ in body["errors"]] == ["refund_amount"]
    assert "P-REFUND-BOUNDS" in body["errors"][0][1]
    assert snapshot(api.store) == before  # no decision, no version bump, the key is not taken
    assert decide(ana, key="too-much").status_code == 201


INVALID: list[tuple[dict[str, Any], str]] = [
    ({"outcome": "seller_favour", "rationale": "   "}, "rationale"),
    ({"outcome": "buyer_partial_refund", "rationale": RATIONALE}, "refund_amount"),
    ({"outcome": "send_flowers", "rationale": RATIONALE}, "outcome"),
    ({**PARTIAL, "refund_amount": "twenty"}, "refund_amount"),
    ({**PARTIAL, "refund_amount": 20}, "refund_amount"),
    ({**PARTIAL, "return_required": "yes"}, "return_required"),
    ({**PARTIAL, "return_required": "no"}, "return_required"),
    ({**PARTIAL, "seller_error": 0}, "seller_error"),
    ({"rationale": RATIONALE}, "outcome"),
]


def test_an_invalid_decision_is_422_naming_the_field(api: Api, ana: httpx.Client) -> None:
    before = snapshot(api.store)
    for body, field in INVALID:
        response = error(decide(ana, body=body), 422, "invalid_request")
        assert field in [f for f, _ in response["errors"]], response
        assert response["blocks"] == [] and response["warnings"] == []
    assert snapshot(api.store) == before


# --- 404 and the error shape --------------------------------------------------------------------


def test_an_unknown_dispute_is_404(api: Api, ana: httpx.Client) -> None:
    before = snapshot(api.store)
    responses = [
        ana.get("/disputes/D-404"),
        decide(ana, "D-404"),
        ana.post("/disputes/D-404/notes", json={"body": "hello"}),
        ana.post(
            "/disputes/D-404/info-requests",
            json={"party": "buyer", "message": "?"},
            headers={"If-Match": '"1"'},
        ),
    ]
    for response in responses:
        assert error(response, 404, "not_found")["detail"] == "no dispute 'D-404'"
    assert snapshot(api.store) == before


def test_framework_errors_have_the_documented_shape(ana: httpx.Client) -> None:
    error(ana.get("/no-such-route"), 404, "not_found")
    error(ana.delete("/disputes/D-10001"), 405, "method_not_allowed")
    error(ana.post("/disputes/D-10001/notes", content=b"not json"), 422, "invalid_request")


def test_openapi_lists_every_route(anonymous: httpx.Client) -> None:
    response = anonymous.get("/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert set(document["paths"]) >= {
        "/healthz",
        "/me",
        "/queue",
        "/queue/counts",
        "/disputes/{dispute_id}",
        "/disputes/{dispute_id}/decisions",
        "/disputes/{dispute_id}/notes",
        "/disputes/{dispute_id}/info-requests",
        "/escalations",
        "/imports",
        "/disputes/{dispute_id}/history",
        "/review-rule",
        "/reviews",
        "/decisions/{decision_id}/review",
    }
    decide_op = document["paths"]["/disputes/{dispute_id}/decisions"]["post"]
    headers = {
        p["name"].lower(): p["required"] for p in decide_op["parameters"] if p["in"] == "header"
    }
    assert headers == {"if-match": True, "idempotency-key": True}  # 428 / 400 without them
    assert set(decide_op["responses"]) == {
        "201", "202", "400", "401", "404", "409", "412", "422", "428", "503"
    }  # fmt: skip
    invalid = decide_op["responses"]["422"]["content"]["application/json"]["schema"]
    assert invalid == {"$ref": "#/components/schemas/InvalidBody"}
    assert {"errors", "blocks", "warnings"} <= set(
        document["components"]["schemas"]["InvalidBody"]["properties"]
    )
    body = document["components"]["schemas"]["DecisionDraft"]
    assert "decided_by" not in body["properties"]
    assert body["additionalProperties"] is False
    assert document["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
