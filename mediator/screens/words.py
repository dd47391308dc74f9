"""Sentences the console says about store outcomes, in the agent's words and time zone.

The store returns data (a `VersionConflict` carries the dispute as it is now); what a person
reads is written here, once, for every screen that reports it.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from mediator.domain.claims import Claim, held_age
from mediator.store.base import Claimed, StoreError, VersionConflict
from mediator.widgets._text import local_time


def what_happened(conflict: VersionConflict, tz: tzinfo) -> str:
    """Who got there first, when (local time) and how: one sentence without its full stop."""
    current = conflict.current
    if current is not None and current.decisions:
        last = current.decisions[-1]
        when = local_time(last.decided_at, tz)
        return (
            f"{conflict.dispute_id} was decided by {last.decided_by} at {when} "
            f"({last.outcome.label})"
        )
    return f"{conflict.dispute_id} was changed by someone else since you opened it"


def held(claim: Claim, now: datetime, tz: tzinfo) -> str:
    """Who holds a dispute and since when: "ana holds D-1 (for 2m, since 14:02)"."""
    since = claim.since.astimezone(tz).strftime("%H:%M")
    return f"{claim.holder} holds {claim.dispute_id} (for {held_age(claim, now)}, since {since})"


def refusal(error: StoreError, tz: tzinfo, now: datetime | None = None) -> str:
    """Why the store refused a write, in words (a conflict says who decided, in local time; a
    claim says who holds the dispute)."""
    if isinstance(error, VersionConflict):
        return what_happened(error, tz)
    if isinstance(error, Claimed):
        at = error.claim.since if now is None else now
        return f"{held(error.claim, at, tz)}; nothing was written"
    return str(error)
