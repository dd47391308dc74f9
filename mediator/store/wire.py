"""The HTTP API's encodings that are not models: opaque keyset cursors and the queue's query.

Both ends import this module (`mediator serve` and the HTTP store), so a cursor or a filter
cannot mean one thing to the server and another to the console. The shapes themselves are
pydantic models (the domain's, and `store.api_models`); `CursorPage` is a queue page with the
cursors a client pages on with.
"""

from __future__ import annotations

import base64
import json
from dataclasses import asdict, fields
from datetime import UTC, datetime

from mediator.domain import Outcome, Reason, Status
from mediator.domain.claims import ClaimFilter
from mediator.domain.models import StrictModel
from mediator.domain.queue import (
    SORT_VALUE_TYPES,
    QueueKey,
    QueuePage,
    QueueQuery,
    QueueRow,
    SortKey,
)
from mediator.domain.report import TALLIED_RULES, DeadlineFilter, DecidedFilter, Proposals, Tally


class WireError(ValueError):
    """A value that does not have the shape this module expects; names the field."""


# --- cursors ---------------------------------------------------------------------------------


def _time_text(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def encode_cursor(key: QueueKey) -> str:
    """An opaque keyset cursor (clients pass it back unchanged): the urgency, the id, and the
    order's own values (`QueueKey.value`) when the queue is sorted by another column."""
    value = (_time_text(v) if isinstance(v, datetime) else v for v in key.value)
    raw = json.dumps([_time_text(key.urgency_at), key.id, *value], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, name: str = "cursor", sort: SortKey = SortKey.DUE) -> QueueKey:
    """The key `cursor` stands for in `sort`'s order; `WireError` when this server did not
    issue it, or issued it for another order."""
    bad = WireError(f"{name}: not a cursor this server issued for sort={sort.value}")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at, id_, *value = json.loads(raw)
        urgency_at = datetime.fromisoformat(at.replace("Z", "+00:00"))
    except (ValueError, TypeError, AttributeError):
        raise bad from None
    if urgency_at.tzinfo is None or not isinstance(id_, str) or "\x00" in id_:
        raise bad
    types = SORT_VALUE_TYPES[sort]
    if len(value) != len(types):
        raise bad
    try:  # a time (the decision time's order) travels as text
        value = [_time(v) if t is datetime else v for v, t in zip(value, types, strict=True)]
    except (ValueError, TypeError, AttributeError):
        raise bad from None
    if not all(map(_fits, value, types)):
        raise bad
    return QueueKey(urgency_at.astimezone(UTC), id_, tuple(value))


def _time(text: str) -> datetime:
    at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if at.tzinfo is None:
        raise ValueError("a time without its offset")
    return at.astimezone(UTC)


def _fits(value: object, kind: type) -> bool:
    """A cursor's sort value has its order's type (not a bool for an int), and no NUL."""
    return type(value) is kind and not (isinstance(value, str) and "\x00" in value)


class CursorPage(StrictModel):
    """`GET /queue`: rows in urgency order, and the cursors of the first and last row (pass
    `after=<last>` for the next page, `before=<first>` for the one before)."""

    rows: tuple[QueueRow, ...]
    has_before: bool
    has_after: bool
    first: str | None
    last: str | None

    @classmethod
    def of(cls, page: QueuePage, sort: SortKey = SortKey.DUE) -> CursorPage:
        """`page`, read in `sort`'s order (the cursors hold that order's values)."""
        rows = page.rows
        return cls(
            rows=rows,
            has_before=page.has_before,
            has_after=page.has_after,
            first=encode_cursor(rows[0].key_for(sort)) if rows else None,
            last=encode_cursor(rows[-1].key_for(sort)) if rows else None,
        )

    def page(self) -> QueuePage:
        """The page as the `Store` protocol returns it."""
        return QueuePage(rows=self.rows, has_before=self.has_before, has_after=self.has_after)


# --- the queue's query -----------------------------------------------------------------------


def query_params(query: QueueQuery) -> dict[str, str]:
    """`query` as URL parameters (the defaults are left out).

    `agent` is never sent: whose claims `claims=mine` means is the token's owner, which the
    server knows better than any parameter (`parse_query(..., agent=<owner>)`)."""
    params: dict[str, str] = {}
    if query.text:
        params["q"] = query.text
    if query.reasons:
        params["reason"] = ",".join(sorted(r.value for r in query.reasons))
    if query.statuses != QueueQuery().statuses:
        params["status"] = ",".join(sorted(s.value for s in query.statuses))
    if query.flagged_only:
        params["flagged"] = "true"
    if query.claims is not ClaimFilter.ALL:
        params["claims"] = query.claims.value
    if query.overdue_at is not None:
        params["overdue_at"] = _utc(query.overdue_at)
    if query.decided is not None:
        params["decided"] = _drill_json(query.decided)
    if query.deadline is not None:
        params["deadline"] = _drill_json(query.deadline)
    if query.sort is not SortKey.DUE:
        params["sort"] = query.sort.value
    if query.descending:
        params["direction"] = "desc"
    return params


def _utc(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _drill_json(f: DecidedFilter | DeadlineFilter) -> str:
    """A drill-down filter (issue 17) as compact JSON: its fields, times in UTC, empty ones
    left out."""
    out: dict[str, object] = {}
    for name, value in asdict(f).items():
        if value in (None, "", False):
            continue
        out[name] = _utc(value) if isinstance(value, datetime) else str(value)
    return json.dumps(out, separators=(",", ":"), sort_keys=True)


def parse_drill(
    overdue_at: str | None, decided: str | None, deadline: str | None
) -> tuple[datetime | None, DecidedFilter | None, DeadlineFilter | None]:
    """`GET /queue`'s drill-down parameters (issue 17); `WireError` names a bad one."""
    return (
        _aware(overdue_at, "overdue_at") if overdue_at else None,
        _decided(decided) if decided else None,
        _deadline(deadline) if deadline else None,
    )


def _aware(text: str, name: str) -> datetime:
    try:
        at = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        raise WireError(f"{name}: {text!r} is not an ISO time") from None
    if at.tzinfo is None:
        raise WireError(f"{name}: {text!r} has no UTC offset")
    return at


def _fields(text: str, name: str, allowed: set[str]) -> dict[str, str]:
    try:
        data = json.loads(text)
    except ValueError:
        raise WireError(f"{name}: not JSON") from None
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise WireError(f"{name}: expected an object of strings")
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise WireError(f"{name}: unknown field {unknown[0]!r}")
    return data


def _decided(text: str) -> DecidedFilter:
    names = {f.name for f in fields(DecidedFilter)}
    data = _fields(text, "decided", names)
    try:
        return DecidedFilter(
            start=_aware(data["start"], "decided.start") if "start" in data else None,
            end=_aware(data["end"], "decided.end") if "end" in data else None,
            by=data.get("by", ""),
            outcome=Outcome(data["outcome"]) if "outcome" in data else None,
            currency=data.get("currency", ""),
            refunded=data.get("refunded", "False") == "True",
            kind=Proposals(data.get("kind", Proposals.STANDING.value)),
        )
    except ValueError as exc:
        raise WireError(f"decided: {exc}") from None


def _deadline(text: str) -> DeadlineFilter:
    names = {f.name for f in fields(DeadlineFilter)}
    data = _fields(text, "deadline", names)
    missing = sorted(names - set(data))
    if missing:
        raise WireError(f"deadline: {missing[0]!r} is missing")
    if data["rule"] not in TALLIED_RULES:
        raise WireError(f"deadline: rule {data['rule']!r} is not one of {', '.join(TALLIED_RULES)}")
    try:
        return DeadlineFilter(
            rule=data["rule"],
            tally=Tally(data["tally"]),
            start=_aware(data["start"], "deadline.start"),
            end=_aware(data["end"], "deadline.end"),
            now=_aware(data["now"], "deadline.now"),
        )
    except ValueError as exc:
        raise WireError(f"deadline: {exc}") from None


def _values(text: str | None, kind: type[Reason] | type[Status], name: str) -> frozenset[str]:
    values = frozenset(v.strip() for v in (text or "").split(",") if v.strip())
    allowed = {member.value for member in kind}
    unknown = sorted(values - allowed)
    if unknown:
        raise WireError(f"{name}: {unknown[0]!r} is not one of {', '.join(sorted(allowed))}")
    return values


def parse_query(
    q: str | None,
    reason: str | None,
    status: str | None,
    flagged: bool | None,
    claims: str | None = None,
    *,
    agent: str = "",
    overdue_at: str | None = None,
    decided: str | None = None,
    deadline: str | None = None,
    sort: str | None = None,
    direction: str | None = None,
) -> QueueQuery:
    """The `QueueQuery` of `GET /queue`'s parameters; `WireError` names a bad one. `agent` is
    whose claims `claims=mine` means: the server passes the token's owner, never a parameter."""
    reasons = frozenset(Reason(r) for r in _values(reason, Reason, "reason"))
    statuses = frozenset(Status(s) for s in _values(status, Status, "status"))
    wanted = (claims or ClaimFilter.ALL.value).strip()
    try:
        claim_filter = ClaimFilter(wanted)
    except ValueError:
        allowed = ", ".join(f.value for f in ClaimFilter)
        raise WireError(f"claims: {wanted!r} is not one of {allowed}") from None
    drill = parse_drill(overdue_at, decided, deadline)
    order, descending = parse_sort(sort, direction)
    return QueueQuery(
        text=(q or "").strip(),
        reasons=reasons,
        statuses=statuses or QueueQuery().statuses,
        flagged_only=bool(flagged),
        claims=claim_filter,
        agent=agent,
        overdue_at=drill[0],
        decided=drill[1],
        deadline=drill[2],
        sort=order,
        descending=descending,
    )


def parse_sort(sort: str | None, direction: str | None) -> tuple[SortKey, bool]:
    """`GET /queue`'s `sort` (a column, default `due`) and `direction` (`asc`, `desc`)."""
    wanted = (sort or SortKey.DUE.value).strip().lower()
    try:
        order = SortKey(wanted)
    except ValueError:
        allowed = ", ".join(k.value for k in SortKey)
        raise WireError(f"sort: {wanted!r} is not one of {allowed}") from None
    way = (direction or "asc").strip().lower()
    if way not in ("asc", "desc"):
        raise WireError(f"direction: {way!r} is not one of asc, desc")
    return order, way == "desc"
