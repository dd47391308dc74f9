"""Claims in SQL (issue 15): who holds a dispute, judged by the store's clock.

"Now" is the store's clock: the database's (`db_now`: PostgreSQL's `now()`, SQLite's
`strftime('now')`), never the client's, or the clock a `SqlStore` was given (tests). It is read
only when a claim is in play: a queue page without claimed rows, or a write on a dispute nobody
holds, costs no extra statement.

Every function runs on the caller's transaction (`engine.write_tx`): `BEGIN IMMEDIATE` on SQLite,
and on PostgreSQL the dispute's row is locked (`FOR UPDATE`) before its claim is read, so racing
claims are serialised and leave exactly one holder.

Each recorded claim event also appends an audit entry (issue 16) at the same instant, as the
transaction's last statement (`audit.append` locks the trail's head; see `sql.audit`). A
renewal, or a release of a claim that had run out, records neither.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, and_, insert, or_, select, update

from mediator.domain import QUEUE_STATUSES, Status
from mediator.domain.audit import AuditAction, utc_text
from mediator.domain.changes import ChangeKind
from mediator.domain.claims import Claim, ClaimEvent, ClaimFilter, lease_problem
from mediator.domain.ids import name_problem
from mediator.store.base import Claimed, InvalidDecision, NotFound, QueueQuery
from mediator.store.sql import audit
from mediator.store.sql.changes import record_change
from mediator.store.sql.schema import claim_events, db_now, disputes

c = disputes.c

#: Where a `SqlStore` reads "now" for claims: None is the database's clock.
StoreClock = Callable[[], datetime] | None


def store_now(conn: Connection, clock: StoreClock) -> datetime:
    """The store's "now" (see the module docstring)."""
    if clock is not None:
        return clock()
    return conn.execute(select(db_now())).scalar_one()


def live_claim(dispute_id: str, row: Any, now: datetime | Callable[[], datetime]) -> Claim | None:
    """The claim on `row` (with `claimed_*` columns) if it is still held at `now` (a time, or a
    function that reads it: called only when the row has a claim at all)."""
    if row.claimed_by is None or row.claimed_until is None or row.claimed_since is None:
        return None
    at = now() if callable(now) else now
    if row.claimed_until <= at:
        return None
    return Claim(
        dispute_id=dispute_id,
        holder=row.claimed_by,
        since=row.claimed_since,
        until=row.claimed_until,
        handed_by=row.claimed_from,
    )


def claim_filter(query: QueueQuery, now: datetime) -> ColumnElement[bool] | None:
    """The WHERE clause of the queue's mine / unclaimed filter, or None for all."""
    held = c.claimed_until > now
    if query.claims is ClaimFilter.MINE:
        return and_(c.claimed_by == query.agent, held)
    if query.claims is ClaimFilter.UNCLAIMED:
        return or_(c.claimed_by.is_(None), c.claimed_until <= now)
    return None


def _locked(conn: Connection, dispute_id: str) -> Any:
    row = conn.execute(
        select(c.id, c.status, c.claimed_by, c.claimed_since, c.claimed_until, c.claimed_from)
        .where(c.id == dispute_id)
        .with_for_update()
    ).one_or_none()
    if row is None:
        raise NotFound(f"no dispute {dispute_id!r}")
    return row


#: The audit action of each claim event (the two enums name the same events).
_AUDITED = {
    ClaimEvent.CLAIMED: AuditAction.CLAIMED,
    ClaimEvent.TAKEN_OVER: AuditAction.TAKEN_OVER,
    ClaimEvent.RELEASED: AuditAction.RELEASED,
    ClaimEvent.BROKEN: AuditAction.BROKEN,
    ClaimEvent.HANDED_OVER: AuditAction.HANDED_OVER,
}


def holding(holder: str | None, until: datetime | None) -> dict[str, Any]:
    """An audit entry's before or after of a claim: who held it, until when (UTC text)."""
    return {"holder": holder, "until": None if until is None else utc_text(until)}


def _event(
    conn: Connection,
    dispute_id: str,
    kind: ClaimEvent,
    *,
    actor: str,
    at: datetime,
    holder: str | None,
    previous: str | None = None,
    note: str | None = None,
    before: dict[str, Any],
    after: dict[str, Any],
) -> None:
    """Record the event, its change, and (last) its audit entry."""
    conn.execute(
        insert(claim_events).values(
            id="C-" + uuid.uuid4().hex[:12],
            dispute_id=dispute_id,
            kind=kind.value,
            actor=actor,
            holder=holder,
            previous=previous,
            at=at,
            note=note,
        )
    )
    record_change(conn, ChangeKind.CLAIM, dispute_id, actor, at)
    audit.append(
        conn,
        _AUDITED[kind],
        actor=actor,
        at=at,
        dispute_id=dispute_id,
        before=before,
        after=after,
    )


def _set(
    conn: Connection,
    dispute_id: str,
    holder: str | None,
    since: Any,
    until: Any,
    handed_by: str | None = None,
) -> None:
    conn.execute(
        update(disputes)
        .where(c.id == dispute_id)
        .values(claimed_by=holder, claimed_since=since, claimed_until=until, claimed_from=handed_by)
    )


def _check_lease(lease: timedelta) -> None:
    problem = lease_problem(lease)
    if problem is not None:
        raise InvalidDecision([("lease", problem)])


def _in_queue(row: Row[Any], dispute_id: str, doing: str) -> None:
    status = Status(row.status)
    if status not in QUEUE_STATUSES:
        raise InvalidDecision(
            [
                (
                    "claim",
                    f"{dispute_id} is {status.label}: only a dispute in the queue can be {doing}",
                )
            ]
        )


def claim(
    conn: Connection,
    dispute_id: str,
    *,
    actor: str,
    lease: timedelta,
    take_over: bool,
    clock: StoreClock,
) -> Claim:
    """`Store.claim` on the caller's write transaction."""
    _check_lease(lease)
    row = _locked(conn, dispute_id)
    _in_queue(row, dispute_id, "claimed")
    now = store_now(conn, clock)
    held = live_claim(dispute_id, row, now)
    until = now + lease
    if held is not None and held.holder == actor:  # a renewal: not recorded
        _set(conn, dispute_id, actor, held.since, until, held.handed_by)
        return held.model_copy(update={"until": until})
    if held is not None and not take_over:
        raise Claimed(held)
    _set(conn, dispute_id, actor, now, until)
    kind = ClaimEvent.CLAIMED if held is None else ClaimEvent.TAKEN_OVER
    previous = None if held is None else held.holder
    _event(
        conn,
        dispute_id,
        kind,
        actor=actor,
        at=now,
        holder=actor,
        previous=previous,
        before=holding(previous, None if held is None else held.until),
        after=holding(actor, until),
    )
    return Claim(dispute_id=dispute_id, holder=actor, since=now, until=until)


def release(
    conn: Connection, dispute_id: str, *, actor: str, force: bool, clock: StoreClock
) -> None:
    """`Store.release` on the caller's write transaction."""
    row = _locked(conn, dispute_id)
    if row.claimed_by is None:
        return
    now = store_now(conn, clock)
    held = live_claim(dispute_id, row, now)
    if held is not None and held.holder != actor and not force:
        raise Claimed(held)
    _set(conn, dispute_id, None, None, None)
    if held is None:  # it ran out: nothing to record
        return
    mine = held.holder == actor  # else a supervisor broke it
    kind = ClaimEvent.RELEASED if mine else ClaimEvent.BROKEN
    previous = None if mine else held.holder
    _event(
        conn,
        dispute_id,
        kind,
        actor=actor,
        at=now,
        holder=None,
        previous=previous,
        before=holding(held.holder, held.until),
        after=holding(None, None),
    )


def hand_over(
    conn: Connection,
    dispute_id: str,
    *,
    actor: str,
    to: str,
    note: str,
    lease: timedelta,
    clock: StoreClock,
) -> Claim:
    """`Store.hand_over`: `actor`'s claim (or a dispute nobody holds) becomes `to`'s for
    `lease`, recorded with `note` (the caller writes the note into the timeline)."""
    _check_lease(lease)
    problem = name_problem(to)
    if problem is None and to == actor:
        problem = "hand a dispute over to a colleague, not to yourself"
    if problem is not None:
        raise InvalidDecision([("to", problem)])
    row = _locked(conn, dispute_id)
    _in_queue(row, dispute_id, "handed over")
    now = store_now(conn, clock)
    held = live_claim(dispute_id, row, now)
    if held is not None and held.holder != actor:
        raise Claimed(held)
    until = now + lease
    said = note.strip() or None
    _set(conn, dispute_id, to, now, until, actor)
    _event(
        conn,
        dispute_id,
        ClaimEvent.HANDED_OVER,
        actor=actor,
        at=now,
        holder=to,
        previous=actor,
        note=said,
        before=holding(None, None) if held is None else holding(held.holder, held.until),
        after={**holding(to, until), "note": said},
    )
    return Claim(dispute_id=dispute_id, holder=to, since=now, until=until, handed_by=actor)


def held_by(conn: Connection, actor: str, *, clock: StoreClock) -> list[Claim]:
    """The claims `actor` holds now, most urgent dispute first (`Store.claims_held`)."""
    now = store_now(conn, clock)
    rows = conn.execute(
        select(c.id, c.claimed_by, c.claimed_since, c.claimed_until, c.claimed_from)
        .where(c.claimed_by == actor, c.claimed_until > now)
        .order_by(c.urgency_at, c.id)
    ).all()
    return [claim for r in rows if (claim := live_claim(r.id, r, now)) is not None]


def check_holder(
    conn: Connection, dispute_id: str, row: Any, *, actor: str, clock: StoreClock
) -> None:
    """Raise `Claimed` if someone other than `actor` holds `row`'s dispute (a write's check,
    on the row the write has locked)."""
    held = live_claim(dispute_id, row, lambda: store_now(conn, clock))
    if held is not None and held.holder != actor:
        raise Claimed(held)


def next_unclaimed(
    conn: Connection, where: list[ColumnElement[bool]], *, clock: StoreClock
) -> str | None:
    """The most urgent dispute matching `where` that nobody holds, its row locked (PostgreSQL
    skips rows another transaction has locked: two agents get two disputes)."""
    now = store_now(conn, clock)
    stmt = (
        select(c.id)
        .where(*where, or_(c.claimed_by.is_(None), c.claimed_until <= now))
        .order_by(c.urgency_at, c.id)
        .limit(1)
        .with_for_update(skip_locked=True, of=disputes)
    )
    return conn.execute(stmt).scalar_one_or_none()
