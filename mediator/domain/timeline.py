"""The chronological timeline of one dispute: order events, evidence, chat and decisions merged,
and the dispute's audit trail (issue 16: who did what, when, and what changed) when it was read.

Pure: built from a `DisputeRecord`; the transcript widget renders it (P-EVIDENCE: evidence is
shown in chronological order with the chat).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from mediator.domain.audit import AuditAction, AuditEntry
from mediator.domain.enums import Actor, Channel, EscalationCause
from mediator.domain.flags import Flag, flag_message
from mediator.domain.history import change_summary
from mediator.domain.models import Decision, DisputeRecord, Message, MessageKey, message_key
from mediator.domain.money import format_amount
from mediator.domain.review import ReviewState, review_state, state_words


class EntryKind(StrEnum):
    EVENT = "event"  # order and dispute milestones
    MESSAGE = "message"  # order chat, dispute chat, staff notes
    EVIDENCE = "evidence"
    DECISION = "decision"
    #: An entry of the dispute's audit trail (issue 16).
    HISTORY = "history"


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    at: datetime
    kind: EntryKind
    #: Short heading, trusted text written by us (e.g. "Order delivered").
    title: str
    #: Untrusted text from the public (chat body, caption), or our own detail line.
    body: str = ""
    actor: Actor | None = None
    channel: Channel | None = None
    #: The id of the message, evidence item or decision this entry shows.
    ref: str | None = None
    #: Who wrote it, when known (staff notes written in the console).
    author_name: str | None = None
    #: Orders entries of one kind at the same time (audit entries by their sequence number).
    seq: int = 0

    @property
    def flags(self) -> tuple[Flag, ...]:
        """P-COMM-* flags of a chat message (never of staff notes or events). Computed on
        demand: a 10,000-message transcript only checks the messages it shows."""
        if self.kind is not EntryKind.MESSAGE or self.channel is Channel.STAFF_NOTE:
            return ()
        return flag_message(self.body)

    @property
    def sort_key(self) -> tuple[datetime, int, int, str]:
        return (self.at, _KIND_ORDER[self.kind], self.seq, self.ref or self.title)


_KIND_ORDER = {
    EntryKind.EVENT: 0,
    EntryKind.EVIDENCE: 1,
    EntryKind.MESSAGE: 2,
    EntryKind.DECISION: 3,
    EntryKind.HISTORY: 4,
}


#: Why a dispute reached staff, in the words of POLICY.md.
ESCALATION_CAUSES = {
    EscalationCause.PARTY_REQUEST: "A party asked for staff (P-ESC-24H)",
    EscalationCause.SELLER_SILENT: "Seller silent for 24 h (P-ESC-SELLER-SILENT)",
    EscalationCause.STALE: "No update for 72 h (P-ESC-STALE)",
    EscalationCause.STAFF: "By staff",
}


def build_timeline(
    record: DisputeRecord, history: Iterable[AuditEntry] = ()
) -> list[TimelineEntry]:
    d = record.dispute
    o = d.order
    price = format_amount(o.price, o.currency)
    entries = [
        TimelineEntry(
            o.placed_at, EntryKind.EVENT, "Order placed and paid", f"{o.title} · {price}"
        ),
        TimelineEntry(d.opened_at, EntryKind.EVENT, "Dispute opened", d.reason.label),
    ]
    milestones = [
        (o.delivered_at, "Order marked delivered"),
        (o.confirmed_at, "Buyer confirmed delivery"),
        (o.paid_out_at, "Seller paid out"),
    ]
    entries += [TimelineEntry(at, EntryKind.EVENT, title) for at, title in milestones if at]
    if d.escalated_at is not None:
        cause = ESCALATION_CAUSES.get(d.escalation_cause, "") if d.escalation_cause else ""
        entries.append(TimelineEntry(d.escalated_at, EntryKind.EVENT, "Escalated to staff", cause))
    entries += [message_entry(m) for m in d.messages]
    for e in d.evidence:
        entries.append(
            TimelineEntry(
                e.submitted_at,
                EntryKind.EVIDENCE,
                f"Evidence: {e.kind.value.replace('_', ' ')} ({e.id})",
                e.caption,
                actor=e.submitted_by,
                ref=e.id,
            )
        )
    entries += [decision_entry(r) for r in record.decisions]
    # a note's entry is the note itself, already in the timeline as a message
    entries += [
        history_entry(h)
        for h in history
        if h.dispute_id == d.id and h.action != AuditAction.NOTE_ADDED
    ]
    entries.sort(key=lambda e: e.sort_key)
    return entries


def message_entry(m: Message) -> TimelineEntry:
    return TimelineEntry(
        m.sent_at,
        EntryKind.MESSAGE,
        m.channel.label,
        m.body,
        actor=m.author,
        channel=m.channel,
        ref=m.id,
        author_name=m.author_name,
    )


@dataclass(slots=True)
class TimelineWindow:
    """The part of a windowed dispute's timeline not yet shown (issue 18): the transcript is
    read newest first, window by window (`Store.dispute_messages`, a keyset on (sent_at, id)).

    `oldest` is the key of the oldest message shown (the next read is of the messages before
    it; None once every message is shown); `held` are the other entries (events, evidence,
    decisions, history) that sort before it, shown with the window they fall in, so that the
    timeline, window after window, is in exactly `build_timeline`'s order."""

    oldest: MessageKey | None
    held: list[TimelineEntry]

    @property
    def more(self) -> bool:
        """Older messages remain to be read."""
        return self.oldest is not None

    def older(self, messages: Sequence[Message], *, complete: bool) -> list[TimelineEntry]:
        """The entries before those shown, once `messages` (the ones before `oldest`, oldest
        first) are read; `complete`: no message is older than them."""
        read = [message_entry(m) for m in messages]
        if complete or not read:
            entries, self.held, self.oldest = [*read, *self.held], [], None
        else:
            cut = read[0].sort_key
            self.oldest = message_key(messages[0])
            entries = read + [e for e in self.held if e.sort_key >= cut]
            self.held = [e for e in self.held if e.sort_key < cut]
        entries.sort(key=lambda e: e.sort_key)
        return entries


def windowed_timeline(
    record: DisputeRecord, history: Iterable[AuditEntry] = ()
) -> tuple[list[TimelineEntry], TimelineWindow]:
    """`build_timeline` of a windowed read (`DisputeRecord.window`): the newest messages and
    every other entry from the oldest of them on, and what is before them, to be shown as the
    older messages are read (`TimelineWindow.older`). A complete record: the whole timeline."""
    if record.window is None:
        return build_timeline(record, history), TimelineWindow(None, [])
    d = record.dispute
    shown = d.messages[len(d.messages) - record.window :] if record.window else ()
    others = build_timeline(
        record.model_copy(update={"dispute": d.model_copy(update={"messages": ()})}), history
    )
    # every other entry is held until the window it falls in is read: this one, to begin with
    window = TimelineWindow(None, others)
    return window.older(shown, complete=False), window


def decision_entry(decision: Decision) -> TimelineEntry:
    """A decision, or a proposal with where it stands (issue 16): "Proposed (returned by sam):
    …" — a proposal is never shown as if it were final."""
    r = decision
    amount = ""
    if r.refund_amount is not None:
        amount = f" · refund {format_amount(r.refund_amount, r.currency)}"
    state = review_state(r)
    if state is ReviewState.NOT_REQUIRED:
        overturns = r.review.get("overturns")
        head = f"Decided on review, replacing {overturns}" if overturns else "Decided"
    else:
        head = f"Proposed ({state_words(r)})"
    body = f"{r.decided_by} · {r.id}"
    if r.macro is not None:
        body += f" · macro {r.macro}"  # issue 19: the canned reply and its version
    body += f"\n{r.rationale}"
    if r.message_to_parties.strip():  # what the buyer and seller were told (issue 22)
        body += f"\nTo the parties: {r.message_to_parties}"
    note = r.review.get("note")
    if isinstance(note, str) and note.strip():
        body += f"\n{state_words(r).capitalize()}: {note}"
    return TimelineEntry(
        r.decided_at,
        EntryKind.DECISION,
        f"{head}: {r.outcome.label}{amount}",
        body,
        actor=Actor.STAFF,
        ref=r.id,
        author_name=r.decided_by,
    )


def history_entry(entry: AuditEntry) -> TimelineEntry:
    """An audit entry: "ana proposed a decision", and what changed."""
    return TimelineEntry(
        entry.at,
        EntryKind.HISTORY,
        f"{entry.actor} {entry.words}",
        change_summary(entry),
        actor=Actor.STAFF,
        ref=f"#{entry.seq}",
        author_name=entry.actor,
        seq=entry.seq,
    )
