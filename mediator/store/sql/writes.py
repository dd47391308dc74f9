"""Reading one dispute; staff notes, information requests, escalations, import reconciliation
(each on the caller's connection; decisions are in `deciding`).

The caller runs each write in one transaction (`engine.write_tx`); every function here raises
before anything is written, or the transaction is rolled back, so a failed write leaves nothing.
Each write ends by appending its audit entry (issue 16; `sql.audit.append` must come last: it
locks the trail's head), so a refused write leaves no entry either.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update

from mediator.domain import (
    Actor,
    Channel,
    DisputeRecord,
    EscalationCause,
    InfoRequest,
    Message,
    Status,
)
from mediator.domain.audit import AuditAction
from mediator.domain.changes import ChangeKind
from mediator.domain.claims import Claim
from mediator.domain.deadlines import auto_escalation
from mediator.domain.models import MessageKey
from mediator.domain.review import final_decision, pending_proposal
from mediator.store.base import InvalidDecision, NotFound, VersionConflict
from mediator.store.sql import audit, claims
from mediator.store.sql.changes import record_change
from mediator.store.sql.claims import StoreClock, check_holder, live_claim, store_now
from mediator.store.sql.rows import (
    EVIDENCE_COLUMNS,
    MESSAGE_COLUMNS,
    deadline_values,
    decided_values,
    decision_from_row,
    derived_values,
    dispute_from_rows,
    info_request_from_row,
    info_request_values,
    message_from_row,
    message_values,
)
from mediator.store.sql.schema import (
    decisions,
    disputes,
    evidence,
    info_requests,
    messages,
)

c = disputes.c
#: Who the audit trail records as the actor of what the store does by itself (escalations).
SYSTEM = "system"


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


def _record(
    conn: Connection, row: Row[Any], clock: StoreClock = None, *, newest: int | None = None
) -> DisputeRecord:
    m, e, r = messages.c, evidence.c, decisions.c
    window: int | None = None
    message_rows: Any
    if newest is None:
        message_rows = conn.execute(
            select(*(m[name] for name in MESSAGE_COLUMNS))
            .where(m.dispute_id == row.id)
            .order_by(m.sent_at, m.id)
        )
    else:
        message_rows, window = _newest_messages(conn, row, newest)
    evidence_rows = conn.execute(
        select(*(e[name] for name in EVIDENCE_COLUMNS))
        .where(e.dispute_id == row.id)
        .order_by(e.submitted_at, e.id)
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
    claim = live_claim(row.id, row, lambda: store_now(conn, clock))
    return DisputeRecord(
        dispute=dispute_from_rows(row, message_rows, evidence_rows),
        version=row.version,
        decisions=tuple(decision_from_row(d) for d in decision_rows),
        info_request=None if request is None else info_request_from_row(request),
        claimed_by=None if claim is None else claim.holder,
        claimed_since=None if claim is None else claim.since,
        claimed_until=None if claim is None else claim.until,
        claimed_from=None if claim is None else claim.handed_by,
        returned_to=row.returned_to,
        window=window,
    )


def _newest_messages(
    conn: Connection, row: Row[Any], newest: int
) -> tuple[list[Sequence[Any]], int | None]:
    """The rows of the dispute's `newest` messages, and before them the few older ones its
    timers rest on (`domain.deadlines`: the newest chat message, the seller's first after the
    opening, staff's newest in the dispute chat), each a one-row read on the (dispute_id,
    sent_at, id) index; and the window's length (None: that was every message)."""
    m = messages.c
    columns = [m[name] for name in MESSAGE_COLUMNS]
    mine = m.dispute_id == row.id
    window: list[Sequence[Any]] = list(
        conn.execute(
            select(*columns).where(mine).order_by(m.sent_at.desc(), m.id.desc()).limit(newest + 1)
        )
    )
    if len(window) <= newest:
        return window[::-1], None
    window = window[:newest][::-1]
    note, seller, staff = Channel.STAFF_NOTE.value, Actor.SELLER.value, Actor.STAFF.value
    desc, asc = (m.sent_at.desc(), m.id.desc()), (m.sent_at, m.id)
    wanted = [
        (m.channel != note, desc),
        ((m.author == seller) & (m.sent_at >= row.opened_at) & (m.channel != note), asc),
        ((m.author == staff) & (m.channel == Channel.DISPUTE_CHAT.value), desc),
    ]
    shown = {r[0] for r in window}  # not a key comparison here: PostgreSQL's collation orders
    older: dict[str, Sequence[Any]] = {}  # the ids, as it did the window
    for where, order in wanted:
        found = conn.execute(select(*columns).where(mine, where).order_by(*order).limit(1)).first()
        if found is not None and found[0] not in shown:
            older[found[0]] = found
    ahead = sorted(older.values(), key=lambda f: (f[3], f[0]))
    return [*ahead, *window], newest


def get_dispute(
    conn: Connection, dispute_id: str, clock: StoreClock = None, *, newest: int | None = None
) -> DisputeRecord:
    """The whole dispute: messages by (sent_at, id), evidence by (submitted_at, id), decisions,
    and its claim while it is held (by the store's clock). With `newest`: only the newest
    messages (`DisputeRecord.window`)."""
    return _record(conn, _dispute_row(conn, dispute_id), clock, newest=newest)


def dispute_messages(
    conn: Connection, dispute_id: str, *, before: MessageKey | None, limit: int | None
) -> list[Message]:
    """The dispute's newest `limit` messages (None: all) before the key `before` (None: the
    newest of all), oldest first: a keyset read on (sent_at, id)."""
    _dispute_row(conn, dispute_id)  # NotFound
    m = messages.c
    stmt = select(*(m[name] for name in MESSAGE_COLUMNS)).where(m.dispute_id == dispute_id)
    if before is not None:
        at, id_ = before
        stmt = stmt.where((m.sent_at < at) | ((m.sent_at == at) & (m.id < id_)))
    stmt = stmt.order_by(m.sent_at.desc(), m.id.desc())
    if limit is not None:
        stmt = stmt.limit(limit)
    return [message_from_row(r) for r in conn.execute(stmt)][::-1]


def add_note(
    conn: Connection,
    dispute_id: str,
    body: str,
    *,
    actor: str,
    now: datetime,
    clock: StoreClock = None,
    audited: bool = True,
) -> Message:
    """Append a staff note written in the console; the dispute's version is not bumped.
    Refused (`Claimed`) if someone else holds the dispute.

    `audited=False` leaves the audit entry to the caller, whose write the note is part of (a
    hand-over's note is in its `handed_over` entry)."""
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
    row = _dispute_row(conn, dispute_id, lock=True)
    check_holder(conn, dispute_id, row, actor=actor, clock=clock)
    conn.execute(insert(messages).values(message_values(dispute_id, note, local=True)))
    conn.execute(
        update(disputes).where(c.id == dispute_id).values(message_count=c.message_count + 1)
    )
    record_change(conn, ChangeKind.NOTE, dispute_id, actor, now)
    if audited:
        audit.append(
            conn,
            AuditAction.NOTE_ADDED,
            actor=actor,
            at=now,
            dispute_id=dispute_id,
            after={"message_id": note.id, "body": text},
        )
    return note


def hand_over(
    conn: Connection,
    dispute_id: str,
    *,
    actor: str,
    to: str,
    note: str,
    lease: timedelta,
    clock: StoreClock = None,
) -> Claim:
    """`Store.hand_over` on the caller's write transaction: the hand-over note goes into the
    timeline, as the one who hands over (while they still hold the claim); a refused hand-over
    rolls it back. Its audit entry is the hand-over's (one entry, with the note)."""
    said = note.strip()
    body = f"Handed over to {to}" + (f": {said}" if said else ".")
    now = store_now(conn, clock)
    add_note(conn, dispute_id, body, actor=actor, now=now, clock=clock, audited=False)
    return claims.hand_over(
        conn, dispute_id, actor=actor, to=to, note=note, lease=lease, clock=clock
    )


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
    clock: StoreClock = None,
) -> InfoRequest:
    """Ask `party` for information (P-INFO-7D): the request, a dispute-chat message from staff,
    status `awaiting_info`, a 7-day timer, and a version bump — all in the caller's transaction.
    Refused (`Claimed`) if someone else holds the dispute."""
    text = message.strip()
    errors: list[tuple[str, str]] = []
    if party not in (Actor.BUYER, Actor.SELLER):
        errors.append(("party", "information can be asked of the buyer or the seller"))
    if not text:
        errors.append(("message", "say what information or evidence is needed"))
    row = _dispute_row(conn, dispute_id, lock=True)
    current = _record(conn, row, clock)
    if current.version != expected_version:
        raise VersionConflict(dispute_id, expected_version, current)
    check_holder(conn, dispute_id, row, actor=actor, clock=clock)
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
            **derived_values(
                current.model_copy(update={"dispute": waiting, "info_request": request})
            ),
        )
    )
    record_change(conn, ChangeKind.INFO_REQUEST, dispute_id, actor, now)
    audit.append(
        conn,
        AuditAction.INFO_REQUESTED,
        actor=actor,
        at=now,
        dispute_id=dispute_id,
        before={"status": current.dispute.status.value, "version": current.version},
        after={
            "status": Status.AWAITING_INFO.value,
            "version": current.version + 1,
            "party": party.value,
            "message_id": asked.id,
            "message": text,
        },
    )
    return request


def escalate_due(conn: Connection, now: datetime, *, limit: int = 1000) -> list[tuple[str, str]]:
    """Auto-escalate open disputes whose P-ESC-SELLER-SILENT or P-ESC-STALE timer has run out.

    Idempotent: an escalated dispute is no longer `open`, so a second run finds nothing. Returns
    (dispute id, cause) for each escalation, at most `limit` per call.

    One audit entry per escalation, by `SYSTEM`, all appended after the last dispute's write:
    taking the trail's head (`audit.append`) before another dispute's row lock could deadlock
    with a writer that holds that row and waits for the head.
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
                **deadline_values(current.model_copy(update={"dispute": escalated})),
            )
        )
        record_change(conn, ChangeKind.ESCALATION, dispute_id, None, now)
        done.append((dispute_id, cause.value))
    for dispute_id, cause_value in done:
        audit.append(
            conn,
            AuditAction.ESCALATED,
            actor=SYSTEM,
            at=now,
            dispute_id=dispute_id,
            before={"status": Status.OPEN.value},
            after={"status": Status.ESCALATED.value, "cause": cause_value},
        )
    return done


def refresh_after_import(conn: Connection, dispute_ids: list[str]) -> None:
    """Reconcile local state with a newer revision of each dispute just imported.

    - a dispute decided here stays resolved (the marketplace's copy catches up later), and one
      whose proposal waits for a supervisor stays `awaiting_review` (issue 16; a proposal that
      was returned or overturned decides nothing by itself);
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
        if final_decision(current.decisions) is not None:
            status = Status.RESOLVED
        elif pending_proposal(current.decisions) is not None:
            status = Status.AWAITING_REVIEW
        request = current.info_request
        if request is not None and request.answered_at is None:
            answers = [
                m.sent_at
                for m in d.messages
                if m.author is request.party and m.sent_at > request.asked_at
            ]
            if answers:
                request = request.model_copy(update={"answered_at": min(answers)})
                conn.execute(
                    update(info_requests)
                    .where(i.dispute_id == dispute_id, i.asked_at == request.asked_at)
                    .values(answered_at=request.answered_at)
                )
                if status is Status.AWAITING_INFO:
                    status = Status.ESCALATED
        if status is not d.status:
            values["status"] = status.value
        fresh = current.model_copy(
            update={"dispute": d.model_copy(update={"status": status}), "info_request": request}
        )
        values.update(derived_values(fresh))
        values.update(decided_values(fresh))
        conn.execute(update(disputes).where(c.id == dispute_id).values(values))
