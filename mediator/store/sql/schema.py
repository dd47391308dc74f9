"""The SQL schema: SQLModel tables for disputes, messages, evidence, decisions and `meta`.

Portable between SQLite and PostgreSQL. Money is integer minor units (SQLite's `Numeric` goes
through float and loses Decimal precision); times are naive UTC in the database and aware UTC in
Python (`UtcDateTime`). The order and both parties are denormalised into `disputes`, so the queue
reads one table; `message_count` / `evidence_count` are kept up to date by every write.

The tables live in their own registry / `MetaData`, so other SQLModel tables in the process never
end up in this database by accident. They are created by the Alembic revisions in `alembic/`, not
from these classes: a change here needs a new revision (a test compares the migrated database with
this `MetaData`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    DateTime,
    Dialect,
    Double,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    text,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import registry
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from mediator.store.sql.revisions import HEAD_REVISION as HEAD_REVISION
from mediator.store.sql.revisions import REVISIONS as REVISIONS
from mediator.store.sql.revisions import SCHEMA_VERSION as SCHEMA_VERSION


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC `datetime` in Python, naive UTC (`TIMESTAMP WITHOUT TIME ZONE`) in the database.

    Naive datetimes are refused on the way in: a time without an offset is a bug, not UTC.
    """

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} (a UTC offset is required)")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class db_now(FunctionElement[datetime]):
    """The database's clock, as naive UTC, in the form a `UtcDateTime` column holds."""

    type = UtcDateTime()
    inherit_cache = True


@compiles(db_now, "sqlite")
def _sqlite_now(element: db_now, compiler: SQLCompiler, **kw: Any) -> str:
    # milliseconds, padded to the microseconds every stored value has (`schema.sqlite_datetime`)
    return "(strftime('%Y-%m-%d %H:%M:%f', 'now') || '000')"


@compiles(db_now)
def _default_now(element: db_now, compiler: SQLCompiler, **kw: Any) -> str:
    return "(now() AT TIME ZONE 'UTC')"


def sqlite_datetime(value: datetime) -> str:
    """The text SQLite holds for `value` in a `UtcDateTime` column (bulk import writes it directly).

    Naive UTC, always with microseconds: the same string SQLAlchemy's SQLite `DATETIME` writes,
    so stored values compare and sort alike whichever path wrote them.
    """
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value.isoformat()} (a UTC offset is required)")
    # "YYYY-MM-DD HH:MM:SS.ffffff+00:00" minus the offset (cheaper than .replace(tzinfo=None))
    return value.astimezone(UTC).isoformat(" ", "microseconds")[:26]


metadata = MetaData()


class StoreModel(SQLModel, registry=registry(metadata=metadata)):
    """Base of the tables of this store (own registry, own `MetaData`)."""


class DisputeRow(StoreModel, table=True):
    __tablename__ = "disputes"
    __table_args__ = (
        Index("ix_disputes_status_urgency", "status", "urgency_at", "id"),
        Index("ix_disputes_urgency", "urgency_at", "id"),
        Index("ix_disputes_claimed_by", "claimed_by"),
        Index("ix_disputes_escalated", "escalated_at", "first_decided_at"),
        Index("ix_disputes_first_decided", "first_decided_at"),
        Index("ix_disputes_opened_at", "opened_at"),
        Index("ix_disputes_cause_opened", "escalation_cause", "opened_at"),
        #: The flagged disputes only (a small share): the queue's flagged filter and the
        #: dashboard's flagged count read this, not the whole queue (issue 17).
        Index(
            "ix_disputes_flagged",
            "status",
            "urgency_at",
            "id",
            sqlite_where=text("flagged_count > 0"),
            postgresql_where=text("flagged_count > 0"),
        ),
        #: The queue sorted by a column (issue 19, revision v11_queue_sort); the name and title
        #: orders have expression indexes, managed in the revision alone (`SORT_PREFIX`).
        Index("ix_disputes_reason_urgency", "reason", "urgency_at", "id"),
        Index("ix_disputes_amount_urgency", "currency", "price_minor", "urgency_at", "id"),
        Index("ix_disputes_evidence_urgency", "evidence_count", "urgency_at", "id"),
        Index("ix_disputes_flags_urgency", "flagged_count", "urgency_at", "id"),
    )

    id: str = Field(primary_key=True)
    revision: int
    version: int = 1
    reason: str
    status: str
    opened_at: datetime = Field(sa_type=UtcDateTime)
    escalated_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    #: The next running policy deadline (`domain.deadlines.urgency_at`): the queue's sort key.
    urgency_at: datetime = Field(sa_type=UtcDateTime)
    #: The rule id of that deadline ("P-INFO-7D", …), None when nothing runs.
    deadline_rule: str | None = None
    #: Messages flagged under P-COMM-* (`domain.flags`), for the queue's column and filter.
    flagged_count: int = 0
    escalation_cause: str | None = None
    buyer_request: str | None = None
    buyer_request_minor: int | None = Field(default=None, sa_type=BigInteger)
    order_id: str
    order_kind: str
    order_title: str
    quantity: int
    currency: str
    price_minor: int = Field(sa_type=BigInteger)
    service_fee_minor: int = Field(sa_type=BigInteger)
    placed_at: datetime = Field(sa_type=UtcDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    confirmed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    paid_out_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    buyer_id: str
    buyer_name: str
    seller_id: str
    seller_name: str
    seller_trust_level: int
    #: The interchange format's free-form `extra` object, as JSON text.
    extra: str = Field(default="{}", sa_type=Text)
    message_count: int = 0
    evidence_count: int = 0
    #: The claim (issue 15): who holds the dispute, since when, until when (the store's clock).
    #: A claim past `claimed_until` is not held, whatever these say; a release clears them.
    #: Changing them never bumps `version`: a claim is not a change of the dispute.
    claimed_by: str | None = None
    claimed_since: datetime | None = Field(default=None, sa_type=UtcDateTime)
    claimed_until: datetime | None = Field(default=None, sa_type=UtcDateTime)
    #: Who handed the claim to `claimed_by` (a shift hand-over); cleared with the claim.
    claimed_from: str | None = None
    #: The agent a supervisor returned this dispute's proposal to (issue 16: "returned to
    #: you"); cleared by the next decision.
    returned_to: str | None = None
    #: When its first decision or proposal was written: when it left the queue, and what
    #: STAFF-48H is met by (issue 17: the shift's figures read it from an index).
    first_decided_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    #: The decision that stands (`domain.review.final_decision`): when it was written and by
    #: whom, None without one (issue 22: the resolved list shows them and is sorted by the
    #: time, newest first, from the `v13_decided` expression index).
    decided_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    decided_by: str | None = None


class ClaimEventRow(StoreModel, table=True):
    """What happened to a claim (`domain.claims.ClaimEvent`), under whose name; renewals are not
    recorded. `previous` is the holder before a take-over, a break or a hand-over; `holder` the
    one after (None after a release or a break)."""

    __tablename__ = "claim_events"
    __table_args__ = (Index("ix_claim_events_dispute", "dispute_id", "at"),)

    id: str = Field(primary_key=True)
    dispute_id: str = Field(foreign_key="disputes.id")
    kind: str
    actor: str
    holder: str | None = None
    previous: str | None = None
    at: datetime = Field(sa_type=UtcDateTime)
    note: str | None = Field(default=None, sa_type=Text)


class MessageRow(StoreModel, table=True):
    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_dispute", "dispute_id", "sent_at", "id"),)

    #: Message ids are unique per kind (IMPORT_FORMAT.md), not per dispute.
    id: str = Field(primary_key=True)
    dispute_id: str = Field(foreign_key="disputes.id")
    channel: str
    author: str
    author_name: str | None = None
    sent_at: datetime = Field(sa_type=UtcDateTime)
    body: str = Field(sa_type=Text)
    #: Written in the console (a staff note): kept when a newer revision replaces the rest.
    local: bool = False


class EvidenceRow(StoreModel, table=True):
    __tablename__ = "evidence"
    __table_args__ = (Index("ix_evidence_dispute", "dispute_id", "submitted_at", "id"),)

    id: str = Field(primary_key=True)
    dispute_id: str = Field(foreign_key="disputes.id")
    kind: str
    submitted_by: str
    submitted_at: datetime = Field(sa_type=UtcDateTime)
    caption: str = Field(sa_type=Text)
    uri: str | None = Field(default=None, sa_type=Text)
    sha256: str | None = None


class DecisionRow(StoreModel, table=True):
    __tablename__ = "decisions"
    __table_args__ = (
        Index("ix_decisions_dispute", "dispute_id", "decided_at"),
        Index("ix_decisions_decided_by", "decided_by"),
        #: The shift's figures (issue 17) read a period's decisions from this index alone.
        Index(
            "ix_decisions_period",
            "decided_at",
            "review",
            "decided_by",
            "outcome",
            "currency",
            "refund_minor",
            "fee_refund_minor",
            "handled_s",
            "dispute_id",
        ),
    )

    id: str = Field(primary_key=True)
    dispute_id: str = Field(foreign_key="disputes.id")
    outcome: str
    refund_minor: int | None = Field(default=None, sa_type=BigInteger)
    fee_refund_minor: int | None = Field(default=None, sa_type=BigInteger)
    currency: str
    return_required: bool
    #: The seller's share on a return, in hundredths of a percent (50.00 % → 5000).
    seller_keep_pct_hundredths: int | None = None
    seller_error: bool | None = None
    defective_or_misadvertised: bool | None = None
    rationale: str = Field(sa_type=Text)
    message_to_parties: str = Field(sa_type=Text)
    decided_by: str
    decided_at: datetime = Field(sa_type=UtcDateTime)
    #: JSON array of policy rule ids (warnings the agent saw).
    findings: str = Field(default="[]", sa_type=Text)
    #: JSON object, e.g. {"state": "not_required"} (`domain.review.ReviewState`): a proposal
    #: is {"state": "pending", "reasons": […]} until a supervisor reviews it.
    review: str = Field(default="{}", sa_type=Text)
    #: Seconds from the dispute's escalation (else its opening) to this decision, fixed when it
    #: is written (issue 17: handling-time medians come from an index, not a join).
    handled_s: float | None = Field(default=None, sa_type=Double)
    #: The macro (issue 19) the decision was made with, and its version; None without one.
    macro_id: str | None = None
    macro_version: int | None = None


class InfoRequestRow(StoreModel, table=True):
    """Staff asked a party for information (P-INFO-7D); the newest row per dispute is current."""

    __tablename__ = "info_requests"
    __table_args__ = (
        Index("ix_info_requests_dispute", "dispute_id", "asked_at"),
        Index("ix_info_requests_asked_at", "asked_at"),
    )

    id: str = Field(primary_key=True)
    dispute_id: str = Field(foreign_key="disputes.id")
    party: str
    asked_at: datetime = Field(sa_type=UtcDateTime)
    asked_by: str
    message: str = Field(sa_type=Text)
    answered_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class StaffRow(StoreModel, table=True):
    """A member of staff who may call the API: `role` is `agent` or `supervisor`.

    Only the SHA-256 of the bearer token is kept (the token is 256 random bits, shown once by
    `mediator staff add`), so a copy of the database does not let anyone in.
    """

    __tablename__ = "staff"

    name: str = Field(primary_key=True)
    role: str
    token_hash: str = Field(unique=True)
    created_at: datetime = Field(sa_type=UtcDateTime)


class IdempotencyRow(StoreModel, table=True):
    """An `Idempotency-Key` a decision was written with: the same key and request replay that
    decision; the same key with another request is refused."""

    __tablename__ = "idempotency_keys"

    key: str = Field(primary_key=True)
    actor: str
    dispute_id: str = Field(foreign_key="disputes.id")
    #: SHA-256 of the canonical request (dispute id and draft), `wire.draft_fingerprint`.
    request_hash: str
    decision_id: str = Field(foreign_key="decisions.id")
    created_at: datetime = Field(sa_type=UtcDateTime)


#: A 64-bit key that is SQLite's rowid (only `INTEGER PRIMARY KEY` is), a BIGSERIAL elsewhere.
SeqType = BigInteger().with_variant(Integer(), "sqlite")


class ChangeRow(StoreModel, table=True):
    """The change feed (`domain.changes`, issue 15): one row per write that others may want to
    see, in the write's own transaction. `seq` only grows (SQLite: AUTOINCREMENT, never reused
    after a prune); old rows are pruned (`sql.changes.KEEP`). On PostgreSQL every row is also
    sent with NOTIFY when its transaction commits."""

    __tablename__ = "changes"
    __table_args__ = {"sqlite_autoincrement": True}

    seq: int | None = Field(default=None, primary_key=True, sa_type=SeqType)
    kind: str
    dispute_id: str | None = None
    actor: str | None = None
    at: datetime = Field(sa_type=UtcDateTime)


class AuditRow(StoreModel, table=True):
    """The audit trail (`domain.audit`, issue 16): append-only, refused UPDATE and DELETE by
    triggers (`sql.audit.TRIGGERS`). `body` is the canonical JSON that was hashed; `at`, `actor`,
    `action` and `dispute_id` repeat it for searching. `seq` is given by the writer that holds
    `audit_head` (1, 2, 3, … without gaps)."""

    __tablename__ = "audit_trail"
    __table_args__ = (
        Index("ix_audit_trail_dispute", "dispute_id", "seq"),
        Index("ix_audit_trail_at", "at"),
    )

    seq: int = Field(
        primary_key=True, sa_type=BigInteger, sa_column_kwargs={"autoincrement": False}
    )
    at: datetime = Field(sa_type=UtcDateTime)
    actor: str
    action: str
    dispute_id: str | None = None
    body: str = Field(sa_type=Text)
    prev: str
    hash: str


class AuditHeadRow(StoreModel, table=True):
    """The checkpoint of the audit trail: one row (`id` 1) with the count and the newest hash,
    updated in each append's transaction (a cut tail no longer matches it). Every append locks
    this row first, which puts the appends in one order. `prev` is the head before the last
    append (what PostgreSQL's one-statement append reads back)."""

    __tablename__ = "audit_head"

    id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    count: int = Field(sa_type=BigInteger)
    head: str
    prev: str


class MacroRow(StoreModel, table=True):
    """A canned reply (issue 19): its path (`folder/name`, unique among those in use) and the
    current version. A retired macro is kept (`retired`), so old decisions still name it."""

    __tablename__ = "macros"
    __table_args__ = (Index("ix_macros_path", "path"),)

    id: str = Field(primary_key=True)
    path: str
    version: int
    retired: bool = False


class MacroVersionRow(StoreModel, table=True):
    """Every version of a macro (each edit is a new row, never updated): `body` is the JSON of
    `domain.macros.MacroBody`."""

    __tablename__ = "macro_versions"

    macro_id: str = Field(primary_key=True, foreign_key="macros.id")
    version: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    body: str = Field(sa_type=Text)
    saved_by: str
    saved_at: datetime = Field(sa_type=UtcDateTime)


class BulkJobRow(StoreModel, table=True):
    """A bulk action (issue 19): its id is the client's idempotency key; `action` the
    `BulkAction` as JSON; `request_hash` what it does to whom (`BulkRequest.fingerprint`)."""

    __tablename__ = "bulk_jobs"

    id: str = Field(primary_key=True)
    actor: str
    action: str = Field(sa_type=Text)
    request_hash: str
    created_at: datetime = Field(sa_type=UtcDateTime)
    total: int


class BulkItemRow(StoreModel, table=True):
    """One dispute of a bulk job, in the job's order (`seq`): `pending`, `done` (written in the
    same transaction as the dispute's action) or `refused` with the reason in words."""

    __tablename__ = "bulk_items"
    __table_args__ = (Index("ix_bulk_items_outcome", "job_id", "outcome", "seq"),)

    job_id: str = Field(primary_key=True, foreign_key="bulk_jobs.id")
    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    dispute_id: str
    outcome: str = "pending"
    reason: str | None = Field(default=None, sa_type=Text)
    at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class MetaRow(StoreModel, table=True):
    __tablename__ = "meta"

    key: str = Field(primary_key=True)
    value: str


def _table(model: type[StoreModel]) -> Table:
    return cast(Table, cast(Any, model).__table__)


disputes = _table(DisputeRow)
messages = _table(MessageRow)
evidence = _table(EvidenceRow)
decisions = _table(DecisionRow)
info_requests = _table(InfoRequestRow)
staff = _table(StaffRow)
idempotency_keys = _table(IdempotencyRow)
meta = _table(MetaRow)
claim_events = _table(ClaimEventRow)
changes = _table(ChangeRow)
audit_trail = _table(AuditRow)
audit_head = _table(AuditHeadRow)
macros = _table(MacroRow)
macro_versions = _table(MacroVersionRow)
bulk_jobs = _table(BulkJobRow)
bulk_items = _table(BulkItemRow)

TABLES = (
    meta,
    disputes,
    messages,
    evidence,
    decisions,
    info_requests,
    staff,
    idempotency_keys,
    claim_events,
    changes,
    audit_trail,
    audit_head,
    macros,
    macro_versions,
    bulk_jobs,
    bulk_items,
)
