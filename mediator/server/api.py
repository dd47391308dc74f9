"""`mediator serve`: the HTTP/JSON API over a store (FastAPI; OpenAPI at `/openapi.json`).

Contract (the HTTP store in `mediator.store.http` is its client; the shapes are the domain's
models and `store.api_models`, so both ends read and write the same classes):

- every route but `/healthz` needs `Authorization: Bearer <token>` (`mediator staff add`):
  401 without a valid token, 403 when the role may not (imports and escalation: supervisors);
- the actor of every write is the token's owner, never a field of the body;
- `GET /disputes/{id}` returns the dispute with `ETag: "<version>"`; writes that change it send
  `If-Match: "<version>"` (428 without it) and get 412 with the current dispute when it moved on;
- `POST /disputes/{id}/decisions` needs an `Idempotency-Key` (400 without it): the same key and
  body replay the first 201 response, the same key with another body is 422
  `idempotency_key_reused` (IETF draft "The Idempotency-Key HTTP Header Field");
- a refused decision is 422 with `errors` ([field, message]), `blocks` (policy rule ids that
  forbid it, e.g. `P-REFUND-PAIDOUT`; `code: policy_block`) and `warnings` (rule ids still to
  acknowledge; `code: unacknowledged_warnings` when nothing blocks);
- claims (issue 15), a lease judged by the store's clock and always the token owner's:
  `PUT /disputes/{id}/claim` claims or renews it (200 with the claim: `holder`, `until`),
  `DELETE /disputes/{id}/claim` releases it (204; `force=true` breaks someone else's claim, for
  supervisors: 403 otherwise), `POST …/claim/takeover` takes it over (recorded),
  `POST …/claim/handover` gives it to a named member of staff with a note (422 for a name that
  is not staff), `POST /queue/claim-next` claims the most urgent unclaimed dispute matching the
  queue's filters (204 when none is left), `GET /me/claims` lists the token owner's claims, and
  `GET /queue?claims=mine|unclaimed` filters by them. A claim on a dispute that is not in the
  queue is 422;
- a claim, release, hand-over or write (decision, note, information request) on a dispute that
  someone else holds is 409 `claimed`, with the `holder` and the `claim`: nothing was written;
- reviews (issue 16): a decision the review rule catches is written as a proposal and answered
  **202** `{"state": "proposed", "decision_id", "decision", "reasons"}` (the dispute is
  `awaiting_review`, out of the queue); every other decision stays 201 and final. A replay of a
  proposal answers as the decision stands now: 202 `proposed` while it waits, 202 `returned` or
  `overturned` after such a review, 201 with the decision once it was approved;
- `GET` / `PUT /review-rule` reads and sets which decisions need a second person, `GET /reviews`
  lists the proposals waiting (oldest, then largest, first), `POST /decisions/{id}/review`
  approves, overturns (with a `decision`, checked against the policy: 422 as a decision is) or
  returns (with a `note`) one, answering the `ReviewOutcome`; all of them for supervisors
  (`forbidden` for agents). A review the store refuses is 403 `not_allowed` naming why (the
  reviewer proposed it, or took part in the dispute); a proposal reviewed already is 409
  `already_reviewed` with the proposal as it stands;
- `GET /disputes/{id}/history` lists the dispute's audit entries, oldest first (any staff);
- a long transcript is read window by window (issue 18): `GET /disputes/{id}?newest=N` has only
  the N newest messages and the older ones the timers rest on (`window`), and
  `GET /disputes/{id}/messages?before_at=&before_id=&limit=` the messages before a (time, id)
  key, oldest first;
- bulk actions (issue 19) are jobs: `POST /bulk-jobs` creates one (its `id` is the client's
  idempotency key; 202) and runs it in the background, `GET /bulk-jobs/{id}` polls its
  progress and refused disputes, `POST /bulk-jobs/{id}/run` resumes one whose server stopped,
  `GET /queue/ids` lists every dispute matching the filters (`server.bulk_jobs`).

Every error body is `{"code": …, "detail": "<one line>"}` plus the fields named above.
"""

import re
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Annotated, Any, TypeVar

from fastapi import Depends, FastAPI, Header, Query, Request
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from mediator import __version__
from mediator.clock import Clock
from mediator.domain import Decision, DecisionDraft, DisputeRecord, InfoRequest, Message
from mediator.domain.claims import Claim, ClaimFilter
from mediator.domain.ids import name_problem
from mediator.domain.models import StorableText
from mediator.domain.queue import QueueCounts, QueueKey, QueueQuery, SortKey
from mediator.domain.text import one_line
from mediator.server import bulk_jobs, errors, events, macros, reports, reviews
from mediator.server.answers import DisputePath
from mediator.server.answers import json_answer as _json
from mediator.server.answers import route as _route
from mediator.server.errors import unauthorized
from mediator.server.imports import import_lines
from mediator.store.api_models import (
    ClaimBody,
    Claims,
    Escalation,
    Escalations,
    HandOverBody,
    Health,
    InfoRequestBody,
    Messages,
    NoteBody,
    ProposedBody,
)
from mediator.store.base import (
    MAX_KEY_CHARS,
    ImportReport,
    Role,
    ServedStore,
    StaffMember,
)
from mediator.store.wire import CursorPage, WireError, decode_cursor, parse_query

#: How long a checked token is trusted without asking the store again (a removed member of
#: staff is refused at most this long after).
TOKEN_CACHE_SECONDS = 10.0
TOKEN_CACHE_SIZE = 10_000
#: Largest queue page a client may ask for.
MAX_PAGE = 500
#: Most messages of a dispute asked for by number (`newest`, `limit`; no `limit`: all).
MAX_MESSAGES = 100_000

_VERSION = re.compile(r'^\s*(?:W/)?"?(\d{1,18})"?\s*$')

IfMatch = Annotated[
    str,
    Header(
        pattern=_VERSION.pattern,
        description='The version read (GET /disputes/{id} has it as ETag), e.g. `"3"`',
        examples=['"1"'],
    ),
]
IdempotencyKey = Annotated[
    str,
    Header(
        min_length=1,
        max_length=MAX_KEY_CHARS,
        description="Made once per decision by the client; a retry sends the same key",
        examples=["mediator-4f1c2a4e-6d1b-4b8e-9a55-1f0c3f7f3e21"],
    ),
]


#: The answer of `POST /disputes/{id}/decisions` when the review rule catches the decision.
_PROPOSED: dict[int | str, dict[str, Any]] = {
    202: {
        "model": ProposedBody,
        "description": "The review rule caught the decision: written as a proposal that waits "
        "for a supervisor (no money is final); on a replay, as it stands now",
    }
}
#: The answer of `POST /queue/claim-next` when no dispute is left to claim.
_NOTHING_LEFT: dict[int | str, dict[str, Any]] = {
    204: {"description": "No dispute matching the filters is left unclaimed"}
}


def create_app(store: ServedStore, clock: Clock, *, owns_store: bool = False) -> FastAPI:
    """The API over `store`; `clock` stamps every write (tests inject a frozen one).
    `owns_store`: close the store when the server shuts down."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await runner.stop()
            if owns_store:
                await store.close()

    app = FastAPI(
        lifespan=lifespan,
        title="mediator",
        version=__version__,
        description=__doc__,
        openapi_tags=[
            {"name": "queue"},
            {"name": "disputes"},
            {"name": "claims"},
            {"name": "reviews", "description": "The two-person rule (issue 16)"},
            {"name": "macros", "description": "Canned replies (issue 19)"},
            {"name": "bulk", "description": "Bulk actions, as jobs that can be polled (issue 19)"},
            {"name": "admin"},
        ],
    )
    errors.install(app)
    bearer = HTTPBearer(auto_error=False)
    #: token → (its owner, until when that answer is trusted): one store read per token and
    #: TOKEN_CACHE_SECONDS instead of one per request (1.3 ms of a decision's ~11 ms of CPU).
    tokens: dict[str, tuple[StaffMember, float]] = {}

    # --- auth -----------------------------------------------------------------------------

    async def staff_member(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> StaffMember:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise unauthorized("send Authorization: Bearer <token> (mediator staff add)")
        token = credentials.credentials
        known = tokens.get(token)
        if known is not None and known[1] > time.monotonic():
            return known[0]
        who = await store.staff_for_token(token)
        if who is None:
            raise unauthorized("unknown or revoked token")
        if len(tokens) >= TOKEN_CACHE_SIZE:
            tokens.clear()
        tokens[token] = (who, time.monotonic() + TOKEN_CACHE_SECONDS)
        return who

    Staff = Annotated[StaffMember, Depends(staff_member)]
    events.install(app, store, staff_member)  # GET /events: the change feed (issue 15)

    def supervisor(who: Staff) -> StaffMember:
        if who.role is not Role.SUPERVISOR:
            raise errors.error(403, "forbidden", f"{who.name} is an agent; this needs a supervisor")
        return who

    Supervisor = Annotated[StaffMember, Depends(supervisor)]

    # --- routes ---------------------------------------------------------------------------

    @app.get("/healthz", tags=["admin"], response_model=Health)
    async def healthz() -> Health:
        return Health(store=store.label, version=__version__)

    @app.get("/me", tags=["admin"], **_route(200, StaffMember))
    async def me(who: Staff) -> Response:
        """Who the token belongs to (the `decided_by` of its writes) and their role."""
        return _json(who)

    async def queue_query(  # async: FastAPI would run a plain function in a thread
        who: Staff,
        q: StorableText | None = None,
        reason: Annotated[str | None, Query(description="comma-separated reasons")] = None,
        status: Annotated[str | None, Query(description="comma-separated statuses")] = None,
        flagged: bool = False,
        claims: Annotated[
            ClaimFilter,
            Query(description="every dispute, the token owner's claims, or those nobody holds"),
        ] = ClaimFilter.ALL,
        overdue_at: Annotated[
            str | None, Query(description="drill-down: only disputes overdue at this ISO time")
        ] = None,
        decided: Annotated[
            str | None,
            Query(
                description="drill-down: only disputes with such a decision, a JSON object of "
                'strings (start, end, by, outcome, currency, refunded "True", kind '
                "standing|overturned|returned)"
            ),
        ] = None,
        deadline: Annotated[
            str | None,
            Query(
                description="drill-down: a deadline met or breached, a JSON object of strings "
                "(rule, tally met|breached, start, end, now)"
            ),
        ] = None,
        sort: Annotated[
            str | None,
            Query(
                description="the order: a column, one of "
                + ", ".join(k.value for k in SortKey)
                + " (default due: the next deadline first; ties by deadline, then id)"
            ),
        ] = None,
        direction: Annotated[
            str | None, Query(description="asc (default) or desc: the whole order reversed")
        ] = None,
    ) -> QueueQuery:
        # `mine` is the token owner's: never a name the client sends
        return _wire(
            lambda: parse_query(
                q, reason, status, flagged, claims.value, agent=who.name,
                overdue_at=overdue_at, decided=decided, deadline=deadline,
                sort=sort, direction=direction,
            )
        )  # fmt: skip

    Filters = Annotated[QueueQuery, Depends(queue_query)]

    @app.get("/queue", tags=["queue"], **_route(200, CursorPage, 422))
    async def queue(
        query: Filters,
        after: Annotated[str | None, Query(description="a page's `last`: the rows after")] = None,
        before: Annotated[
            str | None, Query(description="a page's `first`: the rows before")
        ] = None,
        from_end: bool = False,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
    ) -> Response:
        """One page of the queue in urgency order (or `sort`'s), by keyset (`after`/`before`
        cursors, which hold the order's values: pass them back with the same `sort`)."""
        after_key = _cursor(after, "after", query.sort)
        before_key = _cursor(before, "before", query.sort)
        page = await store.queue_page(
            query, after=after_key, before=before_key, from_end=from_end, limit=limit
        )
        return _json(CursorPage.of(page, query.sort))

    @app.get("/queue/counts", tags=["queue"], **_route(200, QueueCounts, 422))
    async def queue_counts(
        query: Filters,
        totals: Annotated[
            bool, Query(description="also the queue by status and the overdue count")
        ] = True,
    ) -> Response:
        """Rows matching the filters (at most 1,000: see `capped`), and with `totals` the queue
        by status and how many are overdue now."""
        return _json(await store.queue_counts(query, now=clock.now(), totals=totals))

    @app.post(
        "/queue/claim-next",
        tags=["queue", "claims"],
        **_route(200, Claim, 400, 422, also=_NOTHING_LEFT),
    )
    async def claim_next(query: Filters, body: ClaimBody, who: Staff) -> Response:
        """Claim the most urgent dispute matching the filters that nobody holds, for the token's
        owner (the main loop of a shift agent); 204 when none is left. Two agents asking at
        once get two different disputes."""
        claim = await store.claim_next(query, actor=who.name, lease=_lease(body))
        return Response(status_code=204) if claim is None else _json(claim)

    etag = {"ETag": {"description": 'The version, e.g. `"3"`', "schema": {"type": "string"}}}

    @app.get(
        "/disputes/{dispute_id}",
        tags=["disputes"],
        **_route(200, DisputeRecord, 404, 422, headers=etag),
    )
    async def get_dispute(
        dispute_id: DisputePath,
        who: Staff,
        newest: Annotated[
            int | None,
            Query(ge=1, le=MAX_MESSAGES, description="only the newest messages (`window`)"),
        ] = None,
    ) -> Response:
        """The dispute (IMPORT_FORMAT.md), its version (also the ETag), decisions and request.
        With `newest`: only that many of the newest messages, and the older ones its timers
        rest on (`window` says how many are the newest; the rest: `…/messages`)."""
        record = await store.get_dispute(dispute_id, newest=newest)
        return _json(record, headers={"ETag": f'"{record.version}"'})

    @app.get(
        "/disputes/{dispute_id}/messages",
        tags=["disputes"],
        **_route(200, Messages, 404, 422),
    )
    async def dispute_messages(
        dispute_id: DisputePath,
        who: Staff,
        before_at: Annotated[
            datetime | None, Query(description="with `before_id`: the messages before this key")
        ] = None,
        before_id: Annotated[StorableText | None, Query(max_length=64)] = None,
        limit: Annotated[int | None, Query(ge=1, le=MAX_MESSAGES)] = None,
    ) -> Response:
        """The transcript window by window (issue 18), oldest first: the newest `limit`
        messages (all: none given) before (`before_at`, `before_id`), a keyset on the
        messages' time and id (none given: the newest)."""
        if (before_at is None) != (before_id is None):
            problem = "before_at and before_id go together"
            raise errors.invalid(problem, [("before_at", problem)])
        if before_at is not None and before_at.tzinfo is None:
            problem = "before_at: an ISO time with its offset"
            raise errors.invalid(problem, [("before_at", problem)])
        before = None if before_at is None or before_id is None else (before_at, before_id)
        found = await store.dispute_messages(dispute_id, before=before, limit=limit)
        return _json(Messages(messages=found))

    @app.post(
        "/disputes/{dispute_id}/decisions",
        tags=["disputes"],
        **_route(201, Decision, 400, 404, 409, 412, 422, 428, also=_PROPOSED),
    )
    async def decide(
        dispute_id: DisputePath,
        body: DecisionDraft,
        who: Staff,
        if_match: IfMatch,
        idempotency_key: IdempotencyKey,
    ) -> Response:
        """Write a decision (`decided_by` is the token's owner, `fee_refund` is computed:
        P-REFUND-FEE). Needs `If-Match` (the version read) and an `Idempotency-Key`; 409 when
        someone else holds the dispute's claim. 202 when the review rule catches it (a
        proposal that waits for a supervisor); a replay answers as the decision stands now."""
        decision = await store.record_decision(
            dispute_id,
            body,
            expected_version=_version(if_match),
            actor=who.name,
            now=clock.now(),
            idempotency_key=idempotency_key,
        )
        proposed = ProposedBody.of(decision)
        return _json(decision, 201) if proposed is None else _json(proposed, 202)

    @app.post(
        "/disputes/{dispute_id}/notes",
        tags=["disputes"],
        **_route(201, Message, 400, 404, 409, 422),
    )
    async def add_note(dispute_id: DisputePath, body: NoteBody, who: Staff) -> Response:
        """A staff note (no `If-Match`: notes never conflict with a decision); 409 when someone
        else holds the dispute's claim."""
        note = await store.add_note(dispute_id, body.body, actor=who.name, now=clock.now())
        return _json(note, 201)

    @app.post(
        "/disputes/{dispute_id}/info-requests",
        tags=["disputes"],
        **_route(201, InfoRequest, 400, 404, 409, 412, 422, 428),
    )
    async def request_info(
        dispute_id: DisputePath, body: InfoRequestBody, who: Staff, if_match: IfMatch
    ) -> Response:
        """Ask the buyer or seller for information (P-INFO-7D). Needs `If-Match`; 409 when
        someone else holds the dispute's claim."""
        request = await store.request_info(
            dispute_id,
            body.party,
            body.message,
            expected_version=_version(if_match),
            actor=who.name,
            now=clock.now(),
        )
        return _json(request, 201)

    # --- claims (issue 15): always the token owner's -------------------------------------

    @app.put(
        "/disputes/{dispute_id}/claim", tags=["claims"], **_route(200, Claim, 400, 404, 409, 422)
    )
    async def claim(dispute_id: DisputePath, body: ClaimBody, who: Staff) -> Response:
        """Claim the dispute for `lease_seconds` from now (the server's clock), or renew the
        token owner's claim. 409 (`holder`) when someone else holds it; 422 when the dispute is
        not in the queue."""
        return _json(await store.claim(dispute_id, actor=who.name, lease=_lease(body)))

    @app.delete(
        "/disputes/{dispute_id}/claim", tags=["claims"], **_route(204, None, 403, 404, 409, 422)
    )
    async def release(
        dispute_id: DisputePath,
        who: Staff,
        force: Annotated[
            bool, Query(description="break someone else's claim (supervisors; recorded)")
        ] = False,
    ) -> Response:
        """Release the token owner's claim (nothing to do when they hold none). 409 when someone
        else holds it, unless a supervisor sends `force=true`."""
        if force and who.role is not Role.SUPERVISOR:
            raise errors.error(
                403, "forbidden", f"{who.name} is an agent; breaking a claim needs a supervisor"
            )
        await store.release(dispute_id, actor=who.name, force=force)
        return Response(status_code=204)

    @app.post(
        "/disputes/{dispute_id}/claim/takeover",
        tags=["claims"],
        **_route(200, Claim, 400, 404, 422),
    )
    async def take_over(dispute_id: DisputePath, body: ClaimBody, who: Staff) -> Response:
        """Take the dispute over from whoever holds it (recorded; the previous holder's next
        renewal is 409 naming the token's owner)."""
        claim = await store.claim(dispute_id, actor=who.name, lease=_lease(body), take_over=True)
        return _json(claim)

    @app.post(
        "/disputes/{dispute_id}/claim/handover",
        tags=["claims"],
        **_route(200, Claim, 400, 404, 409, 422),
    )
    async def hand_over(dispute_id: DisputePath, body: HandOverBody, who: Staff) -> Response:
        """Hand the token owner's claim (or a dispute nobody holds) to the member of staff `to`,
        with `note`, which shows in the timeline (a shift hand-over). 422 when `to` is not a
        member of staff; 409 when someone else holds the dispute."""
        problem = name_problem(body.to)
        if problem is None and await store.staff_member(body.to) is None:
            problem = "is not a member of staff (mediator staff list)"
        if problem is not None:
            said = f"{one_line(repr(body.to), 70)} {problem}"
            raise errors.invalid(f"to: {said}", [("to", said)])
        claim = await store.hand_over(
            dispute_id, actor=who.name, to=body.to, note=body.note, lease=_lease(body)
        )
        return _json(claim)

    @app.get("/me/claims", tags=["claims"], **_route(200, Claims))
    async def my_claims(who: Staff) -> Response:
        """The claims the token's owner holds now, most urgent first."""
        return _json(Claims(claims=await store.claims_held(who.name)))

    # issue 16: the review rule, the review queue, verdicts; the dispute's history
    reviews.install(app, store, clock, staff=staff_member, supervisor=supervisor)
    reports.install(app, store, clock, supervisor=supervisor)
    # issue 19: canned replies (staff read, supervisors write)
    macros.install(app, store, clock, staff=staff_member, supervisor=supervisor)
    runner = bulk_jobs.install(app, store, clock, staff=staff_member, filters=queue_query)

    # --- admin ----------------------------------------------------------------------------

    @app.post("/escalations", tags=["admin"], **_route(200, Escalations, 403))
    async def escalate(who: Supervisor) -> Response:
        """Auto-escalate every dispute whose timer ran out (supervisors; idempotent)."""
        done = await store.escalate_due(clock.now())
        return _json(Escalations(escalated=[Escalation(id=i, cause=c) for i, c in done]))

    @app.post(
        "/imports",
        tags=["admin"],
        openapi_extra={
            "requestBody": {
                "required": True,
                "description": "JSON Lines: one dispute per line (IMPORT_FORMAT.md)",
                "content": {"text/plain": {"schema": {"type": "string"}}},
            }
        },
        **_route(200, ImportReport, 403, 413, 422),
    )
    async def import_disputes(request: Request, who: Supervisor) -> Response:
        """Import disputes (JSON Lines, IMPORT_FORMAT.md), all or nothing (supervisors)."""
        return _json(await import_lines(store, request, actor=who.name))

    return app


# --- helpers -----------------------------------------------------------------------------

T = TypeVar("T")


def _wire(parse: Callable[[], T]) -> T:
    try:
        return parse()
    except WireError as exc:
        field = str(exc).split(":", 1)[0]
        raise errors.invalid(str(exc), [(field, str(exc))]) from None


def _cursor(value: str | None, name: str, sort: SortKey) -> QueueKey | None:
    return None if value is None else _wire(lambda: decode_cursor(value, name, sort))


def _lease(body: ClaimBody) -> timedelta:
    return timedelta(seconds=body.lease_seconds)


def _version(if_match: str) -> int:
    match = _VERSION.match(if_match)
    if match is None:  # the header's pattern is checked before; a guard, not a path
        raise errors.error(400, "bad_if_match", f"If-Match {if_match!r} is not a version")
    return int(match.group(1))
