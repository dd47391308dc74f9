"""Decisions and proposals as text (issue 16): what the dispute screen shows in place of the form.

A proposal is never shown as if it were final: each decision says where it stands with the
review ("waiting for review", "returned by sam"), and a dispute awaiting review says that no
money moves until a supervisor approves it. Names, rationales and notes are untrusted: they
are sanitised (`visible`) and appended to `Text`, never parsed as markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo

from rich.console import Group
from rich.table import Table
from rich.text import Text

from mediator.domain.audit import AuditEntry
from mediator.domain.enums import Status
from mediator.domain.models import Decision, DisputeRecord
from mediator.domain.money import format_amount
from mediator.domain.policy import Finding, Severity
from mediator.domain.review import ReviewState, review_state, state_words
from mediator.domain.text import one_line, visible
from mediator.widgets._text import duration, local_time


def refund_words(decision: Decision) -> str:
    """ "120.00 USD + fee 3.60 USD", or "" when nothing is refunded."""
    if decision.refund_amount is None:
        return ""
    words = format_amount(decision.refund_amount, decision.currency)
    if decision.fee_refund is not None:
        words += f" + fee {format_amount(decision.fee_refund, decision.currency)}"
    return words


def decided_text(record: DisputeRecord, tz: tzinfo) -> Text:
    """The dispute is not open for a decision: its decisions and proposals, each with where it
    stands, newest last."""
    d = record.dispute
    text = Text(f"This dispute is {d.status.label}.\n", "bold")
    if d.status is Status.AWAITING_REVIEW:
        text.append(
            "A proposal waits for a supervisor's review: no money moves until it is approved.\n"
        )
    text.append("\n")
    for r in record.decisions:
        state = review_state(r)
        text.append(f"{r.outcome.label}\n", "bold")
        if (refund := refund_words(r)) != "":
            text.append(f"Refund {refund}\n")
        verb = "decided" if state is ReviewState.NOT_REQUIRED else "proposed"
        text.append(f"{verb} by {visible(r.decided_by)} at {local_time(r.decided_at, tz)}\n")
        if r.macro is not None:
            text.append(f"with macro {visible(str(r.macro))}\n", "dim")
        if state is not ReviewState.NOT_REQUIRED:
            style = "bold yellow" if state is ReviewState.PENDING else "dim"
            text.append(f"{visible(state_words(r))}\n", style)
            note = r.review.get("note")
            if isinstance(note, str) and note.strip():
                text.append(f"“{visible(one_line(note, 400))}”\n", "italic")
        text.append(visible(one_line(r.rationale, 400)) + "\n", "italic")
        # what the buyer and seller were told (issue 22: shown nowhere once decided)
        told = r.message_to_parties.strip()
        text.append("To the parties: ", "bold")
        text.append(visible(one_line(told, 400)) if told else "(no message)", "" if told else "dim")
        text.append("\n\n")
    return text


def proposal_text(
    proposal: Decision,
    *,
    reasons: Sequence[str],
    findings: Sequence[Finding],
    history: Sequence[AuditEntry],
    now: datetime,
    tz: tzinfo,
) -> Group:
    """A proposal opened for review: what would be written, why it needs a second person, what
    the policy said, and what its agent did on the dispute (`history`, read from the trail)."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style="dim", no_wrap=True)
    grid.add_column(overflow="fold")

    def row(name: str, value: str | Text, style: str = "") -> None:
        grid.add_row(name, value if isinstance(value, Text) else Text(visible(value), style))

    state = review_state(proposal)
    pending = state is ReviewState.PENDING
    row(
        "Proposal", f"{proposal.id} · {state_words(proposal)}", "bold yellow" if pending else "bold"
    )
    row("Outcome", proposal.outcome.label, "bold")
    if (refund := refund_words(proposal)) != "":
        row("Refund", refund, "bold")
    if proposal.return_required:
        keep = "0" if proposal.seller_keep_pct is None else f"{proposal.seller_keep_pct}"
        row("Return", f"required; seller keeps {keep}%")
    age = duration(now - proposal.decided_at)
    row("By", f"{proposal.decided_by} at {local_time(proposal.decided_at, tz)} ({age} ago)")
    why = Text()
    for reason in reasons or ("(the store gave no reason)",):
        if why:
            why.append("\n")
        why.append(f"• {visible(reason)}")
    row("Review", why)
    if findings:
        said = Text()
        for finding in findings:
            if said:
                said.append("\n")
            warning = finding.severity is Severity.WARNING
            said.append("▲ " if warning else "● ", "yellow" if warning else "dim")
            said.append(finding.rule_id, "bold")
            said.append(" acknowledged" if warning else "", "green")
            said.append(f": {visible(one_line(finding.message, 200))}", "dim")
        row("Policy", said)
    elif proposal.findings:
        row("Policy", ", ".join(proposal.findings))
    if proposal.macro is not None:
        row("Macro", str(proposal.macro))
    row("Rationale", proposal.rationale, "italic")
    if proposal.message_to_parties.strip():
        row("To parties", proposal.message_to_parties)
    note = proposal.review.get("note")
    if isinstance(note, str) and note.strip():
        row("Note", note, "italic")
    did = Text()
    did.append(f"\nWhat {visible(proposal.decided_by)} did on {visible(proposal.dispute_id)}\n",
               "bold")  # fmt: skip
    mine = [entry for entry in history if entry.actor == proposal.decided_by]
    for entry in mine:
        did.append(f"{local_time(entry.at, tz)} ", "dim")
        did.append(visible(entry.words) + "\n")
    if not mine:
        did.append("(nothing on record yet)\n", "dim")
    return Group(grid, did)
