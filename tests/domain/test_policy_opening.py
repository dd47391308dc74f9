"""Opening and escalating: P-OPEN-15MIN, P-OPEN-72H, P-OPEN-CONFIRMED, P-ESC-24H, P-INFO-7D."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from mediator.domain import Actor, EscalationCause, InfoRequest, Outcome, consistency_errors
from mediator.domain.policy import Finding, Severity, decision_findings, escalation_findings
from tests.domain.builders import NOW, PLACED, draft, example, record

H = timedelta(hours=1)
M = timedelta(minutes=1)
S = timedelta(seconds=1)
DELIVERED = PLACED + timedelta(days=2)  # 03 Nov 09:00 UTC
OPENED = PLACED + timedelta(days=3)


def rule_findings(rule_id: str, findings: tuple[Finding, ...]) -> list[Finding]:
    return [f for f in findings if f.rule_id == rule_id]


# ----- P-OPEN-15MIN (an import error, through consistency_errors) ---------------------------
@pytest.mark.parametrize(
    ("after_placing", "refused"),
    [(0 * M, True), (14 * M, True), (14 * M + 59 * S, True), (15 * M, False), (16 * M, False)],
)
def test_p_open_15min(after_placing: timedelta, refused: bool) -> None:
    dispute = record(delivered=None, opened=PLACED + after_placing).dispute
    errors = consistency_errors(dispute)
    expected = [("opened_at", "P-OPEN-15MIN: opened within 15 minutes of the order being placed")]
    assert errors == (expected if refused else [])


# ----- P-OPEN-72H ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("after_delivery", "late"),
    [(H, False), (71 * H + 59 * M, False), (72 * H, False), (72 * H + S, True), (9 * 24 * H, True)],
)
def test_p_open_72h(after_delivery: timedelta, late: bool) -> None:
    r = record(delivered=DELIVERED, opened=DELIVERED + after_delivery, trust=1)
    found = rule_findings("P-OPEN-72H", decision_findings(r, draft(Outcome.SELLER_FAVOUR), NOW))
    assert len(found) == (1 if late else 0)
    if late:
        assert found[0].severity is Severity.WARNING
        assert "after delivery (03 Nov 09:00 UTC)" in found[0].message
        assert "trust level (level 1)" in found[0].message


def test_p_open_72h_says_how_long_after_delivery() -> None:
    r = record(delivered=DELIVERED, opened=DELIVERED + 72 * H + S, trust=4)
    (found,) = rule_findings("P-OPEN-72H", decision_findings(r, draft(Outcome.SELLER_FAVOUR), NOW))
    assert str(found) == (
        "P-OPEN-72H: opened 3 days 1 second after delivery (03 Nov 09:00 UTC), past the 72-hour "
        "guarantee window; whether it is accepted depends on the seller's trust level (level 4)"
    )


def test_p_open_72h_needs_a_delivery() -> None:
    r = record(delivered=None, opened=PLACED + timedelta(days=30))
    assert (
        rule_findings("P-OPEN-72H", decision_findings(r, draft(Outcome.SELLER_FAVOUR), NOW)) == []
    )


# ----- P-OPEN-CONFIRMED ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("confirmed", "warned"),
    [(None, False), (OPENED + S, False), (OPENED, False), (OPENED - S, True), (DELIVERED, True)],
)
def test_p_open_confirmed(confirmed: datetime | None, warned: bool) -> None:
    r = record(delivered=DELIVERED, confirmed=confirmed, opened=OPENED, trust=2)
    findings = decision_findings(r, draft(Outcome.SELLER_FAVOUR), NOW)
    found = rule_findings("P-OPEN-CONFIRMED", findings)
    assert len(found) == (1 if warned else 0)
    if warned:
        assert found[0].severity is Severity.WARNING
        assert found[0].message.startswith("opened after the buyer confirmed delivery on ")
        assert "trust level (level 2)" in found[0].message


def test_p_open_confirmed_example_d_10004() -> None:
    findings = decision_findings(example("D-10004"), draft(Outcome.SELLER_FAVOUR), NOW)
    (found,) = rule_findings("P-OPEN-CONFIRMED", findings)
    assert "confirmed delivery on 05 Nov 12:00 UTC" in found.message


# ----- P-ESC-24H ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("after_opening", "blocked"),
    [(0 * H, True), (23 * H + 59 * M, True), (24 * H - S, True), (24 * H, False), (25 * H, False)],
)
def test_p_esc_24h_escalation_findings(after_opening: timedelta, blocked: bool) -> None:
    dispute = record(opened=OPENED).dispute
    found = escalation_findings(dispute, OPENED + after_opening)
    assert len(found) == (1 if blocked else 0)
    if blocked:
        assert found[0].rule_id == "P-ESC-24H"
        assert found[0].severity is Severity.BLOCK
        assert "may escalate it from 05 Nov 09:00 UTC" in found[0].message


def test_p_esc_24h_message() -> None:
    (found,) = escalation_findings(record(opened=OPENED).dispute, OPENED + 23 * H + 59 * M)
    assert str(found) == (
        "P-ESC-24H: D-9001 was opened 04 Nov 09:00 UTC; a party may escalate it from "
        "05 Nov 09:00 UTC (24 hours after opening), not at 05 Nov 08:59 UTC"
    )


@pytest.mark.parametrize(
    ("cause", "after_opening", "refused"),
    [
        (EscalationCause.PARTY_REQUEST, 23 * H + 59 * M, True),
        (EscalationCause.PARTY_REQUEST, 24 * H, False),
        (EscalationCause.STAFF, 23 * H + 59 * M, False),  # staff may escalate at any time
        (EscalationCause.SELLER_SILENT, 24 * H, False),
    ],
)
def test_p_esc_24h_is_an_import_error_for_party_requests(
    cause: EscalationCause, after_opening: timedelta, refused: bool
) -> None:
    dispute = record(opened=OPENED, escalated=OPENED + after_opening, cause=cause).dispute
    errors = consistency_errors(dispute)
    assert [f for f, _ in errors] == (["escalated_at"] if refused else [])
    if refused:
        assert errors[0][1].startswith("P-ESC-24H: D-9001 was opened 04 Nov 09:00 UTC")


def test_p_esc_24h_escalated_before_opening_is_one_error() -> None:
    cause = EscalationCause.PARTY_REQUEST
    dispute = record(opened=OPENED, escalated=OPENED - H, cause=cause).dispute
    assert consistency_errors(dispute) == [
        ("escalated_at", "escalated before the dispute was opened")
    ]


# ----- P-INFO-7D ----------------------------------------------------------------------------
ASKED = NOW - timedelta(days=30)  # 23 Oct


def ask(*, answered: bool = False) -> InfoRequest:
    answer = ASKED + timedelta(days=1) if answered else None
    return InfoRequest(
        party=Actor.BUYER,
        asked_at=ASKED,
        message="Please send the label.",
        asked_by="agent.ana",
        answered_at=answer,
    )


@pytest.mark.parametrize(
    ("waited", "overdue"),
    [(timedelta(days=6), False), (timedelta(days=7) - S, False), (timedelta(days=7), True),
     (timedelta(days=8), True)],
)  # fmt: skip
def test_p_info_7d(waited: timedelta, overdue: bool) -> None:
    r = record(info=ask())
    found = rule_findings(
        "P-INFO-7D", decision_findings(r, draft(Outcome.SELLER_FAVOUR), ASKED + waited)
    )
    assert len(found) == (1 if overdue else 0)
    if overdue:
        assert found[0].severity is Severity.WARNING
        assert found[0].field is None


def test_p_info_7d_message() -> None:
    asked = NOW - timedelta(days=8)  # 14 Nov 12:00
    request = InfoRequest(
        party=Actor.BUYER, asked_at=asked, message="Photo of the box?", asked_by="agent.ana"
    )
    (found,) = decision_findings(record(info=request), draft(Outcome.SELLER_FAVOUR), NOW)
    assert str(found) == (
        "P-INFO-7D: the buyer has not answered the request of 14 Nov for 8 days; the guarantee "
        "claim may be forfeited for lack of evidence"
    )


def test_p_info_7d_not_when_answered_or_never_asked() -> None:
    late = NOW + timedelta(days=60)
    for r in (record(info=ask(answered=True)), record(info=None)):
        assert decision_findings(r, draft(Outcome.SELLER_FAVOUR), late) == ()
