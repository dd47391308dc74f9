"""`POST /imports` over HTTP: JSON Lines, supervisors only, all or nothing."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.api.conftest import Api, jsonl, snapshot
from tests.store.conftest import dispute_data, example_disputes


def test_one_bad_line_imports_nothing_and_every_bad_line_is_listed(
    api: Api, sam: httpx.Client
) -> None:
    before = snapshot(api.store)
    body = (
        jsonl(dispute_data(1))
        + jsonl(dispute_data(2, reason="bogus"))
        + jsonl(dispute_data(3))
        + b'{"id": "D-4", \n'
        + jsonl(dispute_data(5))
    )
    response = sam.post("/imports", content=body)
    assert response.status_code == 422, response.text
    error = response.json()
    assert error["code"] == "invalid_import"
    assert error["detail"].startswith("2 errors, nothing was imported; first: line 2: reason: ")
    assert [field for field, _ in error["errors"]] == ["line 2: reason", "line 4: $"]
    assert "bogus" in error["errors"][0][1]
    assert snapshot(api.store) == before
    assert sam.get("/disputes/D-1").status_code == 404


def test_a_good_import_inserts_then_skips_then_updates(api: Api, sam: httpx.Client) -> None:
    body = jsonl(*(dispute_data(n) for n in (1, 2, 3)))
    response = sam.post("/imports", content=body)
    assert response.status_code == 200, response.text
    assert response.json() == {"inserted": 3, "updated": 0, "skipped": []}
    record = sam.get("/disputes/D-2").json()
    assert record["version"] == 1
    assert record["dispute"]["order"]["title"] == "Item number 2"
    assert api.store.count_disputes() == 5 + 3
    # the same file again changes nothing; a newer revision replaces the older one
    again = sam.post("/imports", content=body).json()
    assert again["inserted"] == again["updated"] == 0
    assert [s[0] for s in again["skipped"]] == ["D-1", "D-2", "D-3"]
    newer = sam.post("/imports", content=jsonl(dispute_data(2, revision=2, title="Renamed")))
    assert newer.json() == {"inserted": 0, "updated": 1, "skipped": []}
    assert sam.get("/disputes/D-2").json()["dispute"]["order"]["title"] == "Renamed"


def test_an_empty_import_is_refused(api: Api, sam: httpx.Client) -> None:
    """A body without a single dispute (no lines, blank lines) is a mistake, not a success."""
    for body in (b"", b"\n\n", b"  \r\n"):
        response = sam.post("/imports", content=body)
        assert response.status_code == 422, response.text
        assert response.json() == {
            "code": "invalid_import",
            "detail": "the body holds no disputes: nothing was imported",
            "errors": [],
            "blocks": [],
            "warnings": [],
        }
    assert api.store.count_disputes() == 5


def test_an_import_clashing_with_stored_rows_names_the_line(api: Api, sam: httpx.Client) -> None:
    """Valid on its own, but line 2 (D-1) reuses a message id of D-10001 (ids are unique per
    kind, IMPORT_FORMAT.md): a 422 naming the line, the field and the other dispute, and
    nothing written."""
    before = snapshot(api.store)
    stored = example_disputes()[0]
    clash = dispute_data(1)
    clash["messages"][1]["id"] = stored.messages[0].id
    response = sam.post("/imports", content=jsonl(dispute_data(2), clash))
    assert response.status_code == 422, response.text
    error = response.json()
    assert error["code"] == "invalid_import"
    message = f"{stored.messages[0].id} is already stored under another dispute, {stored.id}"
    assert error["errors"] == [["line 2: messages[1].id", message]]
    assert error["detail"] == (
        f"1 error, nothing was imported; first: line 2: messages[1].id: {message}"
    )
    assert snapshot(api.store) == before


def test_hostile_ids_are_refused_with_line_and_field(api: Api, sam: httpx.Client) -> None:
    """IMPORT_FORMAT.md: ids are 1-64 of `A-Z a-z 0-9 . _ : -`; markup in one is a 422."""
    before = snapshot(api.store)
    bad = dispute_data(1)
    bad["id"] = "D-[@click=app.quit]Q[/]"
    bad["evidence"][0]["id"] = "E-../../etc/passwd"
    response = sam.post("/imports", content=jsonl(dispute_data(2), bad))
    assert response.status_code == 422, response.text
    fields = [field for field, _ in response.json()["errors"]]
    assert fields == ["line 2: id", "line 2: evidence[0].id"]
    assert snapshot(api.store) == before


def test_a_1_mb_line_is_imported_verbatim_or_refused_clearly(api: Api, sam: httpx.Client) -> None:
    title = "Ω" * 500_000  # 1 MB of UTF-8 in one field
    response = sam.post("/imports", content=jsonl(dispute_data(1, title=title)))
    assert response.status_code == 200, response.text[:300]
    assert sam.get("/disputes/D-1").json()["dispute"]["order"]["title"] == title
    row = next(r for r in sam.get("/queue").json()["rows"] if r["id"] == "D-1")
    assert row["order_title"] == title
    # a 1 MB line that is not JSON: one error naming the line, not an echo of the megabyte
    before = snapshot(api.store)
    response = sam.post("/imports", content=b'{"id": "D-2", "x": "' + b"y" * 1_000_000 + b"\n")
    assert response.status_code == 422
    error = response.json()
    assert error["code"] == "invalid_import"
    assert [field for field, _ in error["errors"]] == ["line 1: $"]
    assert len(response.content) < 10_000
    assert snapshot(api.store) == before


def test_a_nul_in_an_imported_string_is_refused_on_every_database(
    api: Api, sam: httpx.Client
) -> None:
    """PostgreSQL cannot store U+0000 (SQLite can): the API refuses it on both, naming the
    line and the field."""
    before = snapshot(api.store)
    nul = dispute_data(2, title="kettle\x00")
    literal = dispute_data(3, title="a backslash-u0000 is not a NUL: \\u0000")
    response = sam.post("/imports", content=jsonl(dispute_data(1), nul, literal))
    assert response.status_code == 422, response.text
    error = response.json()
    assert error["code"] == "invalid_import"
    assert error["errors"] == [
        ["line 2: order.title", "contains U+0000 (NUL), which cannot be stored"]
    ]
    assert snapshot(api.store) == before
    response = sam.post("/imports", content=jsonl(dispute_data(1), literal))
    assert response.json()["inserted"] == 2
    assert sam.get("/disputes/D-3").json()["dispute"]["order"]["title"] == literal["order"]["title"]


def test_an_oversized_import_is_413(
    api: Api, sam: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("mediator.server.imports.MAX_IMPORT_BYTES", 10_000)
    before = snapshot(api.store)
    body = jsonl(*(dispute_data(n) for n in range(1, 20)))
    assert len(body) > 10_000
    response = sam.post("/imports", content=body)
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert snapshot(api.store) == before
    assert json.loads(sam.get("/healthz").content)["status"] == "ok"


def test_an_import_is_audited_under_the_supervisors_name(api: Api, sam: httpx.Client) -> None:
    response = sam.post("/imports", content=jsonl(dispute_data(901), dispute_data(902)))
    assert response.status_code == 200, response.text
    with api.store.engine.connect() as conn:
        bodies = conn.exec_driver_sql("SELECT body FROM audit_trail ORDER BY seq").scalars()
        entries = [json.loads(body) for body in bodies]
    imported = entries[-1]
    assert (imported["action"], imported["actor"]) == ("imported", "sup.sam")
    assert imported["after"]["inserted"] == 2
