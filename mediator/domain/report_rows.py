"""The shift's figures as flat rows (issue 17): `mediator report --format csv`.

One row per figure, `figure, group, measure, value`, so a spreadsheet opens it as-is and a
pivot table sums it; `summary_from_rows` reads the rows back into the same `Summary` (the
tests check the round trip). Times are ISO 8601 in UTC (`Z`), money decimal strings in the
currency's minor units, durations seconds; an empty value is "none" (no decisions to take a
median of). A group that a spreadsheet would read as a formula (an agent called "=SUM(…)")
is written with a leading `'`, and read back without it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

from mediator.domain.enums import Outcome, Status
from mediator.domain.report import (
    AgentFigures,
    BacklogPoint,
    DeadlineTally,
    Handling,
    MoneyBack,
    Summary,
    UpcomingDeadline,
)

HEADER = ("figure", "group", "measure", "value")
Row = tuple[str, str, str, str]

#: Characters that make a spreadsheet cell a formula (OWASP, CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def _num(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def defuse(text: str) -> str:
    """`text` safe for a spreadsheet cell: a leading formula character gets a `'`."""
    return "'" + text if text.startswith(FORMULA_START) or text.startswith("'") else text


def restore(text: str) -> str:
    return text[1:] if text.startswith("'") else text


def summary_rows(s: Summary) -> Iterator[Row]:
    """Every figure of `s`, a row each (without the header)."""
    yield "period", "", "start", _iso(s.start)
    yield "period", "", "end", _iso(s.end)
    yield "period", "", "now", _iso(s.now)
    for status, count in sorted(s.backlog.items()):
        yield "backlog", status.value, "disputes", str(count)
    yield "backlog", "", "overdue", str(s.overdue)
    yield "backlog", "", "awaiting_review", str(s.awaiting_review)
    yield "backlog", "", "flagged", str(s.flagged)
    for i, x in enumerate(s.next_deadlines, 1):
        group = f"{i:02d} {x.dispute_id}"
        yield "next_deadlines", group, "rule", x.rule_id
        yield "next_deadlines", group, "due_at", _iso(x.due_at)
        yield "next_deadlines", group, "status", x.status.value
        yield "next_deadlines", group, "order_title", defuse(x.order_title)
        yield "next_deadlines", group, "claimed_by", defuse(x.claimed_by or "")
    for outcome in Outcome:
        yield "outcomes", outcome.value, "decisions", str(s.outcomes.get(outcome, 0))
    for m in s.money:
        yield "money", m.currency, "decisions", str(m.decisions)
        yield "money", m.currency, "refunded", str(m.refunded)
        yield "money", m.currency, "refunds", str(m.refunds)
        yield "money", m.currency, "fee_refunds", str(m.fee_refunds)
    for t in s.deadlines:
        yield "deadlines", t.rule_id, "met", str(t.met)
        yield "deadlines", t.rule_id, "breached", str(t.breached)
    yield "handling", "", "decisions", str(s.handling.decisions)
    yield "handling", "", "median_seconds", _num(s.handling.median_seconds)
    yield "handling", "", "p90_seconds", _num(s.handling.p90_seconds)
    for a in s.agents:
        name = defuse(a.name)
        yield "agents", name, "decisions", str(a.decisions)
        yield "agents", name, "overturned", str(a.overturned)
        yield "agents", name, "returned", str(a.returned)
        yield "agents", name, "median_seconds", _num(a.median_seconds)
    for p in s.backlog_series:
        yield "backlog_series", _iso(p.at), "backlog", str(p.backlog)


def summary_from_rows(rows: Iterable[Row]) -> Summary:
    """The `Summary` that `summary_rows` wrote (a header row is skipped)."""
    figures: dict[str, dict[str, dict[str, str]]] = {}
    order: dict[str, list[str]] = {}
    for figure, group, measure, value in rows:
        if (figure, group, measure, value) == HEADER:
            continue
        by_group = figures.setdefault(figure, {})
        if group not in by_group:
            order.setdefault(figure, []).append(group)
        by_group.setdefault(group, {})[measure] = value
    period = figures["period"][""]
    backlog = figures.get("backlog", {})
    totals = backlog.get("", {})

    def opt(value: str) -> float | None:
        return float(value) if value else None

    def groups(figure: str) -> list[tuple[str, dict[str, str]]]:
        return [(g, figures[figure][g]) for g in order.get(figure, [])]

    data: dict[str, Any] = {
        "start": datetime.fromisoformat(period["start"]),
        "end": datetime.fromisoformat(period["end"]),
        "now": datetime.fromisoformat(period["now"]),
        "backlog": {Status(g): int(m["disputes"]) for g, m in backlog.items() if g},
        "overdue": int(totals["overdue"]),
        "awaiting_review": int(totals["awaiting_review"]),
        "flagged": int(totals["flagged"]),
        "next_deadlines": tuple(
            UpcomingDeadline(
                dispute_id=g.split(" ", 1)[1],
                rule_id=m["rule"],
                due_at=datetime.fromisoformat(m["due_at"]),
                status=Status(m["status"]),
                order_title=restore(m["order_title"]),
                claimed_by=restore(m["claimed_by"]) or None,
            )
            for g, m in groups("next_deadlines")
        ),
        "outcomes": {Outcome(g): int(m["decisions"]) for g, m in groups("outcomes")},
        "money": tuple(
            MoneyBack(
                currency=g,
                decisions=int(m["decisions"]),
                refunded=int(m["refunded"]),
                refunds=Decimal(m["refunds"]),
                fee_refunds=Decimal(m["fee_refunds"]),
            )
            for g, m in groups("money")
        ),
        "deadlines": tuple(
            DeadlineTally(rule_id=g, met=int(m["met"]), breached=int(m["breached"]))
            for g, m in groups("deadlines")
        ),
        "handling": Handling(
            decisions=int(figures["handling"][""]["decisions"]),
            median_seconds=opt(figures["handling"][""]["median_seconds"]),
            p90_seconds=opt(figures["handling"][""]["p90_seconds"]),
        ),
        "agents": tuple(
            AgentFigures(
                name=restore(g),
                decisions=int(m["decisions"]),
                overturned=int(m["overturned"]),
                returned=int(m["returned"]),
                median_seconds=opt(m["median_seconds"]),
            )
            for g, m in groups("agents")
        ),
        "backlog_series": tuple(
            BacklogPoint(at=datetime.fromisoformat(g), backlog=int(m["backlog"]))
            for g, m in groups("backlog_series")
        ),
    }
    return Summary.model_validate(data)
