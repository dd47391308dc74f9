"""The shift's figures (issue 17) on a small store with known decisions, computed by hand.

Every figure below is worked out in the comments from the table of disputes, for SQLite and
PostgreSQL alike; the drill-down filters must find exactly the disputes a figure counts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from mediator.domain import Actor, DecisionDraft, Dispute, Outcome, Status
from mediator.domain.queue import QueueQuery
from mediator.domain.report import (
    DeadlineFilter,
    DecidedFilter,
    Period,
    PeriodKind,
    Proposals,
    Summary,
    Tally,
)
from mediator.domain.review import ReviewRule, ReviewVerdict
from mediator.store.sql import SqlStore
from tests.store.conftest import dispute_data

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
WEEK = Period.of(PeriodKind.WEEK, NOW, UTC)  # [11-30 12:00, 12-07 12:00)
H = timedelta(hours=1)


def at(day: int, hour: int = 0, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


@dataclass(frozen=True)
class Case:
    n: int
    escalated: datetime
    currency: str = "USD"
    price: str = "30.00"
    fee: str = "1.50"
    cause: str = "party_request"
    #: (agent, when, outcome, refund) of its decision, if any
    decided: tuple[str, datetime, Outcome, str | None] | None = None


# Every dispute opened a day before its escalation (`dispute_data`).
CASES = (
    # 24 h to decide: STAFF-48H met (due 12-03 10:00, in the week)
    Case(1, at(1, 10), decided=("ana", at(2, 10), Outcome.BUYER_FULL_REFUND, None)),
    # 72 h: breached (decided 12-04 10:00, due 12-03 10:00); 10.00 of 40.00 EUR: fee 0.50
    Case(
        2,
        at(1, 10),
        "EUR",
        "40.00",
        "2.00",
        decided=("ana", at(4, 10), Outcome.BUYER_PARTIAL_REFUND, "10.00"),
    ),
    # 6 h, in yen (no minor units): met
    Case(3, at(2), "JPY", "3000", "150", decided=("ben", at(2, 6), Outcome.SELLER_FAVOUR, None)),
    # decided before the week: not counted; its STAFF-48H fell due before the week too
    Case(4, at(25, month=11), decided=("ben", at(29, month=11), Outcome.SELLER_FAVOUR, None)),
    # waiting, due 12-08: not yet due, not tallied; in the backlog, not overdue
    Case(5, at(6)),
    # waiting, due 12-05: breached, overdue
    Case(6, at(3)),
    # decided exactly at the week's start (inclusive): 12 h; 5.00 of 30.00 USD: fee 0.25
    Case(7, at(30, 0, month=11), decided=("cy", at(30, 12, month=11), Outcome.COMPROMISE, "5.00")),
    # the seller stayed silent: opened 12-04 00:00, auto-escalated 24 h later (breached)
    Case(13, at(5), cause="seller_silent"),
)


def _dispute(case: Case) -> Dispute:
    data: dict[str, Any] = dispute_data(
        case.n, urgency=case.escalated, currency=case.currency, price=case.price, fee=case.fee
    )
    data["escalation_cause"] = case.cause
    return Dispute.model_validate_json(json.dumps(data))


def _decide(
    store: SqlStore, dispute_id: str, agent: str, when: datetime, draft: DecisionDraft
) -> None:
    record = store.get_dispute_sync(dispute_id)
    try:
        store.record_decision_sync(
            dispute_id, draft, expected_version=record.version, actor=agent, now=when
        )
    except Exception as exc:  # acknowledge the policy's warnings, as an agent would
        warnings = getattr(exc, "warnings", ())
        if not warnings:
            raise
        draft = draft.model_copy(update={"acknowledged": frozenset(warnings)})
        store.record_decision_sync(
            dispute_id, draft, expected_version=record.version, actor=agent, now=when
        )


def _draft(outcome: Outcome, refund: str | None) -> DecisionDraft:
    return DecisionDraft(
        outcome=outcome,
        rationale="decided for the report test",
        refund_amount=Decimal(refund) if refund is not None else None,
    )


@pytest.fixture
def shift(store: SqlStore) -> SqlStore:
    store.import_disputes([_dispute(c) for c in CASES])
    for c in CASES:
        if c.decided is not None:
            agent, when, outcome, refund = c.decided
            _decide(store, f"D-{c.n}", agent, when, _draft(outcome, refund))
    return store


def _ids(store: SqlStore, query: QueueQuery) -> set[str]:
    page = store.queue_page_sync(query, limit=1000)
    assert not page.has_after
    return {r.id for r in page.rows}


ALL = frozenset(Status)


def test_the_weeks_figures_by_hand(shift: SqlStore) -> None:
    s = shift.summary_sync(WEEK, now=NOW)
    # the backlog now: D-5, D-6, D-13 escalated; D-6 (due 12-05) and D-13 (due 12-07 00:00)
    # overdue, D-5 (due 12-08) not
    assert s.backlog == {Status.ESCALATED: 3, Status.AWAITING_INFO: 0}
    assert s.overdue == 2
    assert s.awaiting_review == 0
    assert [x.dispute_id for x in s.next_deadlines] == ["D-5"]
    assert s.next_deadlines[0].rule_id == "STAFF-48H"
    # decided in the week: D-1, D-2, D-3, D-7 (D-4 before it)
    assert s.outcomes == {
        Outcome.SELLER_RESOLUTION: 0,
        Outcome.COMPROMISE: 1,
        Outcome.BUYER_FULL_REFUND: 1,
        Outcome.BUYER_PARTIAL_REFUND: 1,
        Outcome.SELLER_FAVOUR: 1,
    }
    money = {m.currency: m for m in s.money}
    assert set(money) == {"EUR", "JPY", "USD"}
    assert (money["USD"].decisions, money["USD"].refunded) == (2, 2)
    assert money["USD"].refunds == Decimal("35.00")  # 30.00 + 5.00
    assert money["USD"].fee_refunds == Decimal("1.75")  # 1.50 + 0.25
    assert (money["EUR"].refunds, money["EUR"].fee_refunds) == (Decimal("10.00"), Decimal("0.50"))
    assert (money["JPY"].decisions, money["JPY"].refunded) == (1, 0)
    assert money["JPY"].refunds == Decimal("0")
    # handling: 6 h, 12 h, 24 h, 72 h → median rank 2 (12 h), p90 rank 4 (72 h)
    assert s.handling.decisions == 4
    assert s.handling.median_seconds == 12 * 3600
    assert s.handling.p90_seconds == 72 * 3600
    agents = {a.name: a for a in s.agents}
    assert set(agents) == {"ana", "ben", "cy"}
    assert agents["ana"].decisions == 2 and agents["ana"].median_seconds == 24 * 3600
    assert agents["ben"].decisions == 1 and agents["ben"].median_seconds == 6 * 3600
    assert agents["cy"].median_seconds == 12 * 3600
    assert s.agents[0].name == "ana"  # busiest first
    tallies = {t.rule_id: (t.met, t.breached) for t in s.deadlines}
    # STAFF-48H due in the week: D-1 (met), D-2 (breached), D-3 (met), D-6 (breached),
    # D-13 (due 12-07 00:00, breached); D-7 fell due 12-02 00:00 and was met at 11-30 12:00
    assert tallies["STAFF-48H"] == (3, 3)
    assert tallies["P-INFO-7D"] == (0, 0)
    # P-ESC-SELLER-SILENT: due a day after opening = at escalation: D-1, D-2, D-3, D-5, D-6
    # met; D-13 breached; D-7 (11-30 00:00) and D-4 fell due before the week
    assert tallies["P-ESC-SELLER-SILENT"] == (5, 1)
    # P-ESC-STALE: 72 h after opening, in the week: opened 11-27 12:00 … 12-04 12:00: D-1,
    # D-2 (11-30 10:00), D-3 (12-01), D-6 (12-02), D-7 (11-29), D-13 (12-04) — none stale
    assert tallies["P-ESC-STALE"] == (6, 0)
    assert s.flagged == 0 and s.flagged_share == 0


def test_every_figure_drills_down_to_exactly_its_disputes(shift: SqlStore) -> None:
    s = shift.summary_sync(WEEK, now=NOW)
    week = DecidedFilter(WEEK.start, WEEK.end)
    assert _ids(shift, QueueQuery(statuses=ALL, decided=week)) == {"D-1", "D-2", "D-3", "D-7"}
    for outcome, count in s.outcomes.items():
        q = QueueQuery(statuses=ALL, decided=DecidedFilter(WEEK.start, WEEK.end, outcome=outcome))
        assert len(_ids(shift, q)) == count, outcome
    for m in s.money:
        f = DecidedFilter(WEEK.start, WEEK.end, currency=m.currency, refunded=True)
        assert len(_ids(shift, QueueQuery(statuses=ALL, decided=f))) == m.refunded
    for a in s.agents:
        f = DecidedFilter(WEEK.start, WEEK.end, by=a.name)
        assert len(_ids(shift, QueueQuery(statuses=ALL, decided=f))) == a.decisions
    for t in s.deadlines:
        for tally, count in ((Tally.MET, t.met), (Tally.BREACHED, t.breached)):
            due = DeadlineFilter(t.rule_id, tally, WEEK.start, WEEK.end, NOW)
            assert len(_ids(shift, QueueQuery(statuses=ALL, deadline=due))) == count, (t, tally)
    staff = DeadlineFilter("STAFF-48H", Tally.BREACHED, WEEK.start, WEEK.end, NOW)
    assert _ids(shift, QueueQuery(statuses=ALL, deadline=staff)) == {"D-2", "D-6", "D-13"}
    assert _ids(shift, QueueQuery(overdue_at=NOW)) == {"D-6", "D-13"}
    counts = shift.queue_counts_sync(QueueQuery(statuses=ALL, decided=week))
    assert counts.matching == 4


def test_period_boundaries_start_inclusive_end_exclusive(shift: SqlStore) -> None:
    decided_at = at(30, 12, month=11)  # D-7
    before = shift.summary_sync(Period(decided_at - H, decided_at), now=NOW)
    assert before.decided == 0
    starting = shift.summary_sync(Period(decided_at, decided_at + H), now=NOW)
    assert starting.decided == 1 and starting.outcomes[Outcome.COMPROMISE] == 1
    tiny = timedelta(microseconds=1)
    assert shift.summary_sync(Period(decided_at - H, decided_at + tiny), now=NOW).decided == 1
    # a deadline exactly at the period's end is not in it; at its start it is
    due = at(3, 10)  # D-1's STAFF-48H
    ending = shift.summary_sync(Period(due - H, due), now=NOW)
    assert {t.rule_id: t.met for t in ending.deadlines}["STAFF-48H"] == 0
    starting = shift.summary_sync(Period(due, due + H), now=NOW)
    assert {t.rule_id: t.met for t in starting.deadlines}["STAFF-48H"] == 1
    # a deadline not yet due by `now` is not tallied, whatever the period says
    later = shift.summary_sync(Period(at(7), at(9)), now=NOW)
    assert {t.rule_id: t.breached for t in later.deadlines}["STAFF-48H"] == 1  # D-13 only


def test_a_decision_exactly_at_the_deadline_meets_it(store: SqlStore) -> None:
    store.import_disputes([_dispute(Case(20, at(1)))])
    _decide(store, "D-20", "ana", at(3), _draft(Outcome.SELLER_FAVOUR, None))
    s = store.summary_sync(Period(at(2), at(4)), now=NOW)
    assert {t.rule_id: (t.met, t.breached) for t in s.deadlines}["STAFF-48H"] == (1, 0)
    assert s.handling.median_seconds == 48 * 3600


def test_today_runs_from_local_midnight() -> None:
    tokyo = timezone(timedelta(hours=9))
    today = Period.of(PeriodKind.TODAY, NOW, tokyo)  # 21:00 in Tokyo
    assert today.start == datetime(2026, 12, 6, 15, 0, tzinfo=UTC)
    assert today.end == NOW
    days = Period.between(at(1).date(), at(6).date(), UTC)
    assert (days.start, days.end) == (at(1), at(7))
    with pytest.raises(ValueError, match="before it starts"):
        Period.between(at(6).date(), at(1).date(), UTC)


def test_the_backlog_line_walks_back_from_now(shift: SqlStore) -> None:
    s = shift.summary_sync(WEEK, now=NOW)
    series = {p.at: p.backlog for p in s.backlog_series}
    assert s.backlog_series[0].at == WEEK.start and s.backlog_series[-1].at == NOW
    assert series[NOW] == 3
    # at the week's start (11-30 12:00): D-7 was decided at that very moment (out of it);
    # D-1, D-2 (escalated 12-01), D-3, D-6, D-13, D-5 not yet escalated: nothing waited
    assert series[WEEK.start] == 0
    # 12-01 12:00 (steps of 6 h): D-1, D-2 escalated at 10:00 → 2
    assert series[at(1, 12)] == 2
    # 12-02 06:00: + D-3 (escalated 00:00, decided 06:00 exactly: out) → 2
    assert series[at(2, 6)] == 2
    # 12-03 06:00: D-1 decided 12-02 10:00 (out), D-6 escalated 12-03 00:00 → 2
    assert series[at(3, 6)] == 2


def test_reviews_count_for_the_proposer(store: SqlStore) -> None:
    store.add_staff_sync("sam", "supervisor", now=NOW)
    store.import_disputes([_dispute(Case(30, at(2))), _dispute(Case(31, at(2)))])
    store.set_review_rule_sync(
        ReviewRule.model_validate({"refund_at_least": {"USD": "20.00"}}), actor="sam", now=NOW
    )
    for n in (30, 31):
        _decide(store, f"D-{n}", "dan", at(3), _draft(Outcome.BUYER_FULL_REFUND, None))
    proposals = {p.dispute_id: p.decision.id for p in store.reviews_sync()}
    store.review_sync(
        proposals["D-30"], ReviewVerdict.RETURN, note="check the tracking", decision=None,
        actor="sam", now=at(4),
    )  # fmt: skip
    store.review_sync(
        proposals["D-31"], ReviewVerdict.OVERTURN, note="", actor="sam", now=at(4),
        decision=_draft(Outcome.SELLER_FAVOUR, None),
    )  # fmt: skip
    s = store.summary_sync(WEEK, now=NOW)
    agents = {a.name: a for a in s.agents}
    assert (agents["dan"].decisions, agents["dan"].overturned, agents["dan"].returned) == (0, 1, 1)
    assert agents["sam"].decisions == 1
    assert s.outcomes[Outcome.SELLER_FAVOUR] == 1 and s.decided == 1  # proposals never count
    assert s.backlog[Status.ESCALATED] == 1  # D-30 is back in the queue
    for kind, wanted in ((Proposals.OVERTURNED, {"D-31"}), (Proposals.RETURNED, {"D-30"})):
        f = DecidedFilter(WEEK.start, WEEK.end, by="dan", kind=kind)
        assert _ids(store, QueueQuery(statuses=ALL, decided=f)) == wanted


def test_information_requests_met_and_breached(store: SqlStore) -> None:
    store.import_disputes(
        [_dispute(Case(40, at(20, month=11))), _dispute(Case(41, at(21, month=11)))]
    )
    for n, asked in ((40, at(24, 12, month=11)), (41, at(25, month=11))):
        record = store.get_dispute_sync(f"D-{n}")
        store.request_info_sync(
            f"D-{n}", Actor.BUYER, "Please send the tracking number.",
            expected_version=record.version, actor="ana", now=asked,
        )  # fmt: skip
    # the buyer of D-41 answers on 11-28 (a newer revision from the marketplace)
    data = dispute_data(41, urgency=at(21, month=11), revision=2, status="awaiting_info")
    data["messages"].append(
        {
            "id": "M-41-answer",
            "channel": "dispute_chat",
            "author": "buyer",
            "sent_at": "2026-11-28T09:00:00Z",
            "body": "Here it is: 1Z999",
        }
    )
    store.import_disputes([Dispute.model_validate_json(json.dumps(data))])
    s = store.summary_sync(WEEK, now=NOW)
    # D-40 asked 11-24 12:00, due 12-01 12:00 (in the week), never answered: breached;
    # D-41 asked 11-25, due 12-02, answered 11-28: met
    assert {t.rule_id: (t.met, t.breached) for t in s.deadlines}["P-INFO-7D"] == (1, 1)


def test_the_summary_is_json_and_back(shift: SqlStore) -> None:
    s = shift.summary_sync(WEEK, now=NOW)
    assert Summary.model_validate_json(s.model_dump_json()) == s


def test_a_store_from_before_the_figures_is_filled_in(shift: SqlStore, store_url: str) -> None:
    """Schema 8 → 9: `first_decided_at` and `handled_s` come from the decisions stored, so the
    figures of an upgraded store are those of one written since."""
    from alembic import command

    from mediator.store.sql.engine import write_tx
    from mediator.store.sql.migrations import alembic_config

    expected = shift.summary_sync(WEEK, now=NOW)
    with write_tx(shift.engine) as conn:
        command.downgrade(alembic_config(conn), "v8_review_audit")
    shift.close_sync()
    with SqlStore.open(store_url) as upgraded:
        assert upgraded.summary_sync(WEEK, now=NOW) == expected
