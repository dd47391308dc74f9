"""Every error the API answers with, and the OpenAPI declaration of each.

Every error body is an `ErrorBody` (`{"code": …, "detail": "<one line>"}`); a 422 is an
`InvalidBody` (with `errors`, `blocks`, `warnings`), a 412 a `ConflictBody` (with `current`) and
a 409 a `ClaimedBody` (with `holder` and `claim`: someone else holds the dispute, issue 15), or
on a review an `AlreadyReviewedBody` (with the proposal as it stands: issue 16).
The same classes declare the responses in the OpenAPI document, so it says what is sent.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from mediator.store.api_models import (
    AlreadyReviewedBody,
    ClaimedBody,
    ConflictBody,
    ErrorBody,
    InvalidBody,
)
from mediator.store.base import (
    MAX_KEY_CHARS,
    AlreadyReviewed,
    Claimed,
    IdempotencyMismatch,
    InvalidDecision,
    NotAllowed,
    NotFound,
    StoreError,
    StoreUnavailable,
    VersionConflict,
)


class ApiError(Exception):
    """An error answer: HTTP `status` and its body (an `ErrorBody` or one of its kinds)."""

    def __init__(self, status: int, body: ErrorBody, headers: dict[str, str] | None = None):
        super().__init__(body.detail)
        self.status = status
        self.body = body
        self.headers = headers or {}


def error(status: int, code: str, detail: str) -> ApiError:
    return ApiError(status, ErrorBody(code=code, detail=detail))


def invalid(
    detail: str,
    errors: list[tuple[str, str]],
    *,
    code: str = "invalid_request",
    blocks: Iterable[str] = (),
) -> ApiError:
    return ApiError(
        422,
        InvalidBody(code=code, detail=detail, errors=errors, blocks=list(blocks), warnings=[]),
    )


def invalid_value(exc: ValidationError) -> ApiError:
    """422 for a value a handler validated itself (a review rule's currencies and amounts),
    naming the field and the value as a request's own errors do."""
    errors = _pairs(exc.errors())
    return invalid("; ".join(f"{f}: {m}" for f, m in errors), errors)


def unauthorized(detail: str) -> ApiError:
    return ApiError(
        401, ErrorBody(code="unauthorized", detail=detail), {"WWW-Authenticate": "Bearer"}
    )


# --- the answers -------------------------------------------------------------------------


def _answer(exc: ApiError) -> JSONResponse:
    return JSONResponse(exc.body.model_dump(mode="json"), exc.status, headers=exc.headers)


def store_error(exc: StoreError) -> ApiError:
    """The answer to a store's refusal (the store returns data; the words are the API's)."""
    if isinstance(exc, NotFound):
        return error(404, "not_found", str(exc))
    if isinstance(exc, NotAllowed):
        # who may not, and why (an agent reviewing, a supervisor who proposed or took part)
        return error(403, "not_allowed", str(exc))
    if isinstance(exc, AlreadyReviewed):
        return ApiError(409, AlreadyReviewedBody(detail=str(exc), decision=exc.decision))
    if isinstance(exc, Claimed):
        claimed = ClaimedBody(detail=str(exc), holder=exc.claim.holder, claim=exc.claim)
        return ApiError(409, claimed)
    if isinstance(exc, VersionConflict):
        return ApiError(412, ConflictBody(detail=_conflict_detail(exc), current=exc.current))
    if isinstance(exc, IdempotencyMismatch):
        # a 422 is an `InvalidBody`, as the document says, whatever its code
        return invalid(str(exc), [("Idempotency-Key", str(exc))], code="idempotency_key_reused")
    if isinstance(exc, InvalidDecision):
        code = "invalid_request"
        if exc.blocks:
            code = "policy_block"
        elif exc.warnings:
            code = "unacknowledged_warnings"
        body = InvalidBody(
            code=code,
            detail=str(exc),
            errors=exc.errors,
            blocks=list(exc.blocks),
            warnings=list(exc.warnings),
        )
        return ApiError(422, body)
    if isinstance(exc, StoreUnavailable):
        return error(503, "store_unavailable", str(exc))
    return error(500, "store_error", str(exc))


def _conflict_detail(exc: VersionConflict) -> str:
    """The 412's `detail`: who changed the dispute and when (UTC; the console says it in the
    agent's own words and time zone, from `current`)."""
    current = exc.current
    now = f", the dispute is at version {current.version}" if current else ""
    based = f"nothing was written (the request was based on version {exc.expected}{now})"
    if current is not None and current.decisions:
        last = current.decisions[-1]
        at = f"{last.decided_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
        return f"{exc.dispute_id} was decided by {last.decided_by} at {at}; {based}"
    return f"{exc.dispute_id} was changed since you read it; {based}"


#: Messages for unknown body fields that say where the value really comes from.
_UNKNOWN_FIELD = {
    "decided_by": "unknown field (decided_by comes from the token)",
    "author_name": "unknown field (the author is the token's owner)",
    "asked_by": "unknown field (the asker is the token's owner)",
}


def _message(error: Any) -> str:
    loc = error.get("loc", ())
    if error.get("type") == "extra_forbidden":
        return _UNKNOWN_FIELD.get(str(loc[-1]) if loc else "", "unknown field")
    if loc and loc[-1] == "[key]" and error.get("type") == "string_pattern_mismatch":
        # a dict key with a pattern: the currencies of a review rule
        return f"{str(error.get('input'))!r} is not a currency code such as USD"
    return str(error.get("msg", "")).removeprefix("Value error, ")


def _pairs(raw: Iterable[Any]) -> list[tuple[str, str]]:
    """(field, message) for each of pydantic's errors; a dict key's error names the key."""
    return [
        (
            ".".join(str(p) for p in e.get("loc", ()) if p not in ("body", "[key]")) or "body",
            _message(e),
        )
        for e in raw
    ]


def _header_error(errors: list[Any]) -> ApiError | None:
    """A missing or malformed `Idempotency-Key` / `If-Match` is not a 422: it is the answer the
    header's own contract gives (IETF Idempotency-Key draft: 400; RFC 6585: 428)."""
    for e in errors:
        loc = tuple(e.get("loc", ()))
        missing = e.get("type") == "missing" or e.get("input") == ""
        if loc == ("header", "idempotency-key"):
            if missing:
                return error(
                    400, "idempotency_key_missing", "send an Idempotency-Key header with a decision"
                )
            return error(
                400,
                "idempotency_key_invalid",
                f"an Idempotency-Key has 1 to {MAX_KEY_CHARS} characters",
            )
    for e in errors:
        if tuple(e.get("loc", ())) == ("header", "if-match"):
            if e.get("type") == "missing":
                return error(
                    428,
                    "version_required",
                    'send If-Match: "<version>" (the version you read; '
                    "GET /disputes/{id} has it as ETag)",
                )
            return error(
                400, "bad_if_match", f'If-Match {e.get("input")!r} is not a version such as "3"'
            )
    return None


def install(app: FastAPI) -> None:
    """Answer every error in the documented shapes (not FastAPI's or Starlette's defaults)."""

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return _answer(exc)

    @app.exception_handler(StoreError)
    async def _store_error(_request: Request, exc: StoreError) -> JSONResponse:
        return _answer(store_error(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        raw = list(exc.errors())
        header = _header_error(raw)
        if header is not None:
            return _answer(header)
        errors = _pairs(raw)
        return _answer(invalid("; ".join(f"{f}: {m}" for f, m in errors), errors))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> Response:
        # unknown routes (404), wrong methods (405), unparsable bodies (400): the same shape
        try:
            code = HTTPStatus(exc.status_code).phrase.lower().replace(" ", "_")
        except ValueError:
            code = "http_error"
        body = ErrorBody(code=code, detail=str(exc.detail))
        return JSONResponse(body.model_dump(), exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def _crash(_request: Request, exc: Exception) -> JSONResponse:
        # uvicorn still logs the traceback; the client gets the documented shape, not plain text
        detail = f"internal server error ({type(exc).__name__})"
        return JSONResponse(ErrorBody(code="internal_error", detail=detail).model_dump(), 500)


# --- the OpenAPI declarations ------------------------------------------------------------

_WHY = {
    400: "A body that is not JSON, or a malformed Idempotency-Key or If-Match",
    401: "No token, or an unknown or revoked one",
    403: "The token's owner may not do this (`forbidden`: their role; `not_allowed`: the store's "
    "refusal, e.g. reviewing a decision they proposed or a dispute they took part in)",
    404: "No such dispute",
    409: "Someone else holds the dispute's claim (`holder`): nothing was written",
    412: "The dispute is not at the version in If-Match: nothing was written",
    413: "The body is too large",
    422: "The request breaks a rule: nothing was written",
    428: "If-Match is required",
    503: "The store cannot be reached",
}
_BODY: dict[int, type[BaseModel]] = {409: ClaimedBody, 412: ConflictBody, 422: InvalidBody}


def responses(
    *statuses: int, overrides: dict[int, tuple[type[BaseModel], str]] | None = None
) -> dict[int | str, dict[str, Any]]:
    """The error answers of a route, for FastAPI's `responses=` (every route may answer 401 and
    503; a route with parameters 422). `overrides`: a status whose body and meaning differ on
    this route (a review's 409 is `AlreadyReviewedBody`, not `ClaimedBody`)."""
    answers: dict[int | str, dict[str, Any]] = {
        status: {"model": _BODY.get(status, ErrorBody), "description": _WHY[status]}
        for status in sorted({401, 503, *statuses})
    }
    for status, (model, why) in (overrides or {}).items():
        answers[status] = {"model": model, "description": why}
    return answers
