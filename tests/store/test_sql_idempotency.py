"""Idempotency keys on decisions, and staff tokens (SQLite and PostgreSQL).

The same key and request replay the first decision; the same key with any other request (another
decision, another dispute, another agent) is refused and writes nothing; 16 threads sending one
key at once store one decision.
"""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest

from mediator.domain import DecisionDraft, Outcome
from mediator.store import IdempotencyMismatch, VersionConflict
from mediator.store.base import Role, StaffMember
from mediator.store.sql import SqlStore
from mediator.store.sql import engine as sql_engine
from mediator.store.sql.deciding import draft_fingerprint
from mediator.store.sql.staff import StaffError, hash_token
from tests.store.conftest import NOW
from tests.store.test_sql_import import snapshot

RATIONALE = "Left earbud defective per photo E-1."
PARTIAL = DecisionDraft(
    outcome=Outcome.BUYER_PARTIAL_REFUND, rationale=RATIONALE, refund_amount=Decimal("20.00")
)


def decide(
    store: SqlStore,
    key: str,
    draft: DecisionDraft = PARTIAL,
    *,
    dispute: str = "D-10001",
    version: int = 1,
    actor: str = "agent.ana",
) -> object:
    return store.record_decision_sync(
        dispute, draft, expected_version=version, actor=actor, now=NOW, idempotency_key=key
    )


def test_the_same_key_and_request_replays_the_first_decision(loaded: SqlStore) -> None:
    first = decide(loaded, "k-1")
    after_first = snapshot(loaded)
    # a retry after a lost response: the version moved on, yet it is the same decision
    again = decide(loaded, "k-1")
    assert again == first
    assert snapshot(loaded) == after_first
    assert loaded.get_dispute_sync("D-10001").decisions == (first,)


def test_an_equal_amount_written_differently_is_the_same_request(loaded: SqlStore) -> None:
    first = decide(loaded, "k-2")
    same = DecisionDraft(
        outcome=Outcome.BUYER_PARTIAL_REFUND, rationale=RATIONALE, refund_amount=Decimal("20")
    )
    assert draft_fingerprint("D-10001", same) == draft_fingerprint("D-10001", PARTIAL)
    assert decide(loaded, "k-2", same) == first


@pytest.mark.parametrize(
    ("draft", "dispute", "actor"),
    [
        (
            DecisionDraft(
                outcome=Outcome.BUYER_PARTIAL_REFUND,
                rationale=RATIONALE,
                refund_amount=Decimal("21"),
            ),
            "D-10001",
            "agent.ana",
        ),
        (PARTIAL, "D-10002", "agent.ana"),
        (PARTIAL, "D-10001", "agent.bo"),
    ],
    ids=["another-amount", "another-dispute", "another-agent"],
)
def test_the_same_key_with_another_request_is_refused(
    loaded: SqlStore, draft: DecisionDraft, dispute: str, actor: str
) -> None:
    decide(loaded, "k-3")
    before = snapshot(loaded)
    with pytest.raises(IdempotencyMismatch, match="k-3"):
        decide(loaded, "k-3", draft, dispute=dispute, actor=actor, version=1)
    assert snapshot(loaded) == before


def test_a_new_key_on_a_decided_dispute_is_a_version_conflict(loaded: SqlStore) -> None:
    decide(loaded, "k-4")
    with pytest.raises(VersionConflict) as conflict:
        decide(loaded, "k-5", actor="agent.bo")
    current = conflict.value.current
    assert current is not None and [d.decided_by for d in current.decisions] == ["agent.ana"]


def test_an_empty_or_huge_key_is_refused(loaded: SqlStore) -> None:
    for key in ("", "x" * 256):
        with pytest.raises(IdempotencyMismatch, match="1 to 255 characters"):
            decide(loaded, key)
    assert loaded.get_dispute_sync("D-10001").decisions == ()


def test_sixteen_retries_of_one_key_at_once_store_one_decision(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.store.conftest import example_disputes

    # Sixteen writers queue for SQLite's one write lock, each commit an fsync: on a machine
    # busy with other work the last waited over the 5 s busy timeout (CI, once) and was told
    # "database is locked". The race under test is the key's, not the lock's patience.
    monkeypatch.setattr(sql_engine, "BUSY_TIMEOUT", 120.0)

    setup = SqlStore.open(store_url)
    setup.import_disputes(example_disputes())
    setup.close_sync()
    stores = [SqlStore.open(store_url) for _ in range(16)]
    results: list[object] = [None] * 16
    barrier = threading.Barrier(16)

    def send(i: int) -> None:
        barrier.wait()
        try:
            results[i] = decide(stores[i], "same-key")
        except Exception as exc:  # recorded and asserted below
            results[i] = exc

    threads = [threading.Thread(target=send, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        stored = stores[0].get_dispute_sync("D-10001").decisions
        assert len(stored) == 1
        assert results == [stored[0]] * 16  # every retry got the one decision back
    finally:
        for s in stores:
            s.close_sync()


def test_staff_tokens_are_random_shown_once_and_stored_hashed(loaded: SqlStore) -> None:
    token = loaded.add_staff_sync("agent.ana", "agent", now=NOW)
    other = loaded.add_staff_sync("sup.kim", "supervisor", now=NOW)
    assert token != other and token.startswith("mdt_") and len(token) > 40
    assert loaded.staff_for_token_sync(token) == StaffMember(name="agent.ana", role=Role.AGENT)
    assert loaded.staff_for_token_sync(other) == StaffMember(name="sup.kim", role=Role.SUPERVISOR)
    assert loaded.staff_for_token_sync(token + "x") is None
    assert loaded.staff_for_token_sync(hash_token(token)) is None  # the hash is not a token
    with loaded.engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT name, token_hash FROM staff").all()
    assert all(token not in str(row) and other not in str(row) for row in stored)


@pytest.mark.parametrize(
    ("name", "role", "message"),
    [
        ("agent.ana", "agent", "already exists"),
        ("", "agent", "not a staff name"),
        ("ana\x1b[31m", "agent", "not a staff name"),
        ("agent.ana@example.com", "agent", "not a staff name"),  # the id character set
        ("[b]kim[/b]", "agent", "not a staff name"),
        ("bo", "admin", "unknown role 'admin'"),
    ],
)
def test_bad_staff_is_refused(loaded: SqlStore, name: str, role: str, message: str) -> None:
    loaded.add_staff_sync("agent.ana", "agent", now=NOW)
    with pytest.raises(StaffError, match=message):
        loaded.add_staff_sync(name, role, now=NOW)
    assert loaded.list_staff_sync() == [StaffMember(name="agent.ana", role=Role.AGENT)]
