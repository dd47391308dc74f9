from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from mediator.domain import DecisionDraft, Dispute, Outcome, Status
from mediator.domain.resolution import build_decision, check_draft

EXAMPLES = Path(__file__).resolve().parents[2] / "mediator" / "data" / "examples.jsonl"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "examples" / "disputes.jsonl"


@pytest.fixture
def earbuds() -> Dispute:
    source = EXAMPLES if EXAMPLES.exists() else SHARED
    return Dispute.model_validate_json(source.read_text().splitlines()[0])


def draft(outcome: Outcome, **kw: object) -> DecisionDraft:
    return DecisionDraft(outcome=outcome, rationale=str(kw.pop("rationale", "per E-1")), **kw)  # type: ignore[arg-type]


def fields(errors: list[tuple[str, str]]) -> list[str]:
    return [f for f, _ in errors]


@pytest.mark.parametrize("outcome", list(Outcome))
def test_every_outcome_can_be_valid(earbuds: Dispute, outcome: Outcome) -> None:
    refund = Decimal("20.00") if outcome is Outcome.BUYER_PARTIAL_REFUND else None
    assert check_draft(earbuds, draft(outcome, refund_amount=refund)) == []


@pytest.mark.parametrize(
    ("amount", "message"),
    [("0", "more than 0"), ("-1", "more than 0"), ("49.99", "use a full refund"),
     ("50", "use a full refund"), ("0.001", "finer than USD")],
)  # fmt: skip
def test_partial_refund_bounds_p_refund_bounds(earbuds: Dispute, amount: str, message: str) -> None:
    errors = check_draft(
        earbuds, draft(Outcome.BUYER_PARTIAL_REFUND, refund_amount=Decimal(amount))
    )
    assert fields(errors) == ["refund_amount"]
    assert message in errors[0][1]


def test_partial_refund_just_under_the_price_is_allowed(earbuds: Dispute) -> None:
    ok = draft(Outcome.BUYER_PARTIAL_REFUND, refund_amount=Decimal("49.98"))
    assert check_draft(earbuds, ok) == []
    assert check_draft(earbuds, draft(Outcome.BUYER_PARTIAL_REFUND)) == [
        ("refund_amount", "a partial refund needs an amount")
    ]


def test_empty_rationale_blocks(earbuds: Dispute) -> None:
    assert fields(check_draft(earbuds, draft(Outcome.SELLER_FAVOUR, rationale="  \n"))) == [
        "rationale"
    ]


def test_refund_and_return_only_where_they_belong(earbuds: Dispute) -> None:
    bad = draft(Outcome.SELLER_FAVOUR, refund_amount=Decimal("5"), return_required=True)
    assert fields(check_draft(earbuds, bad)) == ["refund_amount", "return_required"]
    keep = draft(Outcome.BUYER_FULL_REFUND, seller_keep_pct=Decimal("10"))
    assert fields(check_draft(earbuds, keep)) == ["seller_keep_pct"]
    over = draft(Outcome.BUYER_FULL_REFUND, return_required=True, seller_keep_pct=Decimal("101"))
    assert fields(check_draft(earbuds, over)) == ["seller_keep_pct"]


def test_a_resolved_dispute_cannot_be_decided(earbuds: Dispute) -> None:
    resolved = earbuds.model_copy(update={"status": Status.RESOLVED})
    assert fields(check_draft(resolved, draft(Outcome.SELLER_FAVOUR))) == ["outcome"]


def test_build_decision_computes_the_fee_refund(earbuds: Dispute) -> None:
    now = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
    d = draft(Outcome.BUYER_PARTIAL_REFUND, refund_amount=Decimal("20"), rationale="  per E-1  ")
    decision = build_decision(earbuds, d, decision_id="R-1", actor="agent.ana", now=now)
    assert decision.refund_amount == Decimal("20.00")
    assert decision.fee_refund == Decimal("1.00")
    assert decision.currency == "USD"
    assert decision.rationale == "per E-1"
    assert (decision.decided_by, decision.decided_at) == ("agent.ana", now)
    full = build_decision(
        earbuds, replace(d, outcome=Outcome.BUYER_FULL_REFUND, refund_amount=None),
        decision_id="R-2", actor="a", now=now,
    )  # fmt: skip
    assert (full.refund_amount, full.fee_refund) == (Decimal("49.99"), Decimal("2.50"))
    favour = build_decision(
        earbuds, draft(Outcome.SELLER_FAVOUR), decision_id="R-3", actor="a", now=now
    )
    assert (favour.refund_amount, favour.fee_refund) == (None, None)
