"""Every decision, for `mediator export decisions` (issue 17): one query, streamed.

One SELECT over `decisions` joined to `disputes`, in `(decided_at, id)` order, read as it
comes: through a server-side cursor on PostgreSQL (`stream_results`, `yield_per`), by stepping
the cursor on SQLite. Rows are turned into `DecisionLine`s one at a time and handed on, never
fetched whole, so a million decisions do not fill memory. Core rows only, no ORM objects.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Select, func, select

from mediator.domain.money import from_minor
from mediator.domain.review import ReviewState
from mediator.domain.rules import RULES_BY_ID
from mediator.store.sql.schema import decisions, disputes

#: Rows the database hands over at a time (PostgreSQL's server-side cursor fetches this many).
STREAM_BATCH = 1000

_d, _p = decisions.c, disputes.c

#: The columns of a `DecisionLine`, in the order `line` unpacks them.
COLUMNS = (
    _d.id,
    _d.dispute_id,
    _p.reason,
    _d.outcome,
    _d.refund_minor,
    _d.fee_refund_minor,
    _d.currency,
    _p.price_minor,
    _p.currency,
    _d.decided_by,
    _d.decided_at,
    _p.escalated_at,
    _p.opened_at,
    _d.review,
    _d.findings,
    _d.macro_id,
    _d.macro_version,
)

#: A rule id of docs/POLICY.md named in a review's reasons ("policy warnings acknowledged: …").
_RULE_ID = re.compile(r"\bP(?:-[A-Z0-9]+)+\b")


@dataclass(frozen=True, slots=True)
class DecisionLine:
    """One decision as the export writes it: amounts exact (`Decimal`, major units), times
    aware UTC, `review_state` a `ReviewState` value, `rule_ids` the rules it cited."""

    decision_id: str
    dispute_id: str
    reason: str
    outcome: str
    refund_amount: Decimal | None
    fee_refund: Decimal | None
    currency: str
    price: Decimal
    decided_by: str
    decided_at: datetime
    escalated_at: datetime | None
    opened_at: datetime
    review_state: str
    rule_ids: tuple[str, ...]
    #: The macro the decision was made with (issue 19), as "MAC-… v2"; None without one.
    macro: str | None = None


def _filtered(query: Select[Any], since: datetime | None) -> Select[Any]:
    return query if since is None else query.where(_d.decided_at >= since)


def count(conn: Connection, *, since: datetime | None = None) -> int:
    """How many decisions `stream` yields (for the progress bar)."""
    return int(conn.scalar(_filtered(select(func.count()).select_from(decisions), since)) or 0)


def stream(
    conn: Connection, *, since: datetime | None = None, batch: int | None = None
) -> Iterator[DecisionLine]:
    """Every decision (those decided at or after `since`), by `decided_at`, then id, `batch`
    rows (`STREAM_BATCH`) at a time from the database."""
    batch = batch or STREAM_BATCH
    query = _filtered(
        select(*COLUMNS)
        .select_from(decisions.join(disputes, _d.dispute_id == _p.id))
        .order_by(_d.decided_at, _d.id),
        since,
    )
    result = conn.execute(query.execution_options(stream_results=True, yield_per=batch))
    for row in result:
        yield line(row)


def line(row: Any) -> DecisionLine:
    """A `DecisionLine` from a row of `COLUMNS` (positional, for speed)."""
    (
        id_,
        dispute_id,
        reason,
        outcome,
        refund_minor,
        fee_minor,
        currency,
        price_minor,
        price_currency,
        decided_by,
        decided_at,
        escalated_at,
        opened_at,
        review,
        findings,
        macro_id,
        macro_version,
    ) = row
    state, rule_ids = cited(findings, review)
    return DecisionLine(
        decision_id=id_,
        dispute_id=dispute_id,
        reason=reason,
        outcome=outcome,
        refund_amount=None if refund_minor is None else from_minor(refund_minor, currency),
        fee_refund=None if fee_minor is None else from_minor(fee_minor, currency),
        currency=currency,
        price=from_minor(price_minor, price_currency),
        decided_by=decided_by,
        decided_at=decided_at,
        escalated_at=escalated_at,
        opened_at=opened_at,
        review_state=state,
        rule_ids=rule_ids,
        macro=None if macro_id is None else f"{macro_id} v{macro_version}",
    )


@lru_cache(maxsize=4096)
def cited(findings: str, review: str) -> tuple[str, tuple[str, ...]]:
    """The review state and the rule ids a decision cited, from its `findings` and `review`
    JSON columns: the findings, then the POLICY.md rules its review reasons name (the warnings
    an agent acknowledged), each once. Most decisions share a few texts: cached."""
    data = json.loads(review) if review else {}
    data = data if isinstance(data, dict) else {}
    try:
        state = ReviewState(data.get("state", ReviewState.NOT_REQUIRED.value)).value
    except ValueError:  # as `domain.review.review_state`: unknown reads as not required
        state = ReviewState.NOT_REQUIRED.value
    ids = [str(rule) for rule in (json.loads(findings) if findings else ())]
    reasons = data.get("reasons")
    if isinstance(reasons, list):
        for reason in reasons:
            ids += [r for r in _RULE_ID.findall(str(reason)) if r in RULES_BY_ID]
    return state, tuple(dict.fromkeys(ids))
