"""Bulk import: exact round trip, the revision rule, all or nothing, progress."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from pydantic import ValidationError
from sqlalchemy import text

from mediator.domain import Channel, DecisionDraft, Dispute, Outcome, Status
from mediator.store import QueueQuery, StoreError
from mediator.store.base import IdClash, ImportClash
from mediator.store.sql import SqlStore
from tests.store.conftest import NOW, dispute_data, example_disputes, make_dispute


def test_round_trip_of_the_examples(loaded: SqlStore) -> None:
    for original in example_disputes():
        record = loaded.get_dispute_sync(original.id)
        assert record.dispute == original
        assert record.version == 1
        assert record.decisions == ()


def test_round_trip_is_exact(loaded: SqlStore) -> None:
    d = loaded.get_dispute_sync("D-10001").dispute
    assert d.order.price == Decimal("49.99")
    assert str(d.order.price) == "49.99"
    assert str(d.order.service_fee) == "2.50"
    assert str(d.buyer_request_amount) == "20.00"
    assert d.opened_at.tzinfo is UTC
    assert d.opened_at.isoformat() == "2026-11-20T10:00:00+00:00"
    assert d.order.delivered_at is not None and d.order.delivered_at.tzinfo is UTC
    assert d.order.confirmed_at is None
    assert [m.id for m in d.messages] == ["M-1", "M-2", "M-3", "M-4", "M-5"]


def test_messages_and_evidence_read_back_unvalidated_are_what_validation_makes(
    loaded: SqlStore,
) -> None:
    """Rows are read without validating them again (issue 18): each message and evidence item
    equals, dumps and hashes as the same model validated, and stays frozen."""
    for original in example_disputes():
        d = loaded.get_dispute_sync(original.id).dispute
        for item in (*d.messages, *d.evidence):
            validated = type(item).model_validate(item.model_dump())
            assert item == validated
            assert hash(item) == hash(validated)
            assert item.model_dump_json() == validated.model_dump_json()
            assert item.model_fields_set == validated.model_fields_set
            with pytest.raises(ValidationError):
                item.id = "M-other"  # type: ignore[attr-defined]


def test_messages_come_back_in_time_order(store: SqlStore) -> None:
    # The factory writes messages newest first; the store returns them by (sent_at, id).
    store.import_disputes([make_dispute(1, messages=4)])
    messages = store.get_dispute_sync("D-1").dispute.messages
    assert [m.sent_at for m in messages] == sorted(m.sent_at for m in messages)
    assert [m.id for m in messages] == ["M-1-3", "M-1-2", "M-1-1", "M-1-0"]


def test_amounts_in_currencies_with_zero_and_three_decimals(store: SqlStore) -> None:
    store.import_disputes(
        [
            make_dispute(1, currency="JPY", price="4980", fee="249"),
            make_dispute(2, currency="KWD", price="12.345", fee="0.617"),
            make_dispute(3, currency="IQD", price="987654321.125", fee="1.000"),
        ]
    )
    assert str(store.get_dispute_sync("D-1").dispute.order.price) == "4980"
    assert str(store.get_dispute_sync("D-2").dispute.order.price) == "12.345"
    assert str(store.get_dispute_sync("D-3").dispute.order.price) == "987654321.125"


def test_times_with_offsets_are_stored_in_utc(store: SqlStore) -> None:
    data = dispute_data(1)
    data["opened_at"] = "2026-09-30T12:00:00+02:00"
    store.import_disputes([Dispute.model_validate_json(json.dumps(data))])
    opened = store.get_dispute_sync("D-1").dispute.opened_at
    assert opened.tzinfo is UTC
    assert opened == datetime(2026, 9, 30, 10, 0, tzinfo=UTC)


def test_bulk_and_single_writes_store_times_alike(sqlite_url: str) -> None:
    """SQLite bulk import formats times itself; they must match what Core writes for a note."""
    sent = datetime(2026, 9, 30, 10, 0, 0, 250, tzinfo=UTC)
    data = dispute_data(1, messages=1)
    data["messages"][0]["sent_at"] = "2026-09-30T12:00:00.000250+02:00"
    with SqlStore.open(sqlite_url) as store:
        store.import_disputes([Dispute.model_validate_json(json.dumps(data))])
        note = store.add_note_sync("D-1", "same instant", actor="ana", now=sent)
        with store.engine.connect() as conn:
            stored = conn.exec_driver_sql("SELECT id, sent_at FROM messages ORDER BY id").all()
        messages = store.get_dispute_sync("D-1").dispute.messages
    assert sorted(stored) == sorted(
        [("M-1-0", "2026-09-30 10:00:00.000250"), (note.id, "2026-09-30 10:00:00.000250")]
    )
    assert [m.sent_at for m in messages] == [sent, sent]
    assert [m.id for m in messages] == sorted(["M-1-0", note.id])


def test_count_and_progress(store: SqlStore) -> None:
    seen: list[int] = []
    report = store.import_disputes(example_disputes(), on_progress=seen.append, batch_size=2)
    assert seen == [2, 4, 5]
    assert report.inserted == 5
    assert store.count_disputes() == 5


def test_equal_or_lower_revision_is_skipped_and_reported(loaded: SqlStore) -> None:
    d = example_disputes()[0]
    again = d.model_copy(update={"messages": ()})
    report = loaded.import_disputes([again])
    assert (report.inserted, report.updated) == (0, 0)
    assert report.skipped == (("D-10001", "stored revision 1 ≥ 1"),)
    assert loaded.get_dispute_sync("D-10001").dispute == d

    loaded.import_disputes([d.model_copy(update={"revision": 3})])
    report = loaded.import_disputes([d.model_copy(update={"revision": 2})])
    assert report.skipped == (("D-10001", "stored revision 3 ≥ 2"),)


def test_higher_revision_replaces_marketplace_data_and_keeps_ours(store: SqlStore) -> None:
    store.import_disputes([make_dispute(1, messages=3, evidence=2)])
    note = store.add_note_sync("D-1", "called the carrier", actor="agent.ana", now=NOW)
    store.record_decision_sync(
        "D-1",
        DecisionDraft(outcome=Outcome.SELLER_FAVOUR, rationale="tracking shows delivery"),
        expected_version=1,
        actor="agent.ana",
        now=NOW,
    )
    newer = make_dispute(
        1, revision=2, messages=1, evidence=0, title="Renamed item", message_prefix="r2-"
    )
    report = store.import_disputes([newer])
    assert (report.inserted, report.updated, report.skipped) == (0, 1, ())

    record = store.get_dispute_sync("D-1")
    d = record.dispute
    assert d.revision == 2
    assert d.order.title == "Renamed item"
    assert record.version == 3  # 1, +1 decision, +1 newer revision
    assert [m.id for m in d.messages] == ["M-r2-1-0", note.id]
    assert d.messages[-1].channel is Channel.STAFF_NOTE
    assert d.messages[-1].author_name == "agent.ana"
    assert d.evidence == ()
    assert len(record.decisions) == 1
    row = store.queue_page_sync(QueueQuery(statuses=frozenset(Status))).rows[0]
    assert (row.message_count, row.evidence_count) == (2, 0)


def test_same_id_twice_in_one_import(store: SqlStore) -> None:
    report = store.import_disputes(
        [make_dispute(1), make_dispute(1, revision=2, message_prefix="b"), make_dispute(1)]
    )
    assert (report.inserted, report.updated) == (1, 1)
    assert report.skipped == (("D-1", "revision 2 earlier in the file ≥ 1"),)
    assert store.get_dispute_sync("D-1").dispute.revision == 2
    assert store.count_disputes() == 1


def test_same_id_in_two_batches(store: SqlStore) -> None:
    report = store.import_disputes(
        [make_dispute(1), make_dispute(2), make_dispute(1, revision=2, message_prefix="b")],
        batch_size=2,
    )
    assert (report.inserted, report.updated, report.skipped) == (2, 1, ())
    d = store.get_dispute_sync("D-1").dispute
    assert d.revision == 2
    assert [m.id for m in d.messages] == ["M-b1-1", "M-b1-0"]


def snapshot(store: SqlStore) -> list[object]:
    with store.engine.connect() as conn:
        return [
            conn.exec_driver_sql(f"SELECT * FROM {table} ORDER BY id").all()
            for table in ("disputes", "messages", "evidence", "decisions")
        ]


def test_a_database_error_mid_import_writes_nothing(loaded: SqlStore) -> None:
    before = snapshot(loaded)
    newer = example_disputes()[0].model_copy(update={"revision": 2})
    # D-3 reuses a message id of D-1 (ids are unique per kind): the 3rd batch fails.
    clash = make_dispute(3).model_copy(update={"messages": make_dispute(1).messages})
    with pytest.raises(StoreError) as info:
        loaded.import_disputes(
            [newer, make_dispute(1), make_dispute(2), clash, make_dispute(4)], batch_size=1
        )
    assert str(info.value).startswith("import failed, nothing was written")
    assert "\n" not in str(info.value)
    assert snapshot(loaded) == before


def test_an_unstorable_amount_mid_import_writes_nothing(loaded: SqlStore) -> None:
    before = snapshot(loaded)
    # Valid for the parser, but finer than USD allows: the store refuses to round it.
    bad = make_dispute(2, price="10.005")
    with pytest.raises(StoreError, match=r"D-2: 10\.005 is not a whole number of USD"):
        loaded.import_disputes([make_dispute(1), bad, make_dispute(3)], batch_size=1)
    assert snapshot(loaded) == before


def test_a_failing_source_mid_import_writes_nothing(loaded: SqlStore) -> None:
    before = snapshot(loaded)

    def lines() -> Iterator[Dispute]:
        yield make_dispute(1)
        yield make_dispute(2)
        raise RuntimeError("the file went away")

    with pytest.raises(RuntimeError):
        loaded.import_disputes(lines(), batch_size=1)
    assert snapshot(loaded) == before


# --- ids the store already holds (ids are unique per kind, IMPORT_FORMAT.md) ------------------


def with_ids(n: int, messages: tuple[str, ...] = (), evidence: tuple[str, ...] = ()) -> Dispute:
    """`make_dispute(n)` (2 messages, 1 evidence) with its first ids replaced by these."""
    d = make_dispute(n, messages=max(2, len(messages)), evidence=max(1, len(evidence)))
    ms = [m.model_copy(update={"id": i}) for m, i in zip(d.messages, messages, strict=False)]
    es = [e.model_copy(update={"id": i}) for e, i in zip(d.evidence, evidence, strict=False)]
    return d.model_copy(
        update={
            "messages": (*ms, *d.messages[len(ms) :]),
            "evidence": (*es, *d.evidence[len(es) :]),
        }
    )


def test_a_message_id_stored_under_another_dispute_names_it(loaded: SqlStore) -> None:
    """D-2 reuses M-1 (D-10001's) and E-10 (D-10002's): `ImportClash` says where each is and
    which dispute holds it; the database's own error never reaches the caller."""
    before = snapshot(loaded)
    clash = with_ids(2, messages=("M-b2", "M-1"), evidence=("E-10",))
    with pytest.raises(ImportClash) as info:
        loaded.import_disputes([make_dispute(1), clash, make_dispute(3)])
    assert info.value.clashes == (
        IdClash("D-2", "messages[1].id", "M-1", "D-10001"),
        IdClash("D-2", "evidence[0].id", "E-10", "D-10002"),
    )
    assert str(info.value) == (
        "import failed, nothing was written: D-2: messages[1].id: M-1 is already stored under "
        "D-10001 (and 1 more)"
    )
    assert snapshot(loaded) == before


def test_a_clash_in_a_later_batch_writes_nothing(loaded: SqlStore) -> None:
    """The clash is found in the third batch; the first two are rolled back with it."""
    before = snapshot(loaded)
    with pytest.raises(ImportClash) as info:
        loaded.import_disputes(
            [make_dispute(1), make_dispute(2), with_ids(3, messages=("M-1-0",))], batch_size=1
        )
    assert info.value.clashes == (IdClash("D-3", "messages[0].id", "M-1-0", "D-1"),)
    assert snapshot(loaded) == before


def test_a_newer_revision_may_keep_its_own_ids(loaded: SqlStore) -> None:
    """Not a clash: the ids belong to the dispute being replaced."""
    newer = example_disputes()[0].model_copy(update={"revision": 2})
    report = loaded.import_disputes([newer])
    assert report.updated == 1
    assert loaded.get_dispute_sync("D-10001").dispute.messages == newer.messages


def test_a_newer_revision_reusing_a_staff_note_id_is_a_clash(store: SqlStore) -> None:
    store.import_disputes([make_dispute(1)])
    note = store.add_note_sync("D-1", "called the carrier", actor="agent.ana", now=NOW)
    before = snapshot(store)
    with pytest.raises(ImportClash) as info:
        store.import_disputes([with_ids(1, messages=(note.id,)).model_copy(update={"revision": 2})])
    assert info.value.clashes == (IdClash("D-1", "messages[0].id", note.id, "D-1", local=True),)
    assert snapshot(store) == before


def test_a_stored_value_today_s_rules_refuse_is_a_store_error(store_url: str) -> None:
    """An id stored by an earlier mediator (before the id character set, IMPORT_FORMAT.md) is
    read back as a one-line `StoreError` naming the problem, never a raw validation error."""
    with SqlStore.open(store_url) as store:
        store.import_disputes(example_disputes()[:1])
        with store.engine.begin() as conn:
            conn.execute(text("UPDATE evidence SET id = 'E-[b]x' WHERE dispute_id = 'D-10001'"))
        with pytest.raises(StoreError) as refused:
            store.get_dispute_sync("D-10001")
        message = str(refused.value)
        assert message.startswith("reading D-10001 failed on ")
        assert "id: may hold only" in message and "earlier mediator" in message
        assert "\n" not in message
