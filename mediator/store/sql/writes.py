"""Reading one dispute, recording a decision, adding a staff note (each on the caller's connection).

The caller runs each write in one transaction (`engine.write_tx`); every function here raises
before anything is written, or the transaction is rolled back, so a failed write leaves nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import replace as replace_fields
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, CursorResult, Row, Table, bindparam, insert, select, update
from sqlalchemy.sql.elements import BindParameter

from mediator.domain import (
    Actor,
    Channel,
    Decision,
    DecisionDraft,
    DisputeRecord,
    EscalationCause,
    InfoRequest,
    Message,
    Status,
)
from mediator.domain.deadlines import auto_escalation
from mediator.domain.resolution import build_decision, check_draft
from mediator.store.base import IdempotencyMismatch, InvalidDecision, NotFound, VersionConflict
from mediator.store.sql.rows import (
    deadline_values,
    decision_from_row,
    decision_values,
    derived_values,
    dispute_from_rows,
    info_request_from_row,
    info_request_values,
    message_values,
)
from mediator.store.sql.schema import (
    decisions,
    disputes,
    evidence,
    idempotency_keys,
    info_requests,
    messages,
)
from mediator.store.wire import draft_fingerprint

c = disputes.c


class InvalidNote(InvalidDecision):
    """A staff note that cannot be written (empty); `errors` is `[("body", message)]`."""


def new_id(prefix: str) -> str:
    """`prefix` + 12 hex characters from a random UUID (e.g. `R-3f2a9c0d41b7`)."""
    return prefix + uuid.uuid4().hex[:12]


def _dispute_row(conn: Connection, dispute_id: str, *, lock: bool = False) -> Row[Any]:
    stmt = select(disputes).where(c.id == dispute_id)
    if lock:
        stmt = stmt.with_for_update()  # PostgreSQL; SQLite already holds the write lock
    row = conn.execute(stmt).one_or_none()
    if row is None:
        raise NotFound(f"no dispute {dispute_id!r}")
    return row


def _record(conn: Connection, row: Row[Any]) -> DisputeRecord:
    m, e, r = messages.c, evidence.c, decisions.c
    message_rows = conn.execute(
        select(messages).where(m.dispute_id == row.id).order_by(m.sent_at, m.id)
    )
    evidence_rows = conn.execute(
        select(evidence).where(e.dispute_id == row.id).order_by(e.submitted_at, e.id)
    )
    decision_rows = conn.execute(
        select(decisions).where(r.dispute_id == row.id).order_by(r.decided_at, r.id)
    )
    i = info_requests.c
    request = conn.execute(
        select(info_requests)
        .where(i.dispute_id == row.id)
        .order_by(i.asked_at.desc(), i.id.desc())
        .limit(1)
    ).one_or_none()
    return DisputeRecord(
        dispute=dispute_from_rows(row, message_rows, evidence_rows),
        version=row.version,
        decisions=tuple(decision_from_row(d) for d in decision_rows),
        info_request=None if request is None else info_request_from_row(request),
    )


def get_dispute(conn: Connection, dispute_id: str) -> DisputeRecord:
    """The whole dispute: messages by (sent_at, id), evidence by (submitted_at, id), decisions."""
    return _record(conn, _dispute_row(conn, dispute_id))


def _when(at: datetime, now: datetime) -> str:
    at = at.astimezone(UTC)
    same_day = at.date() == now.astimezone(UTC).date()
    return f"{at:%H:%M} UTC" if same_day else f"{at:%Y-%m-%d %H:%M} UTC"


def conflict_message(current: DisputeRecord, expected: int, now: datetime) -> str:
    versions = f"version {current.version}, you had {expected}"
    if current.decisions:
        last = current.decisions[-1]
        by = f"was decided by {last.decided_by} at {_when(last.decided_at, now)}"
        return f"{current.id} {by} ({versions})"
    return f"{current.id} was changed since you opened it ({versions})"


# One statement reads everything a decision needs and locks the dispute row: the row, its
# newest information request (P-INFO-7D) and the idempotency key's earlier use, if any. Built
# once: a decision is the API's hottest write, and building a statement costs more than running
# it. `FOR UPDATE OF disputes` on PostgreSQL (SQLite holds the database's write lock already).
_i, _k = info_requests.c, idempotency_keys.c
_newest_request = (
    select(_i.id)
    .where(_i.dispute_id == c.id)
    .order_by(_i.asked_at.desc(), _i.id.desc())
    .limit(1)
    .correlate(disputes)
    .scalar_subquery()
)
_DECIDE = (
    select(
        disputes,
        *(col.label(f"q_{col.name}") for col in info_requests.c),
        *(col.label(f"k_{col.name}") for col in idempotency_keys.c),
    )
    .outerjoin(info_requests, _i.id == _newest_request)
    .outerjoin(idempotency_keys, _k.key == bindparam("key"))
    .where(c.id == bindparam("dispute_id"))
    .with_for_update(of=disputes)
)
_KEY = select(idempotency_keys).where(_k.key == bindparam("key"))
_DECISION = select(decisions).where(decisions.c.id == bindparam("decision_id"))
_INSERT_DECISION = insert(decisions)
_INSERT_KEY = insert(idempotency_keys)
_RESOLVE = (
    update(disputes)
    .where(c.id == bindparam("dispute_id"), c.version == bindparam("expected_version"))
    .values(
        status=Status.RESOLVED.value,
        version=c.version + 1,
        urgency_at=bindparam("urgency_at"),
        deadline_rule=bindparam("deadline_rule"),
    )
)


def _prefixed(table: Table, prefix: str) -> dict[str, BindParameter[Any]]:
    return {col.name: bindparam(prefix + col.name) for col in table.c}


# PostgreSQL: the decision, its key and the dispute's update in one statement (one round trip)
_d_cte = insert(decisions).values(_prefixed(decisions, "d_")).cte("new_decision")
_k_cte = insert(idempotency_keys).values(_prefixed(idempotency_keys, "k_")).cte("new_key")
_PG_WRITE = _RESOLVE.add_cte(_d_cte)
_PG_WRITE_WITH_KEY = _RESOLVE.add_cte(_d_cte).add_cte(_k_cte)


def _write_decision(
    conn: Connection,
    decision: dict[str, Any],
    key: dict[str, Any] | None,
    resolve: dict[str, Any],
) -> CursorResult[Any]:
    """Insert the decision (and its idempotency key) and update the dispute: the update's
    result, whose rowcount says whether the dispute was still at the expected version."""
    if conn.dialect.name == "postgresql":
        params = {**resolve, **{f"d_{k}": v for k, v in decision.items()}}
        if key is None:
            return conn.execute(_PG_WRITE, params)
        params.update({f"k_{k}": v for k, v in key.items()})
        return conn.execute(_PG_WRITE_WITH_KEY, params)
    conn.execute(_INSERT_DECISION, decision)
    if key is not None:
        conn.execute(_INSERT_KEY, key)
    return conn.execute(_RESOLVE, resolve)


def _policy_record(row: Row[Any]) -> DisputeRecord:
    """What the decision policy reads (`domain.resolution`): the dispute's facts and its newest
    information request, without the transcript, the evidence or earlier decisions, which no
    rule reads (tests/domain/test_policy_inputs.py holds the policy to that)."""
    request = None
    if row.q_id is not None:
        request = InfoRequest(
            party=Actor(row.q_party),
            asked_at=row.q_asked_at,
            message=row.q_message,
            asked_by=row.q_asked_by,
            answered_at=row.q_answered_at,
        )
    return DisputeRecord(
        dispute=dispute_from_rows(row, (), ()), version=row.version, info_request=request
    )


def record_decision(
    conn: Connection,
    dispute_id: str,
    draft: DecisionDraft,
    *,
    expected_version: int,
    actor: str,
    now: datetime,
    idempotency_key: str | None = None,
) -> Decision:
    """Check and write `draft`, mark the dispute resolved and bump its version; with
    `idempotency_key`, replay or refuse a repeated request (`Store.record_decision`).

    Two statements on PostgreSQL: the locking read, then the decision, its key and the
    dispute's update together (three statements on SQLite, which has no INSERT in WITH).
    """
    fingerprint = None
    if idempotency_key is not None:
        _check_key(idempotency_key)
        fingerprint = draft_fingerprint(dispute_id, draft)
    row = conn.execute(_DECIDE, {"dispute_id": dispute_id, "key": idempotency_key}).one_or_none()
    if row is None:
        raise NotFound(f"no dispute {dispute_id!r}")
    if idempotency_key is not None and fingerprint is not None and row.k_key is not None:
        return _replay(
            conn,
            row.k_actor,
            row.k_dispute_id,
            row.k_request_hash,
            row.k_decision_id,
            key=idempotency_key,
            dispute_id=dispute_id,
            fingerprint=fingerprint,
            actor=actor,
        )
    if row.version != expected_version:
        if idempotency_key is not None and fingerprint is not None:
            # PostgreSQL: the statement's snapshot predates the lock it waited for, so a
            # request with this key that committed meanwhile (and moved the version on) is
            # only visible to a new statement
            used = conn.execute(_KEY, {"key": idempotency_key}).one_or_none()
            if used is not None:
                return _replay(
                    conn,
                    used.actor,
                    used.dispute_id,
                    used.request_hash,
                    used.decision_id,
                    key=idempotency_key,
                    dispute_id=dispute_id,
                    fingerprint=fingerprint,
                    actor=actor,
                )
        current = get_dispute(conn, dispute_id)
        raise VersionConflict(conflict_message(current, expected_version, now), current)
    current = _policy_record(row)
    errors = check_draft(current, draft, now)
    if errors:
        raise InvalidDecision(errors)
    decision = build_decision(current, draft, decision_id=new_id("R-"), actor=actor, now=now)
    resolved = current.dispute.model_copy(update={"status": Status.RESOLVED})
    resolve = {
        "dispute_id": dispute_id,
        "expected_version": expected_version,
        **deadline_values(replace_fields(current, dispute=resolved)),
    }
    key_row = None
    if idempotency_key is not None:
        key_row = {
            "key": idempotency_key,
            "actor": actor,
            "dispute_id": dispute_id,
            "request_hash": fingerprint,
            "decision_id": decision.id,
            "created_at": now,
        }
    result = _write_decision(conn, decision_values(decision), key_row, resolve)
    if result.rowcount != 1:  # cannot happen while the row is locked; never write half
        fresh = get_dispute(conn, dispute_id)
        raise VersionConflict(conflict_message(fresh, expected_version, now), fresh)
    return decision


#: Longest idempotency key accepted (Stripe allows 255 characters).
MAX_KEY_CHARS = 255


def _check_key(key: str) -> None:
    if not key or len(key) > MAX_KEY_CHARS:
        raise IdempotencyMismatch(f"an idempotency key has 1 to {MAX_KEY_CHARS} characters")


def _replay(
    conn: Connection,
    used_by: str,
    used_on: str,
    used_hash: str,
    decision_id: str,
    *,
    key: str,
    dispute_id: str,
    fingerprint: str,
    actor: str,
) -> Decision:
    """The decision written with `key` for this very request; raises `IdempotencyMismatch`
    when the key was used for something else."""
    if used_by != actor or used_on != dispute_id or used_hash != fingerprint:
        raise IdempotencyMismatch(
            f"idempotency key {key!r} was already used by {used_by} for another request "
            f"(on {used_on}); nothing was written"
        )
    first = conn.execute(_DECISION, {"decision_id": decision_id}).one()
    return decision_from_row(first)


def add_note(conn: Connection, dispute_id: str, body: str, *, actor: str, now: datetime) -> Message:
    """Append a staff note written in the console; the dispute's version is not bumped."""
    text = body.strip()
    if not text:
        raise InvalidNote([("body", "a note cannot be empty")])
    note = Message(
        id=new_id("M-"),
        channel=Channel.STAFF_NOTE,
        author=Actor.STAFF,
        sent_at=now,
        body=text,
        author_name=actor,
    )
    _dispute_row(conn, dispute_id, lock=True)
    conn.execute(insert(messages).values(message_values(dispute_id, note, local=True)))
    conn.execute(
        update(disputes).where(c.id == dispute_id).values(message_count=c.message_count + 1)
    )
    return note


class InvalidRequest(InvalidDecision):
    """An information request that cannot be written; `errors` names the fields."""


def request_info(
    conn: Connection,
    dispute_id: str,
    party: Actor,
    message: str,
    *,
    expected_version: int,
    actor: str,
    now: datetime,
) -> InfoRequest:
    """Ask `party` for information (P-INFO-7D): the request, a dispute-chat message from staff,
    status `awaiting_info`, a 7-day timer, and a version bump — all in the caller's transaction."""
    text = message.strip()
    errors: list[tuple[str, str]] = []
    if party not in (Actor.BUYER, Actor.SELLER):
        errors.append(("party", "information can be asked of the buyer or the seller"))
    if not text:
        errors.append(("message", "say what information or evidence is needed"))
    row = _dispute_row(conn, dispute_id, lock=True)
    current = _record(conn, row)
    if current.version != expected_version:
        raise VersionConflict(conflict_message(current, expected_version, now), current)
    if current.dispute.status not in (Status.ESCALATED, Status.AWAITING_INFO):
        errors.append(
            ("party", f"{dispute_id} is {current.dispute.status.label}, not in the queue")
        )
    if errors:
        raise InvalidRequest(errors)
    request = InfoRequest(party=party, asked_at=now, message=text, asked_by=actor)
    asked = Message(
        id=new_id("M-"),
        channel=Channel.DISPUTE_CHAT,
        author=Actor.STAFF,
        sent_at=now,
        body=text,
        author_name=actor,
    )
    conn.execute(
        insert(info_requests).values(info_request_values(dispute_id, new_id("Q-"), request))
    )
    conn.execute(insert(messages).values(message_values(dispute_id, asked, local=True)))
    waiting = current.dispute.model_copy(
        update={"status": Status.AWAITING_INFO, "messages": (*current.dispute.messages, asked)}
    )
    conn.execute(
        update(disputes)
        .where(c.id == dispute_id)
        .values(
            status=Status.AWAITING_INFO.value,
            version=c.version + 1,
            message_count=c.message_count + 1,
            **derived_values(replace_fields(current, dispute=waiting, info_request=request)),
        )
    )
    return request


def escalate_due(conn: Connection, now: datetime, *, limit: int = 1000) -> list[tuple[str, str]]:
    """Auto-escalate open disputes whose P-ESC-SELLER-SILENT or P-ESC-STALE timer has run out.

    Idempotent: an escalated dispute is no longer `open`, so a second run finds nothing. Returns
    (dispute id, cause) for each escalation, at most `limit` per call.
    """
    due_ids = conn.scalars(
        select(c.id)
        .where(c.status == Status.OPEN.value, c.urgency_at <= now)
        .order_by(c.urgency_at, c.id)
        .limit(limit)
    ).all()
    done: list[tuple[str, str]] = []
    for dispute_id in due_ids:
        current = _record(conn, _dispute_row(conn, dispute_id, lock=True))
        timer = auto_escalation(current, now)
        if timer is None:
            continue
        cause = (
            EscalationCause.SELLER_SILENT
            if timer.rule_id == "P-ESC-SELLER-SILENT"
            else EscalationCause.STALE
        )
        escalated = current.dispute.model_copy(
            update={"status": Status.ESCALATED, "escalated_at": now, "escalation_cause": cause}
        )
        conn.execute(
            update(disputes)
            .where(c.id == dispute_id, c.status == Status.OPEN.value)
            .values(
                status=Status.ESCALATED.value,
                escalated_at=now,
                escalation_cause=cause.value,
                version=c.version + 1,
                **deadline_values(replace_fields(current, dispute=escalated)),
            )
        )
        done.append((dispute_id, cause.value))
    return done


def refresh_after_import(conn: Connection, dispute_ids: list[str]) -> None:
    """Reconcile local state with a newer revision of each dispute just imported.

    - a dispute decided here stays resolved (the marketplace's copy catches up later);
    - an open information request is answered by the asked party's first later message, and
      the dispute returns from `awaiting_info` to the queue as `escalated`;
    - the next deadline is recomputed.
    """
    i = info_requests.c
    for dispute_id in dispute_ids:
        current = _record(conn, _dispute_row(conn, dispute_id))
        d = current.dispute
        values: dict[str, Any] = {}
        status = d.status
        if current.decisions and status is not Status.RESOLVED:
            status = Status.RESOLVED
        request = current.info_request
        if request is not None and request.answered_at is None:
            answers = [
                m.sent_at
                for m in d.messages
                if m.author is request.party and m.sent_at > request.asked_at
            ]
            if answers:
                request = replace_fields(request, answered_at=min(answers))
                conn.execute(
                    update(info_requests)
                    .where(i.dispute_id == dispute_id, i.asked_at == request.asked_at)
                    .values(answered_at=request.answered_at)
                )
                if status is Status.AWAITING_INFO:
                    status = Status.ESCALATED
        if status is not d.status:
            values["status"] = status.value
        fresh = replace_fields(
            current, dispute=d.model_copy(update={"status": status}), info_request=request
        )
        values.update(derived_values(fresh))
        conn.execute(update(disputes).where(c.id == dispute_id).values(values))
