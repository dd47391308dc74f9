"""Bulk import: disputes in batches of Core `executemany`, inside the caller's one transaction.

Revision rule (IMPORT_FORMAT.md): a dispute whose id is stored is updated only if the incoming
`revision` is higher; its marketplace messages and evidence are then replaced, while staff notes
written in the console (`local`) and decisions are kept, and `version` is bumped (so an agent with
the old version open gets a conflict instead of deciding on stale data). Local state wins where
the two disagree: a dispute decided here stays resolved, and an open information request is
answered by the asked party's later message (`writes.refresh_after_import`). Otherwise the line
is skipped and reported.

An import appends ONE audit entry (issue 16), with the counts, not one per dispute: a seed of a
million disputes must not write a million entries, and each dispute's content is the
marketplace's, which the import file holds.

An import may bring decisions for its resolved disputes (`mediator seed` does, issue 17): each
is written with its dispute when the import inserts it, or updates one that holds no decision yet
(the console's decisions stand); a skipped dispute keeps what it has. The audit entry counts them.

The rows are made by `prepared.prepare`: `import_disputes` calls it as it goes, while
`mediator import` and `mediator seed` call it in worker processes and hand the results to
`import_prepared`; both write the same rows. On SQLite the import pauses the search index's
trigger, defers the indexes of an empty store and enlarges the page cache (`bulk_load`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any

from sqlalchemy import (
    Connection,
    Table,
    bindparam,
    delete,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from mediator.domain import Decision, Dispute, Status
from mediator.domain.audit import AuditAction
from mediator.domain.changes import ChangeKind
from mediator.domain.review import ReviewState
from mediator.store.base import IdClash, ImportClash, ImportReport, StoreError
from mediator.store.sql import audit
from mediator.store.sql.bulk_load import ANALYZE_AFTER, BulkLoad, bulk_load, refresh_statistics
from mediator.store.sql.changes import record_change
from mediator.store.sql.claims import StoreClock, store_now
from mediator.store.sql.engine import one_line
from mediator.store.sql.prepared import (
    Prepared,
    driver_row,
    prepare,
    row_dict,
    sqlite_insert,
    with_flags,
)
from mediator.store.sql.rows import (
    decision_values,
)
from mediator.store.sql.schema import (
    decisions,
    disputes,
    evidence,
    messages,
)
from mediator.store.sql.writes import refresh_after_import

#: Disputes per `executemany` round (each also carries its messages and evidence).
BATCH_SIZE = 1000
#: Ids per `IN (…)` when looking for the ids an import clashes with.
_CHUNK = 1000
#: What the import did with a dispute, for the decisions that come with it: its status, its
#: currency, inserted (True), updated (False) or skipped (None), and where a decision's
#: handling time starts.
Seen = tuple[Status, str, bool | None, datetime]
#: The audit trail's actor of an import when the caller does not say who ran it.
IMPORT_ACTOR = "import"

c = disputes.c
#: Columns an update leaves alone: `version` is bumped, `message_count` recounted (staff notes),
#: a claim stays with its holder (issue 15: a newer revision is not a reason to lose it), and
#: so does a proposal returned to its agent (issue 16) and when it was first decided (issue 17).
_KEEP = (
    "version",
    "message_count",
    "claimed_by",
    "claimed_since",
    "claimed_until",
    "claimed_from",
    "returned_to",
    "first_decided_at",
    "decided_at",
    "decided_by",
)
_COPIED = [col for col in c if col.name not in (*_KEEP, "id")]
_UPDATE = (
    update(disputes)
    .where(c.id == bindparam("b_id"))
    .values(
        {
            **{col: bindparam(f"b_{col.name}", type_=col.type) for col in _COPIED},
            c.version: c.version + 1,
        }
    )
)
_RECOUNT = (
    update(disputes)
    .where(c.id == bindparam("b_id"))
    .values(
        message_count=select(func.count()).where(messages.c.dispute_id == c.id).scalar_subquery()
    )
)
_DROP_MESSAGES = delete(messages).where(
    messages.c.dispute_id == bindparam("b_id"), messages.c.local.is_(False)
)
_DROP_EVIDENCE = delete(evidence).where(evidence.c.dispute_id == bindparam("b_id"))


@dataclass
class _Tally:
    inserted: int = 0
    updated: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    #: Only when the import brings decisions: each dispute's id → its status and currency as
    #: this import has it, and whether the import inserted it (True), updated it (False) or
    #: skipped it (None).
    seen: dict[str, Seen] | None = None
    #: Only when the store held no dispute at the start (`BulkLoad.empty`): the revision of
    #: each dispute written so far, which are then all it holds (`_plan` asks it, not the
    #: database: the query was 10-20 µs a line of the writer's time).
    written: dict[str, int] | None = None

    def report(self) -> ImportReport:
        return ImportReport(
            inserted=self.inserted, updated=self.updated, skipped=tuple(self.skipped)
        )


def _batches(items: Iterable[Prepared], size: int) -> Iterator[list[Prepared]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield [with_flags(d) for d in batch]


def import_disputes(
    conn: Connection,
    items: Iterable[Dispute],
    *,
    on_progress: Callable[[int], None] | None = None,
    batch_size: int = BATCH_SIZE,
    actor: str = IMPORT_ACTOR,
    clock: StoreClock = None,
    decisions: Iterable[Decision] | None = None,
) -> ImportReport:
    """`import_prepared` of `items`, each made ready (`prepare`) as it is reached."""
    sqlite = conn.dialect.name == "sqlite"
    return import_prepared(
        conn,
        (prepare(d, sqlite=sqlite) for d in items),
        on_progress=on_progress,
        batch_size=batch_size,
        actor=actor,
        clock=clock,
        decisions=decisions,
    )


def import_prepared(
    conn: Connection,
    items: Iterable[Prepared],
    *,
    on_progress: Callable[[int], None] | None = None,
    batch_size: int = BATCH_SIZE,
    actor: str = IMPORT_ACTOR,
    clock: StoreClock = None,
    decisions: Iterable[Decision] | None = None,
    statistics: bool = True,
) -> ImportReport:
    """Insert or update `items` on `conn` (the caller owns the transaction: all or nothing).

    `statistics`: refresh the planner's statistics when `ANALYZE_AFTER` disputes or more were
    inserted (`bulk_load.refresh_statistics`); a caller that loads in several transactions
    (`mediator seed`) passes False and refreshes them once at its end.

    `on_progress(n)` is called after each batch with the number of disputes handled so far.
    Raises `StoreError` naming the dispute when one cannot be stored. The audit entry is
    `actor`'s, at the store's time (`clock`, else the database's).

    `decisions`: decisions of resolved disputes among `items`, at most one each (see the
    module's docstring for which are written). It is read once every dispute has been, so a
    caller that makes both lazily may fill it while the disputes are pulled. Raises
    `StoreError` naming the decision whose dispute is not among `items` or not resolved there.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    tally = _Tally(seen=None if decisions is None else {})
    with bulk_load(conn) as load:
        _write_disputes(conn, items, tally, load, batch_size, on_progress)
        if load is not None:
            load.finish()
    if statistics and tally.inserted >= ANALYZE_AFTER:
        refresh_statistics(conn)
    if tally.inserted or tally.updated:  # one change for the whole import: reload everything
        record_change(conn, ChangeKind.IMPORT, None, None, None)
    report = tally.report()
    after = {"inserted": report.inserted, "updated": report.updated, "skipped": len(report.skipped)}
    if decisions is not None and tally.seen is not None:
        after["decisions"] = _write_decisions(conn, decisions, tally.seen)
    audit.append(
        conn,
        AuditAction.IMPORTED,
        actor=actor,
        at=store_now(conn, clock),
        dispute_id=None,
        after=after,
    )
    return report


def _write_disputes(
    conn: Connection,
    items: Iterable[Prepared],
    tally: _Tally,
    load: BulkLoad | None,
    batch_size: int,
    on_progress: Callable[[int], None] | None,
) -> None:
    done = 0
    if load is not None and load.empty:
        tally.written = {}
    for batch in _batches(items, batch_size):
        new, changed = _plan(conn, batch, tally)
        if tally.seen is not None:
            _remember(tally.seen, batch, new, changed)
        try:
            # A savepoint per batch (nothing on the way when all is well): after a failed
            # insert, PostgreSQL refuses every statement until it is rolled back to.
            with conn.begin_nested():
                _write(conn, new, changed, load)
        except IntegrityError as exc:
            clashes = _clashes(conn, [*new.values(), *changed.values()])
            if clashes:
                raise ImportClash(clashes) from None
            where = batch[0].id if len(batch) == 1 else f"{batch[0].id} … {batch[-1].id}"
            raise StoreError(f"{one_line(exc)} (in {where})") from None
        done += len(batch)
        if on_progress is not None:
            on_progress(done)


def _remember(
    seen: dict[str, Seen],
    batch: list[Prepared],
    new: dict[str, Prepared],
    changed: dict[str, Prepared],
) -> None:
    """Note what the import did with each dispute of `batch` (`_Tally.seen`)."""
    for d in batch:
        if new.get(d.id) is d:
            seen[d.id] = (d.status, d.currency, True, d.start)
        elif changed.get(d.id) is d:  # inserted earlier in this import: still new
            earlier = seen.get(d.id)
            again = earlier is not None and earlier[2] is True
            seen[d.id] = (d.status, d.currency, again, d.start)
        elif d.id not in seen:
            seen[d.id] = (d.status, d.currency, None, d.start)


def _write_decisions(
    conn: Connection,
    items: Iterable[Decision],
    seen: dict[str, Seen],
) -> int:
    """Check `items` against the disputes of the import (`seen`) and insert those that go with
    a dispute it inserted, or updated when that dispute holds no decision; how many."""
    rows: list[dict[str, Any]] = []
    updated: list[dict[str, Any]] = []
    decided: set[str] = set()
    for r in items:
        state = seen.get(r.dispute_id)
        if state is None:
            raise StoreError(f"decision {r.id}: its dispute {r.dispute_id} is not in the import")
        status, currency, inserted, start = state
        if status is not Status.RESOLVED:
            raise StoreError(
                f"decision {r.id}: its dispute {r.dispute_id} is {status.label}, not resolved"
            )
        if r.currency != currency:
            raise StoreError(
                f"decision {r.id}: in {r.currency}, but the order of {r.dispute_id} is in "
                f"{currency}"
            )
        if r.dispute_id in decided:
            raise StoreError(f"decision {r.id}: {r.dispute_id} has another decision in the import")
        decided.add(r.dispute_id)
        if inserted is None:
            continue  # the dispute was skipped: it keeps what it has
        try:
            row = decision_values(r, handled_s=(r.decided_at - start).total_seconds())
        except ValueError as exc:  # MoneyError is a ValueError
            raise StoreError(f"decision {r.id}: {exc}") from None
        (rows if inserted else updated).append(row)
    if updated:
        rows.extend(_undecided(conn, updated))
    try:
        with conn.begin_nested():
            _insert_many(conn, decisions, rows)
    except IntegrityError as exc:
        raise StoreError(f"{one_line(exc)} (writing the decisions)") from None
    _first_decided(conn, [row["dispute_id"] for row in rows])
    return len(rows)


def _first_decided(conn: Connection, ids: list[str]) -> None:
    """`first_decided_at` of the disputes `ids` from their decisions (issue 17)."""
    first = (
        select(func.min(decisions.c.decided_at))
        .where(decisions.c.dispute_id == c.id)
        .scalar_subquery()
    )
    for at in range(0, len(ids), _CHUNK):
        chunk = ids[at : at + _CHUNK]
        conn.execute(update(disputes).where(c.id.in_(chunk)).values(first_decided_at=first))
        _standing(conn, chunk)


def _standing(conn: Connection, ids: list[str]) -> None:
    """`decided_at` and `decided_by` of the disputes `ids`: the decision that stands (issue 22;
    `domain.review.final_decision`: the newest not pending, returned or overturned)."""
    d = decisions.c
    found = conn.execute(
        select(d.dispute_id, d.decided_at, d.decided_by, d.review)
        .where(d.dispute_id.in_(ids))
        .order_by(d.dispute_id, d.decided_at, d.id)
    )
    standing: dict[str, dict[str, Any]] = {}
    for row in found:
        try:
            state = ReviewState(json.loads(row.review or "{}").get("state", "not_required"))
        except (ValueError, AttributeError):
            state = ReviewState.NOT_REQUIRED
        if state.final:
            standing[row.dispute_id] = {
                "s_id": row.dispute_id,
                "decided_at": row.decided_at,
                "decided_by": row.decided_by,
            }
    if standing:
        conn.execute(update(disputes).where(c.id == bindparam("s_id")), list(standing.values()))


def _undecided(conn: Connection, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The decision rows of `rows` whose (updated) dispute holds no decision yet."""
    held: set[str] = set()
    ids = [row["dispute_id"] for row in rows]
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        query = select(decisions.c.dispute_id).where(decisions.c.dispute_id.in_(chunk))
        held.update(conn.scalars(query))
    return [row for row in rows if row["dispute_id"] not in held]


def _plan(
    conn: Connection, batch: list[Prepared], tally: _Tally
) -> tuple[dict[str, Prepared], dict[str, Prepared]]:
    """The disputes of `batch` to insert and to update (by id); the rest are skipped."""
    ids = {d.id for d in batch}
    stored: dict[str, int]
    if tally.written is None:
        query = select(c.id, c.revision).where(c.id.in_(ids))
        stored = {id_: rev for id_, rev in conn.execute(query)}
    else:
        written = tally.written
        stored = {id_: written[id_] for id_ in ids if id_ in written}
    new: dict[str, Prepared] = {}
    changed: dict[str, Prepared] = {}
    for d in batch:
        earlier = new.get(d.id) or changed.get(d.id)
        if earlier is not None:  # the same id twice in this batch: the higher revision wins
            if d.revision > earlier.revision:
                (new if d.id in new else changed)[d.id] = d
                tally.updated += 1
            else:
                tally.skipped.append(
                    (d.id, f"revision {earlier.revision} earlier in the file ≥ {d.revision}")
                )
        elif d.id in stored:
            if d.revision > stored[d.id]:
                changed[d.id] = d
                tally.updated += 1
            else:
                tally.skipped.append((d.id, f"stored revision {stored[d.id]} ≥ {d.revision}"))
        else:
            new[d.id] = d
            tally.inserted += 1
    if tally.written is not None:
        tally.written.update((id_, d.revision) for id_, d in new.items())
        tally.written.update((id_, d.revision) for id_, d in changed.items())
    return new, changed


def _write(
    conn: Connection, new: dict[str, Prepared], changed: dict[str, Prepared], load: BulkLoad | None
) -> None:
    """Write one batch; `load`: SQLite's bulk settings (`bulk_load`): the search index to fill
    for the inserted disputes, the indexes to create before an update reads through them."""
    dispute_rows = [d.row for d in new.values()]
    update_rows = [
        {f"b_{k}": v for k, v in row_dict(disputes, d.row).items() if k not in _KEEP}
        for d in changed.values()
    ]
    children = [*new.values(), *changed.values()]
    message_rows = [m for d in children for m in d.messages]
    evidence_rows = [e for d in children for e in d.evidence]
    if update_rows:
        if load is not None:
            load.restore_indexes()  # an id twice in the file: the store is no longer empty
        id_rows = [{"b_id": id_} for id_ in changed]
        conn.execute(_UPDATE, update_rows)
        conn.execute(_DROP_MESSAGES, id_rows)
        conn.execute(_DROP_EVIDENCE, id_rows)
    if load is not None and load.indexes_search and dispute_rows:
        last = load.last_rowid()
        _insert_many(conn, disputes, dispute_rows)
        # rowids are handed out above the largest one: the rows just inserted are those above
        load.index_new(last)
    else:
        _insert_many(conn, disputes, dispute_rows)
    _insert_many(conn, messages, message_rows)
    _insert_many(conn, evidence, evidence_rows)
    if update_rows:
        conn.execute(_RECOUNT, id_rows)
        refresh_after_import(conn, list(changed))


def _clashes(conn: Connection, written: list[Prepared]) -> tuple[IdClash, ...]:
    """The message and evidence ids of `written` that the store holds elsewhere: under another
    dispute, or as a staff note (kept when a dispute is updated). Only after a failed insert;
    in the order of `written`, messages before evidence.
    """
    found: list[tuple[tuple[int, int, int], IdClash]] = []
    for kind, table in (("messages", messages), ("evidence", evidence)):
        #: id → (its place among the clashes, the imported dispute, the field)
        wanted: dict[str, tuple[tuple[int, int, int], str, str]] = {}
        for n, d in enumerate(written):
            rows: Sequence[Any] = d.messages if kind == "messages" else d.evidence
            for i, row in enumerate(rows):
                item_id = row[0] if isinstance(row, tuple) else row["id"]
                wanted[item_id] = ((n, kind == "evidence", i), d.id, f"{kind}[{i}].id")
        local = table.c.local if kind == "messages" else literal(False)
        ids = list(wanted)
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            query = select(table.c.id, table.c.dispute_id, local).where(table.c.id.in_(chunk))
            for item_id, holder, is_local in conn.execute(query):
                place, dispute_id, field = wanted[item_id]
                if holder != dispute_id or is_local:
                    clash = IdClash(dispute_id, field, item_id, holder, local=bool(is_local))
                    found.append((place, clash))
    found.sort(key=lambda pair: pair[0])
    return tuple(clash for _, clash in found)


def _insert_many(conn: Connection, table: Table, rows: Sequence[Any]) -> None:
    """`executemany` of `rows` (`Prepared`'s: tuples on SQLite, else dicts; or dicts) into
    `table`.

    On SQLite the rows go to the driver as tuples (SQLAlchemy's per-value bind processing is
    three quarters of the import time otherwise); the SQL is still compiled from Core's
    `insert(table)`, and times are formatted exactly as the `UtcDateTime` column stores them.
    Elsewhere this is a plain Core `executemany` (psycopg batches it with insertmanyvalues).
    """
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        conn.execute(insert(table), list(rows))
        return
    sql = sqlite_insert(table)[0]
    if isinstance(rows[0], dict):
        rows = [driver_row(table, row) for row in rows]
    conn.exec_driver_sql(sql, rows)
