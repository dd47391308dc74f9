"""Sentences the console says about store outcomes, in the agent's words and time zone.

The store returns data (a `VersionConflict` carries the dispute as it is now); what a person
reads is written here, once, for every screen that reports it.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from mediator.domain.claims import Claim, held_age
from mediator.domain.models import DisputeRecord
from mediator.domain.review import ReviewState, review_state
from mediator.store.base import Claimed, StoreError, VersionConflict
from mediator.widgets._text import local_time


def decided(record: DisputeRecord, tz: tzinfo) -> str | None:
    """Who decided the dispute, or proposed a decision on it (issue 16), when (local time) and
    how: "D-1 was proposed for review by ana at 22 Nov 12:00 (Seller favour)"; None when its
    newest decision is not what it stands on (none, or a proposal returned)."""
    if not record.decisions:
        return None
    last = record.decisions[-1]
    state = review_state(last)
    if state is ReviewState.RETURNED:
        return None
    how = {
        ReviewState.NOT_REQUIRED: "decided",
        ReviewState.PENDING: "proposed for review",
        ReviewState.APPROVED: "decided (approved on review)",
        ReviewState.OVERTURNED: "proposed, then overturned,",
    }[state]
    when = local_time(last.decided_at, tz)
    return f"{record.id} was {how} by {last.decided_by} at {when} ({last.outcome.label})"


def what_happened(conflict: VersionConflict, tz: tzinfo) -> str:
    """Who got there first, when (local time) and how: one sentence without its full stop."""
    current = conflict.current
    if current is not None and (words := decided(current, tz)) is not None:
        return words
    return f"{conflict.dispute_id} was changed by someone else since you opened it"


def conflict_notice(conflict: VersionConflict, tz: tzinfo, *, yours: str, kept: bool) -> str:
    """What became of the agent's decision when another writer got there first (issue 22):
    who decided, when (local time), and that theirs, `yours` (its outcome), was not written;
    `kept`: their draft is on this machine."""
    current = conflict.current
    if current is not None and (words := decided(current, tz)) is not None:
        kept_it = "kept on this machine" if kept else "not saved (drafts are off)"
        return f"{words}. Your decision ({yours}) was not written; your draft is {kept_it}."
    back = "your draft is back in the form" if kept else "the form starts empty"
    return (
        f"{what_happened(conflict, tz)}. Your decision ({yours}) was not written; the dispute "
        f"has been reloaded and {back}: check what changed, then submit again."
    )


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
