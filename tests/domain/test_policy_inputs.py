"""What the decision policy reads: the SQL store checks a decision against the dispute's facts
and its newest information request only, without loading the transcript, the evidence or the
earlier decisions (store/sql/deciding.py, `_policy_record`). These tests hold the policy to that:
a rule that starts reading messages must change the store too, and fails here first."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from mediator.domain import (
    Actor,
    DecisionDraft,
    Dispute,
    DisputeRecord,
    InfoRequest,
    Outcome,
    Status,
)
from mediator.domain.deadlines import next_deadline
from mediator.domain.resolution import build_decision, check_draft
from mediator.seed.generator import generate

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


def drafts(d: Dispute) -> list[DecisionDraft]:
    price = d.order.price
    out = []
    for outcome in Outcome:
        for amount in (None, price / 2, price, price * 2):
            out.append(
                DecisionDraft(
                    outcome=outcome,
                    rationale="per the order record",
                    refund_amount=None if amount is None else amount.quantize(Decimal("0.01")),
                    return_required=outcome is Outcome.BUYER_FULL_REFUND,
                    seller_keep_pct=Decimal("10") if outcome is Outcome.BUYER_FULL_REFUND else None,
                    acknowledged=frozenset({"P-OPEN-72H", "P-OPEN-CONFIRMED", "P-INFO-7D"}),
                )
            )
    return out


def stripped(record: DisputeRecord) -> DisputeRecord:
    """The record as the SQL store's decision path reads it."""
    return record.model_copy(
        update={
            "dispute": record.dispute.model_copy(update={"messages": (), "evidence": ()}),
            "decisions": (),
        }
    )


def records() -> list[DisputeRecord]:
    out = []
    for i, d in enumerate(generate(120, seed=7, now=NOW)):
        if not (d.messages or d.evidence):
            continue  # nothing to strip
        request = None
        if i % 3 == 0:
            asked = NOW - timedelta(days=i % 11)
            request = InfoRequest(
                party=Actor.SELLER, asked_at=asked, message="photos?", asked_by="x"
            )
        out.append(DisputeRecord(dispute=d, version=1, info_request=request))
    return out


@pytest.mark.parametrize("record", records(), ids=lambda r: r.id)
def test_a_decision_is_checked_and_built_alike_without_transcript_or_evidence(
    record: DisputeRecord,
) -> None:
    lean = stripped(record)
    built = 0
    for draft in drafts(record.dispute):
        assert check_draft(lean, draft, NOW) == check_draft(record, draft, NOW)
        if check_draft(record, draft, NOW):
            continue
        full = build_decision(record, draft, decision_id="R-1", actor="ana", now=NOW)
        assert build_decision(lean, draft, decision_id="R-1", actor="ana", now=NOW) == full
        built += 1
    decidable = record.dispute.status in (Status.ESCALATED, Status.AWAITING_INFO)
    assert built or not decidable  # some draft of every decidable dispute is written


@pytest.mark.parametrize("record", records()[:40], ids=lambda r: r.id)
def test_a_resolved_dispute_has_no_running_deadline_whatever_its_transcript(
    record: DisputeRecord,
) -> None:
    """The decision's write sets the queue's deadline columns from the lean record."""
    resolved = record.dispute.model_copy(update={"status": Status.RESOLVED})
    assert next_deadline(record.model_copy(update={"dispute": resolved})) is None
    assert next_deadline(stripped(record).model_copy(update={"dispute": resolved})) is None
