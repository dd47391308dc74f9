"""The API's bulk actions (issue 19): `POST /bulk-jobs`, `POST /bulk-jobs/{id}/run`,
`GET /bulk-jobs/{id}`, and `GET /queue/ids` (every dispute matching the filters).

A job runs in the background of the server process that was asked (`POST`), dispute by
dispute, each in one transaction with its outcome (`Store.run_bulk`). Its state lives in the
database, so with several workers any of them answers the poll, and a job whose server stopped
is resumed by asking any of them to run it again (`POST /bulk-jobs/{id}/run`, which `HttpStore`
sends when a job makes no progress): the disputes already done are never acted on again, even
when two workers run the same job at once. The actor is always the token's owner; a job is
visible to its owner only (404 for anyone else).
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, FastAPI, Path
from fastapi.responses import Response

from mediator.clock import Clock
from mediator.domain.bulk_actions import MAX_JOB_ID, BulkKind, BulkRequest, BulkStatus
from mediator.domain.ids import name_problem
from mediator.domain.queue import QueueQuery
from mediator.domain.text import one_line
from mediator.server import errors
from mediator.server.answers import json_answer, route
from mediator.store.api_models import DisputeIds
from mediator.store.base import ServedStore, StaffMember, Store

log = logging.getLogger("mediator.serve")

JobPath = Annotated[str, Path(min_length=1, max_length=MAX_JOB_ID, examples=["bulk-4f1c2a4e"])]
Member = Callable[..., Awaitable[StaffMember] | StaffMember]
Filters = Callable[..., Awaitable[QueueQuery]]


class BulkRunner:
    """The jobs this process is running (at most one task per job id)."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store, self.clock = store, clock
        self.tasks: dict[str, asyncio.Task[None]] = {}

    def kick(self, job_id: str, actor: str) -> None:
        """Run the job's pending disputes in the background, unless this process already is."""
        running = self.tasks.get(job_id)
        if running is not None and not running.done():
            return
        task = asyncio.create_task(self._run(job_id, actor), name=f"bulk-{job_id}")
        self.tasks[job_id] = task
        task.add_done_callback(lambda t: self.tasks.pop(job_id, None) if t is task else None)

    async def _run(self, job_id: str, actor: str) -> None:
        try:
            async for _status in self.store.run_bulk(job_id, actor=actor, now=self.clock.now()):
                pass
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the job stays resumable; the client's poll sees no progress
            log.warning("bulk job %s stopped: %s", one_line(job_id, 80), one_line(str(exc)))

    async def stop(self) -> None:
        tasks = list(self.tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def install(
    app: FastAPI, store: ServedStore, clock: Clock, *, staff: Member, filters: Filters
) -> BulkRunner:
    """Add the bulk routes to `app`; the runner is stopped by the app's lifespan."""
    Staff = Annotated[StaffMember, Depends(staff)]
    Query = Annotated[QueueQuery, Depends(filters)]
    runner = BulkRunner(store, clock)

    @app.get("/queue/ids", tags=["queue", "bulk"], **route(200, DisputeIds, 422))
    async def queue_ids(query: Query) -> Response:
        """The ids of every dispute matching the filters, in the queue's order: a bulk action's
        "select all". 422 when more than 100,000 match (narrow the filters)."""
        return json_answer(DisputeIds(ids=await store.matching_ids(query)))

    @app.post("/bulk-jobs", tags=["bulk"], **route(202, BulkStatus, 400, 403, 409, 422))
    async def start(body: BulkRequest, who: Staff) -> Response:
        """Create the bulk job `id` (the client's idempotency key) over `dispute_ids` and run it
        in the background: poll `GET /bulk-jobs/{id}`. The same `id` and body again is the same
        job (with `retry: true`, its refused disputes are tried again; those done never are);
        another body under that `id` is 422 `idempotency_key_reused`. A hand-over names a
        member of staff (422 otherwise)."""
        action = body.action
        if action.kind is BulkKind.HAND_OVER:
            to = action.to or ""
            problem = name_problem(to)
            if problem is None and await store.staff_member(to) is None:
                problem = "is not a member of staff (mediator staff list)"
            if problem is not None:
                said = f"{one_line(repr(to), 70)} {problem}"
                raise errors.invalid(f"to: {said}", [("action.to", said)])
        status = await store.start_bulk(body, actor=who.name, now=clock.now())
        if not status.finished:
            runner.kick(body.id, who.name)
        return json_answer(status, 202)

    @app.post("/bulk-jobs/{job_id}/run", tags=["bulk"], **route(202, BulkStatus, 404, 422))
    async def run(job_id: JobPath, who: Staff) -> Response:
        """Run the job's pending disputes again if it stopped (a server restart): idempotent,
        nothing already done is done again."""
        status = await store.bulk_job(job_id, actor=who.name)
        if not status.finished:
            runner.kick(job_id, who.name)
        return json_answer(status, 202)

    @app.get("/bulk-jobs/{job_id}", tags=["bulk"], **route(200, BulkStatus, 404, 422))
    async def job(job_id: JobPath, who: Staff) -> Response:
        """The job's progress: how many disputes are done, refused (each with the reason, in
        the job's order) and pending."""
        return json_answer(await store.bulk_job(job_id, actor=who.name))

    return runner
