"""`mediator report`: the shift's figures for a period (issue 17), as the dashboard shows them.

On a database store (`--store`) or through a `mediator serve` API (`--api`, `--token`: a
supervisor's; `GET /reports/summary`). `--period today|7d|30d` ends now (today starts at local
midnight); `--from DATE --to DATE` covers both days, local time. `--format table` (the default)
is for a terminal, `csv` opens as-is in a spreadsheet (`domain.report_rows`: a row per figure,
`figure,group,measure,value`), `json` is the API's answer. Definitions: `domain.report` and the
README, "The shift's figures".
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime, tzinfo
from typing import TYPE_CHECKING

from mediator.cli_api import add_api_options, api_of, token_of

if TYPE_CHECKING:
    from mediator.domain.report import Period, Summary

PERIODS = ("today", "7d", "30d")


def add_command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    store: argparse.ArgumentParser,
) -> None:
    """Register `report` (`store`: the shared `--store` option)."""
    report = commands.add_parser(
        "report",
        parents=[store],
        help="print the shift's figures for a period (table, CSV or JSON)",
        description="The dashboard's figures for a period: the backlog now, the next deadlines, "
        "decisions by outcome, money back per currency, deadlines met and breached per rule, "
        "handling times, per-agent figures and the flagged share.",
    )
    report.add_argument(
        "--period",
        choices=PERIODS,
        default=None,
        help="today (from local midnight), the last 7 or 30 days (default: 7d)",
    )
    report.add_argument(
        "--from", dest="first", metavar="DATE", type=_date, help="the first day (YYYY-MM-DD)"
    )
    report.add_argument("--to", dest="last", metavar="DATE", type=_date, help="the last day")
    report.add_argument(
        "--format", choices=("table", "csv", "json"), default="table", help="(default: table)"
    )
    report.add_argument(
        "--now",
        metavar="TIME",
        type=_aware_time,
        default=None,
        help="the figures as of TIME (ISO 8601 with an offset; default: the current time; "
        "through --api the server's clock judges)",
    )
    add_api_options(report, what="read", token="a supervisor's API token")
    report.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from mediator.cli import EXIT_OK
    from mediator.clock import SystemClock, local_timezone

    tz = local_timezone()
    now: datetime = args.now or SystemClock().now()
    period = _period(args, now, tz)
    api = api_of(args)
    if api is None:
        from mediator.cli import _open_store

        with _open_store(getattr(args, "store", None)) as store:
            summary = store.summary_sync(period, now=now)
    else:
        summary = _on_api(api, args, period)
    try:
        if args.format == "json":
            print(summary.model_dump_json())
        elif args.format == "csv":
            _csv(summary)
        else:
            _table(summary, period.label, tz)
        sys.stdout.flush()
    except BrokenPipeError:  # `| head`: the reader has what it wanted
        _quiet_stdout()
    return EXIT_OK


def _quiet_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's final flush does not fail again."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def _period(args: argparse.Namespace, now: datetime, tz: tzinfo) -> Period:
    from mediator.cli import CliError
    from mediator.domain.report import Period, PeriodKind

    ranged = args.first is not None or args.last is not None
    if ranged and args.period is not None:
        raise CliError("give either --period or --from/--to, not both")
    if ranged:
        if args.first is None or args.last is None:
            raise CliError("--from and --to go together (both days count)")
        try:
            return Period.between(args.first, args.last, tz)
        except ValueError as exc:
            raise CliError(str(exc)) from None
    return Period.of(PeriodKind(args.period or "7d"), now, tz)


def _on_api(url: str, args: argparse.Namespace, period: Period) -> Summary:
    import asyncio

    from mediator.store.http import HttpStore

    token = token_of(args)

    async def ask() -> Summary:
        api = HttpStore(url, token)
        try:
            return await api.summary(period)
        finally:
            await api.close()

    return asyncio.run(ask())


def _csv(summary: Summary) -> None:
    import csv

    from mediator.domain.report_rows import HEADER, summary_rows

    out = csv.writer(sys.stdout, lineterminator="\r\n")
    out.writerow(HEADER)
    out.writerows(summary_rows(summary))


def _table(s: Summary, label: str, tz: tzinfo) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from mediator.domain.deadlines import timer_name
    from mediator.domain.report import describe_seconds
    from mediator.domain.text import one_line

    console = Console(highlight=False)

    def when(at: datetime) -> str:
        return at.astimezone(tz).strftime("%d %b %H:%M")

    def table(title: str, *columns: str) -> Table:
        t = Table(title=Text(title, style="bold"), title_justify="left", box=None, pad_edge=False)
        for i, column in enumerate(columns):
            t.add_column(column, justify="left" if i == 0 else "right")
        return t

    console.print(
        Text(f"The shift, {label}: {when(s.start)} – {when(s.end)} (figures at {when(s.now)})")
    )
    backlog = table("Backlog now", "queue", "disputes")
    for status, count in sorted(s.backlog.items()):
        backlog.add_row(status.value.replace("_", " "), str(count))
    backlog.add_row("overdue", str(s.overdue))
    backlog.add_row("awaiting review", str(s.awaiting_review))
    share = "–" if s.flagged_share is None else f"{s.flagged_share:.0%}"
    backlog.add_row("with flagged messages", f"{s.flagged} ({share})")
    console.print(backlog)
    outcomes = table("Decided in the period", "outcome", "disputes")
    for outcome, count in s.outcomes.items():
        outcomes.add_row(outcome.label, str(count))
    outcomes.add_row("handling time, median", describe_seconds(s.handling.median_seconds))
    outcomes.add_row("handling time, p90", describe_seconds(s.handling.p90_seconds))
    console.print(outcomes)
    money = table("Money back", "currency", "decisions", "refunded", "refunds", "fee refunds")
    for m in s.money:
        money.add_row(
            m.currency, str(m.decisions), str(m.refunded), str(m.refunds), str(m.fee_refunds)
        )
    console.print(money)
    deadlines = table("Deadlines due in the period", "rule", "met", "breached", "met %")
    for t in s.deadlines:
        met = "–" if t.share_met is None else f"{t.share_met:.0%}"
        deadlines.add_row(t.rule_id, str(t.met), str(t.breached), met)
    console.print(deadlines)
    agents = table("Per agent", "agent", "decisions", "overturned", "returned", "median")
    for a in s.agents:
        agents.add_row(
            Text(one_line(a.name, 40)),
            str(a.decisions),
            str(a.overturned),
            str(a.returned),
            describe_seconds(a.median_seconds),
        )
    console.print(agents)
    upcoming = table("Next deadlines to break", "dispute", "timer", "due", "held by")
    for x in s.next_deadlines:
        upcoming.add_row(
            x.dispute_id,
            timer_name(x.rule_id),
            when(x.due_at),
            Text(one_line(x.claimed_by or "", 40)),
        )
    console.print(upcoming)


def _aware_time(text: str) -> datetime:
    from mediator.cli import aware_time

    return aware_time(text)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date: {text!r} (YYYY-MM-DD)") from None
