"""`HttpStore`: the `Store` protocol over the `mediator serve` API (httpx, async).

- Every call has a timeout (`TIMEOUT`, connect `CONNECT_TIMEOUT`).
- Retries with exponential backoff and jitter, on connection errors and 5xx only, and only when
  a retry cannot write twice: reads, decisions (they carry an `Idempotency-Key`: the server
  replays the first answer), and any request that never reached the server (connect errors).
  A note or an information request whose answer was lost is not re-sent; it fails with
  `StoreUnavailable`, and the agent sees what is stored when the dispute is reloaded.
- Errors map onto the protocol's: 404 `NotFound`, 412 `VersionConflict` (with the current
  dispute from the body), 409 `claimed` `Claimed` (with the claim), 409 `already_reviewed`
  `AlreadyReviewed` (with the proposal as it stands), 422 `InvalidDecision` /
  `IdempotencyMismatch`, 401/403 `NotAllowed` (a bad token, a role that may not, a review the
  store refuses), unreachable or 5xx after the retries `StoreUnavailable`.
- A decision the review rule catches is answered 202 with the proposal (issue 16):
  `record_decision` returns it like any decision (its `review["state"]` says `pending`).
  Reviews and the review rule are not retried once sent (a lost answer to a review would make
  its retry `AlreadyReviewed` by the reviewer themselves; a rule set twice is audited twice).
- The change feed (`changes()`) is `GET /events`, Server-Sent Events, read as a stream that
  reconnects by itself (`backoff.Backoff`) when the API goes away, for as long as it is iterated.
- Bodies are the server's own classes (the domain's models, `store.api_models`,
  `wire.CursorPage`), written and read by pydantic: no hand-written parser on either end.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, ValidationError

from mediator.domain import Actor, Decision, DecisionDraft, DisputeRecord, InfoRequest, Message
from mediator.domain.audit import AuditEntry
from mediator.domain.bulk_actions import BulkRequest, BulkStatus
from mediator.domain.changes import RESET, Change
from mediator.domain.claims import LEASE, Claim
from mediator.domain.macros import Macro, MacroBody
from mediator.domain.models import MessageKey
from mediator.domain.report import Period, Summary
from mediator.domain.review import (
    Proposal,
    ReviewBody,
    ReviewOutcome,
    ReviewRule,
    ReviewRuleBody,
    ReviewVerdict,
)
from mediator.store._httpx import httpx
from mediator.store.api_models import (
    AlreadyReviewedBody,
    ClaimBody,
    ClaimedBody,
    Claims,
    ConflictBody,
    DisputeIds,
    ErrorBody,
    HandOverBody,
    History,
    InfoRequestBody,
    InvalidBody,
    MacroEdit,
    MacroList,
    Messages,
    NoteBody,
    ProposedBody,
    Reviews,
)
from mediator.store.backoff import Backoff
from mediator.store.base import (
    AlreadyReviewed,
    Claimed,
    IdempotencyMismatch,
    InvalidDecision,
    NotAllowed,
    NotFound,
    QueueCounts,
    QueueKey,
    QueuePage,
    QueueQuery,
    StaffMember,
    StoreError,
    StoreUnavailable,
    VersionConflict,
)
from mediator.store.wire import CursorPage, encode_cursor, query_params

#: Seconds for a whole request (read, write, pool) and for connecting.
TIMEOUT = 10.0
CONNECT_TIMEOUT = 3.0
#: Seconds the event stream may stay silent before it is taken for dead: the server sends a
#: comment every 15 s (FastAPI's SSE keep-alive), so two missed ones and some.
EVENTS_READ_TIMEOUT = 35.0
#: Seconds between two polls of a bulk job, and without progress before it is run again.
BULK_POLL = 0.25
BULK_STALL = 15.0
#: Attempts after the first, and the first backoff (doubled each time, plus up to 50 % jitter).
RETRIES = 3
BACKOFF = 0.25


__all__ = ["HttpStore", "NotAllowed"]  # NotAllowed: the protocol's, 401 and 403 alike


class HttpStore:
    """A store behind `mediator serve` at `base_url`, as the staff member holding `token`."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float = TIMEOUT,
        retries: int = RETRIES,
        backoff: float = BACKOFF,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.label = f"api:{self.base_url}"
        self.retries = retries
        self.backoff = backoff
        self._client = httpx.AsyncClient(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=httpx.Timeout(timeout, connect=min(CONNECT_TIMEOUT, timeout)),
            transport=transport,
        )

    def __repr__(self) -> str:
        return f"HttpStore({self.base_url!r})"

    # --- transport -------------------------------------------------------------------------

    async def _request(
        self,
        method: str,
        path: str,
        *,
        action: str,
        idempotent: bool,
        params: Mapping[str, str] | None = None,
        body: BaseModel | None = None,
        headers: Mapping[str, str] | None = None,
        conflict: tuple[str, int] | None = None,
    ) -> httpx.Response:
        """Send, retrying where that cannot write twice; raise the protocol's error on failure
        (`conflict`: the dispute id and the version a write expects, for a 412)."""
        attempt = 0
        content = None if body is None else body.model_dump_json().encode()
        if content is not None:
            headers = {**(headers or {}), "Content-Type": "application/json"}
        while True:
            try:
                response = await self._client.request(
                    method, path, params=params, content=content, headers=headers
                )
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                problem = f"cannot reach {self.base_url} ({_reason(exc)})"
            except httpx.TransportError as exc:
                problem = f"no answer from {self.base_url} ({_reason(exc)})"
                if not idempotent:  # it may have been written: do not send it again
                    raise StoreUnavailable(
                        f"{action}: {problem}; reload to see whether it was stored"
                    ) from None
            else:
                if response.status_code < 500:
                    if response.status_code >= 400:
                        raise _error(response, action, conflict)
                    return response
                problem = f"{self.base_url} answered {response.status_code}: {_detail(response)}"
                if not idempotent:
                    raise StoreUnavailable(f"{action}: {problem}") from None
            if attempt >= self.retries:
                raise StoreUnavailable(f"{action}: {problem}") from None
            delay = self.backoff * 2**attempt
            await asyncio.sleep(delay + random.uniform(0, delay / 2))
            attempt += 1

    async def _answer(self, model: type[M], method: str, path: str, **kwargs: Any) -> M:
        """Send, then read the answer as `model` (the same class the server answers with)."""
        response = await self._request(method, path, **kwargs)
        return _read(model, response, kwargs["action"])

    # --- the Store protocol ----------------------------------------------------------------

    async def queue_page(
        self,
        query: QueueQuery,
        *,
        after: QueueKey | None = None,
        before: QueueKey | None = None,
        from_end: bool = False,
        limit: int = 100,
    ) -> QueuePage:
        params = query_params(query)  # with the order: the cursors are in its terms
        if after is not None:
            params["after"] = encode_cursor(after)
        if before is not None:
            params["before"] = encode_cursor(before)
        if from_end:
            params["from_end"] = "true"
        params["limit"] = str(limit)
        page = await self._answer(
            CursorPage, "GET", "/queue", params=params, action="reading the queue", idempotent=True
        )
        return page.page()

    async def queue_counts(
        self, query: QueueQuery, *, now: datetime | None = None, totals: bool = True
    ) -> QueueCounts:
        # `now` is the server's: the overdue count is judged by its clock; no order to count
        params = query_params(query.unsorted)
        if not totals:
            params["totals"] = "false"
        return await self._answer(
            QueueCounts,
            "GET",
            "/queue/counts",
            params=params,
            action="counting the queue",
            idempotent=True,
        )

    async def get_dispute(self, dispute_id: str, *, newest: int | None = None) -> DisputeRecord:
        action = f"reading {dispute_id}"
        params = None if newest is None else {"newest": str(newest)}
        return await self._answer(
            DisputeRecord, "GET", _path(dispute_id), params=params, action=action, idempotent=True
        )

    async def dispute_messages(
        self, dispute_id: str, *, before: MessageKey | None = None, limit: int | None = None
    ) -> list[Message]:
        params: dict[str, str] = {}
        if before is not None:
            params["before_at"] = before[0].isoformat()
            params["before_id"] = before[1]
        if limit is not None:
            params["limit"] = str(limit)
        answer = await self._answer(
            Messages,
            "GET",
            f"{_path(dispute_id)}/messages",
            params=params,
            action=f"reading the messages of {dispute_id}",
            idempotent=True,
        )
        return answer.messages

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
        """POST the decision; `actor` and `now` are the server's (the token's owner, its clock).
        A proposal (202: the review rule caught it) is returned like a final decision (201):
        its `review` says which it is.

        Without an `idempotency_key` the decision is sent once, never retried after it left."""
        action = f"deciding {dispute_id}"
        headers = {"If-Match": f'"{expected_version}"'}
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        response = await self._request(
            "POST",
            f"{_path(dispute_id)}/decisions",
            body=draft,
            headers=headers,
            action=action,
            idempotent=idempotency_key is not None,
            conflict=(dispute_id, expected_version),
        )
        if response.status_code == 202:
            return _read(ProposedBody, response, action).decision
        return _read(Decision, response, action)

    async def add_note(self, dispute_id: str, body: str, *, actor: str, now: datetime) -> Message:
        action = f"adding a note to {dispute_id}"
        return await self._answer(
            Message,
            "POST",
            f"{_path(dispute_id)}/notes",
            body=NoteBody(body=body),
            action=action,
            idempotent=False,
        )

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
        action = f"asking for information on {dispute_id}"
        if party not in (Actor.BUYER, Actor.SELLER):
            raise InvalidDecision(
                [("party", "information can be asked of the buyer or the seller")]
            )
        return await self._answer(
            InfoRequest,
            "POST",
            f"{_path(dispute_id)}/info-requests",
            body=InfoRequestBody(party=party, message=message),
            headers={"If-Match": f'"{expected_version}"'},
            action=action,
            idempotent=False,
            conflict=(dispute_id, expected_version),
        )

    async def escalate_due(self, now: datetime) -> list[tuple[str, str]]:
        """Auto-escalation is the server's job (`mediator escalate` by cron, or a supervisor's
        console): an agent's console has nothing to do here and must not fail every minute."""
        return []

    async def claim(
        self, dispute_id: str, *, actor: str, lease: timedelta = LEASE, take_over: bool = False
    ) -> Claim:
        """PUT the claim (or POST a take-over); `actor` is the token's owner. Claiming and
        renewing are idempotent: a retry cannot take anything twice."""
        path = f"{_path(dispute_id)}/claim" + ("/takeover" if take_over else "")
        return await self._answer(
            Claim,
            "POST" if take_over else "PUT",
            path,
            body=ClaimBody(lease_seconds=_seconds(lease)),
            action=f"claiming {dispute_id}",
            idempotent=True,
        )

    async def release(self, dispute_id: str, *, actor: str, force: bool = False) -> None:
        await self._request(
            "DELETE",
            f"{_path(dispute_id)}/claim",
            params={"force": "true"} if force else None,
            action=f"releasing {dispute_id}",
            idempotent=True,
        )

    async def claim_next(
        self, query: QueueQuery, *, actor: str, lease: timedelta = LEASE
    ) -> Claim | None:
        # not retried once sent: a lost answer would leave a claim the agent never saw (it
        # runs out on its own, but the next try would claim a second dispute)
        response = await self._request(
            "POST",
            "/queue/claim-next",
            params=query_params(query.unsorted),  # the most urgent, whatever the order shown
            body=ClaimBody(lease_seconds=_seconds(lease)),
            action="claiming the next dispute",
            idempotent=False,
        )
        if response.status_code == 204:
            return None
        return _read(Claim, response, "claiming the next dispute")

    async def hand_over(
        self, dispute_id: str, *, actor: str, to: str, note: str, lease: timedelta = LEASE
    ) -> Claim:
        return await self._answer(
            Claim,
            "POST",
            f"{_path(dispute_id)}/claim/handover",
            body=HandOverBody(to=to, note=note, lease_seconds=_seconds(lease)),
            action=f"handing {dispute_id} over to {to}",
            idempotent=False,
        )

    async def claims_held(self, actor: str) -> list[Claim]:
        answer = await self._answer(
            Claims, "GET", "/me/claims", action="reading your claims", idempotent=True
        )
        return answer.claims

    async def changes(self) -> AsyncGenerator[Change, None]:
        """`Store.changes` over `GET /events`: the server's `reset` comes first on every
        connection; after a lost connection, a server error or a restart, it waits
        (`Backoff`), connects again and goes on; it ends when the store is closed. Raises
        `NotAllowed` if the API refuses the token, `StoreUnavailable` if it has no `/events`
        (an older `mediator serve`)."""
        backoff = Backoff()
        headers = {"Accept": "text/event-stream", "Cache-Control": "no-cache"}
        timeout = httpx.Timeout(EVENTS_READ_TIMEOUT, connect=CONNECT_TIMEOUT)
        while not self._client.is_closed:
            try:
                async with self._client.stream(
                    "GET", "/events", headers=headers, timeout=timeout
                ) as response:
                    if response.status_code in (401, 403, 404):
                        await response.aread()
                        error = _error(response, "watching for changes")
                        if isinstance(error, NotFound):
                            raise StoreUnavailable(
                                f"{self.base_url} has no live updates (GET /events): "
                                "an older mediator serve?"
                            )
                        raise error
                    if response.status_code == 200:
                        async for change in _events(response):
                            backoff.reset()
                            yield change
            except httpx.TransportError:
                pass  # gone, refused, silent too long: connect again (the server says reset)
            except RuntimeError:
                if not self._client.is_closed:
                    raise
                return  # closed under the stream (`close()`)
            await asyncio.sleep(backoff.next())

    # --- bulk actions (issue 19) -------------------------------------------------------------

    async def matching_ids(self, query: QueueQuery) -> list[str]:
        found = await self._answer(
            DisputeIds,
            "GET",
            "/queue/ids",
            params=query_params(query),
            action="selecting the matching disputes",
            idempotent=True,
        )
        return found.ids

    async def start_bulk(self, request: BulkRequest, *, actor: str, now: datetime) -> BulkStatus:
        """POST the job (the server starts it); retried safely: its id is the idempotency
        key. `actor` and `now` are the server's."""
        return await self._answer(
            BulkStatus,
            "POST",
            "/bulk-jobs",
            body=request,
            action=f"starting bulk job {request.id}",
            idempotent=True,
        )

    async def bulk_job(self, job_id: str, *, actor: str | None = None) -> BulkStatus:
        return await self._answer(
            BulkStatus,
            "GET",
            f"/bulk-jobs/{quote(job_id, safe='')}",
            action=f"reading bulk job {job_id}",
            idempotent=True,
        )

    async def run_bulk(
        self, job_id: str, *, actor: str, now: datetime
    ) -> AsyncGenerator[BulkStatus, None]:
        """Poll the job the server runs, every `BULK_POLL` seconds; when it makes no progress
        for `BULK_STALL` seconds (its server stopped), ask for it to be run again (nothing done
        is done again)."""
        path = f"/bulk-jobs/{quote(job_id, safe='')}"
        run = dict(action=f"running bulk job {job_id}", idempotent=True)
        status = await self._answer(BulkStatus, "POST", f"{path}/run", **run)
        loop = asyncio.get_running_loop()
        seen, since = status.pending, loop.time()
        while True:
            yield status
            if status.finished:
                return
            await asyncio.sleep(BULK_POLL)
            status = await self.bulk_job(job_id)
            if status.pending != seen:
                seen, since = status.pending, loop.time()
            elif loop.time() - since > BULK_STALL:
                status = await self._answer(BulkStatus, "POST", f"{path}/run", **run)
                since = loop.time()

    # --- reviews and the audit trail (issue 16) ---------------------------------------------

    async def staff_role(self, actor: str) -> StaffMember | None:
        """The token owner's staff record (`GET /me`), whatever `actor` says: the API acts as
        the token's owner only."""
        return await self.whoami()

    async def review_rule(self) -> ReviewRule:
        """The review rule (supervisors: an agent's token raises `NotAllowed`)."""
        return await self._answer(
            ReviewRule, "GET", "/review-rule", action="reading the review rule", idempotent=True
        )

    async def set_review_rule(self, rule: ReviewRule, *, actor: str, now: datetime) -> ReviewRule:
        """PUT the rule as the token's owner (`actor` and `now` are the server's)."""
        body = ReviewRuleBody(
            refund_at_least={c: str(a) for c, a in rule.refund_at_least.items()},
            flagged=rule.flagged,
            acknowledged_warnings=rule.acknowledged_warnings,
            first_decisions=rule.first_decisions,
        )  # from a valid rule: valid
        return await self._answer(
            ReviewRule,
            "PUT",
            "/review-rule",
            body=body,
            action="setting the review rule",
            idempotent=False,
        )

    # --- canned replies (issue 19) -------------------------------------------------------

    async def macros(self, *, search: str = "", retired: bool = False) -> list[Macro]:
        params = {"search": search, **({"retired": "true"} if retired else {})}
        answer = await self._answer(
            MacroList, "GET", "/macros", params=params, action="reading the macros",
            idempotent=True,
        )  # fmt: skip
        return answer.macros

    async def macro(self, macro_id: str, version: int | None = None) -> Macro:
        return await self._answer(
            Macro,
            "GET",
            f"/macros/{quote(macro_id, safe='')}",
            params={} if version is None else {"version": str(version)},
            action=f"reading macro {macro_id}",
            idempotent=True,
        )

    async def save_macro(
        self,
        body: MacroBody,
        *,
        macro_id: str | None = None,
        expected_version: int | None = None,
        actor: str,
        now: datetime,
    ) -> Macro:
        """POST (add) or PUT (edit) as the token's owner (`actor` and `now` are the server's)."""
        if macro_id is None:
            return await self._answer(
                Macro, "POST", "/macros", body=body, action="adding a macro", idempotent=False
            )
        edit = MacroEdit.model_validate({**dict(body), "expected_version": expected_version})
        return await self._answer(
            Macro,
            "PUT",
            f"/macros/{quote(macro_id, safe='')}",
            body=edit,
            action=f"editing macro {macro_id}",
            idempotent=False,
            conflict=(macro_id, expected_version or 0),
        )

    async def retire_macro(self, macro_id: str, *, actor: str, now: datetime) -> Macro:
        return await self._answer(
            Macro,
            "DELETE",
            f"/macros/{quote(macro_id, safe='')}",
            action=f"removing macro {macro_id}",
            idempotent=True,
        )

    async def reviews(self, *, limit: int = 500) -> list[Proposal]:
        answer = await self._answer(
            Reviews,
            "GET",
            "/reviews",
            params={"limit": str(limit)},
            action="reading the proposals to review",
            idempotent=True,
        )
        return answer.proposals

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
        """POST the verdict as the token's owner; sent once (see the module docstring)."""
        try:
            body = ReviewBody(verdict=verdict, note=note, decision=decision)
        except ValidationError as exc:  # a note too long: refused here as the API would
            raise InvalidDecision([_pair(exc)]) from None
        return await self._answer(
            ReviewOutcome,
            "POST",
            f"/decisions/{quote(decision_id, safe='')}/review",
            body=body,
            action=f"reviewing {decision_id}",
            idempotent=False,
        )

    async def history(self, dispute_id: str) -> list[AuditEntry]:
        answer = await self._answer(
            History,
            "GET",
            f"{_path(dispute_id)}/history",
            action=f"reading the history of {dispute_id}",
            idempotent=True,
        )
        return answer.entries

    async def summary(self, period: Period, *, now: datetime | None = None) -> Summary:
        # `now` is the server's: the figures are judged by its clock
        return await self._answer(
            Summary,
            "GET",
            "/reports/summary",
            params={"start": _iso(period.start), "end": _iso(period.end)},
            action="reading the shift's figures",
            idempotent=True,
        )

    async def whoami(self) -> StaffMember:
        return await self._answer(
            StaffMember, "GET", "/me", action="checking the token", idempotent=True
        )

    async def close(self) -> None:
        with contextlib.suppress(RuntimeError):  # the app's event loop may have ended already
            await self._client.aclose()


# --- helpers -----------------------------------------------------------------------------


def _read(model: type[M], response: httpx.Response, action: str) -> M:
    """The answer's body as `model` (the same class the server answers with)."""
    try:
        return model.model_validate_json(response.content)
    except ValidationError as exc:
        raise StoreError(
            f"{action}: unexpected answer from the API ({_first_error(exc)})"
        ) from None


async def _events(response: httpx.Response) -> AsyncIterator[Change]:
    """The changes of an event stream: each event's `data:` lines are one `Change` as JSON;
    comments (the keep-alive), `event:`, `id:` and `retry:` fields are ignored (the SSE format,
    WHATWG HTML § 9.2). An event this client cannot read says `reset`: read everything again."""
    data: list[str] = []
    async for line in response.aiter_lines():
        if line:
            field, _, value = line.partition(":")
            if field == "data":
                data.append(value.removeprefix(" "))
            continue
        if not data:
            continue
        try:
            yield Change.model_validate_json("\n".join(data))
        except ValidationError:
            yield RESET
        data = []


def _seconds(lease: timedelta) -> int:
    return round(lease.total_seconds())


def _path(dispute_id: str) -> str:
    return "/disputes/" + quote(dispute_id, safe="")


def _reason(exc: httpx.TransportError) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text and text[0] else type(exc).__name__


def _first_error(exc: ValidationError) -> str:
    return "{}: {}".format(*_pair(exc))


def _pair(exc: ValidationError) -> tuple[str, str]:
    """The first error of `exc` as (field, message)."""
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first.get("loc", ())) or "value"
    return where, str(first.get("msg", "invalid")).removeprefix("Value error, ")


def _body(response: httpx.Response, model: type[E]) -> E | None:
    """The error body as `model`, or None when the API sent something else."""
    try:
        return model.model_validate_json(response.content)
    except ValidationError:
        return None


def _detail(response: httpx.Response) -> str:
    body = _body(response, _AnyError)
    if body is not None:
        return body.detail
    text = response.text.strip()
    return text.splitlines()[0][:200] if text else "-"


class _AnyError(ErrorBody):
    """Any error body: its code and detail, whatever else it holds."""

    model_config = ConfigDict(extra="ignore", strict=True, frozen=True)


def _error(
    response: httpx.Response, action: str, conflict: tuple[str, int] | None = None
) -> StoreError:
    """The protocol's error for an error `response`; `conflict`: the dispute id and the version
    the request expected, for a 412."""
    status = response.status_code
    detail = _detail(response)
    code = body.code if (body := _body(response, _AnyError)) is not None else None
    if status in (401, 403):
        return NotAllowed(f"{action}: the API refused: {detail}")
    if status == 404:
        return NotFound(detail)
    if status == 412 or code == "version_conflict":
        answer = _body(response, ConflictBody)
        dispute_id, expected = conflict if conflict is not None else ("?", -1)
        return VersionConflict(dispute_id, expected, None if answer is None else answer.current)
    if status == 409 and code == "claimed" and (claimed := _body(response, ClaimedBody)):
        return Claimed(claimed.claim)
    if status == 409 and code == "already_reviewed":
        reviewed = _body(response, AlreadyReviewedBody)
        if reviewed is not None:
            return AlreadyReviewed(reviewed.decision)
    if code == "idempotency_key_reused":
        return IdempotencyMismatch(detail)
    if status == 422:
        invalid = _body(response, InvalidBody)
        if invalid is None:
            return InvalidDecision([("request", detail)])
        return InvalidDecision(
            invalid.errors or [("request", detail)],
            blocks=invalid.blocks,
            warnings=invalid.warnings,
        )
    return StoreError(f"{action}: the API answered {status}: {detail}")


M = TypeVar("M", bound=BaseModel)
E = TypeVar("E", bound=ErrorBody)


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")
