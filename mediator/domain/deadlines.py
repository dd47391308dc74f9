"""Policy timers: every deadline a dispute has, which are running, and the next one.

Pure functions of a `DisputeRecord` (no clock needed to compute *when* something is due; the
clock only says how long is left). The queue is ordered by `urgency_at`, the earliest running
deadline, so the store can keep it as a column and page on it.

Timers (POLICY.md):
- P-ESC-SELLER-SILENT: an open dispute auto-escalates when the seller has not written within 24 h
  of it being opened.
- P-ESC-STALE: an open dispute auto-escalates after 72 h without an update (message or evidence).
- P-INFO-7D: a party asked for information has 7 days to answer.
- P-OPEN-72H: the buyer's guarantee window, 72 h from delivery (shown, never running once opened).
- STAFF-48H: the team's own target for deciding an escalated dispute. Not a marketplace rule
  (POLICY.md sets none for staff); it orders escalated disputes by how long staff have had them.

Clocks that wait on a party pause while the dispute is awaiting information (the staff target is
paused, the info timer runs); every clock stops when the dispute is resolved or closed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from mediator.domain.enums import Actor, Channel, Status
from mediator.domain.models import Dispute, DisputeRecord, InfoRequest
from mediator.domain.policy import INFO_WINDOW, OPEN_WINDOW

SELLER_SILENT_AFTER = timedelta(hours=24)
STALE_AFTER = timedelta(hours=72)
#: The same rules the policy engine enforces, so a timer and its warning can never disagree.
INFO_ANSWER_WITHIN = INFO_WINDOW  # P-INFO-7D
GUARANTEE_WINDOW = OPEN_WINDOW  # P-OPEN-72H
STAFF_TARGET = timedelta(hours=48)

#: Sort position of a dispute with no running deadline (resolved, closed): after every open one.
NO_DEADLINE = datetime(9999, 1, 1, tzinfo=UTC)


#: Short names of the timers, for the queue's Timer column and the dispute's title.
TIMER_NAMES = {
    "P-ESC-SELLER-SILENT": "seller 24h",
    "P-ESC-STALE": "stale 72h",
    "P-INFO-7D": "info 7d",
    "STAFF-48H": "staff 48h",
    "P-OPEN-72H": "guarantee",
}


def timer_name(rule_id: str | None) -> str:
    """The short name of a timer, else its rule id ("" for none)."""
    return TIMER_NAMES.get(rule_id or "", rule_id or "")


def duration(delta: timedelta) -> str:
    """A compact age: 45m, 5h 02m, 3d 04h."""
    seconds = int(abs(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days}d {hours:02d}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m"


class State(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    MET = "met"  # the thing it waited for happened in time (or it no longer applies)
    STOPPED = "stopped"  # the dispute is resolved or closed


@dataclass(frozen=True, slots=True)
class Deadline:
    rule_id: str
    label: str
    due_at: datetime
    state: State

    @property
    def running(self) -> bool:
        return self.state is State.RUNNING

    def overdue(self, now: datetime) -> bool:
        return self.running and now >= self.due_at


def last_update(d: Dispute) -> datetime:
    """The newest activity on a dispute: opening, a chat message, or evidence (staff notes are
    internal and do not count as an update)."""
    chat = (m.sent_at for m in d.messages if m.channel is not Channel.STAFF_NOTE)
    times = [d.opened_at, *chat, *(e.submitted_at for e in d.evidence)]
    return max(times)


def seller_attended(d: Dispute) -> bool:
    """Whether the seller wrote anything after the dispute was opened (P-ESC-SELLER-SILENT)."""
    return any(
        m.author is Actor.SELLER
        and m.sent_at >= d.opened_at
        and m.channel is not Channel.STAFF_NOTE
        for m in d.messages
    )


def info_request_of(record: DisputeRecord) -> InfoRequest | None:
    """The running information request: the console's own, or one inferred from an import.

    A dispute imported as `awaiting_info` carries no request of ours; the newest staff message
    in the dispute chat (else the escalation) is taken as when the information was asked for.
    """
    d = record.dispute
    if record.info_request is not None:
        return record.info_request
    if d.status is not Status.AWAITING_INFO:
        return None
    staff = [
        m.sent_at
        for m in d.messages
        if m.author is Actor.STAFF and m.channel is Channel.DISPUTE_CHAT
    ]
    asked = max(staff) if staff else (d.escalated_at or d.opened_at)
    return InfoRequest(party=Actor.BUYER, asked_at=asked, message="", asked_by="marketplace")


def deadlines(record: DisputeRecord) -> tuple[Deadline, ...]:
    """Every deadline of the dispute, running or not, earliest first."""
    d = record.dispute
    closed = d.status in (Status.RESOLVED, Status.CLOSED)
    found: list[Deadline] = []

    def add(rule_id: str, label: str, due: datetime, state: State) -> None:
        found.append(Deadline(rule_id, label, due, State.STOPPED if closed else state))

    if d.order.delivered_at is not None:
        window_end = d.order.delivered_at + GUARANTEE_WINDOW
        add("P-OPEN-72H", "guarantee window for opening a dispute", window_end, State.MET)

    is_open = d.status is Status.OPEN
    add(
        "P-ESC-SELLER-SILENT",
        "auto-escalates if the seller stays silent",
        d.opened_at + SELLER_SILENT_AFTER,
        State.MET if seller_attended(d) or not is_open else State.RUNNING,
    )
    add(
        "P-ESC-STALE",
        "auto-escalates without an update",
        last_update(d) + STALE_AFTER,
        State.RUNNING if is_open else State.MET,
    )
    request = info_request_of(record)
    if request is not None:
        waiting = d.status is Status.AWAITING_INFO and request.answered_at is None
        add(
            "P-INFO-7D",
            f"the {request.party.value} answers the information request",
            request.asked_at + INFO_ANSWER_WITHIN,
            State.RUNNING if waiting else State.MET,
        )
    if d.escalated_at is not None:
        staff_state = {
            Status.ESCALATED: State.RUNNING,
            Status.AWAITING_INFO: State.PAUSED,
        }.get(d.status, State.MET)
        add("STAFF-48H", "team target for a decision", d.escalated_at + STAFF_TARGET, staff_state)
    found.sort(key=lambda x: x.due_at)
    return tuple(found)


def running(record: DisputeRecord) -> tuple[Deadline, ...]:
    return tuple(x for x in deadlines(record) if x.running)


def next_deadline(record: DisputeRecord) -> Deadline | None:
    """The earliest running deadline, or None when nothing is running."""
    live = running(record)
    return live[0] if live else None


def urgency_at(record: DisputeRecord) -> datetime:
    """The queue's sort key: the next running deadline (`NO_DEADLINE` when none runs)."""
    upcoming = next_deadline(record)
    return upcoming.due_at if upcoming else NO_DEADLINE


def auto_escalation(record: DisputeRecord, now: datetime) -> Deadline | None:
    """The P-ESC-SELLER-SILENT or P-ESC-STALE deadline that has passed on an open dispute."""
    if record.dispute.status is not Status.OPEN:
        return None
    due = [
        x
        for x in deadlines(record)
        if x.rule_id in ("P-ESC-SELLER-SILENT", "P-ESC-STALE") and x.overdue(now)
    ]
    return min(due, key=lambda x: x.due_at) if due else None
