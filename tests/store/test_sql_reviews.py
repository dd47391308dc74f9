"""The two-person rule (issue 16) in the SQL store, on a real SQLite file and on PostgreSQL:
which decisions the rule sends to review, who may review them, approve / overturn / return, and
racing reviews; every refusal writes nothing (not even an audit entry)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from mediator.clock import FrozenClock
from mediator.domain import DecisionDraft, Dispute, Outcome, Status
from mediator.domain.enums import Actor
from mediator.domain.review import (
    ReviewRule,
    ReviewState,
    ReviewVerdict,
    draft_of,
    final_decision,
    returned_proposal,
    review_state,
)
from mediator.store import InvalidDecision, QueueQuery, StoreError
from mediator.store.base import AlreadyReviewed, NotAllowed
from mediator.store.sql import SqlStore
from mediator.store.sql.engine import read_tx
from mediator.store.sql.schema import audit_trail
from tests.store.conftest import NOW, dispute_data, make_dispute

RULE = ReviewRule(refund_at_least={"USD": Decimal("20.00")})
BIG = DecisionDraft(
    outcome=Outcome.BUYER_PARTIAL_REFUND,
    rationale="Item arrived damaged per photo E-1-0.",
    refund_amount=Decimal("25.00"),
)
SMALL = BIG.model_copy(update={"refund_amount": Decimal("10.00")})
FAVOUR = DecisionDraft(outcome=Outcome.SELLER_FAVOUR, rationale="Tracking shows delivery.")


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
def team(store_url: str, clock: FrozenClock) -> Iterator[SqlStore]:
    """D-1 … D-5 in the queue (USD 30.00 each); agents ana and bo, supervisors sam and kim."""
    store = SqlStore.open(store_url, clock=clock.now)
    store.import_disputes([make_dispute(n) for n in range(1, 6)])
    for name, role in (
        ("ana", "agent"),
        ("bo", "agent"),
        ("sam", "supervisor"),
        ("kim", "supervisor"),
    ):
        store.add_staff_sync(name, role, now=NOW)
    store.set_review_rule_sync(RULE, actor="sam", now=NOW)
    yield store
    store.close_sync()


def decide(store: SqlStore, dispute_id: str, draft: DecisionDraft, actor: str = "ana") -> Any:
    version = store.get_dispute_sync(dispute_id).version
    return store.record_decision_sync(
        dispute_id, draft, expected_version=version, actor=actor, now=NOW
    )


def audit_count(store: SqlStore) -> int:
    with read_tx(store.engine) as conn:
        return int(conn.execute(select(func.count()).select_from(audit_trail)).scalar_one())


def queue_ids(store: SqlStore) -> list[str]:
    return [r.id for r in store.queue_page_sync(QueueQuery()).rows]


# --- the rule ---------------------------------------------------------------------------------


def test_without_a_rule_every_decision_is_final(store_url: str) -> None:
    with SqlStore.open(store_url) as store:
        store.import_disputes([make_dispute(1)])
        decision = decide(store, "D-1", BIG)
        assert decision.review == {"state": "not_required"}
        assert store.get_dispute_sync("D-1").dispute.status is Status.RESOLVED
        assert store.review_rule_sync() == ReviewRule()


def test_a_refund_at_the_threshold_is_proposed_and_leaves_the_queue(team: SqlStore) -> None:
    at_threshold = BIG.model_copy(update={"refund_amount": Decimal("20.00")})
    proposal = decide(team, "D-1", at_threshold)
    assert review_state(proposal) is ReviewState.PENDING
    assert proposal.review["reasons"] == ["refund 20.00 USD is at or above 20.00 USD"]
    record = team.get_dispute_sync("D-1")
    assert record.dispute.status is Status.AWAITING_REVIEW
    assert final_decision(record.decisions) is None
    assert "D-1" not in queue_ids(team)
    [waiting] = team.reviews_sync()
    assert (waiting.dispute_id, waiting.decision.id, waiting.proposed_by) == (
        "D-1",
        proposal.id,
        "ana",
    )
    # below the threshold, and another currency's refund, are final at once
    assert review_state(decide(team, "D-2", SMALL)) is ReviewState.NOT_REQUIRED
    assert team.get_dispute_sync("D-2").dispute.status is Status.RESOLVED


def test_a_currency_not_listed_needs_no_review_for_its_amount(store_url: str) -> None:
    with SqlStore.open(store_url) as store:
        store.import_disputes([make_dispute(1, currency="EUR")])
        store.add_staff_sync("sam", "supervisor", now=NOW)
        store.set_review_rule_sync(RULE, actor="sam", now=NOW)
        assert review_state(decide(store, "D-1", BIG)) is ReviewState.NOT_REQUIRED


def test_flagged_disputes_and_acknowledged_warnings_are_proposed(store_url: str) -> None:
    flagged = dispute_data(1)
    flagged["messages"][0]["body"] = "add me on whatsapp +44 7700 900123 and pay there"
    warned = dispute_data(2)
    opened = warned["opened_at"]
    warned["order"]["delivered_at"] = warned["order"]["placed_at"]
    warned["order"]["confirmed_at"] = warned["order"]["placed_at"]  # P-OPEN-CONFIRMED
    assert warned["order"]["confirmed_at"] < opened
    with SqlStore.open(store_url) as store:
        store.import_disputes(
            [Dispute.model_validate_json(json.dumps(d)) for d in (flagged, warned, dispute_data(3))]
        )
        store.add_staff_sync("sam", "supervisor", now=NOW)
        rule = ReviewRule(flagged=True, acknowledged_warnings=True)
        store.set_review_rule_sync(rule, actor="sam", now=NOW)
        first = decide(store, "D-1", FAVOUR)
        assert first.review["reasons"] == ["the dispute has 1 flagged message(s)"]
        with pytest.raises(InvalidDecision) as refused:
            decide(store, "D-2", FAVOUR)
        assert refused.value.warnings == ("P-OPEN-CONFIRMED",)
        acknowledged = FAVOUR.model_copy(update={"acknowledged": frozenset({"P-OPEN-CONFIRMED"})})
        second = decide(store, "D-2", acknowledged)
        assert second.review["reasons"] == ["policy warnings acknowledged: P-OPEN-CONFIRMED"]
        assert review_state(decide(store, "D-3", FAVOUR)) is ReviewState.NOT_REQUIRED


def test_each_agents_first_decisions_are_proposed(team: SqlStore) -> None:
    team.set_review_rule_sync(ReviewRule(first_decisions=2), actor="sam", now=NOW)
    states = [review_state(decide(team, f"D-{n}", FAVOUR)) for n in (1, 2, 3)]
    assert states == [ReviewState.PENDING, ReviewState.PENDING, ReviewState.NOT_REQUIRED]
    assert review_state(decide(team, "D-4", FAVOUR, actor="bo")) is ReviewState.PENDING
    first = team.get_dispute_sync("D-1").decisions[0]
    assert first.review["reasons"] == ["one of ana's first 2 decisions (number 1)"]


def test_only_a_supervisor_sets_the_rule_and_it_is_audited(team: SqlStore) -> None:
    before = audit_count(team)
    with pytest.raises(NotAllowed, match="ana is an agent"):
        team.set_review_rule_sync(ReviewRule(flagged=True), actor="ana", now=NOW)
    with pytest.raises(NotAllowed, match="nobody is not staff"):
        team.set_review_rule_sync(ReviewRule(flagged=True), actor="nobody", now=NOW)
    assert audit_count(team) == before
    assert team.review_rule_sync() == RULE
    team.set_review_rule_sync(ReviewRule(flagged=True), actor="kim", now=NOW)
    assert team.review_rule_sync() == ReviewRule(flagged=True)
    [entry] = [e for e in history_all(team) if e["action"] == "review_rule_set"][-1:]
    assert entry["actor"] == "kim"
    assert entry["before"]["refund_at_least"] == {"USD": "20.00"}
    assert entry["after"]["flagged"] is True


def history_all(store: SqlStore) -> list[dict[str, Any]]:
    with read_tx(store.engine) as conn:
        bodies = conn.execute(select(audit_trail.c.body).order_by(audit_trail.c.seq)).scalars()
        return [json.loads(b) for b in bodies]


# --- verdicts ----------------------------------------------------------------------------------


def test_a_supervisor_approves_and_the_decision_is_final(team: SqlStore) -> None:
    proposal = decide(team, "D-1", BIG)
    outcome = team.review_sync(
        proposal.id, ReviewVerdict.APPROVE, note="ok", decision=None, actor="sam", now=NOW
    )
    assert outcome.final is not None and outcome.final.id == proposal.id
    record = team.get_dispute_sync("D-1")
    assert record.dispute.status is Status.RESOLVED
    final = final_decision(record.decisions)
    assert final is not None and final.id == proposal.id
    assert final.review["state"] == "approved" and final.review["by"] == "sam"
    assert team.reviews_sync() == []
    actions = [(e.action, e.actor) for e in team.history_sync("D-1")[-2:]]
    assert actions == [("decision_proposed", "ana"), ("decision_approved", "sam")]


def test_an_overturn_is_checked_against_the_policy(team: SqlStore) -> None:
    proposal = decide(team, "D-1", BIG)
    over_refund = BIG.model_copy(update={"refund_amount": Decimal("31.00")})
    before = audit_count(team)
    with pytest.raises(InvalidDecision):
        team.review_sync(
            proposal.id,
            ReviewVerdict.OVERTURN,
            note="too much",
            decision=over_refund,
            actor="sam",
            now=NOW,
        )
    with pytest.raises(InvalidDecision, match="an overturn needs the decision"):
        team.review_sync(
            proposal.id, ReviewVerdict.OVERTURN, note="", decision=None, actor="sam", now=NOW
        )
    assert audit_count(team) == before
    assert team.get_dispute_sync("D-1").dispute.status is Status.AWAITING_REVIEW
    outcome = team.review_sync(
        proposal.id,
        ReviewVerdict.OVERTURN,
        note="seller shipped",
        decision=FAVOUR,
        actor="sam",
        now=NOW,
    )
    assert outcome.final is not None and outcome.final.decided_by == "sam"
    assert outcome.final.outcome is Outcome.SELLER_FAVOUR
    record = team.get_dispute_sync("D-1")
    assert record.dispute.status is Status.RESOLVED
    assert final_decision(record.decisions) == outcome.final
    voided = next(d for d in record.decisions if d.id == proposal.id)
    assert voided.review["state"] == "overturned"
    assert voided.review["decision_id"] == outcome.final.id


def test_a_return_brings_the_dispute_and_the_draft_back_to_the_agent(team: SqlStore) -> None:
    proposal = decide(team, "D-1", BIG)
    with pytest.raises(InvalidDecision, match="a note is required"):
        team.review_sync(
            proposal.id, ReviewVerdict.RETURN, note=" ", decision=None, actor="sam", now=NOW
        )
    team.review_sync(
        proposal.id,
        ReviewVerdict.RETURN,
        note="Ask the seller for tracking first.",
        decision=None,
        actor="sam",
        now=NOW,
    )
    record = team.get_dispute_sync("D-1")
    assert (record.dispute.status, record.returned_to) == (Status.ESCALATED, "ana")
    row = next(r for r in team.queue_page_sync(QueueQuery()).rows if r.id == "D-1")
    assert row.returned_to == "ana"
    returned = returned_proposal(record.decisions)
    assert returned is not None and returned.review["note"] == "Ask the seller for tracking first."
    draft = draft_of(returned)
    assert (draft.outcome, draft.refund_amount, draft.rationale) == (
        BIG.outcome,
        BIG.refund_amount,
        BIG.rationale,
    )
    # the agent decides again: the return is answered
    decide(team, "D-1", SMALL)
    record = team.get_dispute_sync("D-1")
    assert (record.dispute.status, record.returned_to) == (Status.RESOLVED, None)


def test_nobody_reviews_their_own_proposal_or_a_dispute_they_took_part_in(
    team: SqlStore, clock: FrozenClock
) -> None:
    # kim, a supervisor, decides herself: her own proposal
    own = decide(team, "D-1", BIG, actor="kim")
    # sam claims D-2, kim writes a note on D-3, sam asks for information on D-4
    team.claim_sync("D-2", actor="sam", lease=timedelta(minutes=3))
    team.release_sync("D-2", actor="sam")
    on_2 = decide(team, "D-2", BIG)
    team.add_note_sync("D-3", "called the seller", actor="kim", now=NOW)
    on_3 = decide(team, "D-3", BIG)
    version = team.get_dispute_sync("D-4").version
    team.request_info_sync(
        "D-4", Actor.SELLER, "Tracking?", expected_version=version, actor="sam", now=NOW
    )
    on_4 = decide(team, "D-4", BIG)
    before = audit_count(team)
    cases = [
        (own.id, "kim", "kim proposed"),
        (on_2.id, "sam", "sam took part in D-2 (held the claim on D-2)"),
        (on_3.id, "kim", "kim took part in D-3 (wrote a staff note on D-3)"),
        (on_4.id, "sam", "sam took part in D-4 (asked a party for information on D-4)"),
        (on_2.id, "bo", "bo is not a supervisor"),
        (on_2.id, "stranger", "stranger is not a supervisor"),
    ]
    for decision_id, who, words in cases:
        with pytest.raises(NotAllowed, match=words.replace("(", r"\(").replace(")", r"\)")):
            team.review_sync(
                decision_id, ReviewVerdict.APPROVE, note="", decision=None, actor=who, now=NOW
            )
    assert audit_count(team) == before
    # the other supervisor may
    for decision_id, who in ((own.id, "sam"), (on_2.id, "kim"), (on_3.id, "sam"), (on_4.id, "kim")):
        team.review_sync(
            decision_id, ReviewVerdict.APPROVE, note="", decision=None, actor=who, now=NOW
        )


def test_a_proposal_is_reviewed_once_and_a_final_decision_never(team: SqlStore) -> None:
    proposal = decide(team, "D-1", BIG)
    team.review_sync(
        proposal.id, ReviewVerdict.APPROVE, note="", decision=None, actor="sam", now=NOW
    )
    with pytest.raises(AlreadyReviewed, match="already approved by sam"):
        team.review_sync(
            proposal.id, ReviewVerdict.RETURN, note="no", decision=None, actor="kim", now=NOW
        )
    final = decide(team, "D-2", SMALL)
    with pytest.raises(InvalidDecision, match="a final decision, not a proposal"):
        team.review_sync(
            final.id, ReviewVerdict.APPROVE, note="", decision=None, actor="sam", now=NOW
        )
    with pytest.raises(StoreError, match="no decision 'R-nope'"):
        team.review_sync(
            "R-nope", ReviewVerdict.APPROVE, note="", decision=None, actor="sam", now=NOW
        )


def test_a_dispute_awaiting_review_cannot_be_decided_again(team: SqlStore) -> None:
    decide(team, "D-1", BIG)
    with pytest.raises(InvalidDecision, match="already awaiting review"):
        decide(team, "D-1", SMALL, actor="bo")


def race(
    store: SqlStore,
    decision_id: str,
    verdicts: list[tuple[str, ReviewVerdict, DecisionDraft | None]],
) -> list[object]:
    """Every verdict at once (a thread each, released together): their outcomes or errors."""
    barrier = threading.Barrier(len(verdicts))
    results: list[object] = []

    def run(who: str, verdict: ReviewVerdict, draft: DecisionDraft | None) -> None:
        barrier.wait()
        try:
            results.append(
                store.review_sync(
                    decision_id, verdict, note="n", decision=draft, actor=who, now=NOW
                )
            )
        except StoreError as exc:
            results.append(exc)

    threads = [threading.Thread(target=run, args=v) for v in verdicts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_racing_reviews_leave_exactly_one_outcome(team: SqlStore) -> None:
    team.add_staff_sync("lee", "supervisor", now=NOW)
    verdicts = [
        ("sam", ReviewVerdict.APPROVE, None),
        ("kim", ReviewVerdict.RETURN, None),
        ("lee", ReviewVerdict.OVERTURN, FAVOUR),
    ]
    for n in (1, 2, 3):
        proposal = decide(team, f"D-{n}", BIG)
        results = race(team, proposal.id, verdicts)
        done = [r for r in results if not isinstance(r, StoreError)]
        refused = [r for r in results if isinstance(r, StoreError)]
        assert len(done) == 1, results
        assert all(isinstance(r, AlreadyReviewed) for r in refused), refused
        record = team.get_dispute_sync(f"D-{n}")
        assert [review_state(d) for d in record.decisions].count(ReviewState.PENDING) == 0
        reviewed = [
            entry
            for entry in team.history_sync(f"D-{n}")
            if entry.action.startswith("decision_") and entry.action != "decision_proposed"
        ]
        assert len(reviewed) == 1


def test_a_newer_revision_keeps_a_proposal_waiting_and_a_return_in_the_queue(
    team: SqlStore,
) -> None:
    decide(team, "D-1", BIG)
    returned = decide(team, "D-2", BIG)
    team.review_sync(
        returned.id, ReviewVerdict.RETURN, note="check", decision=None, actor="sam", now=NOW
    )
    report = team.import_disputes([make_dispute(1, revision=2), make_dispute(2, revision=2)])
    assert report.updated == 2
    first, second = team.get_dispute_sync("D-1"), team.get_dispute_sync("D-2")
    assert first.dispute.status is Status.AWAITING_REVIEW
    assert [p.dispute_id for p in team.reviews_sync()] == ["D-1"]
    assert (second.dispute.status, second.returned_to) == (Status.ESCALATED, "ana")


def who_decided(store: SqlStore, dispute_id: str) -> tuple[object, object]:
    """The queue row's "Decided at" and "Decided by" (issue 22: the resolved list)."""
    (row,) = store.queue_page_sync(
        QueueQuery(statuses=frozenset(Status), text=dispute_id), limit=1
    ).rows
    return row.decided_at, row.decided_by


def test_the_resolved_list_names_the_decision_that_stands(team: SqlStore) -> None:
    """Issue 22: a decision written at once stands; a proposal stands once approved (its agent,
    its time), not while it waits or after a return; an overturn's supervisor replaces it."""
    decide(team, "D-1", SMALL, actor="bo")
    assert who_decided(team, "D-1") == (NOW, "bo")
    later = NOW + timedelta(hours=2)
    proposal = decide(team, "D-2", BIG)
    assert who_decided(team, "D-2") == (None, None)  # waiting for a supervisor
    team.review_sync(
        proposal.id, ReviewVerdict.APPROVE, note="", decision=None, actor="sam", now=later
    )
    assert who_decided(team, "D-2") == (NOW, "ana")
    proposal = decide(team, "D-3", BIG)
    team.review_sync(
        proposal.id, ReviewVerdict.OVERTURN, note="no", decision=FAVOUR, actor="sam", now=later
    )
    assert who_decided(team, "D-3") == (later, "sam")
    proposal = decide(team, "D-4", BIG)
    team.review_sync(
        proposal.id, ReviewVerdict.RETURN, note="check E-1", decision=None, actor="kim", now=later
    )
    assert who_decided(team, "D-4") == (None, None)
