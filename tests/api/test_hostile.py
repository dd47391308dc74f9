"""Hostile input over HTTP: every request gets a stored-verbatim 201 or a clear error, never a
crash, and both databases answer alike (PostgreSQL cannot store U+0000; SQLite can)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.conftest import PARTIAL, Api, decide, snapshot

#: Terminal escapes, bidi overrides, BEL, DEL, zero-width and line separators, CR LF, emoji.
CONTROL = (
    "\x1b[31mred\x1b[0m \x1b]0;owned\x07 \u202eevil\u202c \x08\x7f zero\u200bwidth"
    " line\u2028sep \r\n tab\t \U0001f600 \ufeff end"
)


def note(client: httpx.Client, body: Any, dispute: str = "D-10001") -> httpx.Response:
    return client.post(f"/disputes/{dispute}/notes", json={"body": body})


def test_control_characters_in_a_note_are_stored_verbatim(ana: httpx.Client) -> None:
    response = note(ana, CONTROL)
    assert response.status_code == 201, response.text
    assert response.json()["body"] == CONTROL
    messages = ana.get("/disputes/D-10001").json()["dispute"]["messages"]
    assert messages[-1]["body"] == CONTROL
    assert messages[-1]["id"] == response.json()["id"]


def test_a_1_mb_note_is_stored_verbatim(ana: httpx.Client) -> None:
    body = "Ü" * 500_000 + "\n" + "line two"  # 1 MB of UTF-8
    response = note(ana, body)
    assert response.status_code == 201
    assert response.json()["body"] == body
    stored = ana.get("/disputes/D-10001").json()["dispute"]["messages"][-1]
    assert stored["body"] == body
    # the dispute is still decidable: a note never bumps the version
    assert decide(ana).status_code == 201


def test_an_empty_note_is_422(api: Api, ana: httpx.Client) -> None:
    before = snapshot(api.store)
    for body in ("", "   ", "\n\t"):
        response = note(ana, body)
        assert response.status_code == 422
        assert response.json()["errors"] == [["body", "a note cannot be empty"]]
    assert snapshot(api.store) == before


def test_nul_and_lone_surrogates_are_422_on_every_database(api: Api, ana: httpx.Client) -> None:
    before = snapshot(api.store)
    json_headers = {"Content-Type": "application/json"}
    responses = {
        "note": note(ana, "before\x00after"),
        "note, lone surrogate": ana.post(
            "/disputes/D-10001/notes", content=b'{"body": "a\\ud800b"}', headers=json_headers
        ),
        "rationale": decide(ana, body={**PARTIAL, "rationale": "x\x00"}),
        "message to parties": decide(ana, body={**PARTIAL, "message_to_parties": "\x00"}),
        "acknowledged": decide(ana, body={**PARTIAL, "acknowledged": ["P-\x00"]}),
        "information request": ana.post(
            "/disputes/D-10001/info-requests",
            json={"party": "seller", "message": "photo\x00"},
            headers={"If-Match": '"1"'},
        ),
        "dispute id": ana.get("/disputes/D-10001%00"),
        "dispute id of a note": ana.post("/disputes/D-%00/notes", json={"body": "x"}),
        "search": ana.get("/queue", params={"q": "\x00"}),
    }
    for what, response in responses.items():
        assert response.status_code == 422, (what, response.text)
        error = response.json()
        assert error["code"] == "invalid_request", (what, error)
        assert any("U+0000" in m or "surrogate" in m for _, m in error["errors"]), (what, error)
    assert snapshot(api.store) == before


def test_malformed_bodies_are_clear_errors(api: Api, ana: httpx.Client) -> None:
    before = snapshot(api.store)
    json_headers = {"Content-Type": "application/json"}
    bodies: list[tuple[bytes, int]] = [
        (b"not json", 422),
        (b'{"body": "\xff\xfe"}', 400),  # not UTF-8
        (b"[" * 100_000, 400),  # nested too deep to parse
        (b'{"body": ' + b'"x",' * 1000 + b"}", 422),
        (b"null", 422),
        (b'["body"]', 422),
        (b'{"body": {"$gt": ""}}', 422),
    ]
    for content, status in bodies:
        response = ana.post("/disputes/D-10001/notes", content=content, headers=json_headers)
        assert response.status_code == status, (content[:20], response.text[:200])
        error = response.json()
        assert error["code"] in ("invalid_request", "bad_request"), error
        assert isinstance(error["detail"], str) and "\n" not in error["detail"]
    assert snapshot(api.store) == before
    assert ana.get("/healthz").status_code == 200


def test_hostile_headers_write_nothing(api: Api, ana: httpx.Client) -> None:
    before = snapshot(api.store)
    error = decide(ana, key="k" * 100_000).json()
    assert error["code"] == "idempotency_key_invalid"
    assert decide(ana, version='"' + "9" * 19 + '"').json()["code"] == "bad_if_match"
    assert decide(ana, version='"99999999999999"').json()["code"] == "version_conflict"
    assert snapshot(api.store) == before


#: Ids outside the id character set (IMPORT_FORMAT.md: 1-64 of `A-Z a-z 0-9 . _ : -`).
BAD_IDS = (
    "D-[/]",
    "D-[@click=app.quit]Q[/]",
    "D-%C3%A9",  # D-é
    "D-%20x",
    "D-%2F..%2F..",
    "D-" + "9" * 5000,
    "D-%E2%80%AE1",  # a right-to-left override
    "D-%1B%5B31m",  # ESC [31m
    "%2E%2E",
)


def test_ids_outside_the_character_set_are_404_or_422_never_500(
    api: Api, ana: httpx.Client
) -> None:
    before = snapshot(api.store)
    for bad in BAD_IDS:
        responses = {
            "read": ana.get(f"/disputes/{bad}"),
            "decide": decide(ana, bad),
            "note": note(ana, "x", bad),
            "info request": ana.post(
                f"/disputes/{bad}/info-requests",
                json={"party": "seller", "message": "photo?"},
                headers={"If-Match": '"1"'},
            ),
        }
        for what, response in responses.items():
            assert response.status_code in (404, 422), (bad, what, response.text[:300])
            assert response.json()["code"] in ("not_found", "invalid_request"), (bad, what)
    assert snapshot(api.store) == before
