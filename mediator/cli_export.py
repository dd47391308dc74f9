"""`mediator show D-…` and `mediator export decisions` (issue 17): one dispute for a terminal or
a ticket, and every decision for a spreadsheet.

`show ID [--format text|json]` reads the dispute through the `Store` protocol alone
(`get_dispute`, `history`), so it works on SQLite, PostgreSQL (`--store`) and a `mediator serve`
API (`--api`, `--token`) alike. The text gives the facts, every timer (overdue ones marked),
the decision (the standing one, or a proposal marked as waiting for review) and the timeline
with the audit history merged in, times in the local zone with their offset (`cli_show` writes
it). Text from the public is printed plain, control characters made visible
(`domain.text.visible`), never markup. `--format json` prints one line, one object (ASCII: any
other character, control characters included, escaped as JSON `\\uXXXX`):

    {"dispute": {…one line of the import format (IMPORT_FORMAT.md)…}, "version": 3,
     "decision": {…the standing decision…} | null, "proposal": {…waiting for review…} | null,
     "decisions": [{…every decision, oldest first, as IMPORT_FORMAT.md exports them…}],
     "deadlines": [{"rule_id": "STAFF-48H", "label": "…", "due_at": "…Z",
                    "state": "running", "overdue": true}],
     "history": [{…audit entry: seq, at, actor, action, dispute_id, before, after, prev,
                  hash…}],
     "at": "…Z"}

(`at`: when it was read, which `overdue` is judged at; times in UTC with `Z`).

`export decisions [--since T] [--format csv|jsonl]` writes every decision of a database store,
by `decided_at` then id, as it reads them (`store.sql.exports`: one streamed query), with the
columns of `FIELDS`. Amounts are exact decimal strings in major units ("25.00"; empty in CSV,
null in JSON Lines, when there is none), times ISO 8601 in UTC with `Z`, `rule_ids` joined with
`;` in CSV and an array in JSON Lines; `macro` (issue 19) names the macro version a decision
used ("MAC-… v2", empty or null without one), the last column. The CSV is RFC 4180 (header
row, CRLF, quotes where needed) in UTF-8, and a free-text cell starting with `=`, `+`, `-`,
`@`, tab or CR gets a `'` in front, so a spreadsheet does not run it as a formula. On a
terminal (stderr, with stdout redirected) a progress bar shows on stderr.

Both stop quietly when the reader of stdout goes away (`| head`): exit 141, as a process killed
by SIGPIPE. Otherwise the exit codes are `cli`'s, which registers this module (`add_command`)
and lends it its store opener and progress bar.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, date, datetime, time
from typing import IO, TYPE_CHECKING, Any, TextIO

from mediator.cli_api import add_api_options, api_of, token_of

if TYPE_CHECKING:
    from rich.progress import Progress

    from mediator.domain import DisputeRecord
    from mediator.domain.audit import AuditEntry
    from mediator.store.base import Store
    from mediator.store.sql import SqlStore
    from mediator.store.sql.exports import DecisionLine

#: Exit code when stdout's reader went away (128 + SIGPIPE, as 130 is 128 + SIGINT).
EXIT_CLOSED = 141
#: The columns of `export decisions`, in order (the JSON Lines keys too).
FIELDS = (
    "decision_id",
    "dispute_id",
    "reason",
    "outcome",
    "refund_amount",
    "fee_refund",
    "currency",
    "price",
    "decided_by",
    "decided_at",
    "escalated_at",
    "opened_at",
    "review_state",
    "rule_ids",
    "macro",
)
#: Cells of free text (names), defused against formulas in CSV; ids, enums and amounts are not.
TEXT_FIELDS = frozenset({"decided_by"})
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: Rows between two updates of the progress bar.
_BAR_EVERY = 500


def add_command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    store: argparse.ArgumentParser,
) -> None:
    """Register `show` and `export decisions` (`store`: the shared `--store` option)."""
    show = commands.add_parser(
        "show",
        parents=[store],
        help="print one dispute: facts, timers, decision, timeline and history",
        description="Print one dispute for a terminal or a ticket: its facts, timers, "
        "decision and timeline with its history (times in your zone), or with --format json "
        "one JSON object: the dispute in the import format, its decisions and history.",
    )
    show.add_argument("dispute_id", metavar="ID", help="the dispute, e.g. D-10001")
    show.add_argument("--format", choices=("text", "json"), default="text")
    add_api_options(show, what="read it", token="the API token")
    show.set_defaults(handler=_cmd_show)

    export = commands.add_parser(
        "export",
        help="write decisions out as CSV or JSON Lines",
        description="Write data out of a database store for spreadsheets and other tools.",
    )
    what = export.add_subparsers(title="export commands", metavar="WHAT", required=True)
    decisions = what.add_parser(
        "decisions",
        parents=[store],
        help="every decision, with its dispute's reason, amounts, agent, times and rules",
        description="Write every decision (by decided_at, then id) to stdout: CSV for a "
        "spreadsheet (amounts as decimal strings, times in UTC with Z, rule ids joined by ;) "
        "or JSON Lines. A progress bar shows on stderr when it is a terminal.",
    )
    decisions.add_argument(
        "--since",
        metavar="T",
        type=since_time,
        help="only decisions at or after T: a time with an offset (2026-11-20T10:00:00+01:00) "
        "or a date (2026-11-20, from 00:00 UTC)",
    )
    decisions.add_argument("--format", choices=("csv", "jsonl"), default="csv")
    decisions.set_defaults(handler=_cmd_export_decisions)


def since_time(text: str) -> datetime:
    """`--since`: a date (its 00:00 UTC, the zone the export writes) or `cli.aware_time`."""
    from mediator.cli import aware_time

    try:
        day = date.fromisoformat(text)
    except ValueError:
        return aware_time(text)
    return datetime.combine(day, time(), tzinfo=UTC)


# --- show ----------------------------------------------------------------------------------------


def _cmd_show(args: argparse.Namespace) -> int:
    from mediator.cli import _open_store
    from mediator.clock import SystemClock

    api = api_of(args)
    if api is None:
        with _open_store(getattr(args, "store", None)) as store:
            record, history = _read(store, args.dispute_id)
    else:
        from mediator.store.http import HttpStore

        record, history = _read(HttpStore(api, token_of(args)), args.dispute_id, close=True)
    now = SystemClock().now()
    if args.format == "json":
        lines = [json.dumps(shown_json(record, history, now))]
    else:
        from mediator.cli_show import show_lines
        from mediator.clock import local_timezone

        lines = show_lines(record, history, now, local_timezone())
    return _to_stdout(lambda out: out.writelines(line + "\n" for line in lines))


def _read(
    store: Store, dispute_id: str, *, close: bool = False
) -> tuple[DisputeRecord, list[AuditEntry]]:
    """The dispute and its history through the `Store` protocol; unknown: a `CliError`."""
    import asyncio

    from mediator.cli import CliError
    from mediator.domain.text import one_line
    from mediator.store.base import NotFound

    async def both() -> tuple[DisputeRecord, list[AuditEntry]]:
        try:
            try:
                record = await store.get_dispute(dispute_id)
            except NotFound:
                raise CliError(f"no dispute {one_line(dispute_id, 80)} in {store.label}") from None
            return record, await store.history(dispute_id)
        finally:
            if close:
                await store.close()

    return asyncio.run(both())


def shown_json(record: DisputeRecord, history: list[AuditEntry], now: datetime) -> dict[str, Any]:
    """The object `show --format json` prints (module docstring)."""
    from mediator.domain.deadlines import deadlines
    from mediator.domain.review import final_decision, pending_proposal

    final, proposal = final_decision(record.decisions), pending_proposal(record.decisions)
    return {
        "dispute": record.dispute.model_dump(mode="json"),
        "version": record.version,
        "decision": None if final is None else final.model_dump(mode="json"),
        "proposal": None if proposal is None else proposal.model_dump(mode="json"),
        "decisions": [d.model_dump(mode="json") for d in record.decisions],
        "deadlines": [
            {
                "rule_id": x.rule_id,
                "label": x.label,
                "due_at": utc_text(x.due_at),
                "state": x.state.value,
                "overdue": x.overdue(now),
            }
            for x in deadlines(record)
        ],
        "history": [entry.model_dump(mode="json") for entry in history],
        "at": utc_text(now),
    }


# --- export decisions ----------------------------------------------------------------------------


def _cmd_export_decisions(args: argparse.Namespace) -> int:
    from mediator.cli import CliError, _open_store

    if getattr(args, "api", None) is not None:
        raise CliError("export decisions reads a database store (--store), not an API")
    with _open_store(getattr(args, "store", None)) as store:
        return _to_stdout(lambda out: _export(store, out, args.since, args.format))


def _export(store: SqlStore, out: TextIO, since: datetime | None, kind: str) -> None:
    write = _csv_writer(out) if kind == "csv" else _jsonl_writer(out)
    with _bar() as bar:
        if bar is None:
            store.export_decisions_sync(write, since=since)
            return
        task = bar.add_task("exporting", total=None)
        done = 0

        def each(line: DecisionLine) -> None:
            nonlocal done
            write(line)
            done += 1
            if done % _BAR_EVERY == 0:
                bar.update(task, completed=done)

        def counted(total: int) -> None:
            bar.update(task, total=total or None)

        store.export_decisions_sync(each, since=since, on_count=counted)
        bar.update(task, completed=done)


def _csv_writer(out: TextIO) -> Callable[[DecisionLine], None]:
    import csv

    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180: CRLF, quotes where needed
    writer.writerow(FIELDS)

    def write(line: DecisionLine) -> None:
        row = exported(line)
        row["rule_ids"] = ";".join(line.rule_ids)
        writer.writerow(
            [defused(v) if k in TEXT_FIELDS else ("" if v is None else v) for k, v in row.items()]
        )

    return write


def _jsonl_writer(out: TextIO) -> Callable[[DecisionLine], None]:
    def write(line: DecisionLine) -> None:
        out.write(json.dumps(exported(line)) + "\n")

    return write


def exported(line: DecisionLine) -> dict[str, Any]:
    """The JSON Lines object of one decision (the CSV row before its cells are joined)."""
    refund, fee = line.refund_amount, line.fee_refund
    return {
        "decision_id": line.decision_id,
        "dispute_id": line.dispute_id,
        "reason": line.reason,
        "outcome": line.outcome,
        "refund_amount": None if refund is None else str(refund),
        "fee_refund": None if fee is None else str(fee),
        "currency": line.currency,
        "price": str(line.price),
        "decided_by": line.decided_by,
        "decided_at": utc_text(line.decided_at),
        "escalated_at": None if line.escalated_at is None else utc_text(line.escalated_at),
        "opened_at": utc_text(line.opened_at),
        "review_state": line.review_state,
        "rule_ids": list(line.rule_ids),
        "macro": line.macro,
    }


def defused(text: str) -> str:
    """A CSV cell a spreadsheet shows as text, never runs as a formula (OWASP: CSV injection)."""
    return "'" + text if text.startswith(_FORMULA_START) else text


@contextmanager
def _bar() -> Iterator[Progress | None]:
    """`cli._progress` when stderr is a terminal (else None, and nothing is counted), but none
    while the rows go to the same terminal (a bar redrawn between them would garble both)."""
    from mediator.cli import _progress

    if _is_tty(sys.stdout):
        yield None
        return
    with _progress() as progress:
        yield None if progress.disable else progress


# --- helpers -------------------------------------------------------------------------------------


def utc_text(at: datetime) -> str:
    """ISO 8601 in UTC with `Z` (as the import format writes times)."""
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _is_tty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _to_stdout(write: Callable[[TextIO], None]) -> int:
    """Run `write` on stdout as UTF-8 (newlines as written: CSV's CRLF stays CRLF), then flush.
    A reader that went away (`| head`) ends it quietly with `EXIT_CLOSED`."""
    import io

    from mediator.cli import EXIT_OK

    sys.stdout.flush()
    buffer = getattr(sys.stdout, "buffer", None)
    # a text-only stdout (replaced in-process) is written to as it is
    wrapper = None if buffer is None else io.TextIOWrapper(buffer, encoding="utf-8", newline="")
    try:
        out: TextIO = sys.stdout if wrapper is None else wrapper
        write(out)
        out.flush()
    except BrokenPipeError:
        _to_devnull()
        return EXIT_CLOSED
    finally:
        if wrapper is not None:
            with suppress(OSError, ValueError):
                wrapper.detach()  # leave sys.stdout's buffer open (flushed, or given up on)
    return EXIT_OK


def _to_devnull() -> None:
    """Point stdout's file descriptor at /dev/null, so that the flush at exit does not fail
    again on the closed pipe (the recipe in Python's `signal` documentation)."""
    import os

    with suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
