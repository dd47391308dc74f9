"""`mediator serve`: the HTTP/JSON API over a SQL store (FastAPI; OpenAPI at `/openapi.json`).

Contract (the HTTP store in `mediator.store.http` is its client; shapes in `store.wire`):

- every route but `/healthz` needs `Authorization: Bearer <token>` (`mediator staff add`):
  401 without a valid token, 403 when the role may not (imports and escalation: supervisors);
- the actor of every write is the token's owner, never a field of the body;
- `GET /disputes/{id}` returns the dispute with `ETag: "<version>"`; writes that change it send
  `If-Match: "<version>"` (428 without it) and get 412 with the current dispute when it moved on;
- `POST /disputes/{id}/decisions` needs an `Idempotency-Key` (400 without it): the same key and
  body replay the first 201 response, the same key with another body is 422
  `idempotency_key_reused` (IETF draft "The Idempotency-Key HTTP Header Field");
- policy blocks and invalid requests are 422 with `errors` ([field, message]) and `rules`
  (the policy rule ids, e.g. `P-REFUND-PAIDOUT`).

Every error body is `{"code": …, "detail": "<one line>"}` plus fields named above.
"""


import asyncio
import re
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, FastAPI, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from mediator import __version__
from mediator.clock import Clock
from mediator.domain import Actor
from mediator.store.base import (
    IdempotencyMismatch,
    InvalidDecision,
    NotFound,
    Role,
    StaffMember,
    StoreError,
    StoreUnavailable,
    VersionConflict,
)
from mediator.store.sql import SqlStore
from mediator.store.wire import (
    WireError,
    counts_json,
    decision_json,
    decode_cursor,
    info_request_json,
    message_json,
    page_json,
    parse_draft,
    parse_query,
    record_json,
)

#: Largest queue page a client may ask for.
MAX_PAGE = 500
#: Largest import body (bytes); bigger files go through `mediator import` on the server.
MAX_IMPORT_BYTES = 64 * 1024 * 1024

_RULE_ID = re.compile(r"\bP-[A-Z0-9]+(?:-[A-Z0-9]+)*\b")
_VERSION = re.compile(r'^\s*(?:W/)?"?(\d{1,18})"?\s*$')


class ApiError(Exception):
    """An error response: HTTP `status`, a machine `code`, one line of `detail`, extra fields."""

    def __init__(self, status: int, code: str, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail, self.extra = status, code, detail, extra
        self.headers: dict[str, str] = {}


# --- request bodies (documented in the OpenAPI schema) -------------------------------------


class DecisionBody(BaseModel):
    """A decision. `decided_by` is the token's owner; `fee_refund` is computed (P-REFUND-FEE)."""

    outcome: str = Field(examples=["buyer_partial_refund"])
    rationale: str = Field(examples=["Left earbud defective per photo E-1."])
    refund_amount: str | None = Field(default=None, examples=["20.00"])
    return_required: bool = False
    seller_keep_pct: str | None = None
    seller_error: bool | None = None
    defective_or_misadvertised: bool | None = None
    message_to_parties: str = ""
    seller_agreed_return: bool = False
    acknowledged: list[str] = Field(default_factory=list, examples=[["P-REFUND-LATE"]])


class NoteBody(BaseModel):
    body: str


class InfoRequestBody(BaseModel):
    party: str = Field(examples=["seller"])
    message: str


def create_app(store: SqlStore, clock: Clock) -> FastAPI:
    """The API over `store`; `clock` stamps every write (tests inject a frozen one)."""
    app = FastAPI(
        title="mediator",
        version=__version__,
        description=__doc__,
        openapi_tags=[{"name": "queue"}, {"name": "disputes"}, {"name": "admin"}],
    )
    bearer = HTTPBearer(auto_error=False)

    # --- errors ---------------------------------------------------------------------------

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(
            {"code": exc.code, "detail": exc.detail, **exc.extra},
            status_code=exc.status,
            headers=exc.headers,
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            (".".join(str(p) for p in e.get("loc", ()) if p != "body") or "body", e.get("msg", ""))
            for e in exc.errors()
        ]
        detail = "; ".join(f"{f}: {m}" for f, m in errors)
        return JSONResponse(
            {"code": "invalid_request", "detail": detail, "errors": errors, "rules": []},
            status_code=422,
        )

    @app.exception_handler(StoreError)
    async def _store_error(_request: Request, exc: StoreError) -> JSONResponse:
        return JSONResponse(_error_body(exc), status_code=_status_of(exc))

    # --- auth -----------------------------------------------------------------------------

    async def staff_member(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> StaffMember:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise _unauthorized("send Authorization: Bearer <token> (mediator staff add)")
        who = await asyncio.to_thread(store.staff_for_token_sync, credentials.credentials)
        if who is None:
            raise _unauthorized("unknown or revoked token")
        return who

    Staff = Annotated[StaffMember, Depends(staff_member)]

    def supervisor(who: Staff) -> StaffMember:
        if who.role is not Role.SUPERVISOR:
            raise ApiError(403, "forbidden", f"{who.name} is an agent; this needs a supervisor")
        return who

    Supervisor = Annotated[StaffMember, Depends(supervisor)]

    # --- routes ---------------------------------------------------------------------------

    @app.get("/healthz", tags=["admin"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "store": store.label, "version": __version__}

    @app.get("/queue", tags=["queue"])
    async def queue(
        who: Staff,
        q: str | None = None,
        reason: Annotated[str | None, Query(description="comma-separated reasons")] = None,
        status: Annotated[str | None, Query(description="comma-separated statuses")] = None,
        flagged: bool = False,
        after: Annotated[str | None, Query(description="a row's cursor: rows after it")] = None,
        before: Annotated[str | None, Query(description="a row's cursor: rows before it")] = None,
        from_end: bool = False,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
    ) -> dict[str, Any]:
        """One page of the queue in urgency order, by keyset (`after`/`before` cursors)."""
        query = _wire(lambda: parse_query(q, reason, status, flagged))
        after_key = _wire(lambda: decode_cursor(after, "after")) if after else None
        before_key = _wire(lambda: decode_cursor(before, "before")) if before else None
        page = await store.queue_page(
            query, after=after_key, before=before_key, from_end=from_end, limit=limit
        )
        return page_json(page)

    @app.get("/queue/counts", tags=["queue"])
    async def queue_counts(
        who: Staff,
        q: str | None = None,
        reason: str | None = None,
        status: str | None = None,
        flagged: bool = False,
    ) -> dict[str, Any]:
        """Rows matching the filters, the queue by status, and how many are overdue now."""
        query = _wire(lambda: parse_query(q, reason, status, flagged))
        return counts_json(await store.queue_counts(query, now=clock.now()))

    @app.get("/disputes/{dispute_id}", tags=["disputes"])
    async def get_dispute(dispute_id: str, who: Staff, response: Response) -> dict[str, Any]:
        """The dispute (IMPORT_FORMAT.md), its version (also the ETag), decisions and request."""
        record = await store.get_dispute(dispute_id)
        response.headers["ETag"] = f'"{record.version}"'
        return record_json(record)

    @app.post("/disputes/{dispute_id}/decisions", status_code=201, tags=["disputes"])
    async def decide(
        dispute_id: str,
        body: DecisionBody,
        who: Staff,
        if_match: Annotated[str | None, Header()] = None,
        idempotency_key: Annotated[str | None, Header()] = None,
    ) -> dict[str, Any]:
        """Write a decision. Needs `If-Match` (the version read) and an `Idempotency-Key`."""
        if not idempotency_key:
            raise ApiError(
                400, "idempotency_key_missing", "send an Idempotency-Key header with a decision"
            )
        version = _if_match(if_match)
        draft = _wire(lambda: parse_draft(body.model_dump()))
        decision = await store.record_decision(
            dispute_id,
            draft,
            expected_version=version,
            actor=who.name,
            now=clock.now(),
            idempotency_key=idempotency_key,
        )
        return decision_json(decision)

    @app.post("/disputes/{dispute_id}/notes", status_code=201, tags=["disputes"])
    async def add_note(dispute_id: str, body: NoteBody, who: Staff) -> dict[str, Any]:
        """A staff note (no `If-Match`: notes never conflict with a decision)."""
        note = await store.add_note(dispute_id, body.body, actor=who.name, now=clock.now())
        return message_json(note)

    @app.post("/disputes/{dispute_id}/info-requests", status_code=201, tags=["disputes"])
    async def request_info(
        dispute_id: str,
        body: InfoRequestBody,
        who: Staff,
        if_match: Annotated[str | None, Header()] = None,
    ) -> dict[str, Any]:
        """Ask the buyer or seller for information (P-INFO-7D). Needs `If-Match`."""
        version = _if_match(if_match)
        try:
            party = Actor(body.party)
        except ValueError:
            raise ApiError(
                422,
                "invalid_request",
                "party: buyer or seller",
                errors=[("party", "buyer or seller")],
                rules=[],
            ) from None
        request = await store.request_info(
            dispute_id,
            party,
            body.message,
            expected_version=version,
            actor=who.name,
            now=clock.now(),
        )
        return info_request_json(request)

    @app.post("/escalations", tags=["admin"])
    async def escalate(who: Supervisor) -> dict[str, Any]:
        """Auto-escalate every dispute whose timer ran out (supervisors; idempotent)."""
        done = await store.escalate_due(clock.now())
        return {"escalated": [{"id": i, "cause": c} for i, c in done]}

    @app.post("/imports", tags=["admin"])
    async def import_disputes(request: Request, who: Supervisor) -> dict[str, Any]:
        """Import disputes (JSON Lines, IMPORT_FORMAT.md), all or nothing (supervisors)."""
        return await _import(store, request)

    return app


# --- helpers -----------------------------------------------------------------------------


def _unauthorized(detail: str) -> ApiError:
    error = ApiError(401, "unauthorized", detail)
    error.headers["WWW-Authenticate"] = "Bearer"
    return error


T = TypeVar("T")


def _wire(parse: Callable[[], T]) -> T:
    try:
        return parse()
    except WireError as exc:
        field = str(exc).split(":", 1)[0]
        raise ApiError(
            422, "invalid_request", str(exc), errors=[(field, str(exc))], rules=[]
        ) from None


def _if_match(value: str | None) -> int:
    if value is None:
        raise ApiError(
            428,
            "version_required",
            'send If-Match: "<version>" (the version you read; GET /disputes/{id} has it as ETag)',
        )
    match = _VERSION.match(value)
    if match is None:
        raise ApiError(400, "bad_if_match", f'If-Match {value!r} is not a version such as "3"')
    return int(match.group(1))


def _status_of(exc: StoreError) -> int:
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, VersionConflict):
        return 412
    if isinstance(exc, InvalidDecision | IdempotencyMismatch):
        return 422
    if isinstance(exc, StoreUnavailable):
        return 503
    return 500


def _error_body(exc: StoreError) -> dict[str, Any]:
    if isinstance(exc, NotFound):
        return {"code": "not_found", "detail": str(exc)}
    if isinstance(exc, VersionConflict):
        current = None if exc.current is None else record_json(exc.current)
        return {"code": "version_conflict", "detail": str(exc), "current": current}
    if isinstance(exc, IdempotencyMismatch):
        return {"code": "idempotency_key_reused", "detail": str(exc)}
    if isinstance(exc, InvalidDecision):
        rules = sorted({r for _, m in exc.errors for r in _RULE_ID.findall(m)})
        return {
            "code": "policy_block" if rules else "invalid_request",
            "detail": str(exc),
            "errors": exc.errors,
            "rules": rules,
        }
    if isinstance(exc, StoreUnavailable):
        return {"code": "store_unavailable", "detail": str(exc)}
    return {"code": "store_error", "detail": str(exc)}


async def _import(store: SqlStore, request: Request) -> dict[str, Any]:
    from mediator.importer import parse_lines

    size = 0
    chunks: list[bytes] = []
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_IMPORT_BYTES:
            raise ApiError(
                413, "too_large", f"an import body is at most {MAX_IMPORT_BYTES:,} bytes"
            )
        chunks.append(chunk)
    lines = b"".join(chunks).splitlines()
    result = await asyncio.to_thread(parse_lines, lines)
    if result.errors:
        errors = [(f"line {e.line}: {e.field}", e.message) for e in result.errors[:100]]
        raise ApiError(
            422,
            "invalid_import",
            f"{len(result.errors)} errors, nothing was imported; first: "
            f"line {result.errors[0].line}: {result.errors[0].field}: {result.errors[0].message}",
            errors=errors,
            rules=sorted({r for _, m in errors for r in _RULE_ID.findall(m)}),
        )
    report = await asyncio.to_thread(store.import_disputes, result.disputes)
    return {
        "inserted": report.inserted,
        "updated": report.updated,
        "skipped": [{"id": i, "why": w} for i, w in report.skipped],
    }
