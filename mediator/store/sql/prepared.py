"""A dispute made ready for an import (`prepare`), away from the database (issue 18).

`prepare` does the work of an import that needs no database: the derived columns (deadline,
flags), money in minor units, times as the SQLite column holds them. Its `Prepared` is plain
data, cheap to pickle (27 µs a seeded dispute, against 430 µs for the pydantic `Dispute`), so
`mediator seed` and `mediator import` make them in worker processes; `imports.import_prepared`
writes them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from operator import itemgetter
from typing import Any, NamedTuple, cast

from sqlalchemy import Table, insert
from sqlalchemy.dialects.sqlite import dialect as sqlite_dialect

from mediator.domain import Channel, Dispute, Evidence, Message, Status
from mediator.store.base import StoreError
from mediator.store.sql.rows import dispute_values, evidence_values, is_flagged, message_values
from mediator.store.sql.schema import UtcDateTime, disputes, messages, sqlite_datetime


class Prepared(NamedTuple):
    """A dispute made ready to write (`prepare`): plain data, cheap to send between processes.

    The rows are the driver's on SQLite (tuples in column order, times as the text the column
    holds) and Core's elsewhere (dicts)."""

    id: str
    revision: int
    status: Status
    currency: str
    #: Where a decision's handling time starts: the escalation, else the opening.
    start: datetime
    row: tuple[Any, ...] | dict[str, Any]
    messages: list[tuple[Any, ...]] | list[dict[str, Any]]
    evidence: list[tuple[Any, ...]] | list[dict[str, Any]]


def prepare(d: Dispute, *, sqlite: bool, flags: bool = True) -> Prepared:
    """The rows of `d` for an import into SQLite (`sqlite`) or another database: the work of an
    import that needs no database (derived columns, the flag scan, money, times), so a caller
    may do it in worker processes. Raises `StoreError` naming `d` when it cannot be stored.

    `flags=False` leaves the flag scan (`flagged_count`) to `import_prepared`, which makes it
    from the message rows: where a single process makes the rows faster than the writer
    writes them (`mediator seed`), the writer takes that share of the work."""
    try:
        row: tuple[Any, ...] | dict[str, Any] = dispute_values(d, flags=flags)
    except (ValueError, TypeError) as exc:  # MoneyError is a ValueError; json.dumps → TypeError
        raise StoreError(f"{d.id}: {exc}") from None
    ms: list[Any]
    es: list[Any]
    if sqlite:
        assert isinstance(row, dict)
        row = driver_row(disputes, row)
        ms = [message_row(d.id, m) for m in d.messages]
        es = [evidence_row(d.id, e) for e in d.evidence]
    else:
        ms = [message_values(d.id, m) for m in d.messages]
        es = [evidence_values(d.id, e) for e in d.evidence]
    return Prepared(d.id, d.revision, d.status, d.order.currency, start_of(d), row, ms, es)


def with_flags(d: Prepared) -> Prepared:
    """`d` with `flagged_count` counted from its message rows if `prepare` left it out."""
    row, rows = d.row, cast(list[Any], d.messages)
    if isinstance(row, dict):
        if row["flagged_count"] is not None:
            return d
        n = sum(1 for m in rows if _flags_message(m["channel"], m["body"]))
        return d._replace(row={**row, "flagged_count": n})
    at = _column(disputes, "flagged_count")
    if row[at] is not None:
        return d
    channel, body = _column(messages, "channel"), _column(messages, "body")
    n = sum(1 for m in rows if _flags_message(m[channel], m[body]))
    return d._replace(row=(*row[:at], n, *row[at + 1 :]))


def _flags_message(channel: str, body: str) -> bool:
    """As `rows.flagged_messages` counts: chat messages, never staff notes."""
    return channel != _STAFF_NOTE and is_flagged(body)


_STAFF_NOTE = Channel.STAFF_NOTE.value


@cache
def _column(table: Table, name: str) -> int:
    return sqlite_insert(table)[3].index(name)


def start_of(d: Dispute) -> datetime:
    """Where a decision's handling time starts: the escalation, else the opening."""
    return d.escalated_at or d.opened_at


def driver_row(table: Table, row: dict[str, Any]) -> tuple[Any, ...]:
    """`row` as the SQLite driver takes it for `table`: in column order, times as text."""
    _, get, times, _ = sqlite_insert(table)
    values = list(get(row))
    for i in times:
        at = values[i]
        if at is not None:
            values[i] = sqlite_datetime(at)
    return tuple(values)


#: The columns of `messages` and `evidence` in table order: `message_row` and `evidence_row`
#: make their driver rows directly (a test holds them to `sqlite_insert`'s order and to
#: `driver_row` of the Core values). Building a dict and then its tuple cost twice as much.
MESSAGE_ROW = ("id", "dispute_id", "channel", "author", "author_name", "sent_at", "body", "local")
EVIDENCE_ROW = (
    "id", "dispute_id", "kind", "submitted_by", "submitted_at", "caption", "uri", "sha256"
)  # fmt: skip


def message_row(dispute_id: str, m: Message) -> tuple[Any, ...]:
    """`driver_row(messages, message_values(dispute_id, m))`, made directly (`MESSAGE_ROW`)."""
    return (
        m.id,
        dispute_id,
        m.channel._value_,
        m.author._value_,
        m.author_name,
        sqlite_datetime(m.sent_at),
        m.body,
        False,
    )


def evidence_row(dispute_id: str, e: Evidence) -> tuple[Any, ...]:
    """`driver_row(evidence, evidence_values(dispute_id, e))`, made directly (`EVIDENCE_ROW`)."""
    return (
        e.id,
        dispute_id,
        e.kind._value_,
        e.submitted_by._value_,
        sqlite_datetime(e.submitted_at),
        e.caption,
        e.uri,
        e.sha256,
    )


def row_dict(table: Table, row: tuple[Any, ...] | dict[str, Any]) -> dict[str, Any]:
    """A `_driver_row` as Core's dict again (times parsed back: the update path binds them)."""
    if isinstance(row, dict):
        return row
    _, _, times, names = sqlite_insert(table)
    values = list(row)
    for i in times:
        if values[i] is not None:
            values[i] = datetime.fromisoformat(values[i]).replace(tzinfo=UTC)
    return dict(zip(names, values, strict=True))


@cache
def sqlite_insert(table: Table) -> tuple[str, itemgetter[Any], tuple[int, ...], tuple[str, ...]]:
    columns = list(table.columns)
    sql = str(insert(table).compile(dialect=sqlite_dialect()))
    times = tuple(i for i, col in enumerate(columns) if isinstance(col.type, UtcDateTime))
    names = tuple(col.name for col in columns)
    return sql, itemgetter(*names), times, names
