"""The offline outbox: decisions the API did not take yet, kept on this machine until it does.

`OutboxStore` wraps an `HttpStore`. When the agent confirms a decision, it is written to a local
SQLite file (`outbox.db`, `synchronous=FULL`) with its idempotency key BEFORE the first send; it
leaves the file only when the API has answered for it. If the API cannot be reached, the call
raises `PendingSync` and the decision stays "pending sync"; `sync()` (the console runs it every
few seconds and at start) sends every pending decision again with the same key, so quitting,
crashing or restarting cannot lose a decision, and the server's idempotency replay means it can
never be stored (or refund) twice.

A pending decision the API refuses when it is finally delivered (someone else decided first, the
policy now blocks it) is not dropped silently: it is kept as `failed` with the reason, and the
console tells the agent. One the review rule catches (issue 16) is delivered: the API took it, as
a proposal that waits for a supervisor (`SyncReport.delivered` holds it, `review["state"]`
`pending`).

Reviews, the review rule and the audit history go straight to the API and are never kept here:
a review is a supervisor's judgement of the proposal as it stands, which the server must see at
once; when the API is down they raise `StoreUnavailable` like any read.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncGenerator, Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import cast

from mediator.domain import Actor, Decision, DecisionDraft, DisputeRecord, InfoRequest, Message
from mediator.domain.audit import AuditEntry
from mediator.domain.bulk_actions import BulkRequest, BulkStatus
from mediator.domain.changes import Change
from mediator.domain.claims import LEASE, Claim
from mediator.domain.macros import Macro, MacroBody
from mediator.domain.models import MessageKey
from mediator.domain.report import Period, Summary
from mediator.domain.review import Proposal, ReviewOutcome, ReviewRule, ReviewVerdict
from mediator.store.base import (
    OutboxError,
    Pending,
    PendingState,
    PendingSync,
    QueueCounts,
    QueueKey,
    QueuePage,
    QueueQuery,
    StaffMember,
    StoreError,
    StoreUnavailable,
    SyncReport,
    new_idempotency_key,
)
from mediator.store.http import HttpStore

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    key TEXT PRIMARY KEY,
    api TEXT NOT NULL,
    dispute_id TEXT NOT NULL,
    expected_version INTEGER NOT NULL,
    draft TEXT NOT NULL,
    actor TEXT NOT NULL,
    created_at TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
)
"""


class Outbox:
    """The outbox file. Thread-safe; every write is committed (and synced) before it returns."""

    def __init__(self, path: Path, api: str) -> None:
        self.path = path
        self.api = api
        self._lock = threading.Lock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = FULL")
            self._db.execute(_SCHEMA)
        except (sqlite3.Error, OSError) as exc:
            raise StoreUnavailable(f"cannot open the outbox {path}: {exc}") from None

    @contextmanager
    def _tx(self, doing: str) -> Iterator[sqlite3.Connection]:
        """One committed transaction; a failure of the file (disk full, locked, read-only) is an
        `OutboxError` that says what was being done, never a bare `sqlite3.Error`."""
        with self._lock, self._guard(doing):
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                with suppress(sqlite3.Error):
                    self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    @contextmanager
    def _guard(self, doing: str) -> Iterator[None]:
        try:
            yield
        except (sqlite3.Error, OSError) as exc:
            raise OutboxError(f"could not {doing} in the outbox {self.path}: {exc}") from exc

    def put(
        self,
        key: str,
        dispute_id: str,
        draft: DecisionDraft,
        *,
        expected_version: int,
        actor: str,
        now: datetime,
    ) -> None:
        with self._tx("keep the decision") as db:
            db.execute(
                "INSERT OR IGNORE INTO outbox (key, api, dispute_id, expected_version, draft, "
                "actor, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    key,
                    self.api,
                    dispute_id,
                    expected_version,
                    draft.model_dump_json(),
                    actor,
                    now.astimezone(UTC).isoformat(),
                ),
            )

    def attempted(self, key: str, error: str) -> None:
        with self._tx("note a failed attempt") as db:
            db.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE key = ?",
                (error, key),
            )

    def fail(self, key: str, error: str) -> None:
        with self._tx("mark a refused decision") as db:
            db.execute(
                "UPDATE outbox SET state = 'failed', attempts = attempts + 1, last_error = ? "
                "WHERE key = ?",
                (error, key),
            )

    def remove(self, key: str) -> None:
        with self._tx("remove a settled decision") as db:
            db.execute("DELETE FROM outbox WHERE key = ?", (key,))

    def entries(self, state: str | None = None) -> list[Pending]:
        sql = (
            "SELECT key, dispute_id, expected_version, draft, actor, created_at, state, "
            "attempts, last_error FROM outbox WHERE api = ?"
        )
        args: tuple[str, ...] = (self.api,)
        if state is not None:
            sql += " AND state = ?"
            args += (state,)
        with self._lock, self._guard("read the pending decisions"):
            rows = self._db.execute(sql + " ORDER BY created_at, key", args).fetchall()
        return [
            Pending(
                key=r[0],
                dispute_id=r[1],
                expected_version=r[2],
                draft=DecisionDraft.model_validate_json(r[3]),
                actor=r[4],
                created_at=datetime.fromisoformat(r[5]),
                state=cast(PendingState, r[6]),
                attempts=r[7],
                last_error=r[8],
            )
            for r in rows
        ]

    def close(self) -> None:
        with self._lock:
            self._db.close()


class OutboxStore:
    """`HttpStore` plus the offline outbox for decisions (the `Store` protocol, and `sync`)."""

    def __init__(self, api: HttpStore, outbox: Outbox) -> None:
        self.api = api
        self.outbox = outbox
        self.label = api.label
        self._sync_lock = asyncio.Lock()

    # reads and the other writes go straight to the API
    async def queue_page(
        self,
        query: QueueQuery,
        *,
        after: QueueKey | None = None,
        before: QueueKey | None = None,
        from_end: bool = False,
        limit: int = 100,
    ) -> QueuePage:
        return await self.api.queue_page(
            query, after=after, before=before, from_end=from_end, limit=limit
        )

    async def queue_counts(
        self, query: QueueQuery, *, now: datetime | None = None, totals: bool = True
    ) -> QueueCounts:
        return await self.api.queue_counts(query, now=now, totals=totals)

    async def get_dispute(self, dispute_id: str, *, newest: int | None = None) -> DisputeRecord:
        return await self.api.get_dispute(dispute_id, newest=newest)

    async def dispute_messages(
        self, dispute_id: str, *, before: MessageKey | None = None, limit: int | None = None
    ) -> list[Message]:
        return await self.api.dispute_messages(dispute_id, before=before, limit=limit)

    async def add_note(self, dispute_id: str, body: str, *, actor: str, now: datetime) -> Message:
        return await self.api.add_note(dispute_id, body, actor=actor, now=now)

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
        return await self.api.request_info(
            dispute_id, party, message, expected_version=expected_version, actor=actor, now=now
        )

    async def escalate_due(self, now: datetime) -> list[tuple[str, str]]:
        return await self.api.escalate_due(now)

    # claims are the server's to judge: never kept offline (a claim the server has not seen
    # protects nothing)
    async def claim(
        self, dispute_id: str, *, actor: str, lease: timedelta = LEASE, take_over: bool = False
    ) -> Claim:
        return await self.api.claim(dispute_id, actor=actor, lease=lease, take_over=take_over)

    async def release(self, dispute_id: str, *, actor: str, force: bool = False) -> None:
        await self.api.release(dispute_id, actor=actor, force=force)

    async def claim_next(
        self, query: QueueQuery, *, actor: str, lease: timedelta = LEASE
    ) -> Claim | None:
        return await self.api.claim_next(query, actor=actor, lease=lease)

    async def hand_over(
        self, dispute_id: str, *, actor: str, to: str, note: str, lease: timedelta = LEASE
    ) -> Claim:
        return await self.api.hand_over(dispute_id, actor=actor, to=to, note=note, lease=lease)

    async def claims_held(self, actor: str) -> list[Claim]:
        return await self.api.claims_held(actor)

    def changes(self) -> AsyncGenerator[Change, None]:
        return self.api.changes()

    # reviews (issue 16) are the server's to judge, at once: never kept offline
    async def staff_role(self, actor: str) -> StaffMember | None:
        return await self.api.staff_role(actor)

    # canned replies (issue 19)
    async def macros(self, *, search: str = "", retired: bool = False) -> list[Macro]:
        return await self.api.macros(search=search, retired=retired)

    async def macro(self, macro_id: str, version: int | None = None) -> Macro:
        return await self.api.macro(macro_id, version)

    async def save_macro(
        self,
        body: MacroBody,
        *,
        macro_id: str | None = None,
        expected_version: int | None = None,
        actor: str,
        now: datetime,
    ) -> Macro:
        return await self.api.save_macro(
            body, macro_id=macro_id, expected_version=expected_version, actor=actor, now=now
        )

    async def retire_macro(self, macro_id: str, *, actor: str, now: datetime) -> Macro:
        return await self.api.retire_macro(macro_id, actor=actor, now=now)

    async def review_rule(self) -> ReviewRule:
        return await self.api.review_rule()

    async def set_review_rule(self, rule: ReviewRule, *, actor: str, now: datetime) -> ReviewRule:
        return await self.api.set_review_rule(rule, actor=actor, now=now)

    async def reviews(self, *, limit: int = 500) -> list[Proposal]:
        return await self.api.reviews(limit=limit)

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
        return await self.api.review(
            decision_id, verdict, note=note, decision=decision, actor=actor, now=now
        )

    async def history(self, dispute_id: str) -> list[AuditEntry]:
        return await self.api.history(dispute_id)

    async def summary(self, period: Period, *, now: datetime | None = None) -> Summary:
        return await self.api.summary(period, now=now)

    # bulk jobs (issue 19) are the server's: they are idempotent by their id already
    async def matching_ids(self, query: QueueQuery) -> list[str]:
        return await self.api.matching_ids(query)

    async def start_bulk(self, request: BulkRequest, *, actor: str, now: datetime) -> BulkStatus:
        return await self.api.start_bulk(request, actor=actor, now=now)

    def run_bulk(
        self, job_id: str, *, actor: str, now: datetime
    ) -> AsyncGenerator[BulkStatus, None]:
        return self.api.run_bulk(job_id, actor=actor, now=now)

    async def bulk_job(self, job_id: str, *, actor: str | None = None) -> BulkStatus:
        return await self.api.bulk_job(job_id, actor=actor)

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
        """Keep the decision in the outbox, then send it. Raises `PendingSync` when the API is
        unreachable (the decision stays and `sync()` delivers it later)."""
        key = idempotency_key or new_idempotency_key()
        await asyncio.to_thread(
            self.outbox.put,
            key,
            dispute_id,
            draft,
            expected_version=expected_version,
            actor=actor,
            now=now,
        )
        try:
            decision = await self.api.record_decision(
                dispute_id,
                draft,
                expected_version=expected_version,
                actor=actor,
                now=now,
                idempotency_key=key,
            )
        except StoreUnavailable as exc:
            # Kept (put() committed); the attempt count is bookkeeping, not worth a failure.
            await self._settle(self.outbox.attempted, key, str(exc))
            raise PendingSync(
                f"{dispute_id}: the API is unreachable ({exc}); the decision is kept on this "
                "machine and will be sent when it is back (pending sync)",
                key,
                dispute_id,
            ) from None
        except StoreError:
            # refused (conflict, policy, key): the agent sees the error now; nothing to resend
            await self._settle(self.outbox.remove, key)
            raise
        await self._settle(self.outbox.remove, key)
        return decision

    @staticmethod
    async def _settle(step: Callable[..., None], *args: str) -> None:
        """Bookkeeping after the API has answered. If the outbox file fails here the API's
        answer still stands: an entry left behind is sent again with the same idempotency key
        and the API answers it with the decision it already stored (or the same refusal)."""
        with suppress(OutboxError):
            await asyncio.to_thread(step, *args)

    async def pending(self) -> list[Pending]:
        return await asyncio.to_thread(self.outbox.entries)

    async def sync(self) -> SyncReport:
        """Send every pending decision again with its key; stop at the first unreachable API."""
        async with self._sync_lock:
            delivered: list[Decision] = []
            failed: list[tuple[str, StoreError]] = []
            entries = await asyncio.to_thread(self.outbox.entries, "pending")
            for i, entry in enumerate(entries):
                try:
                    decision = await self.api.record_decision(
                        entry.dispute_id,
                        entry.draft,
                        expected_version=entry.expected_version,
                        actor=entry.actor,
                        now=entry.created_at,
                        idempotency_key=entry.key,
                    )
                except StoreUnavailable as exc:
                    await self._settle(self.outbox.attempted, entry.key, str(exc))
                    return SyncReport(tuple(delivered), tuple(failed), len(entries) - i)
                except StoreError as exc:
                    await self._settle(self.outbox.fail, entry.key, str(exc))
                    failed.append((entry.dispute_id, exc))
                    continue
                await self._settle(self.outbox.remove, entry.key)
                delivered.append(decision)
            return SyncReport(tuple(delivered), tuple(failed), 0)

    async def close(self) -> None:
        await self.api.close()
        await asyncio.to_thread(self.outbox.close)
