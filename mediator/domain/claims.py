"""Claims (issue 15): one agent at a time works a dispute, on a lease the console renews.

Opening a dispute claims it for `LEASE`; the console renews it every `RENEW_EVERY` while the
agent is active, and releases it when the agent decides, goes back to the queue or quits. A
claim nobody renews runs out on its own (a crashed console). Whether a claim is still held is
judged by the store's clock, never by a client's: the store hands out only live claims, and a
client shows them as they came.

Pure data: no I/O.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from mediator.domain.deadlines import duration
from mediator.domain.models import Claim as Claim
from mediator.domain.models import Claimable as Claimable

#: How long a claim lasts without renewal (configurable: `mediator --lease`).
LEASE = timedelta(minutes=3)
#: How often the console renews a claim while the agent is active.
RENEW_EVERY = timedelta(minutes=1)
#: The longest lease a client may ask for (a claim is a lease, not a lock for the day).
MAX_LEASE = timedelta(hours=1)
MIN_LEASE = timedelta(seconds=10)


class ClaimFilter(StrEnum):
    """The queue's claim filter: every dispute, the agent's own, or nobody's."""

    ALL = "all"
    MINE = "mine"
    UNCLAIMED = "unclaimed"


class ClaimEvent(StrEnum):
    """What happened to a claim, as the store records it (renewals are not recorded)."""

    CLAIMED = "claimed"
    RELEASED = "released"
    TAKEN_OVER = "taken_over"
    BROKEN = "broken"
    HANDED_OVER = "handed_over"


def lease_problem(lease: timedelta) -> str | None:
    """Why `lease` is not an acceptable lease, or None."""
    if not MIN_LEASE <= lease <= MAX_LEASE:
        low, high = int(MIN_LEASE.total_seconds()), int(MAX_LEASE.total_seconds()) // 60
        return f"a lease lasts from {low} seconds to {high} minutes"
    return None


def held_for(claim: Claim, now: datetime) -> timedelta:
    """How long the holder has held it (never negative: clocks differ)."""
    return max(now - claim.since, timedelta(0))


def held_age(claim: Claim, now: datetime) -> str:
    """`held_for` in words: "<1m", "2m", "1h 05m"."""
    age = held_for(claim, now)
    return "<1m" if age < timedelta(minutes=1) else duration(age)
