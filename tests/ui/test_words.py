"""What the console says about a refused write: who got there first, in the agent's time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

from mediator.domain import Decision, DisputeRecord, Outcome
from mediator.screens.words import refusal, what_happened
from mediator.store.base import NotFound, VersionConflict

from .conftest import example_disputes

DECIDED_AT = datetime(2026, 11, 22, 10, 2, tzinfo=UTC)


def decided(record: DisputeRecord) -> DisputeRecord:
    decision = Decision(
        id="R-1",
        dispute_id=record.id,
        outcome=Outcome.BUYER_PARTIAL_REFUND,
        refund_amount=Decimal("20.00"),
        fee_refund=Decimal("1.00"),
        currency="USD",
        return_required=False,
        seller_keep_pct=None,
        seller_error=None,
        defective_or_misadvertised=None,
        rationale="per E-1",
        message_to_parties="",
        decided_by="agent.bo",
        decided_at=DECIDED_AT,
    )
    return record.model_copy(update={"version": 2, "decisions": (decision,)})


def test_a_conflict_names_who_decided_when_in_local_time_and_how() -> None:
    record = decided(DisputeRecord(dispute=example_disputes()[0], version=1))
    conflict = VersionConflict(record.id, 1, record)
    berlin = timezone(timedelta(hours=1))
    assert what_happened(conflict, berlin) == (
        "D-10001 was decided by agent.bo at 22 Nov 11:02 (Buyer favour: partial refund)"
    )
    assert refusal(conflict, UTC).startswith("D-10001 was decided by agent.bo at 22 Nov 10:02")


def test_a_conflict_without_a_decision_says_the_dispute_changed() -> None:
    record = DisputeRecord(dispute=example_disputes()[0], version=2)
    assert what_happened(VersionConflict(record.id, 1, record), UTC) == (
        "D-10001 was changed by someone else since you opened it"
    )
    assert what_happened(VersionConflict("D-10001", 1, None), UTC).endswith("since you opened it")


def test_other_refusals_are_the_store_s_own_line() -> None:
    assert refusal(NotFound("no dispute 'D-9'"), UTC) == "no dispute 'D-9'"
