"""Recording a decision: read, check against the policy, then write only if nothing moved.

The API's hottest write, in as few round trips as the databases allow:

1. one statement reads what the policy needs (`_policy_record`: the dispute's facts and its
   newest information request) and the idempotency key's earlier use, if any;
2. the draft is checked (`domain.resolution`) in Python;
3. one conditional write: the dispute's update `WHERE version = <the version read>`, and the
   decision, its key, the change feed's row and the audit entry only if that update happened.
   On PostgreSQL this is one statement (data-modifying CTEs; the audit entry's hash is computed
   by the database: `sql.audit`), atomic on its own, so the connection runs in autocommit: two
   round trips in all, no BEGIN or COMMIT. On SQLite the caller's `BEGIN IMMEDIATE` transaction
   holds the write lock throughout, and the write is a few statements.

The review rule (issue 16) is read by the same first statement (a row of `meta`); a decision it
catches is written the same way, as a proposal: the dispute goes to `awaiting_review` instead of
`resolved`. Only a rule that counts each agent's first decisions costs one more read.

Every change that matters to the policy (an import of a newer revision, an information request,
an escalation, another decision) bumps the dispute's version, so a write that finds the version
it read has checked the draft against the facts it commits on; otherwise it writes nothing and
the caller gets a `VersionConflict` (see `SqlStore.record_decision_sync`), or the replay when the
version moved because this very request (same idempotency key) was written meanwhile.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    Connection,
    Row,
    String,
    Table,
    bindparam,
    case,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    update,
)

from mediator.domain import Actor, Decision, DecisionDraft, DisputeRecord, InfoRequest, Status
from mediator.domain.audit import AuditAction
from mediator.domain.changes import ChangeKind
from mediator.domain.policy import Finding, warnings
from mediator.domain.resolution import build_decision, check
from mediator.domain.review import (
    MAX_FIRST_DECISIONS,
    ReviewRule,
    ReviewState,
    review_reasons,
)
from mediator.store.base import MAX_KEY_CHARS, IdempotencyMismatch, InvalidDecision, NotFound
from mediator.store.sql import audit
from mediator.store.sql.changes import change_params, notified, prune, record_change
from mediator.store.sql.claims import StoreClock
from mediator.store.sql.rows import (
    deadline_values,
    decision_from_row,
    decision_values,
    dispute_from_rows,
    handled_seconds,
)
from mediator.store.sql.schema import (
    UtcDateTime,
    changes,
    db_now,
    decisions,
    disputes,
    idempotency_keys,
    info_requests,
    meta,
)
from mediator.store.sql.writes import new_id


def draft_fingerprint(dispute_id: str, draft: DecisionDraft) -> str:
    """SHA-256 of the canonical request: equal for the same decision asked twice, different for
    any other field value. Amounts are normalised (`20.0` and `20.00` are one request)."""
    body = draft.model_dump(mode="json")
    for key in ("refund_amount", "seller_keep_pct"):
        if body[key] is not None:
            body[key] = str(Decimal(body[key]).normalize())
    canonical = json.dumps(
        {"dispute_id": dispute_id, **body}, sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


class StaleVersion(Exception):
    """The dispute is not (or no longer) at the version the decision was made on; nothing was
    written. The store answers with a `VersionConflict` carrying the dispute as it is now."""


# Statements are built once: building one costs more than running it.
c, _i, _k = disputes.c, info_requests.c, idempotency_keys.c
_newest_request = (
    select(_i.id)
    .where(_i.dispute_id == c.id)
    .order_by(_i.asked_at.desc(), _i.id.desc())
    .limit(1)
    .correlate(disputes)
    .scalar_subquery()
)
#: The idempotency key's columns as `k_…`, in `_READ` and `_KEY` alike (what `_replay` reads).
_key_columns = [col.label(f"k_{col.name}") for col in idempotency_keys.c]
#: The meta row that holds the review rule (issue 16), as JSON; none: no review.
RULE_KEY = "review_rule"
_rule = select(meta.c.value).where(meta.c.key == RULE_KEY).scalar_subquery()
#: The dispute row, its newest information request (`q_…`), the key's earlier use (`k_…`) and
#: the review rule (`rule`).
_READ = (
    select(
        disputes,
        *(col.label(f"q_{col.name}") for col in info_requests.c),
        *_key_columns,
        _rule.label("rule"),
    )
    .outerjoin(info_requests, _i.id == _newest_request)
    .outerjoin(idempotency_keys, _k.key == bindparam("key"))
    .where(c.id == bindparam("dispute_id"))
)
_KEY = select(*_key_columns).where(_k.key == bindparam("key"))
#: How many decisions (and proposals) an agent made, counted up to `MAX_FIRST_DECISIONS`.
_EARLIER = select(func.count()).select_from(
    select(decisions.c.id)
    .where(decisions.c.decided_by == bindparam("actor"))
    .limit(MAX_FIRST_DECISIONS)
    .subquery()
)
_DECISION = select(decisions).where(decisions.c.id == bindparam("decision_id"))
_RESOLVE = (
    update(disputes)
    .where(
        c.id == bindparam("dispute_id"),
        c.version == bindparam("expected_version"),
        # the claim (issue 15), in the same statement as the version: nobody's, the
        # decider's, or run out by the store's clock
        or_(
            c.claimed_by.is_(None),
            c.claimed_by == bindparam("claim_actor"),
            c.claimed_until <= func.coalesce(bindparam("claim_now", type_=UtcDateTime()), db_now()),
        ),
    )
    .values(
        # resolved, or awaiting_review for a proposal (issue 16)
        status=bindparam("status"),
        version=c.version + 1,
        urgency_at=bindparam("urgency_at"),
        deadline_rule=bindparam("deadline_rule"),
        # deciding releases the claim, and a returned proposal is answered
        claimed_by=None,
        claimed_since=None,
        claimed_until=None,
        claimed_from=None,
        returned_to=None,
        # the first decision or proposal: when the dispute left the queue (issue 17); bound
        # as the change feed's time, which is `now` too (no new parameter for PostgreSQL)
        first_decided_at=func.coalesce(c.first_decided_at, bindparam("c_at", type_=UtcDateTime())),
        # the decision that stands (issue 22): this one when it resolves the dispute, none while
        # a proposal waits (the same parameters again)
        decided_at=case(
            (bindparam("status") == Status.RESOLVED.value, bindparam("c_at", type_=UtcDateTime())),
            else_=null(),
        ),
        decided_by=case(
            (bindparam("status") == Status.RESOLVED.value, bindparam("claim_actor")), else_=null()
        ),
    )
)
_INSERT_DECISION = insert(decisions)
_INSERT_KEY = insert(idempotency_keys)

# PostgreSQL: WITH resolved AS (UPDATE … RETURNING id), new_decision AS (INSERT … SELECT … FROM
# resolved), new_key AS (INSERT … SELECT … FROM resolved), new_change AS (INSERT INTO changes …
# SELECT … FROM resolved RETURNING …) SELECT seq, pg_notify(…) FROM new_change: one row if the
# dispute was resolved (the change feed's row, announced at commit), none if its version moved
_resolved = _RESOLVE.returning(c.id).cte("resolved")


#: Columns of the decision's and the key's rows that repeat a value the statement binds already
#: (the dispute, the change feed's time and actor: the decision's `now` and `actor`): bound once,
#: which keeps the statement within what psycopg caches (tests/store/test_sql_statement_cache.py).
_SHARED_COLUMNS = {
    "dispute_id": ("dispute_id", String()),
    "decided_at": ("c_at", UtcDateTime()),
    "created_at": ("c_at", UtcDateTime()),
    "decided_by": ("c_actor", String()),
    "actor": ("c_actor", String()),
}


def _insert_from_resolved(table: Table, prefix: str, name: str) -> CTE:
    columns = list(table.c)
    values = select(
        *(
            bindparam(*_SHARED_COLUMNS[col.name])
            if col.name in _SHARED_COLUMNS
            else bindparam(prefix + col.name, type_=col.type)
            for col in columns
        )
    )
    # RETURNING: the audit entry's condition reads it (`audit.appended_after`)
    return (
        insert(table)
        .from_select(columns, values.select_from(_resolved))
        .returning(columns[0])
        .cte(name)
    )


_new_decision = _insert_from_resolved(decisions, "d_", "new_decision")
_new_key = _insert_from_resolved(idempotency_keys, "k_", "new_key")
_change = select(
    literal(ChangeKind.DECISION.value),
    _resolved.c.id,
    bindparam("c_actor", type_=String()),
    bindparam("c_at", type_=UtcDateTime()),
).select_from(_resolved)
_new_change = (
    insert(changes)
    .from_select(["kind", "dispute_id", "actor", "at"], _change)
    .returning(*changes.c)
    .cte("new_change")
)
# the entry's time, actor and dispute are the change feed's (the same values, bound once); it is
# appended last, after every other row of the statement is written (`audit.appended_after`)
_shared: dict[str, ColumnElement[Any]] = {
    "at": bindparam("c_at", type_=UtcDateTime()),
    "actor": bindparam("c_actor", type_=String()),
    "dispute_id": bindparam("dispute_id", type_=String()),
}
_PG_WRITE = notified(_new_change).add_cte(
    audit.appended_after(_resolved, _new_change, _new_decision, **_shared)
)
_PG_WRITE_WITH_KEY = notified(_new_change).add_cte(
    audit.appended_after(_resolved, _new_change, _new_decision, _new_key, **_shared)
)
#: The audit entry's values the PostgreSQL statement binds (the others it shares, above).
_PG_AUDIT_PARAMS = ("a_action", "a_body")


def record_decision(
    conn: Connection,
    dispute_id: str,
    draft: DecisionDraft,
    *,
    expected_version: int,
    actor: str,
    now: datetime,
    idempotency_key: str | None = None,
    clock: StoreClock = None,
) -> Decision:
    """Check and write `draft`, mark the dispute resolved and bump its version; with
    `idempotency_key`, replay or refuse a repeated request (`Store.record_decision`).

    `conn`: autocommit on PostgreSQL, a `BEGIN IMMEDIATE` transaction on SQLite. Raises
    `StaleVersion` when the dispute is not at `expected_version`, or someone else holds its claim
    (the caller tells which); nothing is written then.
    """
    fingerprint = None
    if idempotency_key is not None:
        if not idempotency_key or len(idempotency_key) > MAX_KEY_CHARS:
            raise IdempotencyMismatch(f"an idempotency key has 1 to {MAX_KEY_CHARS} characters")
        fingerprint = draft_fingerprint(dispute_id, draft)
    row = conn.execute(_READ, {"dispute_id": dispute_id, "key": idempotency_key}).one_or_none()
    if row is None:
        raise NotFound(f"no dispute {dispute_id!r}")
    request = (actor, dispute_id, fingerprint)
    if idempotency_key is not None and row.k_key is not None:
        return _replay(conn, row, key=idempotency_key, request=request)
    if row.version != expected_version:
        raise StaleVersion
    current = _policy_record(row)
    verdict = check(current, draft, now)
    if not verdict.ok:
        raise InvalidDecision(
            verdict.errors, blocks=verdict.blocks, warnings=verdict.unacknowledged
        )
    decision = build_decision(
        current,
        draft,
        decision_id=new_id("R-"),
        actor=actor,
        now=now,
        findings=verdict.findings,
    )
    decision, status = _under_rule(conn, row, decision, verdict.findings, actor)
    decided = current.dispute.model_copy(update={"status": status})
    resolve = {
        "dispute_id": dispute_id,
        "expected_version": expected_version,
        "status": status.value,
        "claim_actor": actor,
        "claim_now": None if clock is None else clock(),
        "c_at": now,
        **deadline_values(current.model_copy(update={"dispute": decided})),
    }
    key = None
    if idempotency_key is not None:
        key = {
            "key": idempotency_key,
            "actor": actor,
            "dispute_id": dispute_id,
            "request_hash": fingerprint,
            "decision_id": decision.id,
            "created_at": now,
        }
    change = change_params(ChangeKind.DECISION, dispute_id, actor, now)
    entry = audit.params(
        AuditAction.DECIDED if status is Status.RESOLVED else AuditAction.DECISION_PROPOSED,
        actor=actor,
        at=now,
        dispute_id=dispute_id,
        before={"status": row.status, "version": expected_version},
        after={
            "status": status.value,
            "version": expected_version + 1,
            "decision": decision.model_dump(mode="json"),
        },
    )
    handled = handled_seconds(now, row.escalated_at, row.opened_at)
    if _write(conn, resolve, decision_values(decision, handled_s=handled), key, change, entry):
        return decision
    if idempotency_key is not None:
        # the version moved after the read: by this very request, written meanwhile?
        used = conn.execute(_KEY, {"key": idempotency_key}).one_or_none()
        if used is not None:
            return _replay(conn, used, key=idempotency_key, request=request)
    raise StaleVersion


def _write(
    conn: Connection,
    resolve: dict[str, Any],
    decision: dict[str, Any],
    key: dict[str, Any] | None,
    change: dict[str, Any],
    entry: dict[str, Any],
) -> bool:
    """The conditional write: the dispute's update (`resolve`), and the decision's row, its
    key's row, the change feed's row (`change`) and the audit entry (`entry`, last) only if it
    happened. False (nothing written) if the dispute's version moved."""
    if conn.dialect.name == "postgresql":
        audited = {k: entry[k] for k in _PG_AUDIT_PARAMS}
        own = {f"d_{k}": v for k, v in decision.items() if k not in _SHARED_COLUMNS}
        params = {**resolve, **change, **audited, **own}
        if key is None:
            seq = conn.execute(_PG_WRITE, params).scalar()
        else:
            params.update({f"k_{k}": v for k, v in key.items() if k not in _SHARED_COLUMNS})
            seq = conn.execute(_PG_WRITE_WITH_KEY, params).scalar()
        if seq is None:
            return False
        prune(conn, int(seq))
        return True
    if conn.execute(_RESOLVE, resolve).rowcount != 1:
        return False
    conn.execute(_INSERT_DECISION, decision)
    if key is not None:
        conn.execute(_INSERT_KEY, key)
    record_change(
        conn, ChangeKind.DECISION, change["c_dispute_id"], change["c_actor"], change["c_at"]
    )
    audit.append_params(conn, entry)
    return True


def stored_rule(text: str | None) -> ReviewRule:
    """The review rule as `meta` holds it (none stored: no review)."""
    return ReviewRule() if text is None else ReviewRule.model_validate_json(text)


def _under_rule(
    conn: Connection,
    row: Row[Any],
    decision: Decision,
    findings: tuple[Finding, ...],
    actor: str,
) -> tuple[Decision, Status]:
    """The decision as the review rule wants it written, and the dispute's status after it:
    final and `resolved`, or a proposal (pending, with the reasons) and `awaiting_review`."""
    rule = stored_rule(row.rule)
    if not rule.any:
        return decision, Status.RESOLVED
    earlier = 0
    if rule.first_decisions:
        earlier = int(conn.execute(_EARLIER, {"actor": actor}).scalar_one())
    acknowledged = tuple(f.rule_id for f in warnings(findings))
    reasons = review_reasons(
        rule,
        decision,
        flagged_messages=row.flagged_count,
        earlier_decisions=earlier,
        acknowledged=acknowledged,
    )
    if not reasons:
        return decision, Status.RESOLVED
    review = {
        "state": ReviewState.PENDING.value,
        "reasons": list(reasons),
        # where the dispute goes back to if the proposal is returned, and what an overturn is
        # checked against
        "from_status": row.status,
    }
    return decision.model_copy(update={"review": review}), Status.AWAITING_REVIEW


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


def _replay(
    conn: Connection, used: Row[Any], *, key: str, request: tuple[str, str, str | None]
) -> Decision:
    """The decision written with `key` for this very `request` (actor, dispute id, draft
    fingerprint); `used` holds the key's row as `k_…` columns. Raises `IdempotencyMismatch`
    when the key was used for something else."""
    if (used.k_actor, used.k_dispute_id, used.k_request_hash) != request:
        raise IdempotencyMismatch(
            f"idempotency key {key!r} was already used by {used.k_actor} for another request "
            f"(on {used.k_dispute_id}); nothing was written"
        )
    decision = conn.execute(_DECISION, {"decision_id": used.k_decision_id}).one()
    return decision_from_row(decision)
