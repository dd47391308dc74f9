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
import json
import re
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from http import HTTPStatus
from typing import Annotated, Any, TypeVar

from fastapi import Depends, FastAPI, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from mediator import __version__
from mediator.clock import Clock
from mediator.domain import Actor, Decision
from mediator.importer import LineError, field_path
from mediator.store.base import (
    IdempotencyMismatch,
    InvalidDecision,
    NotFound,
    QueueKey,
    Role,
    StaffMember,
    StoreError,
    StoreUnavailable,
    VersionConflict,
)
from mediator.store.sql import SqlStore
from mediator.store.sql.deciding import MAX_KEY_CHARS
from mediator.store.wire import (
    WireError,
    counts_json,
    decision_text,
    decode_cursor,
    info_request_json,
    message_json,
    page_json,
    parse_draft,
    parse_query,
    record_json,
)

#: How long a checked token is trusted without asking the store again (a removed member of
#: staff is refused at most this long after).
TOKEN_CACHE_SECONDS = 10.0
TOKEN_CACHE_SIZE = 10_000
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


def _storable(text: str) -> str:
    """Refuse text that the databases would not keep alike: NUL (PostgreSQL cannot store it,
    SQLite would) and lone surrogates (not Unicode text; no driver can encode them)."""
    if "\x00" in text:
        raise ValueError("contains U+0000 (NUL), which cannot be stored")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("contains a lone surrogate, which is not Unicode text") from None
    return text


#: Text from a client: a string without NUL or lone surrogates (422 otherwise).
Text = Annotated[str, AfterValidator(_storable)]


class _Body(BaseModel):
    # An unknown field is refused, not dropped: a misspelt `return_required` must not become a
    # decision without a return, and `decided_by` / `author_name` come from the token. Strict:
    # `"return_required": "no"` is an error, not True (JSON types as `store.wire` reads them).
    model_config = ConfigDict(extra="forbid", strict=True)


class DecisionBody(_Body):
    """A decision. `decided_by` is the token's owner; `fee_refund` is computed (P-REFUND-FEE)."""

    outcome: Text = Field(examples=["buyer_partial_refund"])
    rationale: Text = Field(examples=["Left earbud defective per photo E-1."])
    refund_amount: Text | None = Field(default=None, examples=["20.00"])
    return_required: bool = False
    seller_keep_pct: Text | None = None
    seller_error: bool | None = None
    defective_or_misadvertised: bool | None = None
    message_to_parties: Text = ""
    seller_agreed_return: bool = False
    acknowledged: list[Text] = Field(default_factory=list, examples=[["P-OPEN-CONFIRMED"]])


class NoteBody(_Body):
    body: Text


class InfoRequestBody(_Body):
    party: Text = Field(examples=["seller"])
    message: Text


def create_app(store: SqlStore, clock: Clock, *, owns_store: bool = False) -> FastAPI:
    """The API over `store`; `clock` stamps every write (tests inject a frozen one).
    `owns_store`: close the store when the server shuts down."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            if owns_store:
                await store.close()

    app = FastAPI(
        lifespan=lifespan,
        title="mediator",
        version=__version__,
        description=__doc__,
        openapi_tags=[{"name": "queue"}, {"name": "disputes"}, {"name": "admin"}],
    )
    bearer = HTTPBearer(auto_error=False)
    #: token → (its owner, until when that answer is trusted): one store read per token and
    #: TOKEN_CACHE_SECONDS instead of one per request (1.3 ms of a decision's ~11 ms of CPU).
    tokens: dict[str, tuple[StaffMember, float]] = {}

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
            (".".join(str(p) for p in e.get("loc", ()) if p != "body") or "body", _message(e))
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

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # unknown routes (404), wrong methods (405), unparsable bodies (400): the same shape
        try:
            code = HTTPStatus(exc.status_code).phrase.lower().replace(" ", "_")
        except ValueError:
            code = "http_error"
        return JSONResponse(
            {"code": code, "detail": str(exc.detail)},
            status_code=exc.status_code,
            headers=exc.headers,
        )

    @app.exception_handler(Exception)
    async def _crash(_request: Request, exc: Exception) -> JSONResponse:
        # uvicorn still logs the traceback; the client gets the documented shape, not plain text
        return JSONResponse(
            {"code": "internal_error", "detail": f"internal server error ({type(exc).__name__})"},
            status_code=500,
        )

    # --- auth -----------------------------------------------------------------------------

    async def staff_member(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> StaffMember:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise _unauthorized("send Authorization: Bearer <token> (mediator staff add)")
        token = credentials.credentials
        known = tokens.get(token)
        if known is not None and known[1] > time.monotonic():
            return known[0]
        who = await store.staff_for_token(token)
        if who is None:
            raise _unauthorized("unknown or revoked token")
        if len(tokens) >= TOKEN_CACHE_SIZE:
            tokens.clear()
        tokens[token] = (who, time.monotonic() + TOKEN_CACHE_SECONDS)
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

    @app.get("/me", tags=["admin"])
    async def me(who: Staff) -> dict[str, str]:
        """Who the token belongs to (the `decided_by` of its writes) and their role."""
        return {"name": who.name, "role": who.role.value}

    @app.get("/queue", tags=["queue"])
    async def queue(
        who: Staff,
        q: Text | None = None,
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
        after_key = _wire(lambda: _cursor(after, "after")) if after else None
        before_key = _wire(lambda: _cursor(before, "before")) if before else None
        page = await store.queue_page(
            query, after=after_key, before=before_key, from_end=from_end, limit=limit
        )
        return page_json(page)

    @app.get("/queue/counts", tags=["queue"])
    async def queue_counts(
        who: Staff,
        q: Text | None = None,
        reason: str | None = None,
        status: str | None = None,
        flagged: bool = False,
        totals: Annotated[
            bool, Query(description="also the queue by status and the overdue count")
        ] = True,
    ) -> dict[str, Any]:
        """Rows matching the filters (at most 1,000: see `capped`), and with `totals` the queue
        by status and how many are overdue now."""
        query = _wire(lambda: parse_query(q, reason, status, flagged))
        return counts_json(await store.queue_counts(query, now=clock.now(), totals=totals))

    @app.get("/disputes/{dispute_id}", tags=["disputes"])
    async def get_dispute(dispute_id: Text, who: Staff, response: Response) -> dict[str, Any]:
        """The dispute (IMPORT_FORMAT.md), its version (also the ETag), decisions and request."""
        record = await store.get_dispute(dispute_id)
        response.headers["ETag"] = f'"{record.version}"'
        return record_json(record)

    @app.post(
        "/disputes/{dispute_id}/decisions",
        status_code=201,
        tags=["disputes"],
        response_model=None,
        responses={201: {"model": Decision, "description": "The decision (IMPORT_FORMAT.md)"}},
    )
    async def decide(
        dispute_id: Text,
        body: DecisionBody,
        who: Staff,
        if_match: Annotated[str | None, Header()] = None,
        idempotency_key: Annotated[str | None, Header()] = None,
    ) -> Response:
        """Write a decision. Needs `If-Match` (the version read) and an `Idempotency-Key`."""
        if not idempotency_key:
            raise ApiError(
                400, "idempotency_key_missing", "send an Idempotency-Key header with a decision"
            )
        if len(idempotency_key) > MAX_KEY_CHARS:
            raise ApiError(
                400,
                "idempotency_key_invalid",
                f"an Idempotency-Key has at most {MAX_KEY_CHARS} characters",
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
        # serialised once, by pydantic: the API's hottest answer skips FastAPI's encoder
        return Response(decision_text(decision), 201, media_type="application/json")

    @app.post("/disputes/{dispute_id}/notes", status_code=201, tags=["disputes"])
    async def add_note(dispute_id: Text, body: NoteBody, who: Staff) -> dict[str, Any]:
        """A staff note (no `If-Match`: notes never conflict with a decision)."""
        note = await store.add_note(dispute_id, body.body, actor=who.name, now=clock.now())
        return message_json(note)

    @app.post("/disputes/{dispute_id}/info-requests", status_code=201, tags=["disputes"])
    async def request_info(
        dispute_id: Text,
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


#: Messages for unknown body fields that say where the value really comes from.
_UNKNOWN_FIELD = {
    "decided_by": "unknown field (decided_by comes from the token)",
    "author_name": "unknown field (the author is the token's owner)",
    "asked_by": "unknown field (the asker is the token's owner)",
}


def _message(error: Any) -> str:
    if error.get("type") == "extra_forbidden":
        loc = error.get("loc", ())
        return _UNKNOWN_FIELD.get(str(loc[-1]) if loc else "", "unknown field")
    return str(error.get("msg", "")).removeprefix("Value error, ")


def _cursor(value: str, name: str) -> QueueKey:
    key = decode_cursor(value, name)
    if "\x00" in key.id:  # never issued; PostgreSQL would refuse it as a parameter
        raise WireError(f"{name}: not a cursor this server issued")
    return key


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
    from mediator.importer import clash_errors, no_disputes, parse_lines
    from mediator.store.base import ImportClash

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
    if not result.errors:
        result.errors.extend(_nul_errors(lines))
    if result.errors:
        raise _invalid_import(result.errors)
    if result.empty:
        raise ApiError(422, "invalid_import", no_disputes("the body"), errors=[], rules=[])
    try:
        report = await asyncio.to_thread(store.import_disputes, result.disputes)
    except ImportClash as exc:  # ids the store holds under other disputes: name their lines
        raise _invalid_import(clash_errors(exc, result.line_of)) from None
    return {
        "inserted": report.inserted,
        "updated": report.updated,
        "skipped": [{"id": i, "why": w} for i, w in report.skipped],
    }


def _invalid_import(line_errors: list[LineError]) -> ApiError:
    errors = [(f"line {e.line}: {e.field}", e.message) for e in line_errors[:100]]
    first, n = line_errors[0], len(line_errors)
    return ApiError(
        422,
        "invalid_import",
        f"{n} error{'' if n == 1 else 's'}, nothing was imported; "
        f"first: line {first.line}: {first.field}: {first.message}",
        errors=errors,
        rules=sorted({r for _, m in errors for r in _RULE_ID.findall(m)}),
    )


def _nul_errors(lines: list[bytes]) -> list[LineError]:
    """A NUL (`\\u0000`) in a string of a valid line: PostgreSQL cannot store it (SQLite would),
    so the API refuses it on both, naming the line and the field."""
    errors: list[LineError] = []
    for number, line in enumerate(lines, 1):
        if b"\\u0000" not in line:  # the only way a NUL can be in a valid JSON line
            continue
        try:
            value = json.loads(line.removeprefix(b"\xef\xbb\xbf"))
        except ValueError:
            continue
        loc = _nul_at(value, ())
        if loc is not None:
            errors.append(
                LineError(number, field_path(loc), "contains U+0000 (NUL), which cannot be stored")
            )
    return errors


def _nul_at(value: Any, loc: tuple[int | str, ...]) -> tuple[int | str, ...] | None:
    """Where the first NUL in a JSON value is (in a key or a string), or None."""
    if isinstance(value, str):
        return loc if "\x00" in value else None
    items: list[tuple[int | str, Any]] = []
    if isinstance(value, dict):
        items = list(value.items())
    elif isinstance(value, list):
        items = list(enumerate(value))
    for key, item in items:
        if isinstance(key, str) and "\x00" in key:
            return (*loc, key)
        found = _nul_at(item, (*loc, key))
        if found is not None:
            return found
    return None
