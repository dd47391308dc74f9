"""Policy timers (domain/deadlines.py): which run, when they are due, pausing and stopping."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from mediator.domain import Actor, Channel, DisputeRecord, InfoRequest, Message, Status
from mediator.domain.deadlines import (
    NO_DEADLINE,
    State,
    auto_escalation,
    deadlines,
    next_deadline,
    timer_words,
    urgency_at,
)
from mediator.domain.enums import EscalationCause

from .builders import PLACED

OPENED = PLACED + timedelta(days=3)


def dispute_record(
    status: Status,
    *,
    messages: tuple[tuple[Actor, timedelta], ...] = (),
    info: InfoRequest | None = None,
    escalated: datetime | None = None,
) -> DisputeRecord:
    from .builders import record

    base = record(opened=OPENED, escalated=escalated, info=info)
    chat = tuple(
        Message(
            id=f"M-9{i}",
            channel=Channel.DISPUTE_CHAT,
            author=author,
            sent_at=OPENED + after,
            body="…",
        )
        for i, (author, after) in enumerate(messages)
    )
    cause = "party_request" if escalated else None
    dispute = base.dispute.model_copy(
        update={
            "status": status,
            "messages": chat,
            "evidence": (),
            "escalation_cause": cause,
        }
    )
    return base.model_copy(update={"dispute": dispute})


def by_rule(record: DisputeRecord) -> dict[str, State]:
    return {d.rule_id: d.state for d in deadlines(record)}


@pytest.mark.parametrize(
    ("after", "escalates"),
    [(timedelta(hours=23, minutes=59), False), (timedelta(hours=24), True)],
    ids=["23:59", "24:00"],
)
def test_p_esc_seller_silent_boundary(after: timedelta, escalates: bool) -> None:
    record = dispute_record(Status.OPEN, messages=((Actor.BUYER, timedelta(minutes=1)),))
    timer = auto_escalation(record, OPENED + after)
    assert (timer is not None and timer.rule_id == "P-ESC-SELLER-SILENT") is escalates


def test_p_esc_seller_silent_is_met_once_the_seller_writes() -> None:
    record = dispute_record(Status.OPEN, messages=((Actor.SELLER, timedelta(hours=2)),))
    assert by_rule(record)["P-ESC-SELLER-SILENT"] is State.MET
    assert auto_escalation(record, OPENED + timedelta(hours=30)) is None


@pytest.mark.parametrize(
    ("after", "escalates"),
    [(timedelta(hours=71, minutes=59), False), (timedelta(hours=72), True)],
    ids=["71:59", "72:00"],
)
def test_p_esc_stale_counts_from_the_last_update(after: timedelta, escalates: bool) -> None:
    last = timedelta(hours=5)
    record = dispute_record(
        Status.OPEN, messages=((Actor.SELLER, timedelta(hours=1)), (Actor.BUYER, last))
    )
    timer = auto_escalation(record, OPENED + last + after)
    assert (timer is not None and timer.rule_id == "P-ESC-STALE") is escalates


def test_p_info_7d_runs_while_awaiting_info_and_the_staff_clock_pauses() -> None:
    asked = OPENED + timedelta(days=2)
    info = InfoRequest(party=Actor.BUYER, asked_at=asked, message="photos", asked_by="a")
    record = dispute_record(Status.AWAITING_INFO, info=info, escalated=OPENED + timedelta(days=1))
    states = by_rule(record)
    assert states["P-INFO-7D"] is State.RUNNING
    assert states["STAFF-48H"] is State.PAUSED
    upcoming = next_deadline(record)
    assert upcoming is not None and upcoming.rule_id == "P-INFO-7D"
    assert upcoming.due_at == asked + timedelta(days=7)
    assert not upcoming.overdue(asked + timedelta(days=7) - timedelta(seconds=1))
    assert upcoming.overdue(asked + timedelta(days=7))


def test_an_answered_request_hands_the_clock_back_to_staff() -> None:
    escalated = OPENED + timedelta(days=1)
    info = InfoRequest(
        party=Actor.SELLER,
        asked_at=OPENED + timedelta(days=2),
        message="tracking",
        asked_by="a",
        answered_at=OPENED + timedelta(days=3),
    )
    record = dispute_record(Status.ESCALATED, info=info, escalated=escalated)
    assert by_rule(record)["P-INFO-7D"] is State.MET
    upcoming = next_deadline(record)
    assert upcoming is not None and upcoming.rule_id == "STAFF-48H"
    assert urgency_at(record) == escalated + timedelta(hours=48)


@pytest.mark.parametrize("status", [Status.RESOLVED, Status.CLOSED])
def test_every_clock_stops_on_resolution(status: Status) -> None:
    record = dispute_record(status, escalated=OPENED + timedelta(days=1))
    states = by_rule(record)
    # what still ran is stopped; what was over already (met, breached) stays so
    assert states["STAFF-48H"] is State.STOPPED
    assert states["P-ESC-STALE"] is State.STOPPED  # stopped at the escalation, before it
    assert states["P-OPEN-72H"] is State.MET
    assert next_deadline(record) is None
    assert urgency_at(record) == NO_DEADLINE
    assert auto_escalation(record, OPENED + timedelta(days=30)) is None


def words(record: DisputeRecord, now: datetime) -> dict[str, str]:
    return {
        d.rule_id: timer_words(d, now, lambda at: at.strftime("%d %b %H:%M"))
        for d in deadlines(record)
    }


def test_each_state_is_said_as_what_it_is_never_met_for_a_timer_that_did_not_happen() -> None:
    """Issue 22: "stale 72h P-ESC-STALE met (05 Dec 17:11)" on an escalated dispute, with a
    future date; a timer that no longer runs is met, breached or stopped, and says so."""
    escalated = OPENED + timedelta(hours=10)
    later = OPENED + timedelta(days=9)  # a message after the escalation
    record = dispute_record(
        Status.ESCALATED,
        escalated=escalated,
        messages=((Actor.SELLER, timedelta(hours=2)), (Actor.BUYER, timedelta(days=9))),
    )
    states = by_rule(record)
    assert states["P-ESC-STALE"] is State.STOPPED
    assert states["P-ESC-SELLER-SILENT"] is State.MET
    said = words(record, later)
    stale_due = (OPENED + timedelta(hours=2) + timedelta(hours=72)).strftime("%d %b %H:%M")
    assert said["P-ESC-STALE"] == (
        f"stopped at escalation {escalated:%d %b %H:%M} (was due {stale_due})"
    ), "counted from the last update before the escalation, not from a later message"
    wrote = OPENED + timedelta(hours=2)
    assert said["P-ESC-SELLER-SILENT"].startswith(f"met: the seller wrote {wrote:%d %b %H:%M}")
    assert said["STAFF-48H"].startswith("overdue")


def test_a_stale_escalation_breached_its_timer_and_a_paused_one_says_why() -> None:
    info = InfoRequest(party=Actor.BUYER, asked_at=OPENED + timedelta(days=4), message="?",
                       asked_by="a")  # fmt: skip
    base = dispute_record(Status.AWAITING_INFO, escalated=OPENED + timedelta(days=3), info=info)
    record = base.model_copy(
        update={
            "dispute": base.dispute.model_copy(update={"escalation_cause": EscalationCause.STALE})
        }
    )
    states = by_rule(record)
    assert states["P-ESC-STALE"] is State.BREACHED
    assert states["P-ESC-SELLER-SILENT"] is State.BREACHED  # the seller never wrote
    said = words(record, OPENED + timedelta(days=5))
    assert said["STAFF-48H"].startswith("paused while awaiting information")
    assert said["P-ESC-STALE"].startswith("breached")
    assert said["P-INFO-7D"].startswith("in ")


def test_an_information_request_answered_late_is_breached() -> None:
    asked = OPENED + timedelta(days=2)
    info = InfoRequest(party=Actor.SELLER, asked_at=asked, message="?", asked_by="a",
                       answered_at=asked + timedelta(days=8))  # fmt: skip
    record = dispute_record(Status.ESCALATED, info=info, escalated=OPENED + timedelta(days=1))
    assert by_rule(record)["P-INFO-7D"] is State.BREACHED


def test_an_imported_awaiting_info_dispute_infers_when_it_was_asked() -> None:
    escalated = OPENED + timedelta(days=1)
    record = dispute_record(
        Status.AWAITING_INFO,
        escalated=escalated,
        messages=((Actor.STAFF, timedelta(days=2)),),
    )
    upcoming = next_deadline(record)
    assert upcoming is not None and upcoming.rule_id == "P-INFO-7D"
    assert upcoming.due_at == OPENED + timedelta(days=2) + timedelta(days=7)


def test_deadlines_are_listed_earliest_first_with_the_guarantee_window() -> None:
    record = dispute_record(Status.ESCALATED, escalated=OPENED + timedelta(days=1))
    listed = deadlines(record)
    assert [d.due_at for d in listed] == sorted(d.due_at for d in listed)
    assert "P-OPEN-72H" in {d.rule_id for d in listed}
    assert not any(d.running for d in listed if d.rule_id == "P-OPEN-72H")
