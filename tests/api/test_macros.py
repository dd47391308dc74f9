"""Canned replies (issue 19) through the `Store` protocol: one scenario on SQLite, PostgreSQL
and the API (`HttpStore` against a real `mediator serve` over each database).

Supervisors add, edit and retire macros, agents read them and are refused writes (by the store
and by the API), edits are versioned (an edit made on an old version is a `VersionConflict`),
every write has its audit entry, a retired macro still resolves at every version, and a
decision records the macro version it used, which reads back and is exported.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from mediator.domain import DecisionDraft, Outcome
from mediator.domain.audit import AuditAction
from mediator.domain.enums import Actor
from mediator.domain.macros import MacroBody
from mediator.domain.models import MacroRef
from mediator.store.base import InvalidDecision, NotAllowed, NotFound, Store, VersionConflict
from mediator.store.http import HttpStore
from mediator.store.sql import SqlStore
from mediator.store.sql.engine import read_tx
from mediator.store.sql.schema import audit_trail
from tests.api.conftest import RATIONALE, Api, decide
from tests.store.conftest import NOW

PARTIAL = MacroBody(
    path="Refunds/Partial, keep item",
    message="Hello {buyer}, we refund {refund} for {order}.",
    rationale="Partial refund agreed; the buyer keeps the item.",
    outcome=Outcome.BUYER_PARTIAL_REFUND,
)
ASK = MacroBody(
    path="Information/Photo of the label",
    info_party=Actor.BUYER,
    info_text="Please send a photo of the parcel label, {buyer}.",
)

Opener = Callable[[str], Store]


@pytest.fixture(params=["sql", "api"])
async def stores(request: pytest.FixtureRequest, api: Api) -> AsyncIterator[Opener]:
    """`open(name)`: a store acting as `name`: the database itself (`sql`) or `HttpStore`
    with `name`'s token (`api`)."""
    opened: list[Store] = []

    def open_as(name: str) -> Store:
        if request.param == "sql":
            store: Store = SqlStore(api.store.engine, api.store.label)
        else:
            store = HttpStore(api.base_url, api.tokens[name], backoff=0.01)
        opened.append(store)
        return store

    yield open_as
    for store in opened:
        if isinstance(store, HttpStore):
            await store.close()


def audit_actions(api: Api) -> list[tuple[str, str, dict[str, Any]]]:
    with read_tx(api.store.engine) as conn:
        rows = conn.execute(select(audit_trail.c.action, audit_trail.c.actor, audit_trail.c.body))
        return [(r.action, r.actor, json.loads(r.body)) for r in rows if "macro" in r.action]


async def test_supervisors_write_agents_read_every_version_kept(api: Api, stores: Opener) -> None:
    sam, ana = stores("sup.sam"), stores("agent.ana")
    added = await sam.save_macro(PARTIAL, actor="sup.sam", now=NOW)
    assert (added.version, added.folder, added.name) == (1, "Refunds", "Partial, keep item")
    assert added.updated_by == "sup.sam" and added.id.startswith("MAC-")
    asked = await sam.save_macro(ASK, actor="sup.sam", now=NOW)
    # agents read, by path, and search by words of the path
    assert [m.id for m in await ana.macros()] == [asked.id, added.id]
    assert [m.id for m in await ana.macros(search="refunds PART")] == [added.id]
    # agents may not write: the store refuses, whatever the console shows
    with pytest.raises(NotAllowed, match=r"agent\.ana"):
        await ana.save_macro(PARTIAL.model_copy(update={"path": "X"}), actor="agent.ana", now=NOW)
    with pytest.raises(NotAllowed):
        await ana.retire_macro(added.id, actor="agent.ana", now=NOW)
    # an edit is the next version, made on the version read
    edited_body = PARTIAL.model_copy(update={"message": "Hi {buyer}: {refund} back."})
    edited = await sam.save_macro(
        edited_body, macro_id=added.id, expected_version=1, actor="sup.sam", now=NOW
    )
    assert (edited.version, edited.message) == (2, "Hi {buyer}: {refund} back.")
    with pytest.raises(VersionConflict, match=added.id):
        await sam.save_macro(
            PARTIAL, macro_id=added.id, expected_version=1, actor="sup.sam", now=NOW
        )
    # retired: no longer offered, still resolves at every version
    retired = await sam.retire_macro(added.id, actor="sup.sam", now=NOW)
    assert retired.retired
    assert [m.id for m in await ana.macros()] == [asked.id]
    assert [m.id for m in await ana.macros(retired=True)] == [asked.id, added.id]
    old = await ana.macro(added.id, 1)
    assert (old.version, old.message, old.retired) == (1, PARTIAL.message, True)
    with pytest.raises(NotFound):
        await ana.macro(added.id, 3)
    with pytest.raises(NotFound):
        await ana.macro("MAC-none")
    # every write has its audit entry, under the supervisor's name
    actions = [(a, who) for a, who, _ in audit_actions(api)]
    assert actions == [
        (AuditAction.MACRO_ADDED.value, "sup.sam"),
        (AuditAction.MACRO_ADDED.value, "sup.sam"),
        (AuditAction.MACRO_EDITED.value, "sup.sam"),
        (AuditAction.MACRO_RETIRED.value, "sup.sam"),
    ]
    edit_entry = audit_actions(api)[2][2]
    assert edit_entry["before"]["version"] == 1 and edit_entry["after"]["version"] == 2


async def test_a_bad_macro_is_refused_naming_each_problem(api: Api, stores: Opener) -> None:
    sam = stores("sup.sam")
    bad = MacroBody(path="Refunds/Typo", message="Dear {byuer}", refund=Decimal("0"))
    with pytest.raises(InvalidDecision) as caught:
        await sam.save_macro(bad, actor="sup.sam", now=NOW)
    assert ("message", "unknown placeholder {byuer}: did you mean {buyer}?") in caught.value.errors
    assert ("refund", "0 is not more than 0 (P-REFUND-BOUNDS)") in caught.value.errors
    await sam.save_macro(PARTIAL, actor="sup.sam", now=NOW)
    with pytest.raises(InvalidDecision, match="already macro"):
        await sam.save_macro(PARTIAL, actor="sup.sam", now=NOW)
    assert len(audit_actions(api)) == 1  # refused writes wrote nothing


async def test_a_decision_records_the_macro_version_it_used(api: Api, stores: Opener) -> None:
    sam, ana = stores("sup.sam"), stores("agent.ana")
    macro = await sam.save_macro(PARTIAL, actor="sup.sam", now=NOW)
    draft = DecisionDraft(
        outcome=Outcome.BUYER_PARTIAL_REFUND,
        rationale=RATIONALE,
        refund_amount=Decimal("20.00"),
        macro=macro.ref,
    )
    decision = await ana.record_decision(
        "D-10001", draft, expected_version=1, actor="agent.ana", now=NOW, idempotency_key="m-1"
    )
    assert decision.macro == MacroRef(id=macro.id, version=1)
    record = await ana.get_dispute("D-10001")
    assert record.decisions[-1].macro == MacroRef(id=macro.id, version=1)
    # the same key with another macro is another request
    again = draft.model_copy(update={"macro": MacroRef(id=macro.id, version=2)})
    with pytest.raises(Exception, match="key"):
        await ana.record_decision(
            "D-10001", again, expected_version=1, actor="agent.ana", now=NOW, idempotency_key="m-1"
        )
    lines: list[Any] = []
    api.store.export_decisions_sync(lines.append)
    assert [line.macro for line in lines] == [f"{macro.id} v1"]


async def test_a_decision_without_a_macro_reads_and_writes_as_before(
    api: Api, ana: httpx.Client
) -> None:
    body = {"outcome": "seller_favour", "rationale": RATIONALE}
    answer = decide(ana, "D-10001", body)
    assert answer.status_code == 201, answer.text
    assert "macro" not in answer.json()
    # a version is a JSON number, as every version is
    with_macro = {**body, "macro": {"id": "MAC-1", "version": "2"}}
    refused = decide(ana, "D-10002", with_macro, key="key-2")
    assert refused.status_code == 422, refused.text


def test_the_openapi_document_has_the_macro_routes(api: Api, ana: httpx.Client) -> None:
    paths = ana.get("/openapi.json").json()["paths"]
    assert set(paths["/macros"]) == {"get", "post"}
    assert set(paths["/macros/{macro_id}"]) == {"get", "put", "delete"}


def test_an_agents_token_is_refused_by_the_api(api: Api, ana: httpx.Client) -> None:
    refused = ana.post("/macros", json=PARTIAL.model_dump(mode="json"))
    assert refused.status_code == 403, refused.text
    assert ana.get("/macros").status_code == 200
