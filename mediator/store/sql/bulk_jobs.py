"""Bulk jobs in SQL (issue 19): create a job, run its disputes one transaction each, read its
progress; and the ids of every dispute matching a queue filter.

Never twice on one dispute: each dispute's transaction first turns its item from `pending` to
`done` (`UPDATE … WHERE outcome = 'pending'`: on PostgreSQL the row lock makes a second runner
wait and then find nothing to do; SQLite's `BEGIN IMMEDIATE` serialises the writers), then does
the action in a savepoint. A refusal (`StoreError`: claimed by someone else, already decided, a
policy rule) rolls the savepoint back and records the item as `refused` with the reason, in the
same transaction. A crash leaves every item either done with its action or pending without it.

Each action is the single action's own function (`writes.add_note`, `writes.request_info`,
`claims.claim`, `claims.release`, `writes.hand_over`), with its checks and its audit entry.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, func, insert, select, update

from mediator.domain import QUEUE_STATUSES, Actor, Status
from mediator.domain.bulk_actions import (
    MAX_BULK,
    MAX_REFUSALS_SHOWN,
    BulkAction,
    BulkKind,
    BulkOutcome,
    BulkRequest,
    BulkStatus,
    MissingValue,
    RequestFacts,
    fill_request,
    request_problems,
)
from mediator.domain.claims import LEASE
from mediator.domain.text import one_line
from mediator.store.base import (
    Claimed,
    IdempotencyMismatch,
    InvalidDecision,
    NotAllowed,
    NotFound,
    QueueQuery,
    StoreError,
)
from mediator.store.sql import claims, queue, writes
from mediator.store.sql.claims import StoreClock
from mediator.store.sql.schema import bulk_items, bulk_jobs, disputes

j, i, d = bulk_jobs.c, bulk_items.c, disputes.c
#: Items inserted per statement when a job is created.
INSERT_BATCH = 5_000


class InvalidBulk(InvalidDecision):
    """A bulk request that cannot start (no disputes, an empty note, an unknown placeholder, a
    bad colleague's name, too many disputes): nothing was written."""


def matching_ids(conn: Connection, query: QueueQuery, *, clock: StoreClock) -> list[str]:
    """The ids of every dispute matching `query`, in the queue's order (the queue's own WHERE,
    no OFFSET). More than `MAX_BULK` is refused: narrow the filter."""
    where = queue.conditions(conn, query, now=queue.StoreTime(conn, clock))
    ids = conn.scalars(
        select(d.id).where(*where).order_by(d.urgency_at, d.id).limit(MAX_BULK + 1)
    ).all()
    if len(ids) > MAX_BULK:
        raise InvalidBulk(
            [("query", f"more than {MAX_BULK:,} disputes match: narrow the filter first")]
        )
    return list(ids)


def create(conn: Connection, request: BulkRequest, *, actor: str, now: datetime) -> None:
    """Create the job, or (the same id) check it is the same job; with `retry`, its refused
    disputes become pending again. Raises `InvalidBulk`, `IdempotencyMismatch`, `NotAllowed`."""
    problems = request_problems(request)
    if problems:
        raise InvalidBulk(problems)
    fingerprint = request.fingerprint()
    row = conn.execute(select(bulk_jobs).where(j.id == request.id)).one_or_none()
    if row is not None:
        if row.actor != actor:
            raise NotAllowed(f"bulk job {request.id!r} is {row.actor}'s, not {actor}'s")
        if row.request_hash != fingerprint:
            raise IdempotencyMismatch(
                f"bulk job id {request.id!r} is already used for another action or other "
                "disputes; nothing was written"
            )
        if request.retry:
            conn.execute(
                update(bulk_items)
                .where(i.job_id == request.id, i.outcome == "refused")
                .values(outcome="pending", reason=None, at=None)
            )
        return
    conn.execute(
        insert(bulk_jobs).values(
            id=request.id,
            actor=actor,
            action=request.action.model_dump_json(),
            request_hash=fingerprint,
            created_at=now,
            total=len(request.dispute_ids),
        )
    )
    ids = request.dispute_ids
    for start in range(0, len(ids), INSERT_BATCH):
        conn.execute(
            insert(bulk_items),
            [
                {"job_id": request.id, "seq": n, "dispute_id": dispute_id, "outcome": "pending"}
                for n, dispute_id in enumerate(ids[start : start + INSERT_BATCH], start)
            ],
        )


def status(conn: Connection, job_id: str, *, actor: str | None = None) -> BulkStatus:
    """The job's counts and (the first `MAX_REFUSALS_SHOWN`) refused disputes with why.
    With `actor`, another member of staff's job is `NotFound` (it is not theirs to see)."""
    row = conn.execute(select(bulk_jobs).where(j.id == job_id)).one_or_none()
    if row is None or (actor is not None and row.actor != actor):
        raise NotFound(f"no bulk job {job_id!r}")
    counts: dict[str, int] = {
        r[0]: r[1]
        for r in conn.execute(
            select(i.outcome, func.count()).where(i.job_id == job_id).group_by(i.outcome)
        )
    }
    refused = conn.execute(
        select(i.dispute_id, i.reason)
        .where(i.job_id == job_id, i.outcome == "refused")
        .order_by(i.seq)
        .limit(MAX_REFUSALS_SHOWN)
    ).all()
    return BulkStatus(
        id=row.id,
        action=BulkAction.model_validate_json(row.action),
        actor=row.actor,
        created_at=row.created_at,
        total=row.total,
        done=counts.get("done", 0),
        refused=counts.get("refused", 0),
        refusals=tuple(
            BulkOutcome(dispute_id=r.dispute_id, outcome="refused", reason=r.reason)
            for r in refused
        ),
    )


def job_of(conn: Connection, job_id: str, *, actor: str) -> BulkAction:
    """The job's action; `NotFound` unless it is `actor`'s."""
    row = conn.execute(select(j.actor, j.action).where(j.id == job_id)).one_or_none()
    if row is None or row.actor != actor:
        raise NotFound(f"no bulk job {job_id!r}")
    return BulkAction.model_validate_json(row.action)


def pending_items(
    conn: Connection, job_id: str, *, after: int, limit: int
) -> list[tuple[int, str]]:
    """The next `limit` pending items after `seq`, in the job's order."""
    rows = conn.execute(
        select(i.seq, i.dispute_id)
        .where(i.job_id == job_id, i.outcome == "pending", i.seq > after)
        .order_by(i.seq)
        .limit(limit)
    ).all()
    return [(r.seq, r.dispute_id) for r in rows]


def run_item(
    conn: Connection,
    job_id: str,
    seq: int,
    dispute_id: str,
    action: BulkAction,
    *,
    actor: str,
    now: datetime,
    clock: StoreClock,
) -> bool:
    """Act on one dispute of the job in the caller's transaction, and record its outcome there.
    False when the item is no longer pending (another runner did it): nothing is done."""
    taken = conn.execute(
        update(bulk_items)
        .where(i.job_id == job_id, i.seq == seq, i.outcome == "pending")
        .values(outcome="done", at=now)
    )
    if taken.rowcount != 1:
        return False
    try:
        with conn.begin_nested():
            _act(conn, dispute_id, action, actor=actor, now=now, clock=clock)
    except StoreError as exc:
        conn.execute(
            update(bulk_items)
            .where(i.job_id == job_id, i.seq == seq)
            .values(outcome="refused", reason=refusal(exc))
        )
    return True


class Refused(StoreError):
    """A dispute the bulk action does not apply to (already decided, a placeholder with no
    value): the message is the reason shown."""


def refusal(exc: StoreError) -> str:
    """Why a dispute was refused, in words (names are shown as plain text by the console)."""
    if isinstance(exc, Claimed):
        return f"claimed by {exc.claim.holder}"
    if isinstance(exc, NotFound):
        return "no such dispute"
    return one_line(str(exc), 300)


def _act(
    conn: Connection,
    dispute_id: str,
    action: BulkAction,
    *,
    actor: str,
    now: datetime,
    clock: StoreClock,
) -> None:
    kind = action.kind
    if kind is BulkKind.NOTE:
        writes.add_note(conn, dispute_id, action.text, actor=actor, now=now, clock=clock)
        return
    if kind is BulkKind.RELEASE:
        claims.release(conn, dispute_id, actor=actor, force=False, clock=clock)
        return
    record = writes.get_dispute(conn, dispute_id, clock)
    status = record.dispute.status
    if status not in QUEUE_STATUSES:
        decided = status in (Status.RESOLVED, Status.AWAITING_REVIEW)
        raise Refused("already decided" if decided else f"{status.label}, not in the queue")
    if kind is BulkKind.CLAIM:
        claims.claim(conn, dispute_id, actor=actor, lease=LEASE, take_over=False, clock=clock)
    elif kind is BulkKind.HAND_OVER:
        writes.hand_over(
            conn,
            dispute_id,
            actor=actor,
            to=action.to or "",
            note=action.text,
            lease=LEASE,
            clock=clock,
        )
    else:  # ask_info
        held = record.claim
        if held is not None and held.holder != actor:
            raise Claimed(held)
        dispute = record.dispute
        facts = RequestFacts(
            buyer=dispute.buyer.name,
            seller=dispute.seller.name,
            order=dispute.order.id,
            price=dispute.order.price,
            currency=dispute.order.currency,
        )
        try:
            text = fill_request(action.text, facts, agent=actor, now=now)
        except MissingValue as exc:
            raise Refused(str(exc)) from None
        writes.request_info(
            conn,
            dispute_id,
            action.party or Actor.BUYER,  # never None: checked when the job was created
            text,
            expected_version=record.version,
            actor=actor,
            now=now,
            clock=clock,
        )
