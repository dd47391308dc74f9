"""Converting between domain models and table rows (plain dicts in, Core rows out).

Money crosses as integer minor units (`to_minor` / `from_minor`), JSON fields as text.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar

from sqlalchemy import Row

from mediator.domain import (
    Actor,
    BuyerRequest,
    Channel,
    Decision,
    Dispute,
    DisputeRecord,
    EscalationCause,
    Evidence,
    EvidenceKind,
    InfoRequest,
    Message,
    Order,
    OrderKind,
    Outcome,
    Party,
    Reason,
    Seller,
    Status,
    deadlines,
)
from mediator.domain.flags import flag_message
from mediator.domain.ids import SAFE_ID
from mediator.domain.models import MacroRef
from mediator.domain.money import from_minor, to_minor
from mediator.domain.review import final_decision
from mediator.store.sql.queue_rows import queue_row as queue_row

_PCT = 2  # seller_keep_pct is stored in hundredths of a percent


#: Bodies already checked in this process → whether `flag_message` flags them. Chat repeats
#: itself ("Any update?", shop templates, auto-replies, pasted notices): an import or a seed
#: checks each distinct body once. A long body costs the most to scan (the flag regexes run at
#: about 30 µs a KiB each; a 5,000-character notice took 1.4 ms) and is only hashed and compared
#: on a repeat. Bounded: bodies over `_MEMO_BODY_CHARS` are scanned every time, and the memo is
#: cleared when it holds `_MEMO_ENTRIES` bodies or `_MEMO_CHARS` characters (about 20 MB).
_FLAGGED: dict[str, bool] = {}
_MEMO_BODY_CHARS = 65_536
_MEMO_ENTRIES = 50_000
_MEMO_CHARS = 20_000_000
_memo_chars = 0


def is_flagged(body: str) -> bool:
    """Whether `body` earns any P-COMM-* flag (`flag_message`), memoised (`_FLAGGED`)."""
    global _memo_chars
    flagged = _FLAGGED.get(body)
    if flagged is not None:
        return flagged
    flagged = bool(flag_message(body))
    size = len(body)
    if size <= _MEMO_BODY_CHARS:
        if len(_FLAGGED) >= _MEMO_ENTRIES or _memo_chars + size > _MEMO_CHARS:
            _FLAGGED.clear()
            _memo_chars = 0
        _FLAGGED[body] = flagged
        _memo_chars += size
    return flagged


def flagged_messages(d: Dispute) -> int:
    """Chat messages with at least one P-COMM-* flag (staff notes are never flagged)."""
    return sum(1 for m in d.messages if m.channel is not Channel.STAFF_NOTE and is_flagged(m.body))


def deadline_values(record: DisputeRecord) -> dict[str, Any]:
    """The next deadline (the queue's sort key): changes with status, requests and messages."""
    upcoming = deadlines.next_deadline(record)
    return {
        "urgency_at": upcoming.due_at if upcoming else deadlines.NO_DEADLINE,
        "deadline_rule": upcoming.rule_id if upcoming else None,
    }


def derived_values(record: DisputeRecord) -> dict[str, Any]:
    """Every column computed from a whole record: the next deadline and the number of flagged
    messages (which only changes when messages do)."""
    return {**deadline_values(record), "flagged_count": flagged_messages(record.dispute)}


def dispute_values(d: Dispute, *, flags: bool = True) -> dict[str, Any]:
    """The `disputes` row of `d` (a new row: version 1, counts from the lists). `flags=False`
    leaves `flagged_count` None, for the caller to count (`prepared.prepare`)."""
    o = d.order
    request = d.buyer_request_amount
    return {
        "id": d.id,
        "revision": d.revision,
        "version": 1,
        "reason": d.reason.value,
        "status": d.status.value,
        "opened_at": d.opened_at,
        "escalated_at": d.escalated_at,
        **deadline_values(DisputeRecord(dispute=d, version=1)),
        "flagged_count": flagged_messages(d) if flags else None,
        "escalation_cause": d.escalation_cause.value if d.escalation_cause else None,
        "buyer_request": d.buyer_request.value if d.buyer_request else None,
        "buyer_request_minor": None if request is None else to_minor(request, o.currency),
        "order_id": o.id,
        "order_kind": o.kind.value,
        "order_title": o.title,
        "quantity": o.quantity,
        "currency": o.currency,
        "price_minor": to_minor(o.price, o.currency),
        "service_fee_minor": to_minor(o.service_fee, o.currency),
        "placed_at": o.placed_at,
        "delivered_at": o.delivered_at,
        "confirmed_at": o.confirmed_at,
        "paid_out_at": o.paid_out_at,
        "buyer_id": d.buyer.id,
        "buyer_name": d.buyer.name,
        "seller_id": d.seller.id,
        "seller_name": d.seller.name,
        "seller_trust_level": d.seller.trust_level,
        "extra": json.dumps(d.extra, ensure_ascii=False),
        "message_count": len(d.messages),
        "evidence_count": len(d.evidence),
        # nobody holds a new dispute (issue 15)
        "claimed_by": None,
        "claimed_since": None,
        "claimed_until": None,
        "claimed_from": None,
        "returned_to": None,
        # nothing decided it yet (issue 17), no decision stands (issue 22)
        "first_decided_at": None,
        "decided_at": None,
        "decided_by": None,
    }


def decided_values(record: DisputeRecord) -> dict[str, Any]:
    """Who wrote the decision that stands, and when (issue 22: the resolved list); None, None
    without one."""
    standing = final_decision(record.decisions)
    return {
        "decided_at": standing.decided_at if standing else None,
        "decided_by": standing.decided_by if standing else None,
    }


def message_values(dispute_id: str, m: Message, *, local: bool = False) -> dict[str, Any]:
    return {
        "id": m.id,
        "dispute_id": dispute_id,
        "channel": m.channel.value,
        "author": m.author.value,
        "author_name": m.author_name,
        "sent_at": m.sent_at,
        "body": m.body,
        "local": local,
    }


def evidence_values(dispute_id: str, e: Evidence) -> dict[str, Any]:
    return {
        "id": e.id,
        "dispute_id": dispute_id,
        "kind": e.kind.value,
        "submitted_by": e.submitted_by.value,
        "submitted_at": e.submitted_at,
        "caption": e.caption,
        "uri": e.uri,
        "sha256": e.sha256,
    }


def handled_seconds(
    decided_at: datetime, escalated_at: datetime | None, opened_at: datetime
) -> float:
    """From escalation (opening, for a dispute never escalated) to the decision, in seconds: the
    handling time the shift's figures take medians of (issue 17), fixed when it is written."""
    return (decided_at - (escalated_at or opened_at)).total_seconds()


def decision_values(r: Decision, *, handled_s: float | None) -> dict[str, Any]:
    pct = r.seller_keep_pct
    return {
        "id": r.id,
        "dispute_id": r.dispute_id,
        "outcome": r.outcome.value,
        "refund_minor": None if r.refund_amount is None else to_minor(r.refund_amount, r.currency),
        "fee_refund_minor": None if r.fee_refund is None else to_minor(r.fee_refund, r.currency),
        "currency": r.currency,
        "return_required": r.return_required,
        "seller_keep_pct_hundredths": None if pct is None else _hundredths(pct),
        "seller_error": r.seller_error,
        "defective_or_misadvertised": r.defective_or_misadvertised,
        "rationale": r.rationale,
        "message_to_parties": r.message_to_parties,
        "decided_by": r.decided_by,
        "decided_at": r.decided_at,
        "findings": json.dumps(list(r.findings), ensure_ascii=False),
        "review": json.dumps(r.review, ensure_ascii=False),
        "handled_s": handled_s,
        "macro_id": None if r.macro is None else r.macro.id,
        "macro_version": None if r.macro is None else r.macro.version,
    }


def _hundredths(pct: Decimal) -> int:
    scaled = pct.scaleb(_PCT)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"seller_keep_pct {pct} has more than {_PCT} decimals")
    return int(scaled)


def _money(units: int | None, currency: str) -> Decimal | None:
    return None if units is None else from_minor(units, currency)


def dispute_from_rows(
    row: Row[Any], messages: Iterable[Sequence[Any]], evidence: Iterable[Sequence[Any]]
) -> Dispute:
    """The dispute of a `disputes` row, with its rows of `MESSAGE_COLUMNS` and
    `EVIDENCE_COLUMNS`."""
    cur = row.currency
    return Dispute(
        id=row.id,
        revision=row.revision,
        reason=Reason(row.reason),
        status=Status(row.status),
        opened_at=row.opened_at,
        escalated_at=row.escalated_at,
        escalation_cause=EscalationCause(row.escalation_cause) if row.escalation_cause else None,
        buyer_request=BuyerRequest(row.buyer_request) if row.buyer_request else None,
        buyer_request_amount=_money(row.buyer_request_minor, cur),
        order=Order(
            id=row.order_id,
            kind=OrderKind(row.order_kind),
            title=row.order_title,
            quantity=row.quantity,
            currency=cur,
            price=from_minor(row.price_minor, cur),
            service_fee=from_minor(row.service_fee_minor, cur),
            placed_at=row.placed_at,
            delivered_at=row.delivered_at,
            confirmed_at=row.confirmed_at,
            paid_out_at=row.paid_out_at,
        ),
        buyer=Party(id=row.buyer_id, name=row.buyer_name),
        seller=Seller(id=row.seller_id, name=row.seller_name, trust_level=row.seller_trust_level),
        messages=tuple(message_from_row(m) for m in messages),
        evidence=tuple(evidence_from_row(e) for e in evidence),
        extra=json.loads(row.extra),
    )


def info_request_values(dispute_id: str, request_id: str, r: InfoRequest) -> dict[str, Any]:
    return {
        "id": request_id,
        "dispute_id": dispute_id,
        "party": r.party.value,
        "asked_at": r.asked_at,
        "asked_by": r.asked_by,
        "message": r.message,
        "answered_at": r.answered_at,
    }


def info_request_from_row(r: Row[Any]) -> InfoRequest:
    return InfoRequest(
        party=Actor(r.party),
        asked_at=r.asked_at,
        message=r.message,
        asked_by=r.asked_by,
        answered_at=r.answered_at,
    )


#: Our own rows were validated when they were written: a message or an evidence item read back
#: is built without validating it again. Validation was half of reading a 10,000-message
#: dispute (issue 18), and pydantic's `model_construct` is no faster than validating (23 µs a
#: message, measured), so `_trusted` sets what it sets, every field given. Only the id is
#: checked (a regular expression): an id an earlier mediator stored, which today's rules refuse,
#: still fails the read with the validation error (`engine.store_error`), as does an unknown
#: enum value. The times come back as aware UTC (`schema.UtcDateTime`).
_CHANNELS = {c.value: c for c in Channel}
_ACTORS = {a.value: a for a in Actor}
_KINDS = {k.value: k for k in EvidenceKind}
_set = object.__setattr__

T = TypeVar("T", Message, Evidence)


def _trusted(cls: type[T], prefix: str, enums: tuple[str, str], values: dict[str, Any]) -> T:
    """`cls(**values)` without validation when its id and enums pass, else validated (and
    refused). The model is built as pydantic 2's `model_construct` builds one, for a frozen
    model with every field given, no private attributes and no extra fields; `tests/store`
    compares the result with a validated model."""
    id_ = values["id"]
    if (
        not all(isinstance(values[name], Enum) for name in enums)
        or not id_.startswith(prefix)
        or len(id_) == len(prefix)
        or not SAFE_ID.fullmatch(id_)
    ):
        return cls(**values)
    model = cls.__new__(cls)
    _set(model, "__dict__", values)
    _set(model, "__pydantic_fields_set__", set(values))
    _set(model, "__pydantic_extra__", None)
    _set(model, "__pydantic_private__", None)
    return model


#: The columns `message_from_row` and `evidence_from_row` take, in this order (positional:
#: reading a row's fields by name cost a third of building the models).
MESSAGE_COLUMNS = ("id", "channel", "author", "sent_at", "body", "author_name")
EVIDENCE_COLUMNS = ("id", "kind", "submitted_by", "submitted_at", "caption", "uri", "sha256")


def message_from_row(m: Sequence[Any]) -> Message:
    """A message from a row of `MESSAGE_COLUMNS`."""
    id_, channel, author, sent_at, body, author_name = m
    values = {
        "id": id_,
        "channel": _CHANNELS.get(channel, channel),
        "author": _ACTORS.get(author, author),
        "sent_at": sent_at,
        "body": body,
        "author_name": author_name,
    }
    return _trusted(Message, "M-", ("channel", "author"), values)


def evidence_from_row(e: Sequence[Any]) -> Evidence:
    """An evidence item from a row of `EVIDENCE_COLUMNS`."""
    id_, kind, submitted_by, submitted_at, caption, uri, sha256 = e
    values = {
        "id": id_,
        "kind": _KINDS.get(kind, kind),
        "submitted_by": _ACTORS.get(submitted_by, submitted_by),
        "submitted_at": submitted_at,
        "caption": caption,
        "uri": uri,
        "sha256": sha256,
    }
    return _trusted(Evidence, "E-", ("kind", "submitted_by"), values)


def decision_from_row(r: Row[Any]) -> Decision:
    pct = r.seller_keep_pct_hundredths
    return Decision(
        id=r.id,
        dispute_id=r.dispute_id,
        outcome=Outcome(r.outcome),
        refund_amount=_money(r.refund_minor, r.currency),
        fee_refund=_money(r.fee_refund_minor, r.currency),
        currency=r.currency,
        return_required=bool(r.return_required),
        seller_keep_pct=None if pct is None else Decimal(pct).scaleb(-_PCT),
        seller_error=None if r.seller_error is None else bool(r.seller_error),
        defective_or_misadvertised=(
            None if r.defective_or_misadvertised is None else bool(r.defective_or_misadvertised)
        ),
        rationale=r.rationale,
        message_to_parties=r.message_to_parties,
        decided_by=r.decided_by,
        decided_at=r.decided_at,
        findings=tuple(json.loads(r.findings)),
        review=json.loads(r.review),
        macro=None if r.macro_id is None else MacroRef(id=r.macro_id, version=r.macro_version),
    )
