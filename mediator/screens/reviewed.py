"""The dispute screen's side of reviews and the audit trail (issue 16), mixed into `DisputeScreen`.

- The dispute's history (`store.history`, read with the dispute, in its worker) is merged
  into the timeline: who did what, when (the agent's time zone) and what changed.
- A banner says where the dispute stands with the two-person rule: a proposal waiting for a
  supervisor (no money moves), or a proposal returned to its agent with the supervisor's note.
- A decision the review rule caught is announced as a proposal, plainly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.content import Content
from textual.widgets import Static

from mediator.domain.audit import AuditEntry
from mediator.domain.enums import Status
from mediator.domain.models import Decision, DisputeRecord
from mediator.domain.resolution import DECIDABLE
from mediator.domain.review import pending_proposal, returned_proposal, reviewed_at
from mediator.domain.text import one_line
from mediator.domain.timeline import TimelineWindow, windowed_timeline
from mediator.screens.words import refusal
from mediator.store.base import StoreError
from mediator.widgets._text import local_time, plain
from mediator.widgets.decisions import refund_words
from mediator.widgets.transcript import Transcript

if TYPE_CHECKING:
    from textual.screen import Screen

    from mediator.app import MediatorApp

    _Screen = Screen[None]
else:
    _Screen = object

#: Messages read at a time: the dispute's newest when it opens, then each older window.
NEWEST_WINDOW = 200
OLDER_WINDOW = 500


def proposed_words(decision: Decision) -> str:
    """What the agent reads when the store wrote their decision as a proposal: "Proposed for
    review: refund 120.00 USD is at or above 100.00 USD — a supervisor will approve it; no
    money moves until then"."""
    reasons = decision.review.get("reasons") or ["the review rule caught it"]
    why = "; ".join(str(r) for r in reasons)
    return f"Proposed for review: {why} — a supervisor will approve it; no money moves until then"


def what_and_refund(decision: Decision) -> str:
    """ "Buyer partial refund, refund 120.00 USD + fee 3.60 USD"."""
    refund = refund_words(decision)
    return decision.outcome.label + (f", refund {refund}" if refund else "")


class ShowsReviews(_Screen):
    """History in the timeline and the review banner (`#review-banner`)."""

    app: MediatorApp
    dispute_id: str
    record: DisputeRecord | None

    #: The dispute's audit entries as last read (oldest first).
    history: tuple[AuditEntry, ...] = ()
    #: What of the timeline is not yet shown (a windowed read, issue 18).
    window: TimelineWindow = TimelineWindow(None, [])

    async def read_history(self) -> None:
        """Read the dispute's history into `history` (read with the dispute, so that the
        timeline is laid out once); on failure the rest of the dispute is shown."""
        try:
            entries = await self.app.store.history(self.dispute_id)
        except StoreError as error:
            self.notify(
                f"Could not read the history of {self.dispute_id}: {refusal(error, self.app.tz)}. "
                "The rest of the dispute is shown; it is read again with the dispute.",
                title="History not read",
                severity="warning",
            )
            return
        self.history = tuple(entries)

    def show_timeline(self, record: DisputeRecord) -> None:
        """The timeline, or its newest window of a windowed read (issue 18): the older entries
        are read as the transcript asks for them (`Transcript.Older`, `read_older`)."""
        entries, self.window = windowed_timeline(record, self.history)
        self.query_one(Transcript).set_entries(entries, more_before=self.window.more)

    def on_transcript_older(self, event: Transcript.Older) -> None:
        event.stop()
        self.read_older(event.everything)

    @work(exclusive=True, group="older", exit_on_error=False)
    async def read_older(self, everything: bool) -> None:
        """The window before the oldest message shown (all of them: `everything`), a keyset
        read on (sent_at, id), prepended to the transcript; a read made stale by a reload of
        the dispute meanwhile is dropped."""
        window = self.window
        transcript = self.query_one(Transcript)
        if window.oldest is None:
            transcript.prepend_entries(window.older((), complete=True), more_before=False)
            return
        limit = None if everything else OLDER_WINDOW
        found = await self.app.store.dispute_messages(
            self.dispute_id, before=window.oldest, limit=limit
        )
        if window is not self.window:
            return
        entries = window.older(found, complete=limit is None or len(found) < limit)
        transcript.prepend_entries(entries, more_before=window.more)

    def review_banner(self, record: DisputeRecord) -> tuple[str, Content | None]:
        """The banner's class and text for `record` ("" and None: no banner)."""
        tz = self.app.tz
        status = record.dispute.status
        waiting = pending_proposal(record.decisions)
        if waiting is not None and status is Status.AWAITING_REVIEW:
            return "-pending", plain(
                ("Awaiting review: ", "bold"),
                f"{waiting.decided_by} proposed {what_and_refund(waiting)} at "
                f"{local_time(waiting.decided_at, tz)}. No money moves until a supervisor "
                "approves it.",
            )
        returned = returned_proposal(record.decisions)
        if returned is not None and status in DECIDABLE:
            to = record.returned_to or returned.decided_by
            whom = "you" if to == self.app.agent else to
            note = str(returned.review.get("note", "")).strip()
            return "-returned", plain(
                ("Returned to ", "bold"),
                (whom, "bold"),
                f" by {returned.review.get('by', 'a supervisor')}",
                f" at {local_time(reviewed_at(returned), tz)}: " if note else "",
                (one_line(note, 300), "italic"),
            )
        return "", None

    def show_review_banner(self, record: DisputeRecord) -> None:
        banner = self.query_one("#review-banner", Static)
        kind, text = self.review_banner(record)
        for name in ("-pending", "-returned", "-reviewing", "-refused"):
            banner.set_class(name == kind, name)
        banner.update(text if text is not None else "")
