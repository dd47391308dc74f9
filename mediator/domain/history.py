"""A dispute's audit entries in words (issue 16): who did what and what changed.

The dispute screen shows the trail inline, in the timeline: each entry as "ana proposed a
decision" and a short summary of what changed ("escalated → awaiting review · buyer partial
refund, refund 120.00 USD"). The entries' `before` and `after` are whatever the write recorded;
the summary names the fields it knows (status, decision, review, holder, returned to) and
lists any other changed value plainly, so an entry written by a newer store still says
something true. Pure: no I/O. Names and notes in the result are untrusted text.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from mediator.domain.audit import AuditEntry
from mediator.domain.enums import Outcome, Status
from mediator.domain.money import format_amount

#: Fields that say nothing to a person (every write bumps the version; a claim's lease end and
#: a message's id are bookkeeping; a note's or request's text is in the timeline already).
_QUIET = frozenset({"version", "id", "dispute_id", "seq", "until", "message_id", "message"})
#: Fields with a sentence of their own below.
_KNOWN = frozenset({"status", "decision", "review", "returned_to", "claimed_by", "holder"})
#: The longest summary of one entry (a note can be long: the whole entry opens with Enter).
LIMIT = 400


def _status(value: object) -> str:
    try:
        return Status(str(value)).label
    except ValueError:
        return str(value)


def _scalar(value: object) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict | list):
        return "…"
    return str(value)


def _decision(data: dict[str, Any]) -> str:
    """ "buyer partial refund, refund 120.00 USD" from a decision as the trail holds it."""
    try:
        words = Outcome(str(data.get("outcome"))).label
    except ValueError:
        words = str(data.get("outcome", "a decision"))
    refund, currency = data.get("refund_amount"), data.get("currency")
    if refund is not None and isinstance(currency, str):
        try:
            words += f", refund {format_amount(Decimal(str(refund)), currency)}"
        except (ValueError, ArithmeticError, KeyError):
            words += f", refund {refund} {currency}"
    return words


def _review(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    old, new = before.get("review"), after.get("review")
    if not isinstance(new, dict):
        return []
    parts = []
    was = old.get("state") if isinstance(old, dict) else None
    now = new.get("state")
    if now is not None and now != was:
        new_state = str(now).replace("_", " ")
        parts.append(f"review {str(was).replace('_', ' ')} → {new_state}" if was else new_state)
    note = new.get("note")
    earlier = old.get("note") if isinstance(old, dict) else None
    if isinstance(note, str) and note.strip() and note != earlier:
        parts.append(f"note: {note.strip()}")
    return parts


def change_summary(entry: AuditEntry) -> str:
    """What `entry` changed, in one short line ("" when it recorded nothing to show)."""
    before, after = entry.before or {}, entry.after or {}
    parts: list[str] = []
    if "status" in after and before.get("status") != after["status"]:
        if "status" in before:
            parts.append(f"{_status(before['status'])} → {_status(after['status'])}")
        else:
            parts.append(_status(after["status"]))
    decision = after.get("decision")
    if isinstance(decision, dict):
        parts.append(_decision(decision))
    parts += _review(before, after)
    for key in ("claimed_by", "holder"):
        if key in after or key in before:
            old, new = before.get(key), after.get(key)
            if old != new:
                if old is None:
                    if new != entry.actor:  # "ana claimed it" says who holds it
                        parts.append(f"held by {new}")
                elif new is None:
                    if old != entry.actor:  # a break, or a release of a claim handed on
                        parts.append(f"released from {old}")
                else:
                    parts.append(f"holder {old} → {new}")
    if after.get("returned_to"):
        parts.append(f"returned to {after['returned_to']}")
    for key in sorted((set(before) | set(after)) - _QUIET - _KNOWN):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        name = key.replace("_", " ")
        if key not in before:
            parts.append(f"{name}: {_scalar(new)}")
        else:
            parts.append(f"{name}: {_scalar(old)} → {_scalar(new)}")
    summary = " · ".join(parts)
    return summary if len(summary) <= LIMIT else summary[: LIMIT - 1] + "…"
