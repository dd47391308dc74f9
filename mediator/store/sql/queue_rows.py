"""A queue row from the database's columns: shared by the store's queue (`queue.py`) and the
console's first page (`peek.py`), which reads it with `sqlite3` before SQLAlchemy is imported."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from mediator.domain.enums import OrderKind, Reason, Status
from mediator.domain.money import from_minor
from mediator.domain.queue import QueueRow


def queue_row(r: Sequence[Any], now: Callable[[], datetime]) -> QueueRow:
    """A `QueueRow` from a row of `queue.QUEUE_COLUMNS` (positional, for speed). Its claim is
    kept only if it is held at `now()` (the store's clock, read only for a claimed row)."""
    (
        id_,
        status,
        reason,
        kind,
        title,
        currency,
        price_minor,
        buyer,
        seller,
        n_evidence,
        n_messages,
        opened_at,
        escalated_at,
        urgency_at,
        version,
        deadline_rule,
        flagged_count,
        claimed_by,
        claimed_since,
        claimed_until,
        claimed_from,
        returned_to,
        decided_at,
        decided_by,
    ) = r
    if claimed_by is not None and not claimed_until > now():
        claimed_by = claimed_since = claimed_until = claimed_from = None
    return QueueRow(
        id=id_,
        status=Status(status),
        reason=Reason(reason),
        order_kind=OrderKind(kind),
        order_title=title,
        currency=currency,
        price=from_minor(price_minor, currency),
        buyer_name=buyer,
        seller_name=seller,
        evidence_count=n_evidence,
        message_count=n_messages,
        opened_at=opened_at,
        escalated_at=escalated_at,
        urgency_at=urgency_at,
        version=version,
        deadline_rule=deadline_rule,
        flagged_count=flagged_count,
        claimed_by=claimed_by,
        claimed_since=claimed_since,
        claimed_until=claimed_until,
        claimed_from=claimed_from,
        returned_to=returned_to,
        decided_at=decided_at,
        decided_by=decided_by,
    )
