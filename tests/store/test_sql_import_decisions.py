"""Decisions that come with an import (`mediator seed`, issue 17): written with their disputes in
the one transaction, checked against them (in the import, resolved, one each), counted in the
import's audit entry; all or nothing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from mediator.domain import Decision, DecisionDraft, Outcome, Status
from mediator.store import StoreError
from mediator.store.sql import SqlStore
from mediator.store.sql.audit import stored_entries
from mediator.store.sql.engine import read_tx
from mediator.store.sql.schema import decisions
from tests.store.conftest import NOW, make_dispute


def decision(n: int, **changes: Any) -> Decision:
    """A standing partial refund of 10.00 USD on D-`n` (the factory's price is 30.00)."""
    fields: dict[str, Any] = {
        "id": f"R-{n}",
        "dispute_id": f"D-{n}",
        "outcome": Outcome.BUYER_PARTIAL_REFUND,
        "refund_amount": Decimal("10.00"),
        "fee_refund": Decimal("0.50"),
        "currency": "USD",
        "return_required": False,
        "seller_keep_pct": None,
        "seller_error": None,
        "defective_or_misadvertised": None,
        "rationale": "The buyer's photos show a scratch; a partial refund covers it.",
        "message_to_parties": "We refunded 10.00 USD to the buyer.",
        "decided_by": "ana",
        "decided_at": NOW - timedelta(days=2),
        "findings": ("P-REFUND-UNDELIVERED", "P-REFUND-FEE"),
    }
    return Decision(**{**fields, **changes})


def resolved(n: int, revision: int = 1) -> Any:
    return make_dispute(n, status="resolved", revision=revision)


def stored_decisions(store: SqlStore) -> int:
    with read_tx(store.engine) as conn:
        return int(conn.scalar(select(func.count()).select_from(decisions)) or 0)


def imported_counts(store: SqlStore) -> list[dict[str, Any] | None]:
    with read_tx(store.engine) as conn:
        return [e.entry().after for e in stored_entries(conn) if e.action == "imported"]


def test_decisions_are_written_with_their_disputes(store: SqlStore) -> None:
    approved = decision(
        2,
        outcome=Outcome.SELLER_FAVOUR,
        refund_amount=None,
        fee_refund=None,
        findings=(),
        review={"state": "approved", "by": "grace", "at": "2026-11-20T13:00:00Z"},
    )
    report = store.import_disputes(
        [resolved(1), resolved(2), make_dispute(3)], decisions=[decision(1), approved]
    )
    assert (report.inserted, report.updated, report.skipped) == (3, 0, ())
    assert store.get_dispute_sync("D-1").decisions == (decision(1),)
    assert store.get_dispute_sync("D-2").decisions == (approved,)
    assert store.get_dispute_sync("D-3").decisions == ()
    assert store.get_dispute_sync("D-1").dispute.status is Status.RESOLVED
    assert imported_counts(store) == [{"inserted": 3, "updated": 0, "skipped": 0, "decisions": 2}]
    assert store.audit_verify_sync().ok


def test_an_import_without_decisions_says_nothing_of_them(store: SqlStore) -> None:
    store.import_disputes([resolved(1)])
    assert imported_counts(store) == [{"inserted": 1, "updated": 0, "skipped": 0}]
    store.import_disputes([resolved(2)], decisions=[])
    assert imported_counts(store)[-1] == {"inserted": 1, "updated": 0, "skipped": 0, "decisions": 0}


@pytest.mark.parametrize(
    ("disputes", "given", "message"),
    [
        # D-7 is not among the disputes imported
        ([1], [decision(1), decision(7)], "decision R-7: its dispute D-7 is not in the import"),
        # D-2 is, but not resolved
        ([1, 2], [decision(2)], "decision R-2: its dispute D-2 is escalated, not resolved"),
        ([1], [decision(1, currency="EUR", refund_amount=None, fee_refund=None)], "in EUR"),
        ([1], [decision(1), decision(1, id="R-1b")], "R-1b: D-1 has another decision"),
    ],
)
def test_a_decision_that_does_not_fit_the_import_writes_nothing(
    store: SqlStore, disputes: list[int], given: list[Decision], message: str
) -> None:
    items = [resolved(n) if n == 1 else make_dispute(n) for n in disputes]
    with pytest.raises(StoreError, match="nothing was written") as caught:
        store.import_disputes(items, decisions=given)
    assert message in str(caught.value)
    assert store.count_disputes() == 0
    assert stored_decisions(store) == 0
    assert imported_counts(store) == []
    assert store.audit_verify_sync().ok


def test_a_stored_dispute_is_not_in_the_import(store: SqlStore) -> None:
    """The decision's dispute must come with it, even when the store already holds it."""
    store.import_disputes([resolved(7)])
    with pytest.raises(StoreError, match="R-7: its dispute D-7 is not in the import"):
        store.import_disputes([resolved(1)], decisions=[decision(1), decision(7)])
    assert store.count_disputes() == 1
    assert stored_decisions(store) == 0


def test_importing_again_keeps_the_one_decision(store: SqlStore) -> None:
    """A skipped dispute keeps what it has (seeding twice with the same seed)."""
    store.import_disputes([resolved(1)], decisions=[decision(1)])
    report = store.import_disputes([resolved(1)], decisions=[decision(1)])
    assert report.skipped == (("D-1", "stored revision 1 ≥ 1"),)
    assert store.get_dispute_sync("D-1").decisions == (decision(1),)
    assert imported_counts(store)[-1] == {"inserted": 0, "updated": 0, "skipped": 1, "decisions": 0}


def test_an_updated_dispute_gets_its_decision_unless_it_holds_one(store: SqlStore) -> None:
    store.import_disputes([make_dispute(1), resolved(2)], decisions=[decision(2)])
    # D-1 resolved elsewhere since: its newer revision comes with its decision; D-2's newer
    # revision brings another decision, but the one stored stands
    other = decision(2, id="R-2-new", rationale="Another agent's view.")
    store.import_disputes([resolved(1, revision=2), resolved(2, revision=2)], decisions=[
        decision(1),
        other,
    ])  # fmt: skip
    assert store.get_dispute_sync("D-1").decisions == (decision(1),)
    assert store.get_dispute_sync("D-2").decisions == (decision(2),)
    assert imported_counts(store)[-1] == {"inserted": 0, "updated": 2, "skipped": 0, "decisions": 1}


def test_the_consoles_decision_stands(store: SqlStore) -> None:
    """A dispute decided here, then imported resolved with a decision: the console's stays."""
    store.import_disputes([make_dispute(1)])
    draft = DecisionDraft(outcome=Outcome.BUYER_FULL_REFUND, rationale="Never delivered.")
    mine = store.record_decision_sync("D-1", draft, expected_version=1, actor="bo", now=NOW)
    store.import_disputes([resolved(1, revision=2)], decisions=[decision(1)])
    assert store.get_dispute_sync("D-1").decisions == (mine,)


def test_decisions_come_with_a_large_import(store: SqlStore) -> None:
    """More disputes than one batch: the decisions of every batch are written."""
    items = [resolved(n) if n % 3 == 0 else make_dispute(n) for n in range(1, 2501)]
    given = [decision(n) for n in range(3, 2501, 3)]
    store.import_disputes(items, decisions=given, batch_size=1000)
    assert stored_decisions(store) == len(given) == 833
    assert store.get_dispute_sync("D-2499").decisions == (decision(2499),)


def test_imported_decisions_count_in_the_shift_s_figures(store: SqlStore) -> None:
    """Issue 17: an imported decision carries its handling time and marks when its dispute was
    first decided, as a decision written in the console does."""
    from mediator.domain.report import Period
    from mediator.store.sql.schema import disputes

    store.import_disputes([resolved(1), resolved(2)], decisions=[decision(1), decision(2)])
    with read_tx(store.engine) as conn:
        first = dict(conn.execute(select(disputes.c.id, disputes.c.first_decided_at)).all())
        handled = dict(conn.execute(select(decisions.c.id, decisions.c.handled_s)).all())
    record = store.get_dispute_sync("D-1").dispute
    assert record.escalated_at is not None
    assert first == {"D-1": NOW - timedelta(days=2), "D-2": NOW - timedelta(days=2)}
    expected = (NOW - timedelta(days=2) - record.escalated_at).total_seconds()
    assert handled == {"R-1": expected, "R-2": handled["R-2"]}
    s = store.summary_sync(Period(NOW - timedelta(days=7), NOW), now=NOW)
    assert s.decided == 2 and s.handling.decisions == 2


def test_the_resolved_list_names_imported_decisions(store: SqlStore) -> None:
    """Issue 22: an imported decision is who decided and when in the resolved list; a newer
    revision keeps it, a dispute decided here keeps the console's, and a resolved dispute
    imported without one names nobody."""
    from mediator.domain.enums import Status
    from mediator.store.base import QueueQuery

    def named(dispute_id: str) -> tuple[object, object]:
        query = QueueQuery(statuses=frozenset({Status.RESOLVED}), text=dispute_id)
        (row,) = store.queue_page_sync(query).rows
        return row.decided_at, row.decided_by

    store.import_disputes(
        [resolved(1), resolved(2), make_dispute(3)],
        decisions=[decision(1), decision(2, decided_by="chidi", decided_at=NOW)],
    )
    assert named("D-1") == (NOW - timedelta(days=2), "ana")
    assert named("D-2") == (NOW, "chidi")
    draft = DecisionDraft(outcome=Outcome.BUYER_FULL_REFUND, rationale="Never delivered.")
    store.record_decision_sync("D-3", draft, expected_version=1, actor="bo", now=NOW)
    store.import_disputes([resolved(1, revision=2), resolved(3, revision=2), resolved(4)])
    assert named("D-1") == (NOW - timedelta(days=2), "ana")
    assert named("D-3") == (NOW, "bo")
    assert named("D-4") == (None, None)
