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

from collections.abc import Callable
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
    PAUSED = "paused"  # the staff target, while the dispute is awaiting information
    STOPPED = "stopped"  # ended before it fell due: at resolution, escalation or closing
    MET = "met"  # what it waited for happened by the time it was due
    BREACHED = "breached"  # it fell due before what it waited for happened


#: What ended a stopped timer, for `Deadline.ended_by`.
RESOLUTION, ESCALATION, CLOSING = "resolution", "escalation", "closing"


@dataclass(frozen=True, slots=True)
class Deadline:
    rule_id: str
    label: str
    due_at: datetime
    state: State
    #: When it was met, breached or stopped (None while it runs or pauses, or when unknown).
    ended_at: datetime | None = None
    #: What stopped it (`RESOLUTION`, `ESCALATION`, `CLOSING`), or what met or breached it
    #: ("opened", "the seller wrote", "answered", "decided", "escalated"); "" when unknown.
    ended_by: str = ""

    @property
    def running(self) -> bool:
        return self.state is State.RUNNING

    def overdue(self, now: datetime) -> bool:
        return self.running and now >= self.due_at


def timer_words(timer: Deadline, now: datetime, when: Callable[[datetime], str]) -> str:
    """What a timer's state is, in words, with `when` writing a time (the caller's time zone):
    "in 5h 02m (24 Nov 09:00)", "overdue 2d 03h (…)", "paused while awaiting information
    (due … before the pause)", "stopped at resolution 05 Dec 17:11 (was due …)", "met:
    answered 22 Nov 10:00 (due …)", "breached: was due …, escalated 12 Nov 14:46". The one
    place these words are written (dispute screen, `mediator show`).
    """
    due = when(timer.due_at)
    at = "" if timer.ended_at is None else f" {when(timer.ended_at)}"
    how = f"{timer.ended_by}{at}".strip()
    match timer.state:
        case State.RUNNING if now >= timer.due_at:
            return f"overdue {duration(now - timer.due_at)} ({due})"
        case State.RUNNING:
            return f"in {duration(timer.due_at - now)} ({due})"
        case State.PAUSED:
            return f"paused while awaiting information (due {due} before the pause)"
        case State.STOPPED:
            by = f" at {timer.ended_by}" if timer.ended_by else ""
            return f"stopped{by}{at} (was due {due})"
        case State.MET:
            return f"met: {how} (due {due})" if how else f"met (due {due})"
        case State.BREACHED:
            return f"breached: was due {due}" + (f", {how}" if how else "")


def last_update(d: Dispute, *, before: datetime | None = None) -> datetime:
    """The newest activity on a dispute: opening, a chat message, or evidence (staff notes are
    internal and do not count as an update); with `before`, the newest before that time (the
    escalation's own system message, written at that instant, is not an update)."""
    chat = (m.sent_at for m in d.messages if m.channel is not Channel.STAFF_NOTE)
    times = [d.opened_at, *chat, *(e.submitted_at for e in d.evidence)]
    if before is not None:
        times = [t for t in times if t < before] or [d.opened_at]
    return max(times)


def seller_first_wrote(d: Dispute) -> datetime | None:
    """When the seller first wrote after the dispute was opened (None: not yet)."""
    return min(
        (
            m.sent_at
            for m in d.messages
            if m.author is Actor.SELLER
            and m.sent_at >= d.opened_at
            and m.channel is not Channel.STAFF_NOTE
        ),
        default=None,
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


def _outcome(done: datetime | None, due: datetime) -> tuple[State, datetime | None]:
    """Met when what the timer waited for happened by `due`, else breached."""
    if done is not None and done <= due:
        return State.MET, done
    return State.BREACHED, done


def _outcome_by(
    done: datetime | None, due: datetime, by: str
) -> tuple[State, datetime | None, str]:
    """`_outcome`, with what happened (`by`) when it did."""
    state, at = _outcome(done, due)
    return state, at, by if done is not None else ""


def deadlines(record: DisputeRecord) -> tuple[Deadline, ...]:
    """Every deadline of the dispute, running or not, earliest first.

    A timer that waited on something says whether it was met or breached; one that was still
    running (or paused) when the dispute left the state it ran in says what stopped it:
    escalation (the auto-escalation timers), resolution or closing (every clock).
    """
    d = record.dispute
    closed = d.status in (Status.RESOLVED, Status.CLOSED)
    decided_at = min((x.decided_at for x in record.decisions), default=None)
    ender = RESOLUTION if d.status is Status.RESOLVED else CLOSING
    found: list[Deadline] = []

    def add(
        rule_id: str,
        label: str,
        due: datetime,
        state: State,
        ended_at: datetime | None = None,
        ended_by: str = "",
    ) -> None:
        if closed and state in (State.RUNNING, State.PAUSED):
            state, ended_at, ended_by = State.STOPPED, decided_at, ender
        found.append(Deadline(rule_id, label, due, state, ended_at, ended_by))

    if d.order.delivered_at is not None:
        window_end = d.order.delivered_at + GUARANTEE_WINDOW
        add(
            "P-OPEN-72H",
            "guarantee window for opening a dispute",
            window_end,
            *_outcome_by(d.opened_at, window_end, "opened"),
        )

    is_open = d.status is Status.OPEN
    escalated = d.escalated_at
    cause = d.escalation_cause  # a StrEnum: equal to its value

    def auto(
        rule_id: str, label: str, due: datetime, done: tuple[datetime | None, str], fired: str
    ) -> None:
        """An auto-escalation timer: met by `done` in time (breached if late); else running
        while the dispute is open, breached if it escalated for this rule (or after the due
        time), stopped if it was escalated (or decided) before."""
        if done[0] is not None:  # late while open: it did not escalate, nor was it met
            add(rule_id, label, due, *_outcome_by(done[0], due, done[1]))
        elif is_open:
            add(rule_id, label, due, State.RUNNING)
        elif cause == fired or (escalated is not None and escalated >= due):
            add(rule_id, label, due, State.BREACHED, escalated, "escalated")
        elif escalated is not None:
            add(rule_id, label, due, State.STOPPED, escalated, ESCALATION)
        else:  # stopped by resolution or closing (`add`), or by a status imported as is
            add(rule_id, label, due, State.RUNNING if closed else State.STOPPED)

    seller = seller_first_wrote(d)
    auto(
        "P-ESC-SELLER-SILENT",
        "auto-escalates if the seller stays silent",
        d.opened_at + SELLER_SILENT_AFTER,
        (seller, "the seller wrote"),
        "seller_silent",
    )
    # Stale counts from the last update while the dispute was open: what came after its
    # escalation does not move a timer that no longer runs.
    auto(
        "P-ESC-STALE",
        "auto-escalates without an update",
        last_update(d, before=None if is_open else escalated) + STALE_AFTER,
        (None, ""),
        "stale",
    )
    request = info_request_of(record)
    if request is not None:
        waiting = d.status is Status.AWAITING_INFO and request.answered_at is None
        due = request.asked_at + INFO_ANSWER_WITHIN
        label = f"the {request.party.value} answers the information request"
        if request.answered_at is not None:
            add("P-INFO-7D", label, due, *_outcome_by(request.answered_at, due, "answered"))
        elif waiting:
            add("P-INFO-7D", label, due, State.RUNNING)
        else:  # no longer awaited without an answer (resolved, closed, or moved on)
            add("P-INFO-7D", label, due, State.RUNNING if closed else State.STOPPED)
    if escalated is not None:
        due = escalated + STAFF_TARGET
        label = "team target for a decision"
        if d.status is Status.ESCALATED:
            add("STAFF-48H", label, due, State.RUNNING)
        elif d.status is Status.AWAITING_INFO:
            add("STAFF-48H", label, due, State.PAUSED)
        elif decided_at is not None:
            add("STAFF-48H", label, due, *_outcome_by(decided_at, due, "decided"))
        else:  # closed without a decision (`add` stops it), or back to open
            add("STAFF-48H", label, due, State.RUNNING if closed else State.STOPPED)
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
