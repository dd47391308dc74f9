"""Reading one dispute, recording a decision, adding a staff note (each on the caller's connection).

The caller runs each write in one transaction (`engine.write_tx`); every function here raises
before anything is written, or the transaction is rolled back, so a failed write leaves nothing.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update

from mediator.domain import Actor, Channel, Decision, DecisionDraft, DisputeRecord, Message, Status
from mediator.domain.resolution import build_decision, check_draft
from mediator.store.base import InvalidDecision, NotFound, VersionConflict
from mediator.store.sql.rows import (
    decision_from_row,
    decision_values,
    dispute_from_rows,
    message_values,
)
from mediator.store.sql.schema import decisions, disputes, evidence, messages

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
    return DisputeRecord(
        dispute=dispute_from_rows(row, message_rows, evidence_rows),
        version=row.version,
        decisions=tuple(decision_from_row(d) for d in decision_rows),
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


def record_decision(
    conn: Connection,
    dispute_id: str,
    draft: DecisionDraft,
    *,
    expected_version: int,
    actor: str,
    now: datetime,
) -> Decision:
    """Check and write `draft`, mark the dispute resolved and bump its version."""
    row = _dispute_row(conn, dispute_id, lock=True)
    current = _record(conn, row)
    if current.version != expected_version:
        raise VersionConflict(conflict_message(current, expected_version, now), current)
    errors = check_draft(current.dispute, draft)
    if errors:
        raise InvalidDecision(errors)
    decision = build_decision(
        current.dispute, draft, decision_id=new_id("R-"), actor=actor, now=now
    )
    conn.execute(insert(decisions).values(decision_values(decision)))
    result = conn.execute(
        update(disputes)
        .where(c.id == dispute_id, c.version == expected_version)
        .values(status=Status.RESOLVED.value, version=c.version + 1)
    )
    if result.rowcount != 1:  # cannot happen while the row is locked; never write half
        fresh = _record(conn, _dispute_row(conn, dispute_id))
        raise VersionConflict(conflict_message(fresh, expected_version, now), fresh)
    return decision


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
