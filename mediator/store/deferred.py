"""A store that is opened after the console's first frame (issue 18).

Opening the SQL store imports SQLAlchemy, SQLModel and the store's code: about half a second
on the 2-CPU machine, longer than the whole bare Textual app takes to show. `DeferredStore`
stands in for it: its first `queue_page` of the default query comes from `first`
(`sql.peek.first_page`, the standard library's `sqlite3`), and every other call waits until the
real store is open. It opens in a thread once `go()` says the first frame with rows is on screen
(the console calls it), or when `GO_ANYWAY` seconds have passed since the first call that needs
it, so that nothing waits forever if the frame never comes (a test without a queue screen).

A failure to open is the real store's own `StoreError`, raised by every call that needed it;
the next call tries again.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable
from contextlib import suppress
from datetime import datetime, timedelta

from mediator.domain.audit import AuditEntry
from mediator.domain.bulk_actions import BulkRequest, BulkStatus
from mediator.domain.changes import Change
from mediator.domain.claims import LEASE, Claim
from mediator.domain.enums import Actor
from mediator.domain.macros import Macro, MacroBody
from mediator.domain.models import Decision, DecisionDraft, DisputeRecord, InfoRequest, MessageKey
from mediator.domain.models import Message as ChatMessage
from mediator.domain.queue import QueueCounts, QueueKey, QueuePage, QueueQuery
from mediator.domain.report import Period, Summary
from mediator.domain.review import Proposal, ReviewOutcome, ReviewRule, ReviewVerdict
from mediator.store.base import StaffMember, Store

#: Seconds after the first call that needs the real store when it opens even without `go()`.
GO_ANYWAY = 1.0


class DeferredStore:
    """`Store` over a store opened by `open_store` (blocking; run in a thread) when asked."""

    def __init__(
        self,
        label: str,
        open_store: Callable[[], Store],
        *,
        first: Callable[[int], QueuePage | None] | None = None,
    ) -> None:
        self.label = label
        self._open_store = open_store
        #: Reads the default query's first page without the real store (None: cannot).
        self._first = first
        self._go: asyncio.Event | None = None
        self._opening: asyncio.Task[Store] | None = None
        self._store: Store | None = None

    # -- opening ---------------------------------------------------------------------------

    def go(self) -> None:
        """The first frame is on screen: open the real store now."""
        if self._go is None:
            self._go = asyncio.Event()
        self._go.set()

    async def ready(self) -> Store:
        """The real store, opened if it was not (after `go()`, or `GO_ANYWAY`)."""
        return await self._opened()

    @property
    def opened(self) -> Store | None:
        """The real store, once it is open."""
        return self._store

    async def _opened(self) -> Store:
        if self._store is not None:
            return self._store
        if self._opening is None or self._opening.done():  # done without a store: it failed
            self._opening = asyncio.create_task(self._open())
        # shielded: one caller's cancelled worker must not cancel the opening for the others
        return await asyncio.shield(self._opening)

    async def _open(self) -> Store:
        if self._go is None:
            self._go = asyncio.Event()
        with suppress(TimeoutError):
            await asyncio.wait_for(self._go.wait(), GO_ANYWAY)
        store = await asyncio.to_thread(self._open_store)
        self._store = store
        return store

    # -- the queue -------------------------------------------------------------------------

    async def queue_page(
        self,
        query: QueueQuery,
        *,
        after: QueueKey | None = None,
        before: QueueKey | None = None,
        from_end: bool = False,
        limit: int = 100,
    ) -> QueuePage:
        first = self._first
        plain = after is None and before is None and not from_end and query == QueueQuery()
        if self._store is None and first is not None and plain:
            page = await asyncio.to_thread(first, limit)  # a fresh read each time
            if page is not None:
                return page
        store = await self._opened()
        return await store.queue_page(
            query, after=after, before=before, from_end=from_end, limit=limit
        )

    async def queue_counts(
        self, query: QueueQuery, *, now: datetime | None = None, totals: bool = True
    ) -> QueueCounts:
        return await (await self._opened()).queue_counts(query, now=now, totals=totals)

    # -- everything else waits for the real store --------------------------------------------

    async def get_dispute(self, dispute_id: str, *, newest: int | None = None) -> DisputeRecord:
        return await (await self._opened()).get_dispute(dispute_id, newest=newest)

    async def dispute_messages(
        self, dispute_id: str, *, before: MessageKey | None = None, limit: int | None = None
    ) -> list[ChatMessage]:
        store = await self._opened()
        return await store.dispute_messages(dispute_id, before=before, limit=limit)

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
        store = await self._opened()
        return await store.record_decision(
            dispute_id,
            draft,
            expected_version=expected_version,
            actor=actor,
            now=now,
            idempotency_key=idempotency_key,
        )

    async def add_note(
        self, dispute_id: str, body: str, *, actor: str, now: datetime
    ) -> ChatMessage:
        return await (await self._opened()).add_note(dispute_id, body, actor=actor, now=now)

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
        store = await self._opened()
        return await store.request_info(
            dispute_id, party, message, expected_version=expected_version, actor=actor, now=now
        )

    async def escalate_due(self, now: datetime) -> list[tuple[str, str]]:
        return await (await self._opened()).escalate_due(now)

    async def claim(
        self, dispute_id: str, *, actor: str, lease: timedelta = LEASE, take_over: bool = False
    ) -> Claim:
        store = await self._opened()
        return await store.claim(dispute_id, actor=actor, lease=lease, take_over=take_over)

    async def release(self, dispute_id: str, *, actor: str, force: bool = False) -> None:
        await (await self._opened()).release(dispute_id, actor=actor, force=force)

    async def claim_next(
        self, query: QueueQuery, *, actor: str, lease: timedelta = LEASE
    ) -> Claim | None:
        return await (await self._opened()).claim_next(query, actor=actor, lease=lease)

    async def hand_over(
        self, dispute_id: str, *, actor: str, to: str, note: str, lease: timedelta = LEASE
    ) -> Claim:
        store = await self._opened()
        return await store.hand_over(dispute_id, actor=actor, to=to, note=note, lease=lease)

    async def claims_held(self, actor: str) -> list[Claim]:
        return await (await self._opened()).claims_held(actor)

    async def staff_role(self, actor: str) -> StaffMember | None:
        return await (await self._opened()).staff_role(actor)

    # canned replies (issue 19)
    async def macros(self, *, search: str = "", retired: bool = False) -> list[Macro]:
        return await (await self._opened()).macros(search=search, retired=retired)

    async def macro(self, macro_id: str, version: int | None = None) -> Macro:
        return await (await self._opened()).macro(macro_id, version)

    async def save_macro(
        self,
        body: MacroBody,
        *,
        macro_id: str | None = None,
        expected_version: int | None = None,
        actor: str,
        now: datetime,
    ) -> Macro:
        return await (await self._opened()).save_macro(
            body, macro_id=macro_id, expected_version=expected_version, actor=actor, now=now
        )

    async def retire_macro(self, macro_id: str, *, actor: str, now: datetime) -> Macro:
        return await (await self._opened()).retire_macro(macro_id, actor=actor, now=now)

    async def review_rule(self) -> ReviewRule:
        return await (await self._opened()).review_rule()

    async def set_review_rule(self, rule: ReviewRule, *, actor: str, now: datetime) -> ReviewRule:
        return await (await self._opened()).set_review_rule(rule, actor=actor, now=now)

    async def reviews(self, *, limit: int = 500) -> list[Proposal]:
        return await (await self._opened()).reviews(limit=limit)

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
        store = await self._opened()
        return await store.review(
            decision_id, verdict, note=note, decision=decision, actor=actor, now=now
        )

    async def history(self, dispute_id: str) -> list[AuditEntry]:
        return await (await self._opened()).history(dispute_id)

    async def summary(self, period: Period, *, now: datetime | None = None) -> Summary:
        return await (await self._opened()).summary(period, now=now)

    async def matching_ids(self, query: QueueQuery) -> list[str]:
        return await (await self._opened()).matching_ids(query)

    async def start_bulk(self, request: BulkRequest, *, actor: str, now: datetime) -> BulkStatus:
        return await (await self._opened()).start_bulk(request, actor=actor, now=now)

    async def run_bulk(
        self, job_id: str, *, actor: str, now: datetime
    ) -> AsyncGenerator[BulkStatus, None]:
        store = await self._opened()
        steps = store.run_bulk(job_id, actor=actor, now=now)
        try:
            async for status in steps:
                yield status
        finally:
            await steps.aclose()

    async def bulk_job(self, job_id: str, *, actor: str | None = None) -> BulkStatus:
        return await (await self._opened()).bulk_job(job_id, actor=actor)

    async def changes(self) -> AsyncGenerator[Change, None]:
        store = await self._opened()
        feed = store.changes()
        try:
            async for change in feed:
                yield change
        finally:
            await feed.aclose()

    async def close(self) -> None:
        """Close the real store if it was opened (an opening still under way finishes in its
        thread and is dropped with the process)."""
        if self._store is not None:
            await self._store.close()
