"""Policy timers in the store: the queue's sort key, information requests, auto-escalation,
imports that answer a request, and the v1 → v2 migration. Real SQLite file and PostgreSQL."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from mediator.domain import Actor, Channel, DecisionDraft, Outcome, Status
from mediator.domain.deadlines import NO_DEADLINE, next_deadline, urgency_at
from mediator.store import InvalidDecision, QueueQuery, VersionConflict
from mediator.store.sql import SqlStore
from mediator.store.sql.schema import HEAD_REVISION, SCHEMA_VERSION
from tests.store.conftest import NOW, make_dispute


def _queue_ids(store: SqlStore) -> list[str]:
    return [r.id for r in store.queue_page_sync(QueueQuery(), limit=100).rows]


async def test_information_request_moves_the_dispute_and_starts_p_info_7d(
    store: SqlStore,
) -> None:
    store.import_disputes([make_dispute(1)])
    request = await store.request_info(
        "D-1",
        Actor.SELLER,
        "  Please upload the delivery screenshot.  ",
        expected_version=1,
        actor="agent.ana",
        now=NOW,
    )
    assert (request.party, request.asked_at, request.asked_by) == (Actor.SELLER, NOW, "agent.ana")
    record = await store.get_dispute("D-1")
    assert record.dispute.status is Status.AWAITING_INFO
    assert record.version == 2
    assert record.info_request == request
    asked = record.dispute.messages[-1]
    assert (asked.channel, asked.author, asked.body) == (
        Channel.DISPUTE_CHAT,
        Actor.STAFF,
        "Please upload the delivery screenshot.",
    )
    row = store.queue_page_sync(QueueQuery()).rows[0]
    assert (row.deadline_rule, row.urgency_at) == ("P-INFO-7D", NOW + timedelta(days=7))


@pytest.mark.parametrize(
    ("party", "message", "field"),
    [(Actor.STAFF, "x", "party"), (Actor.BUYER, "   ", "message")],
)
async def test_a_bad_information_request_writes_nothing(
    store: SqlStore, party: Actor, message: str, field: str
) -> None:
    store.import_disputes([make_dispute(1)])
    with pytest.raises(InvalidDecision) as caught:
        await store.request_info(
            "D-1", party, message, expected_version=1, actor="agent.ana", now=NOW
        )
    assert [f for f, _ in caught.value.errors] == [field]
    record = await store.get_dispute("D-1")
    assert (record.version, record.info_request, record.dispute.status) == (
        1,
        None,
        Status.ESCALATED,
    )


async def test_an_information_request_on_a_stale_version_conflicts(store: SqlStore) -> None:
    store.import_disputes([make_dispute(1)])
    with pytest.raises(VersionConflict):
        await store.request_info(
            "D-1", Actor.BUYER, "Photos?", expected_version=7, actor="agent.ana", now=NOW
        )
    assert (await store.get_dispute("D-1")).info_request is None


async def test_the_partys_answer_in_a_newer_revision_returns_it_to_the_queue(
    store: SqlStore,
) -> None:
    store.import_disputes([make_dispute(1)])
    await store.request_info(
        "D-1", Actor.BUYER, "Photos please", expected_version=1, actor="a", now=NOW
    )
    newer = make_dispute(1, revision=2, status="awaiting_info", messages=3)
    answer = newer.messages[0].model_copy(
        update={"id": "M-answer", "author": Actor.BUYER, "sent_at": NOW + timedelta(hours=5)}
    )
    newer = newer.model_copy(update={"messages": (*newer.messages, answer)})
    store.import_disputes([newer])
    record = await store.get_dispute("D-1")
    assert record.info_request is not None
    assert record.info_request.answered_at == NOW + timedelta(hours=5)
    assert record.dispute.status is Status.ESCALATED
    upcoming = next_deadline(record)
    assert upcoming is not None and upcoming.rule_id == "STAFF-48H"
    # the staff message asking for information survives the re-import (it is local)
    assert any(m.body == "Photos please" for m in record.dispute.messages)


async def test_a_decided_dispute_stays_resolved_when_a_newer_revision_arrives(
    store: SqlStore,
) -> None:
    store.import_disputes([make_dispute(1)])
    await store.record_decision(
        "D-1",
        DecisionDraft(outcome=Outcome.SELLER_FAVOUR, rationale="delivered in full"),
        expected_version=1,
        actor="a",
        now=NOW,
    )
    store.import_disputes([make_dispute(1, revision=2, status="escalated")])
    record = await store.get_dispute("D-1")
    assert record.dispute.status is Status.RESOLVED
    assert "D-1" not in _queue_ids(store)
    row = store.queue_page_sync(QueueQuery(statuses=frozenset({Status.RESOLVED}))).rows[0]
    assert (row.urgency_at, row.deadline_rule) == (NO_DEADLINE, None)


def _open_dispute(n: int, *, seller_writes: bool) -> object:
    d = make_dispute(n, status="open", messages=2)
    d = d.model_copy(update={"escalated_at": None, "escalation_cause": None})
    if not seller_writes:
        d = d.model_copy(
            update={"messages": tuple(m for m in d.messages if m.author is not Actor.SELLER)}
        )
    return d


async def test_auto_escalation_p_esc_seller_silent_and_p_esc_stale(store: SqlStore) -> None:
    silent = _open_dispute(1, seller_writes=False)
    talking = _open_dispute(2, seller_writes=True)
    store.import_disputes([silent, talking])  # type: ignore[list-item]
    opened = store.get_dispute_sync("D-1").dispute.opened_at
    assert await store.escalate_due(opened + timedelta(hours=23, minutes=59)) == []
    day = opened + timedelta(hours=24)
    assert await store.escalate_due(day) == [("D-1", "seller_silent")]
    assert await store.escalate_due(day) == [], "idempotent: nothing is open and due any more"
    record = await store.get_dispute("D-1")
    d = record.dispute
    assert (d.status, d.escalated_at, d.escalation_cause) == (
        Status.ESCALATED,
        day,
        "seller_silent",
    )
    assert record.version == 2
    assert "D-1" in _queue_ids(store)
    # D-2's seller answered; it escalates only when nothing has happened for 72 h (P-ESC-STALE)
    talking_record = await store.get_dispute("D-2")
    stale_at = urgency_at(talking_record)
    assert await store.escalate_due(stale_at - timedelta(seconds=1)) == []
    assert await store.escalate_due(stale_at) == [("D-2", "stale")]
    titles = [m.body for m in (await store.get_dispute("D-2")).dispute.messages]
    assert len(titles) == 2  # escalation is a status change, not an invented chat message


async def test_overdue_count(store: SqlStore) -> None:
    store.import_disputes([make_dispute(n) for n in range(1, 6)])
    rows = store.queue_page_sync(QueueQuery()).rows
    third = rows[2].urgency_at
    assert store.queue_counts_sync(QueueQuery(), now=third).overdue == 3
    assert store.queue_counts_sync(QueueQuery(), now=rows[0].urgency_at).overdue == 1
    assert store.queue_counts_sync(QueueQuery()).overdue == 0  # not asked


def test_a_version_1_store_is_migrated_to_the_current_schema_on_open(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    store = SqlStore.open(f"sqlite:///{path}")
    store.import_disputes([make_dispute(n) for n in range(1, 4)])
    store.close_sync()
    # Make it look like the schema of the first release: no info_requests, no new columns,
    # urgency_at = the escalation time, made before Alembic (no alembic_version).
    with sqlite3.connect(path) as db:
        db.execute("DROP TABLE alembic_version")
        for trigger in ("ai", "ad", "au"):
            db.execute(f"DROP TRIGGER disputes_fts_{trigger}")
        db.execute("DROP TABLE disputes_fts")
        db.execute("DROP TABLE info_requests")
        db.execute("DROP TABLE idempotency_keys")
        db.execute("DROP TABLE staff")
        db.execute("DROP TABLE claim_events")
        db.execute("DROP TABLE changes")
        db.execute("DROP TABLE audit_trail")
        db.execute("DROP TABLE audit_head")
        db.execute("DROP TABLE macro_versions")  # v10
        db.execute("DROP TABLE macros")
        db.execute("ALTER TABLE decisions DROP COLUMN macro_id")
        db.execute("ALTER TABLE decisions DROP COLUMN macro_version")
        db.execute("DROP TABLE bulk_items")  # v12
        db.execute("DROP TABLE bulk_jobs")
        db.execute("DROP INDEX ix_disputes_sort_decided")  # v13
        db.execute("ALTER TABLE disputes DROP COLUMN decided_by")
        db.execute("ALTER TABLE disputes DROP COLUMN decided_at")
        for index in ("ix_disputes_escalated", "ix_disputes_first_decided", "ix_disputes_opened_at",
                      "ix_disputes_cause_opened", "ix_info_requests_asked_at",
                      "ix_decisions_period", "ix_disputes_flagged",
                      # v11: the queue's sort orders
                      "ix_disputes_reason_urgency", "ix_disputes_amount_urgency",
                      "ix_disputes_evidence_urgency", "ix_disputes_flags_urgency",
                      "ix_disputes_sort_buyer", "ix_disputes_sort_seller",
                      "ix_disputes_sort_title"):  # fmt: skip
            db.execute(f"DROP INDEX IF EXISTS {index}")
        db.execute("ALTER TABLE disputes DROP COLUMN first_decided_at")
        db.execute("ALTER TABLE decisions DROP COLUMN handled_s")
        db.execute("DROP INDEX ix_decisions_decided_by")
        db.execute("ALTER TABLE disputes DROP COLUMN returned_to")
        db.execute("DROP INDEX ix_disputes_claimed_by")
        for column in ("claimed_by", "claimed_since", "claimed_until", "claimed_from"):
            db.execute(f"ALTER TABLE disputes DROP COLUMN {column}")
        db.execute("ALTER TABLE disputes DROP COLUMN deadline_rule")
        db.execute("ALTER TABLE disputes DROP COLUMN flagged_count")
        db.execute("UPDATE disputes SET urgency_at = escalated_at")
        db.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    again = SqlStore.open(f"sqlite:///{path}")
    try:
        for row in again.queue_page_sync(QueueQuery()).rows:
            assert row.urgency_at == urgency_at(again.get_dispute_sync(row.id))
            assert row.deadline_rule == "STAFF-48H"
        with sqlite3.connect(path) as db:
            (version,) = db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            (revision,) = db.execute("SELECT version_num FROM alembic_version").fetchone()
        db.close()
        assert (version, revision) == (str(SCHEMA_VERSION), HEAD_REVISION)
        # v3's search index was built from the rows already there
        assert [r.id for r in again.queue_page_sync(QueueQuery(text="item number 2")).rows] == [
            "D-2"
        ]
    finally:
        again.close_sync()


def test_flagged_messages_are_counted_and_filterable_p_comm(store: SqlStore) -> None:
    clean = make_dispute(1)
    risky = make_dispute(2, messages=3)
    bodies = ["add me on whatsapp +44 7700 900123", "you are a scammer!!!", "ok, thanks"]
    risky = risky.model_copy(
        update={
            "messages": tuple(
                m.model_copy(update={"body": body})
                for m, body in zip(risky.messages, bodies, strict=True)
            )
        }
    )
    store.import_disputes([clean, risky])
    rows = {r.id: r for r in store.queue_page_sync(QueueQuery()).rows}
    assert (rows["D-1"].flagged_count, rows["D-2"].flagged_count) == (0, 2)
    flagged = store.queue_page_sync(QueueQuery(flagged_only=True)).rows
    assert [r.id for r in flagged] == ["D-2"]
    assert store.queue_counts_sync(QueueQuery(flagged_only=True)).matching == 1
