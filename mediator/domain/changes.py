"""What changed in a store, as its change feed tells it (issue 15: live disputes and queue).

Every write (a decision, a note, an information request, a claim changing hands, an escalation,
an import) is recorded in the store with the write itself, and `Store.changes()` yields it to
whoever watches: an open dispute reloads when a change names it, the queue when anything
changed. A change says what kind of thing happened, to which dispute, by whom: never the new
content, which the console reads from the store as it always does.

Pure data: no I/O.
"""

from __future__ import annotations

from enum import StrEnum

from mediator.domain.models import StrictModel, UtcTime


class ChangeKind(StrEnum):
    """What happened. `reset` is not a write: it says "you may have missed changes (you just
    connected, or reconnected after a failure): read again whatever you show"."""

    DECISION = "decision"
    NOTE = "note"
    INFO_REQUEST = "info_request"
    #: Claimed, released, taken over, broken or handed over (a renewal is not a change).
    CLAIM = "claim"
    ESCALATION = "escalation"
    #: An import: any dispute may have changed (`dispute_id` is None).
    IMPORT = "import"
    RESET = "reset"


class Change(StrictModel):
    """One change, in the order the store committed them (`seq` increases along a feed)."""

    kind: ChangeKind
    #: The dispute it happened to; None for an import or a reset (reload everything).
    dispute_id: str | None = None
    #: Who did it (the actor of the write); None for an import, an escalation or a reset.
    actor: str | None = None
    #: When, as the writer stamped it.
    at: UtcTime | None = None
    #: The store's number for it; None for a reset.
    seq: int | None = None

    def concerns(self, dispute_id: str) -> bool:
        """Whether a view of `dispute_id` must be read again: a change to it, an import or a
        reset."""
        return self.dispute_id is None or self.dispute_id == dispute_id


RESET = Change(kind=ChangeKind.RESET)
