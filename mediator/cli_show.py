"""The text of `mediator show` (`cli_export` runs the command): one dispute as plain lines.

Facts, timers, the decision and the timeline with the audit history merged in, as the console's
dispute screen shows them (`domain.deadlines`, `domain.review`, `domain.timeline`). Times are
in the reader's zone, with the offset. Everything that is not our own words passes through
`visible` / `one_line` (control characters made visible), and nothing is parsed as markup:
these are plain strings for `print`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, tzinfo

from mediator.domain import Decision, DisputeRecord
from mediator.domain.audit import AuditEntry
from mediator.domain.deadlines import deadlines, timer_words
from mediator.domain.money import format_amount
from mediator.domain.review import ReviewState, final_decision, pending_proposal, review_state
from mediator.domain.review import state_words as review_words
from mediator.domain.text import one_line, visible
from mediator.domain.timeline import ESCALATION_CAUSES, EntryKind, build_timeline

#: Indent of a timeline entry's body and of detail lines.
INDENT = "    "
_NONE = "—"


def show_lines(
    record: DisputeRecord, history: Iterable[AuditEntry], now: datetime, tz: tzinfo
) -> list[str]:
    """The whole text of `mediator show`, a line per item (without newlines)."""
    return [
        *facts(record, tz),
        "",
        *timers(record, now, tz),
        "",
        *decision(record, tz),
        "",
        *timeline(record, history, tz),
    ]


def when(at: datetime | None, tz: tzinfo) -> str:
    """A time in the reader's zone, to the minute, with its offset: 2026-11-20 11:00+01:00."""
    return _NONE if at is None else at.astimezone(tz).isoformat(" ", "minutes")


def facts(record: DisputeRecord, tz: tzinfo) -> list[str]:
    d, o = record.dispute, record.dispute.order
    cur = o.currency
    request = d.buyer_request.value.replace("_", " ") if d.buyer_request else _NONE
    if d.buyer_request_amount is not None:
        request += f" · {format_amount(d.buyer_request_amount, cur)}"
    cause = ESCALATION_CAUSES.get(d.escalation_cause, _NONE) if d.escalation_cause else _NONE
    rows = [
        ("order", f"{o.id} · {o.kind.value} · {one_line(o.title)} · quantity {o.quantity}"),
        (
            "price",
            f"{format_amount(o.price, cur)} (service fee {format_amount(o.service_fee, cur)})",
        ),
        ("buyer", f"{one_line(d.buyer.name, 80)} ({d.buyer.id})"),
        (
            "seller",
            f"{one_line(d.seller.name, 80)} ({d.seller.id}), trust level {d.seller.trust_level}",
        ),
        ("reason", d.reason.label),
        ("status", f"{d.status.label} (version {record.version}, revision {d.revision})"),
        ("request", request),
        ("escalation", cause),
        ("placed", when(o.placed_at, tz)),
        ("delivered", when(o.delivered_at, tz)),
        ("confirmed", when(o.confirmed_at, tz)),
        ("paid out", when(o.paid_out_at, tz)),
        ("opened", when(d.opened_at, tz)),
        ("escalated", when(d.escalated_at, tz)),
    ]
    claim = record.claim
    if claim is not None:
        by = f" (handed over by {one_line(claim.handed_by, 64)})" if claim.handed_by else ""
        held = f"{one_line(claim.holder, 64)} until {when(claim.until, tz)}{by}"
        rows.append(("claimed by", held))
    if record.returned_to:
        rows.append(("returned to", one_line(record.returned_to, 64)))
    asked = record.info_request
    if asked is not None:
        answered = f", answered {when(asked.answered_at, tz)}" if asked.answered_at else ""
        rows.append(
            (
                "info asked",
                f"of the {asked.party.value} by {one_line(asked.asked_by, 64)} "
                f"at {when(asked.asked_at, tz)}{answered}",
            )
        )
    if d.extra:
        rows.append(("extra", one_line(json.dumps(d.extra, ensure_ascii=False), 400)))
    head = f"{d.id} · {d.reason.label} · {d.status.label}"
    return [head, *(f"  {name:<12}{value}" for name, value in rows)]


def timers(record: DisputeRecord, now: datetime, tz: tzinfo) -> list[str]:
    lines = [f"Timers (at {when(now, tz)})"]
    for x in deadlines(record):
        words = timer_words(x, now, lambda at: when(at, tz))
        lines += [f"  {x.rule_id:<20}{x.label}", f"  {'':<20}{words}"]
    return lines


def decision(record: DisputeRecord, tz: tzinfo) -> list[str]:
    """The decision that stands, or the proposal waiting for review (never shown as final),
    then every other decision with where it stands."""
    final, proposal = final_decision(record.decisions), pending_proposal(record.decisions)
    lines = ["Decision"]
    if final is not None:
        lines += _decision_lines("Final", final, tz)
    if proposal is not None:
        head = "PROPOSED, NOT FINAL (waiting for a supervisor's review)"
        lines += _decision_lines(head, proposal, tz)
    if final is None and proposal is None:
        lines.append("  none yet")
    others = [r for r in record.decisions if r is not final and r is not proposal]
    if others:
        lines.append("  earlier:")
        for r in others:
            lines.append(f"{INDENT}{_summary(r)} · {one_line(review_words(r), 200)}")
            note = r.review.get("note")
            if isinstance(note, str) and note.strip():
                lines += _block("note", note, INDENT * 2)
    return lines


def _decision_lines(head: str, r: Decision, tz: tzinfo) -> list[str]:
    lines = [f"  {head}: {_summary(r)}"]
    by = f"by {one_line(r.decided_by, 64)} at {when(r.decided_at, tz)}"
    state = review_state(r)
    if state is ReviewState.APPROVED:
        by += f" · {one_line(review_words(r), 200)}"
    lines.append(INDENT + by)
    if r.review.get("overturns"):
        lines.append(f"{INDENT}replaces {one_line(str(r.review['overturns']), 64)} (overturned)")
    if r.findings:
        lines.append(f"{INDENT}rules: {', '.join(one_line(f, 64) for f in r.findings)}")
    reasons = r.review.get("reasons")
    if state is ReviewState.PENDING and isinstance(reasons, list) and reasons:
        lines.append(f"{INDENT}why review: {'; '.join(one_line(str(x)) for x in reasons)}")
    lines += _block("rationale", r.rationale)
    if r.message_to_parties:
        lines += _block("to the parties", r.message_to_parties)
    return lines


def _summary(r: Decision) -> str:
    parts = [r.id, r.outcome.label]
    if r.refund_amount is not None:
        parts.append(f"refund {format_amount(r.refund_amount, r.currency)}")
    if r.fee_refund is not None:
        parts.append(f"fee refund {format_amount(r.fee_refund, r.currency)}")
    if r.return_required:
        parts.append("return required")
    return " · ".join(parts)


def timeline(record: DisputeRecord, history: Iterable[AuditEntry], tz: tzinfo) -> list[str]:
    """Every event, message (by channel and author), evidence item, decision and audit entry,
    oldest first; a message's or caption's text below it, indented, as it was written."""
    lines = ["Timeline"]
    for e in build_timeline(record, history):
        if e.kind is EntryKind.MESSAGE:
            who = one_line(e.author_name, 64) if e.author_name else (e.actor or "")
            kind = f"{e.title} · {who} · {e.ref}"
            flags = e.flags
            if flags:
                kind += " · ⚑ " + ", ".join(f.rule_id for f in flags)
            head, body = kind, e.body
        elif e.kind is EntryKind.HISTORY:
            head, body = f"history {e.ref} · {one_line(e.title, 200)}", e.body
        elif e.kind is EntryKind.EVIDENCE:
            who = e.actor.value if e.actor else ""
            head, body = f"{one_line(e.title, 200)} · {who}", e.body
        else:
            head, body = one_line(e.title, 400), e.body
        lines.append(f"  {when(e.at, tz)}  {one_line(head, 400)}")
        lines += [INDENT * 2 + text for text in visible(body).split("\n")] if body else []
    return lines


def _block(name: str, text: str, indent: str = INDENT) -> list[str]:
    """`name: text`, the text's further lines below it, indented once more."""
    first, *rest = visible(text).split("\n")
    return [f"{indent}{name}: {first}", *(indent + INDENT + line for line in rest)]
