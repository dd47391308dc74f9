"""Reviews in SQL (issue 16): the review rule, the proposals waiting, and a supervisor's verdict.

Every rule of the two-person rule is enforced here, in the write's transaction, for every client
of the database (the console on SQLite or PostgreSQL, and `mediator serve`): only a supervisor
(by the `staff` table) reviews; nobody reviews their own proposal or a dispute they took part in
(claimed, noted, asked for information, decided or proposed); an overturn is checked against the
policy like any decision; racing reviews of one proposal leave exactly one outcome (the dispute's
row is locked, `FOR UPDATE` on PostgreSQL, `BEGIN IMMEDIATE` on SQLite, and the proposal's
`review` is updated only while it still says `pending`).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, exists, select, update

from mediator.domain import DecisionDraft, DisputeRecord, Status
from mediator.domain.audit import AuditAction
from mediator.domain.changes import ChangeKind
from mediator.domain.claims import ClaimEvent
from mediator.domain.enums import Channel
from mediator.domain.models import Decision
from mediator.domain.resolution import build_decision, check
from mediator.domain.review import (
    Participation,
    Proposal,
    ReviewOutcome,
    ReviewRule,
    ReviewState,
    ReviewVerdict,
    pending_proposal,
    review_order,
    review_refusal,
    review_stamp,
    review_state,
)
from mediator.domain.text import one_line
from mediator.store.base import AlreadyReviewed, InvalidDecision, NotAllowed, NotFound, Role
from mediator.store.sql import audit
from mediator.store.sql.changes import record_change
from mediator.store.sql.deciding import RULE_KEY, stored_rule
from mediator.store.sql.rows import (
    deadline_values,
    decided_values,
    decision_from_row,
    decision_values,
    handled_seconds,
)
from mediator.store.sql.schema import (
    claim_events,
    decisions,
    disputes,
    info_requests,
    messages,
    meta,
)
from mediator.store.sql.staff import must_be_supervisor, staff_named
from mediator.store.sql.writes import get_dispute, new_id

c, d = disputes.c, decisions.c


# --- the rule ---------------------------------------------------------------------------------


def read_rule(conn: Connection) -> ReviewRule:
    text = conn.execute(select(meta.c.value).where(meta.c.key == RULE_KEY)).scalar_one_or_none()
    return stored_rule(text)


def set_rule(conn: Connection, rule: ReviewRule, *, actor: str, now: datetime) -> ReviewRule:
    """Store `rule` (a supervisor only), with its audit entry (the rule before and after)."""
    must_be_supervisor(conn, actor, "set the review rule")
    before = read_rule(conn)
    text = rule.model_dump_json()
    if conn.execute(select(meta.c.key).where(meta.c.key == RULE_KEY)).first() is None:
        conn.execute(meta.insert().values(key=RULE_KEY, value=text))
    else:
        conn.execute(update(meta).where(meta.c.key == RULE_KEY).values(value=text))
    audit.append(
        conn,
        AuditAction.REVIEW_RULE_SET,
        actor=actor,
        at=now,
        dispute_id=None,
        before=before.model_dump(mode="json"),
        after=rule.model_dump(mode="json"),
    )
    return rule


# --- the proposals waiting ----------------------------------------------------------------------


def pending(conn: Connection, *, limit: int = 500) -> list[Proposal]:
    """The proposals waiting for review (`awaiting_review` disputes: the status index finds
    them), the oldest and then the largest first."""
    rows = conn.execute(
        select(c.id, c.order_title, c.version)
        .where(c.status == Status.AWAITING_REVIEW.value)
        .order_by(c.urgency_at, c.id)
        .limit(limit)
    ).all()
    if not rows:
        return []
    by_dispute: dict[str, list[Decision]] = {}
    found = conn.execute(
        select(decisions).where(d.dispute_id.in_([r.id for r in rows])).order_by(d.decided_at, d.id)
    )
    for row in found:
        by_dispute.setdefault(row.dispute_id, []).append(decision_from_row(row))
    proposals = []
    for row in rows:
        proposal = pending_proposal(tuple(by_dispute.get(row.id, ())))
        if proposal is None:
            continue
        proposals.append(
            Proposal(
                decision=proposal,
                dispute_id=row.id,
                order_title=row.order_title,
                version=row.version,
                reasons=tuple(proposal.review.get("reasons", ())),
            )
        )
    return sorted(proposals, key=review_order)


# --- a verdict ----------------------------------------------------------------------------------


def took_part(conn: Connection, dispute_id: str, who: str) -> tuple[Participation, ...]:
    """How `who` took part in the dispute: claimed it (or had it handed over), wrote a staff
    note, asked a party for information, or decided or proposed on it. Breaking someone
    else's claim is a supervisor's act, not taking part."""
    e, m, i = claim_events.c, messages.c, info_requests.c
    held = exists().where(
        e.dispute_id == dispute_id,
        (e.holder == who) | ((e.actor == who) & (e.kind != ClaimEvent.BROKEN.value)),
    )
    noted = exists().where(
        m.dispute_id == dispute_id,
        m.channel == Channel.STAFF_NOTE.value,
        m.author_name == who,
    )
    asked = exists().where(i.dispute_id == dispute_id, i.asked_by == who)
    decided = exists().where(d.dispute_id == dispute_id, d.decided_by == who)
    row = conn.execute(
        select(
            held.label("claimed"), noted.label("noted"), asked.label("asked"), decided.label("d")
        )
    ).one()
    ways = []
    if row.claimed:
        ways.append(Participation.CLAIMED)
    if row.noted:
        ways.append(Participation.NOTED)
    if row.asked:
        ways.append(Participation.ASKED)
    if row.d:
        ways.append(Participation.DECIDED)
    return tuple(ways)


def _proposal(conn: Connection, decision_id: str) -> Decision:
    row = conn.execute(select(decisions).where(d.id == decision_id)).one_or_none()
    if row is None:
        raise NotFound(f"no decision {decision_id!r}")
    return decision_from_row(row)


def review(
    conn: Connection,
    decision_id: str,
    verdict: ReviewVerdict,
    *,
    note: str,
    draft: DecisionDraft | None,
    actor: str,
    now: datetime,
) -> ReviewOutcome:
    """Approve, overturn or return the proposal `decision_id` (see the module docstring), in the
    caller's write transaction; raises before anything is written."""
    proposal = _proposal(conn, decision_id)
    dispute_id = proposal.dispute_id
    # lock the dispute first: racing reviews (and any other write) queue up behind this one
    locked = conn.execute(
        select(c.status, c.version).where(c.id == dispute_id).with_for_update()
    ).one()
    proposal = _proposal(conn, decision_id)  # as it is now that nobody else can change it
    if review_state(proposal) is not ReviewState.PENDING:
        if review_state(proposal) is ReviewState.NOT_REQUIRED:
            raise InvalidDecision(
                [("decision_id", f"{decision_id} is a final decision, not a proposal")]
            )
        raise AlreadyReviewed(proposal)
    member = staff_named(conn, actor)
    if actor == proposal.decided_by:
        raise NotAllowed(
            f"{actor} proposed {decision_id}: nobody reviews their own decision (a second "
            "person must)"
        )
    refusal = review_refusal(
        actor,
        is_supervisor=member is not None and member.role is Role.SUPERVISOR,
        dispute_id=dispute_id,
        took_part=took_part(conn, dispute_id, actor),
    )
    if refusal is not None:
        raise NotAllowed(refusal)
    note = note.strip()
    if verdict is ReviewVerdict.RETURN and not note:
        raise InvalidDecision([("note", "say what the agent should change: a note is required")])
    if verdict is not ReviewVerdict.OVERTURN and draft is not None:
        raise InvalidDecision([("decision", f"only an overturn carries a decision, not {verdict}")])
    record = get_dispute(conn, dispute_id)
    from_status = Status(proposal.review.get("from_status", Status.ESCALATED.value))
    final: Decision | None = None
    if verdict is ReviewVerdict.APPROVE:
        status = Status.RESOLVED
        final_id = None
    elif verdict is ReviewVerdict.OVERTURN:
        final = _overturn(record, draft, from_status, actor=actor, now=now, proposal=proposal)
        status, final_id = Status.RESOLVED, final.id
    else:
        status, final_id = from_status, None
    stamp = review_stamp(verdict, by=actor, at=now, note=note, decision_id=final_id)
    reviewed = proposal.model_copy(update={"review": {**proposal.review, **stamp}})
    _write(conn, record, proposal, reviewed, final, status, locked.version, now)
    if verdict is ReviewVerdict.APPROVE:
        final = reviewed
    audit.append(
        conn,
        {
            ReviewVerdict.APPROVE: AuditAction.DECISION_APPROVED,
            ReviewVerdict.OVERTURN: AuditAction.DECISION_OVERTURNED,
            ReviewVerdict.RETURN: AuditAction.DECISION_RETURNED,
        }[verdict],
        actor=actor,
        at=now,
        dispute_id=dispute_id,
        before={"status": locked.status, "version": locked.version, "review": proposal.review},
        after={
            "status": status.value,
            "version": locked.version + 1,
            "review": reviewed.review,
            **({"decision": final.model_dump(mode="json")} if final_id and final else {}),
            **({"returned_to": proposal.decided_by} if verdict is ReviewVerdict.RETURN else {}),
        },
    )
    return ReviewOutcome(
        verdict=verdict,
        dispute_id=dispute_id,
        proposal=reviewed,
        final=final,
        reviewed_by=actor,
        reviewed_at=now,
        note=note,
    )


def _overturn(
    record: DisputeRecord,
    draft: DecisionDraft | None,
    from_status: Status,
    *,
    actor: str,
    now: datetime,
    proposal: Decision,
) -> Decision:
    """The supervisor's decision that replaces the proposal, checked against the policy on the
    dispute as it was when the proposal was made (its status before `awaiting_review`)."""
    if draft is None:
        raise InvalidDecision(
            [("decision", "an overturn needs the decision that replaces the proposal")]
        )
    as_decided = record.model_copy(
        update={"dispute": record.dispute.model_copy(update={"status": from_status})}
    )
    verdict = check(as_decided, draft, now)
    if not verdict.ok:
        raise InvalidDecision(
            verdict.errors, blocks=verdict.blocks, warnings=verdict.unacknowledged
        )
    decision = build_decision(
        as_decided,
        draft,
        decision_id=new_id("R-"),
        actor=actor,
        now=now,
        findings=verdict.findings,
    )
    review = {"state": ReviewState.NOT_REQUIRED.value, "overturns": proposal.id}
    return decision.model_copy(update={"review": review})


def _reviewed(
    record: DisputeRecord, proposal: Decision, reviewed: Decision, final: Decision | None
) -> DisputeRecord:
    """`record` with the proposal as reviewed and the overturning decision, if any."""
    now = tuple(reviewed if d.id == proposal.id else d for d in record.decisions)
    extra = () if final is None or final.id == proposal.id else (final,)
    return record.model_copy(update={"decisions": (*now, *extra)})


def _write(
    conn: Connection,
    record: DisputeRecord,
    proposal: Decision,
    reviewed: Decision,
    final: Decision | None,
    status: Status,
    version: int,
    now: datetime,
) -> None:
    """The proposal's new review, the overturning decision, the dispute's new status."""
    done = conn.execute(
        update(decisions)
        .where(d.id == proposal.id, d.review == json.dumps(proposal.review, ensure_ascii=False))
        .values(review=json.dumps(reviewed.review, ensure_ascii=False))
    )
    if done.rowcount != 1:
        raise AlreadyReviewed(_proposal(conn, proposal.id))
    if final is not None and final.id != proposal.id:
        dispute = record.dispute
        handled = handled_seconds(final.decided_at, dispute.escalated_at, dispute.opened_at)
        conn.execute(decisions.insert().values(decision_values(final, handled_s=handled)))
    after = record.model_copy(
        update={
            "dispute": record.dispute.model_copy(update={"status": status}),
            "decisions": (*record.decisions, *(() if final is None else (final,))),
        }
    )
    values: dict[str, Any] = {
        "status": status.value,
        "version": version + 1,
        **deadline_values(after),
        "returned_to": proposal.decided_by if status is not Status.RESOLVED else None,
        # the decision that stands (issue 22): the approved proposal or the overturning one
        **decided_values(_reviewed(record, proposal, reviewed, final)),
    }
    moved = conn.execute(
        update(disputes)
        .where(
            c.id == proposal.dispute_id,
            c.version == version,
            c.status == Status.AWAITING_REVIEW.value,
        )
        .values(values)
    )
    if moved.rowcount != 1:
        raise AlreadyReviewed(_proposal(conn, proposal.id))
    record_change(conn, ChangeKind.DECISION, proposal.dispute_id, reviewed.review["by"], now)


def describe(outcome: ReviewOutcome) -> str:
    """One line for the command line and the console's notice."""
    what = {
        ReviewVerdict.APPROVE: "approved",
        ReviewVerdict.OVERTURN: "overturned",
        ReviewVerdict.RETURN: "returned to " + outcome.proposal.decided_by,
    }[outcome.verdict]
    return one_line(f"{outcome.proposal.id} on {outcome.dispute_id} {what}")
