"""Which policy rules say something about one dispute, and what they say (the `p` page).

A pure function of the dispute, the draft being written, its timeline and the time. The chat
flag scan inside it costs ~60 µs a message (0.6 s for 10,000), so the console calls it in a
thread, never on the UI's event loop.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from mediator.domain.deadlines import deadlines, duration
from mediator.domain.models import DecisionDraft, DisputeRecord
from mediator.domain.policy import (
    RULES_BY_ID,
    decision_findings,
    p_info_7d,
    p_open_72h,
    p_open_confirmed,
)
from mediator.domain.timeline import ESCALATION_CAUSES, TimelineEntry

#: Rule id → what each rule said: (severity "block" | "warning" | "info", message).
Fired = dict[str, list[tuple[str, str]]]

#: The rule behind each escalation cause (IMPORT_FORMAT.md enumerations).
ESCALATION_RULES = {
    "party_request": "P-ESC-24H",
    "seller_silent": "P-ESC-SELLER-SILENT",
    "stale": "P-ESC-STALE",
}


def fired_rules(
    record: DisputeRecord,
    draft: DecisionDraft | None,
    entries: Iterable[TimelineEntry],
    now: datetime,
) -> Fired:
    """Every rule that says something about this dispute: the draft as typed (or, without one,
    the rules about the dispute itself), how it was escalated, flagged messages, overdue timers.
    """
    fired: Fired = {}
    if draft is not None:
        findings = decision_findings(record, draft, now)
    else:  # decided, or no outcome chosen yet: the rules about the dispute itself
        checks = (p_open_72h(record), p_open_confirmed(record), p_info_7d(record, now))
        findings = tuple(f for f in checks if f)
    for finding in findings:
        fired.setdefault(finding.rule_id, []).append((finding.severity.value, finding.message))
    cause = record.dispute.escalation_cause
    if cause is not None and cause.value in ESCALATION_RULES:
        rule_id = ESCALATION_RULES[cause.value]
        fired.setdefault(rule_id, []).append(("info", ESCALATION_CAUSES[cause]))
    for entry in entries:
        for flag in entry.flags:
            fired.setdefault(flag.rule_id, []).append(("info", f"{entry.ref}: {flag.reason}"))
    for timer in deadlines(record):
        if timer.overdue(now) and timer.rule_id in RULES_BY_ID:
            late = duration(now - timer.due_at)
            fired.setdefault(timer.rule_id, []).append(("warning", f"overdue by {late}"))
    return fired
