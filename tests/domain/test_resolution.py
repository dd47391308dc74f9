from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

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
from mediator.domain.resolution import build_decision, check_draft

EXAMPLES = Path(__file__).resolve().parents[2] / "mediator" / "data" / "examples.jsonl"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "examples" / "disputes.jsonl"
NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


def examples() -> list[Dispute]:
    source = EXAMPLES if EXAMPLES.exists() else SHARED
    return [Dispute.model_validate_json(line) for line in source.read_text().splitlines()]


@pytest.fixture
def earbuds() -> DisputeRecord:
    """D-10001: USD 49.99, fee 2.50, not as described, delivered, not confirmed."""
    return DisputeRecord(dispute=examples()[0], version=1)


@pytest.fixture
def paid_out() -> DisputeRecord:
    """D-10004: delivered, confirmed, paid out; opened 7 days after delivery and confirming."""
    return DisputeRecord(dispute=examples()[3], version=1)


def draft(outcome: Outcome, **kw: object) -> DecisionDraft:
    return DecisionDraft(outcome=outcome, rationale=str(kw.pop("rationale", "per E-1")), **kw)


def fields(errors: list[tuple[str, str]]) -> list[str]:
    return [f for f, _ in errors]


def with_status(record: DisputeRecord, status: Status) -> DisputeRecord:
    return record.model_copy(
        update={"dispute": record.dispute.model_copy(update={"status": status})}
    )


@pytest.mark.parametrize("outcome", list(Outcome))
def test_every_outcome_can_be_valid(earbuds: DisputeRecord, outcome: Outcome) -> None:
    refund = Decimal("20.00") if outcome is Outcome.BUYER_PARTIAL_REFUND else None
    assert check_draft(earbuds, draft(outcome, refund_amount=refund), NOW) == []


@pytest.mark.parametrize(
    ("amount", "message"),
    [("0", "more than 0"), ("-1", "more than 0"), ("49.99", "use a full refund"),
     ("50", "use a full refund"), ("0.001", "finer than USD")],
)  # fmt: skip
def test_partial_refund_bounds_p_refund_bounds(
    earbuds: DisputeRecord, amount: str, message: str
) -> None:
    errors = check_draft(
        earbuds, draft(Outcome.BUYER_PARTIAL_REFUND, refund_amount=Decimal(amount)), NOW
    )
    assert fields(errors) == ["refund_amount"]
    assert errors[0][1].startswith("P-REFUND-BOUNDS: ")
    assert message in errors[0][1]


def test_partial_refund_just_under_the_price_is_allowed(earbuds: DisputeRecord) -> None:
    ok = draft(Outcome.BUYER_PARTIAL_REFUND, refund_amount=Decimal("49.98"))
    assert check_draft(earbuds, ok, NOW) == []
    assert check_draft(earbuds, draft(Outcome.BUYER_PARTIAL_REFUND), NOW) == [
        ("refund_amount", "a partial refund needs an amount")
    ]


def test_empty_rationale_blocks(earbuds: DisputeRecord) -> None:
    errors = check_draft(earbuds, draft(Outcome.SELLER_FAVOUR, rationale="  \n"), NOW)
    assert errors == [("rationale", "a rationale is required: say why, citing evidence")]


def test_refund_and_return_only_where_they_belong(earbuds: DisputeRecord) -> None:
    bad = draft(Outcome.SELLER_FAVOUR, refund_amount=Decimal("5"), return_required=True)
    assert fields(check_draft(earbuds, bad, NOW)) == ["refund_amount", "return_required"]
    keep = draft(Outcome.BUYER_FULL_REFUND, seller_keep_pct=Decimal("10"))
    assert fields(check_draft(earbuds, keep, NOW)) == ["seller_keep_pct"]
    over = draft(
        Outcome.BUYER_FULL_REFUND,
        return_required=True,
        seller_agreed_return=True,
        seller_keep_pct=Decimal("101"),
    )
    errors = check_draft(earbuds, over, NOW)
    assert errors[0] == ("seller_keep_pct", "a percentage between 0 and 100")
    assert set(fields(errors)) == {"seller_keep_pct"}  # and the P-RETURN-KEEP-50 block
    fine = over.model_copy(update={"seller_keep_pct": Decimal("12.345")})
    assert check_draft(earbuds, fine, NOW) == [("seller_keep_pct", "at most two decimals")]


def test_a_full_refund_is_the_whole_price(earbuds: DisputeRecord) -> None:
    wrong = draft(Outcome.BUYER_FULL_REFUND, refund_amount=Decimal("20"))
    assert check_draft(earbuds, wrong, NOW) == [
        ("refund_amount", "a full refund is the whole price (49.99 USD)")
    ]
    assert (
        check_draft(earbuds, wrong.model_copy(update={"refund_amount": Decimal("49.99")}), NOW)
        == []
    )


@pytest.mark.parametrize("status", [Status.RESOLVED, Status.CLOSED])
def test_a_decided_dispute_cannot_be_decided(earbuds: DisputeRecord, status: Status) -> None:
    errors = check_draft(with_status(earbuds, status), draft(Outcome.SELLER_FAVOUR), NOW)
    assert errors == [("outcome", f"D-10001 is already {status.label}")]


def test_blocks_come_back_as_field_errors_citing_the_rule(paid_out: DisputeRecord) -> None:
    errors = check_draft(paid_out, draft(Outcome.BUYER_FULL_REFUND), NOW)
    assert errors[0] == (
        "outcome",
        "P-REFUND-PAIDOUT: order O-5004 was paid out on 08 Nov; refunds are no longer available",
    )


def test_warnings_must_be_acknowledged(paid_out: DisputeRecord) -> None:
    favour = draft(Outcome.SELLER_FAVOUR)
    assert check_draft(paid_out, favour, NOW) == [
        ("acknowledge", "P-OPEN-72H: acknowledge this warning before submitting"),
        ("acknowledge", "P-OPEN-CONFIRMED: acknowledge this warning before submitting"),
    ]
    one = favour.model_copy(update={"acknowledged": frozenset({"P-OPEN-72H"})})
    assert fields(check_draft(paid_out, one, NOW)) == ["acknowledge"]
    both = favour.model_copy(update={"acknowledged": frozenset({"P-OPEN-72H", "P-OPEN-CONFIRMED"})})
    assert check_draft(paid_out, both, NOW) == []


def test_an_overdue_information_request_needs_acknowledging(earbuds: DisputeRecord) -> None:
    asked = InfoRequest(
        party=Actor.BUYER,
        asked_at=NOW - timedelta(days=7),
        message="photo of the box?",
        asked_by="agent.ana",
    )
    record = earbuds.model_copy(update={"info_request": asked})
    assert check_draft(record, draft(Outcome.SELLER_FAVOUR), NOW) == [
        ("acknowledge", "P-INFO-7D: acknowledge this warning before submitting")
    ]
    assert check_draft(record, draft(Outcome.SELLER_FAVOUR), NOW - timedelta(seconds=1)) == []


def test_build_decision_computes_the_fee_refund(earbuds: DisputeRecord) -> None:
    d = draft(Outcome.BUYER_PARTIAL_REFUND, refund_amount=Decimal("20"), rationale="  per E-1  ")
    decision = build_decision(earbuds, d, decision_id="R-1", actor="agent.ana", now=NOW)
    assert decision.refund_amount == Decimal("20.00")
    assert decision.fee_refund == Decimal("1.00")
    assert decision.currency == "USD"
    assert decision.rationale == "per E-1"
    assert (decision.decided_by, decision.decided_at) == ("agent.ana", NOW)
    full = build_decision(
        earbuds, d.model_copy(update={"outcome": Outcome.BUYER_FULL_REFUND, "refund_amount": None}),
        decision_id="R-2", actor="a", now=NOW,
    )  # fmt: skip
    assert (full.refund_amount, full.fee_refund) == (Decimal("49.99"), Decimal("2.50"))
    favour = build_decision(
        earbuds, draft(Outcome.SELLER_FAVOUR), decision_id="R-3", actor="a", now=NOW
    )
    assert (favour.refund_amount, favour.fee_refund) == (None, None)


def test_build_decision_stores_the_warnings_and_guidance_that_applied(
    earbuds: DisputeRecord, paid_out: DisputeRecord
) -> None:
    partial = draft(Outcome.BUYER_PARTIAL_REFUND, refund_amount=Decimal("20"))
    decision = build_decision(earbuds, partial, decision_id="R-1", actor="a", now=NOW)
    assert decision.findings == ("P-REFUND-DEFECTIVE", "P-REFUND-FEE")
    acknowledged = frozenset({"P-OPEN-72H", "P-OPEN-CONFIRMED"})
    favour = draft(Outcome.SELLER_FAVOUR, acknowledged=acknowledged)
    decided = build_decision(paid_out, favour, decision_id="R-2", actor="a", now=NOW)
    assert decided.findings == ("P-OPEN-72H", "P-OPEN-CONFIRMED", "P-REFUND-DEFECTIVE")
