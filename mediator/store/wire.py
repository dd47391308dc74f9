"""The JSON shapes that cross the HTTP API, shared by `mediator serve` and the HTTP store.

Disputes and decisions use the IMPORT_FORMAT.md shapes (the pydantic models' own JSON); the
queue, drafts and requests are plain objects defined here. Money is a decimal string, times are
ISO 8601 UTC with `Z`. Pure functions, no I/O: both ends import this module, so a field cannot
mean one thing to the server and another to the console.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from mediator.domain import (
    Actor,
    Decision,
    DecisionDraft,
    Dispute,
    DisputeRecord,
    InfoRequest,
    Message,
    OrderKind,
    Outcome,
    Reason,
    Status,
)
from mediator.store.base import QueueCounts, QueueKey, QueuePage, QueueQuery, QueueRow


class WireError(ValueError):
    """A JSON value that does not have the shape this module expects; names the field."""


# --- scalars ---------------------------------------------------------------------------------


def time_text(at: datetime) -> str:
    """ISO 8601 in UTC with `Z` and microseconds only when there are any."""
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_time(value: Any, name: str) -> datetime:
    if not isinstance(value, str):
        raise WireError(f"{name}: expected an ISO 8601 time string")
    try:
        at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise WireError(f"{name}: {value!r} is not an ISO 8601 time") from None
    if at.tzinfo is None:
        raise WireError(f"{name}: {value!r} has no UTC offset")
    return at.astimezone(UTC)


def _opt_time(value: Any, name: str) -> datetime | None:
    return None if value is None else parse_time(value, name)


def _decimal(value: Any, name: str) -> Decimal:
    if not isinstance(value, str):
        raise WireError(f'{name}: expected a decimal string such as "12.50"')
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise WireError(f"{name}: {value!r} is not a decimal number") from None
    if not amount.is_finite():
        raise WireError(f"{name}: {value!r} is not a finite number")
    return amount


def _opt_decimal(value: Any, name: str) -> Decimal | None:
    return None if value is None else _decimal(value, name)


def _opt_bool(value: Any, name: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise WireError(f"{name}: expected true, false or null")


def _bool(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    raise WireError(f"{name}: expected true or false")


def _str(value: Any, name: str) -> str:
    if isinstance(value, str):
        return value
    raise WireError(f"{name}: expected a string")


def _obj(value: Any, name: str) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    raise WireError(f"{name}: expected a JSON object")


E = TypeVar("E", Outcome, Actor, Status, Reason, OrderKind)


def _enum(cls: type[E], value: Any, name: str) -> E:
    try:
        return cls(value)
    except ValueError:
        allowed = ", ".join(member.value for member in cls)
        raise WireError(f"{name}: {value!r} is not one of {allowed}") from None


# --- decisions -------------------------------------------------------------------------------


def draft_json(draft: DecisionDraft) -> dict[str, Any]:
    """The body of a decision POST (without the dispute id, which is in the path)."""
    return draft.model_dump(mode="json")


def parse_draft(body: Any) -> DecisionDraft:
    """A `DecisionDraft` from a decision POST body; `WireError` names the first bad field."""
    return _model(DecisionDraft, body, "")


def draft_fingerprint(dispute_id: str, draft: DecisionDraft) -> str:
    """SHA-256 of the canonical request: equal for the same decision asked twice, different for
    any other field value. Amounts are normalised (`20.0` and `20.00` are one request)."""
    body = draft_json(draft)
    for key in ("refund_amount", "seller_keep_pct"):
        if body[key] is not None:
            body[key] = str(Decimal(body[key]).normalize())
    canonical = json.dumps(
        {"dispute_id": dispute_id, **body}, sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def decision_json(decision: Decision) -> dict[str, Any]:
    """The IMPORT_FORMAT.md decision object."""
    return decision.model_dump(mode="json")


def decision_text(decision: Decision) -> str:
    """`decision_json`, serialised by pydantic in one step (the API's hottest answer)."""
    return decision.model_dump_json()


def parse_decision(data: Any) -> Decision:
    return _model(Decision, data, "decision")


# --- disputes --------------------------------------------------------------------------------


def _request_json(request: InfoRequest | None) -> dict[str, Any] | None:
    if request is None:
        return None
    return {
        "party": request.party.value,
        "asked_at": time_text(request.asked_at),
        "message": request.message,
        "asked_by": request.asked_by,
        "answered_at": None if request.answered_at is None else time_text(request.answered_at),
    }


def info_request_json(request: InfoRequest) -> dict[str, Any]:
    data = _request_json(request)
    assert data is not None
    return data


def parse_info_request(value: Any) -> InfoRequest:
    data = _obj(value, "info_request")
    return InfoRequest(
        party=_enum(Actor, data.get("party"), "info_request.party"),
        asked_at=parse_time(data.get("asked_at"), "info_request.asked_at"),
        message=_str(data.get("message"), "info_request.message"),
        asked_by=_str(data.get("asked_by"), "info_request.asked_by"),
        answered_at=_opt_time(data.get("answered_at"), "info_request.answered_at"),
    )


def record_json(record: DisputeRecord) -> dict[str, Any]:
    """One dispute as the API returns it: the IMPORT_FORMAT.md object, its version, its
    decisions and the current information request."""
    return {
        "dispute": record.dispute.model_dump(mode="json"),
        "version": record.version,
        "decisions": [decision_json(d) for d in record.decisions],
        "info_request": _request_json(record.info_request),
    }


def parse_record(value: Any) -> DisputeRecord:
    data = _obj(value, "dispute record")
    dispute = _model(Dispute, data.get("dispute"), "dispute")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise WireError("version: expected an integer")
    decisions = data.get("decisions", [])
    if not isinstance(decisions, list):
        raise WireError("decisions: expected a list")
    request = data.get("info_request")
    return DisputeRecord(
        dispute=dispute,
        version=version,
        decisions=tuple(parse_decision(d) for d in decisions),
        info_request=None if request is None else parse_info_request(request),
    )


def message_json(message: Message) -> dict[str, Any]:
    return message.model_dump(mode="json")


def parse_message(value: Any) -> Message:
    return _model(Message, value, "message")


M = TypeVar("M", Decision, DecisionDraft, Dispute, Message)


def _model(cls: type[M], value: Any, name: str) -> M:
    """`value` (decoded JSON) as the strict domain model `cls`; `WireError` names the field.

    Validated as JSON text: the models are strict, and only JSON mode reads "12.50" as a
    Decimal and an ISO string as a time."""
    try:
        return cls.model_validate_json(json.dumps(value))
    except ValueError as exc:
        where = f"{name}: " if name else ""
        raise WireError(f"{where}{_first_error(exc)}") from None


def _first_error(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        first = errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "value"
        return f"{where}: {first.get('msg', 'invalid')}"
    return str(exc).splitlines()[0]


# --- the queue -------------------------------------------------------------------------------


def encode_cursor(key: QueueKey) -> str:
    """An opaque keyset cursor (clients pass it back unchanged)."""
    raw = json.dumps([time_text(key.urgency_at), key.id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, name: str = "cursor") -> QueueKey:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at, id_ = json.loads(raw)
    except (ValueError, TypeError):
        raise WireError(f"{name}: not a cursor this server issued") from None
    return QueueKey(parse_time(at, name), _str(id_, name))


def query_params(query: QueueQuery) -> dict[str, str]:
    """`query` as URL parameters (the defaults are left out)."""
    params: dict[str, str] = {}
    if query.text:
        params["q"] = query.text
    if query.reasons:
        params["reason"] = ",".join(sorted(r.value for r in query.reasons))
    if query.statuses != QueueQuery().statuses:
        params["status"] = ",".join(sorted(s.value for s in query.statuses))
    if query.flagged_only:
        params["flagged"] = "true"
    return params


def parse_query(
    q: str | None, reason: str | None, status: str | None, flagged: bool | None
) -> QueueQuery:
    reasons = frozenset(_enum(Reason, r, "reason") for r in (reason or "").split(",") if r.strip())
    statuses = (
        frozenset(_enum(Status, s, "status") for s in status.split(",") if s.strip())
        if status
        else QueueQuery().statuses
    )
    return QueueQuery(
        text=(q or "").strip(), reasons=reasons, statuses=statuses, flagged_only=bool(flagged)
    )


def queue_row_json(row: QueueRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "status": row.status.value,
        "reason": row.reason.value,
        "order_kind": row.order_kind.value,
        "order_title": row.order_title,
        "currency": row.currency,
        "price": str(row.price),
        "buyer_name": row.buyer_name,
        "seller_name": row.seller_name,
        "evidence_count": row.evidence_count,
        "message_count": row.message_count,
        "opened_at": time_text(row.opened_at),
        "escalated_at": None if row.escalated_at is None else time_text(row.escalated_at),
        "urgency_at": time_text(row.urgency_at),
        "version": row.version,
        "deadline_rule": row.deadline_rule,
        "flagged_count": row.flagged_count,
        "cursor": encode_cursor(row.key),
    }


def parse_queue_row(value: Any) -> QueueRow:
    d = _obj(value, "row")

    def integer(name: str) -> int:
        v = d.get(name)
        if not isinstance(v, int) or isinstance(v, bool):
            raise WireError(f"row.{name}: expected an integer")
        return v

    rule = d.get("deadline_rule")
    return QueueRow(
        id=_str(d.get("id"), "row.id"),
        status=_enum(Status, d.get("status"), "row.status"),
        reason=_enum(Reason, d.get("reason"), "row.reason"),
        order_kind=_enum(OrderKind, d.get("order_kind"), "row.order_kind"),
        order_title=_str(d.get("order_title"), "row.order_title"),
        currency=_str(d.get("currency"), "row.currency"),
        price=_decimal(d.get("price"), "row.price"),
        buyer_name=_str(d.get("buyer_name"), "row.buyer_name"),
        seller_name=_str(d.get("seller_name"), "row.seller_name"),
        evidence_count=integer("evidence_count"),
        message_count=integer("message_count"),
        opened_at=parse_time(d.get("opened_at"), "row.opened_at"),
        escalated_at=_opt_time(d.get("escalated_at"), "row.escalated_at"),
        urgency_at=parse_time(d.get("urgency_at"), "row.urgency_at"),
        version=integer("version"),
        deadline_rule=None if rule is None else _str(rule, "row.deadline_rule"),
        flagged_count=integer("flagged_count"),
    )


def page_json(page: QueuePage) -> dict[str, Any]:
    rows = [queue_row_json(r) for r in page.rows]
    return {
        "rows": rows,
        "has_before": page.has_before,
        "has_after": page.has_after,
        "first": rows[0]["cursor"] if rows else None,
        "last": rows[-1]["cursor"] if rows else None,
    }


def parse_page(value: Any) -> QueuePage:
    d = _obj(value, "page")
    rows = d.get("rows")
    if not isinstance(rows, list):
        raise WireError("rows: expected a list")
    return QueuePage(
        rows=tuple(parse_queue_row(r) for r in rows),
        has_before=_bool(d.get("has_before"), "has_before"),
        has_after=_bool(d.get("has_after"), "has_after"),
    )


def counts_json(counts: QueueCounts) -> dict[str, Any]:
    return {
        "matching": counts.matching,
        "by_status": {s.value: n for s, n in counts.by_status.items()},
        "overdue": counts.overdue,
        "capped": counts.capped,
    }


def parse_counts(value: Any) -> QueueCounts:
    d = _obj(value, "counts")
    by_status = _obj(d.get("by_status", {}), "by_status")
    matching, overdue = d.get("matching"), d.get("overdue", 0)
    if not isinstance(matching, int) or not isinstance(overdue, int):
        raise WireError("matching/overdue: expected integers")
    return QueueCounts(
        matching=matching,
        by_status={_enum(Status, s, "by_status"): int(n) for s, n in by_status.items()},
        overdue=overdue,
        capped=_bool(d.get("capped", False), "capped"),
    )
