"""The one `Store` protocol the console talks to, and the values that cross it.

Backends: `mediator.store.sql.SqlStore` (SQLite by default, any SQLAlchemy URL) and
`mediator.store.http.HttpStore` (a `mediator serve` API), which the console wraps in
`mediator.store.outbox.OutboxStore` (`SyncingStore`). No Textual imports here.

Design rules every backend keeps:
- the queue is read a page at a time **by key** (`QueueKey`: urgency, then id; in another order
  `(value, urgency, id)`, see `QueueQuery.sort`), never by OFFSET and never the whole table;
- every dispute carries a `version`; writes name the version they expect and fail with
  `VersionConflict` when another writer got there first;
- a write is a single transaction: whole or absent.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal, Protocol, runtime_checkable

from mediator.domain import (
    Actor,
    Decision,
    DecisionDraft,
    Dispute,
    DisputeRecord,
    InfoRequest,
    Message,
)
from mediator.domain.audit import AuditEntry
from mediator.domain.bulk_actions import BulkRequest, BulkStatus
from mediator.domain.changes import Change
from mediator.domain.claims import LEASE, Claim
from mediator.domain.macros import Macro, MacroBody
from mediator.domain.models import MessageKey, Pair, StrictModel
from mediator.domain.queue import COUNT_CAP as COUNT_CAP
from mediator.domain.queue import QueueCounts as QueueCounts
from mediator.domain.queue import QueueKey as QueueKey
from mediator.domain.queue import QueuePage as QueuePage
from mediator.domain.queue import QueueQuery as QueueQuery
from mediator.domain.queue import QueueRow as QueueRow
from mediator.domain.report import Period, Summary
from mediator.domain.review import Proposal, ReviewOutcome, ReviewRule, ReviewVerdict


class ImportReport(StrictModel):
    """What an import did (also the API's answer to `POST /imports`)."""

    inserted: int = 0
    updated: int = 0
    #: (dispute id, why) for lines skipped because the stored revision is not lower.
    skipped: tuple[Pair, ...] = ()


class Role(StrEnum):
    """What a member of staff may do through the API: agents read the queue and decide;
    supervisors may also import marketplace data and run auto-escalation."""

    AGENT = "agent"
    SUPERVISOR = "supervisor"


class StaffMember(StrictModel):
    """A member of staff: the actor of their writes, and what their role allows (`GET /me`)."""

    name: str
    role: Role


PendingState = Literal["pending", "failed"]


@dataclass(frozen=True, slots=True)
class Pending:
    """A decision kept on this machine until the API takes it (`store.outbox`)."""

    key: str
    dispute_id: str
    expected_version: int
    draft: DecisionDraft
    actor: str
    created_at: datetime
    state: PendingState
    attempts: int
    last_error: str | None


@dataclass(frozen=True, slots=True)
class SyncReport:
    """What one outbox sync did: decisions delivered, refused for good, still waiting."""

    delivered: tuple[Decision, ...] = ()
    #: (dispute id, the store's refusal): the console says why, in the agent's words.
    failed: tuple[tuple[str, StoreError], ...] = ()
    waiting: int = 0


class StoreError(Exception):
    """Base of every error a store raises; `str()` is one line a person can act on."""


class StoreUnavailable(StoreError):
    """The store cannot be opened or reached (bad URL, corrupt file, server down)."""


class PendingSync(StoreUnavailable):
    """The API is unreachable: the decision is kept on this machine (the outbox) and will be
    sent, with the same idempotency key, when the API is back."""

    def __init__(self, message: str, key: str, dispute_id: str) -> None:
        super().__init__(message)
        self.key = key
        self.dispute_id = dispute_id


class OutboxError(StoreError):
    """The outbox file on this machine could not be read or written (disk full, file locked,
    permissions): the message says which file and what was being done."""


class NotFound(StoreError):
    pass


class VersionConflict(StoreError):
    """Someone else changed the dispute since it was read: nothing was written.

    Data, not a sentence: `expected` is the version the writer read, `current` what the store
    holds now (None when an API did not send it); the console says who decided and when, in the
    agent's time zone. `str()` is a plain fallback for logs and the command line."""

    def __init__(
        self, dispute_id: str, expected: int, current: DisputeRecord | None = None
    ) -> None:
        now = "" if current is None else f", it is at version {current.version}"
        super().__init__(f"{dispute_id} changed since version {expected}{now}")
        self.dispute_id = dispute_id
        self.expected = expected
        self.current = current


class Claimed(StoreError):
    """Someone else holds the dispute's claim (issue 15): nothing was written.

    Data, not a sentence: `claim` says who holds it, since when and until when (by the store's
    clock); the console words it in the agent's time zone."""

    def __init__(self, claim: Claim) -> None:
        super().__init__(
            f"{claim.dispute_id} is claimed by {claim.holder} (since "
            f"{claim.since:%Y-%m-%d %H:%M} UTC); nothing was written"
        )
        self.claim = claim


class NotAllowed(StoreError):
    """The actor may not do this (issue 16: an agent reviewing, a supervisor reviewing their own
    proposal or a dispute they took part in, an agent setting the review rule): nothing was
    written. `str()` names who and why."""


class AlreadyReviewed(StoreError):
    """The proposal was reviewed already (by someone else, a moment ago): nothing was written.
    `decision` is the proposal as it stands now."""

    def __init__(self, decision: Decision) -> None:
        state = decision.review.get("state", "?")
        by = decision.review.get("by")
        super().__init__(
            f"{decision.id} on {decision.dispute_id} is already {state}"
            + (f" by {by}" if by else "")
            + "; nothing was written"
        )
        self.decision = decision


class IdempotencyMismatch(StoreError):
    """An idempotency key already used for a different request (another dispute, another
    decision or another member of staff): nothing was written."""


class InvalidDecision(StoreError):
    """The request breaks a rule; nothing was written. `errors` are (field, message) pairs;
    `blocks` the policy rules that forbid it, `warnings` the policy warnings still to
    acknowledge (a client can tell "forbidden" from "confirm first")."""

    def __init__(
        self,
        errors: Sequence[tuple[str, str]],
        *,
        blocks: Sequence[str] = (),
        warnings: Sequence[str] = (),
    ) -> None:
        super().__init__("; ".join(f"{f}: {m}" for f, m in errors))
        self.errors = list(errors)
        self.blocks = tuple(blocks)
        self.warnings = tuple(warnings)


@dataclass(frozen=True, slots=True)
class IdClash:
    """An imported message or evidence id the store already holds under another dispute (or
    as a staff note written here): ids are unique per kind, not per dispute."""

    #: The imported dispute, and where in it the id is (`messages[2].id`).
    dispute_id: str
    field: str
    item_id: str
    #: The dispute that already holds `item_id`.
    other_dispute_id: str
    #: `item_id` is a staff note written in the console (on `other_dispute_id`).
    local: bool = False


class ImportClash(StoreError):
    """An import would reuse ids the store already holds (`clashes`): nothing was written."""

    def __init__(self, clashes: tuple[IdClash, ...]) -> None:
        first = clashes[0]
        more = f" (and {len(clashes) - 1} more)" if len(clashes) > 1 else ""
        super().__init__(
            f"import failed, nothing was written: {first.dispute_id}: {first.field}: "
            f"{first.item_id} is already stored under {first.other_dispute_id}{more}"
        )
        self.clashes = clashes


@runtime_checkable
class Store(Protocol):
    """Everything the console may ask of a store. All calls are async: the UI awaits them in
    workers; the SQL backend runs its blocking work in a thread."""

    #: A short description for the title bar, e.g. "sqlite:~/…/mediator.db".
    label: str

    async def queue_page(
        self,
        query: QueueQuery,
        *,
        after: QueueKey | None = None,
        before: QueueKey | None = None,
        from_end: bool = False,
        limit: int = 100,
    ) -> QueuePage:
        """Up to `limit` rows in urgency order, or in `query.sort`'s (reversed with
        `query.descending`).

        - neither `after` nor `before`: the first rows (or the last rows with `from_end=True`);
        - `after=k`: the rows that follow key `k`;
        - `before=k`: the rows that precede key `k` (still returned in the query's order).

        Keys are in the query's order: `row.key_for(query.sort)` (`row.key` for the default).
        """
        ...

    async def queue_counts(
        self, query: QueueQuery, *, now: datetime | None = None, totals: bool = True
    ) -> QueueCounts:
        """Rows matching `query` (up to `COUNT_CAP`); with `totals`, the whole queue by status
        and, with `now`, how many queue disputes are overdue. A filter keystroke asks without
        totals: they do not depend on the query."""
        ...

    async def get_dispute(self, dispute_id: str, *, newest: int | None = None) -> DisputeRecord:
        """The whole dispute with its messages, evidence and decisions. Raises `NotFound`.

        With `newest`, a windowed read (issue 18): only the newest `newest` messages, and the
        older ones the timers rest on (`DisputeRecord.window`); the rest are read window by
        window with `dispute_messages`. A dispute with no more messages comes whole."""
        ...

    async def dispute_messages(
        self, dispute_id: str, *, before: MessageKey | None = None, limit: int | None = None
    ) -> list[Message]:
        """The newest `limit` messages (None: all) before `before`, a (sent_at, id) key (None:
        the newest), oldest first: the transcript read window by window. Raises `NotFound`."""
        ...

    async def record_decision(
        self,
        dispute_id: str,
        draft: DecisionDraft,
        *,
        expected_version: int,
        actor: str,
        now: datetime,
        idempotency_key: str | None = None,
    ) -> Decision:
        """Check `draft` (raises `InvalidDecision`), write it and mark the dispute resolved, in
        one transaction with its audit entry. When the review rule catches it (issue 16), it is
        written as a proposal instead (`review["state"] == "pending"`, with the `reasons`) and
        the dispute waits in `awaiting_review`. Raises `VersionConflict` if the dispute's
        version is not `expected_version`, `NotFound` if there is no such dispute.

        With `idempotency_key`, the key is stored with the decision in that transaction: asking
        again with the same key and the same request returns the decision already written
        (whatever the version is now), the same key with another request raises
        `IdempotencyMismatch`. The console creates the key when the agent confirms, so a retry
        after a timeout, a crash or a restart can never decide (or refund) twice."""
        ...

    async def add_note(self, dispute_id: str, body: str, *, actor: str, now: datetime) -> Message:
        """Append a staff note (channel `staff_note`, `author_name=actor`). Notes do not bump the
        version: a note must not make another agent's pending decision conflict."""
        ...

    async def request_info(
        self,
        dispute_id: str,
        party: Actor,
        message: str,
        *,
        expected_version: int,
        actor: str,
        now: datetime,
    ) -> InfoRequest:
        """Ask the buyer or seller for information (P-INFO-7D): writes the request and a staff
        message in the dispute chat, moves the dispute to `awaiting_info` and bumps its version,
        in one transaction. Raises `InvalidDecision` (bad party/message/status),
        `VersionConflict`, `NotFound`."""
        ...

    async def escalate_due(self, now: datetime) -> list[tuple[str, str]]:
        """Auto-escalate every open dispute whose P-ESC-SELLER-SILENT or P-ESC-STALE timer ran
        out by `now`; idempotent. Returns (dispute id, cause) per escalation."""
        ...

    async def claim(
        self, dispute_id: str, *, actor: str, lease: timedelta = LEASE, take_over: bool = False
    ) -> Claim:
        """Claim `dispute_id` for `actor` for `lease` from now (the store's clock), or renew
        `actor`'s claim. Raises `Claimed` if someone else holds it, unless `take_over` (which is
        recorded, and which the previous holder sees at their next renewal: `Claimed`).
        `InvalidDecision` if the dispute is not in the queue (resolved, say); `NotFound`.
        Racing claims leave exactly one holder."""
        ...

    async def release(self, dispute_id: str, *, actor: str, force: bool = False) -> None:
        """Give up `actor`'s claim (nothing to do if `actor` holds none). Raises `Claimed` if
        someone else holds it, unless `force` (a supervisor breaking a claim; recorded)."""
        ...

    async def claim_next(
        self, query: QueueQuery, *, actor: str, lease: timedelta = LEASE
    ) -> Claim | None:
        """Claim the most urgent dispute matching `query` that nobody holds; None if none is
        left. Two agents asking at once get two different disputes."""
        ...

    async def hand_over(
        self, dispute_id: str, *, actor: str, to: str, note: str, lease: timedelta = LEASE
    ) -> Claim:
        """Hand `actor`'s claim (or a dispute nobody holds) to the colleague `to` for `lease`,
        with `note`, which shows in the timeline as a staff note by `actor` (a shift hand-over).
        Raises `Claimed` if someone else holds it, `InvalidDecision` for a bad name or a
        dispute not in the queue, `NotFound`."""
        ...

    async def claims_held(self, actor: str) -> list[Claim]:
        """The claims `actor` holds now, most urgent first (asked on quit: release or hand
        over)."""
        ...

    # -- bulk actions (issue 19) -------------------------------------------------------------

    async def matching_ids(self, query: QueueQuery) -> list[str]:
        """The ids of every dispute matching `query`, in the queue's order ("select all"): the
        queue's own filter, no OFFSET. More than `MAX_BULK` (100,000) raises `InvalidDecision`
        (narrow the filter)."""
        ...

    async def start_bulk(self, request: BulkRequest, *, actor: str, now: datetime) -> BulkStatus:
        """Create the job `request.id` (the client's idempotency key) over its disputes, fixed
        now; the same id and request again is the same job (with `retry`, its refused disputes
        are tried again), another request under that id `IdempotencyMismatch`. Bad input (no
        disputes, an empty note, an unknown placeholder or colleague) is `InvalidDecision`,
        before anything is written. Over HTTP the server starts running it at once."""
        ...

    def run_bulk(
        self, job_id: str, *, actor: str, now: datetime
    ) -> AsyncGenerator[BulkStatus, None]:
        """Run the job's pending disputes (SQL: here, one transaction each with its outcome;
        HTTP: on the server, polled), yielding its status as it goes, last when none is left
        pending. Interrupted and run again, it acts only on the disputes not yet done; a
        dispute is never acted on twice. Each goes through the single action's checks (claims,
        status, policy) and writes its audit entry; a refusal is recorded with its reason."""
        ...

    async def bulk_job(self, job_id: str, *, actor: str | None = None) -> BulkStatus:
        """The job's progress and refused disputes (`NotFound`; with `actor`, another member of
        staff's job is `NotFound` too)."""
        ...

    # -- reviews and the audit trail (issue 16) ----------------------------------------------

    async def staff_role(self, actor: str) -> StaffMember | None:
        """`actor`'s staff record (SQL; None: not staff, who may only work as an agent), or the
        token owner's (HTTP, whatever `actor` says): the console's role comes from it."""
        ...

    async def review_rule(self) -> ReviewRule:
        """Which decisions need a second person (the default: none)."""
        ...

    async def set_review_rule(self, rule: ReviewRule, *, actor: str, now: datetime) -> ReviewRule:
        """Store `rule` (audited). Raises `NotAllowed` unless `actor` is a supervisor."""
        ...

    async def reviews(self, *, limit: int = 500) -> list[Proposal]:
        """The proposals waiting for review, the oldest (then the largest) first."""
        ...

    async def review(
        self,
        decision_id: str,
        verdict: ReviewVerdict,
        *,
        note: str,
        decision: DecisionDraft | None,
        actor: str,
        now: datetime,
    ) -> ReviewOutcome:
        """Approve, overturn (with `decision`, checked against the policy: `InvalidDecision`)
        or return (with a `note`) the proposal `decision_id`, in one transaction with its audit
        entry. Raises `NotAllowed` (an agent, the proposer, someone who took part in the
        dispute), `AlreadyReviewed` (racing reviews leave exactly one outcome), `NotFound`."""
        ...

    # -- canned replies (issue 19) -----------------------------------------------------------

    async def macros(self, *, search: str = "", retired: bool = False) -> list[Macro]:
        """The team's macros at their current versions, by path: those whose path holds every
        word of `search`; retired ones only with `retired`."""
        ...

    async def macro(self, macro_id: str, version: int | None = None) -> Macro:
        """One macro at `version` (the current one if None), retired or not: a decision names
        the version it used. Raises `NotFound`."""
        ...

    async def save_macro(
        self,
        body: MacroBody,
        *,
        macro_id: str | None = None,
        expected_version: int | None = None,
        actor: str,
        now: datetime,
    ) -> Macro:
        """Add a macro (`macro_id` None) or write the next version of `macro_id`, made on
        `expected_version` (`VersionConflict` if another edit came first), with its audit
        entry. Raises `NotAllowed` unless `actor` is a supervisor, `InvalidDecision` for a bad
        macro (each problem named), `NotFound`."""
        ...

    async def retire_macro(self, macro_id: str, *, actor: str, now: datetime) -> Macro:
        """Stop offering `macro_id` (kept, so old decisions still resolve), audited. Raises
        `NotAllowed` unless `actor` is a supervisor, `NotFound`."""
        ...

    async def history(self, dispute_id: str) -> list[AuditEntry]:
        """The dispute's audit entries, oldest first: who did what, when, what changed."""
        ...

    # -- the shift's figures (issue 17) --------------------------------------------------------

    async def summary(self, period: Period, *, now: datetime | None = None) -> Summary:
        """Every figure of the shift for `period` (`domain.report`), computed by SQL aggregates
        in one snapshot; `now` is the caller's clock (SQL) or the server's (HTTP, which also
        refuses agents: `NotAllowed`)."""
        ...

    def changes(self) -> AsyncGenerator[Change, None]:
        """The change feed (issue 15): what other writers commit, as they commit it.

        Yields a `reset` first, once it is watching (read what you show after it, not before),
        then each change as it is committed (decisions, notes, information requests, claims
        changing hands, escalations, imports; writes through this very store too), forever.
        After a failure (the database or the API gone) it waits, connects again by itself and
        yields `reset` again: changes may have been missed meanwhile. It never raises for a
        lost connection; it may raise `StoreUnavailable` at once when the store cannot have a
        feed at all (no driver for it).

        It holds a connection of its own while it is iterated: cancelling the consuming task,
        or closing the iterator (`contextlib.aclosing`), stops it and frees that connection.
        Each call is a new, independent feed. Nothing in it blocks the event loop."""
        ...

    async def close(self) -> None: ...


@runtime_checkable
class AdminStore(Protocol):
    """What `mediator serve` needs of a store beyond `Store`: who a token belongs to, who the
    staff are, and bulk imports. The server is written against this and `Store`, never against
    a backend."""

    label: str

    async def staff_for_token(self, token: str) -> StaffMember | None:
        """The member of staff whose bearer token this is, or None (unknown or revoked)."""
        ...

    async def staff_member(self, name: str) -> StaffMember | None:
        """The member of staff called `name`, or None (a hand-over names a colleague)."""
        ...

    def import_disputes(self, disputes: Iterable[Dispute], *, actor: str = ...) -> ImportReport:
        """Insert new disputes and update those with a higher revision, all or nothing, with one
        audit entry by `actor` (issue 16). Blocking (an import is one long transaction): async
        callers run it in a thread."""
        ...


@runtime_checkable
class ServedStore(Store, AdminStore, Protocol):
    """A store the API can be served from (`mediator.server.api.create_app`)."""


#: Longest idempotency key a store accepts (Stripe allows 255 characters).
MAX_KEY_CHARS = 255


def new_idempotency_key() -> str:
    """A fresh `Idempotency-Key` for one decision (made when the agent confirms it)."""
    return f"mediator-{uuid.uuid4()}"


@runtime_checkable
class SyncingStore(Protocol):
    """A store that keeps decisions offline until its API takes them (`store.outbox`)."""

    async def pending(self) -> list[Pending]:
        """Decisions still on this machine: `pending` (not sent yet) and `failed` (refused)."""
        ...

    async def sync(self) -> SyncReport:
        """Send the pending decisions again with their idempotency keys."""
        ...
