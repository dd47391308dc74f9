"""The console's own messages: how widgets, screens and the app tell each other things.

- `WorkFailed`: a worker ended with an exception. Every node that runs workers mixes in
  `ReportsFailures`, which turns the worker's state change (a message Textual does not bubble)
  into a `WorkFailed` that bubbles to the app, and the app tells the agent, in words, what failed
  and what happened to their work. No failure is silent.
- `DisputesChanged`: disputes changed behind the screens (pending decisions delivered,
  auto-escalation); each screen re-reads what it shows.
"""

from __future__ import annotations

from typing import ClassVar

from textual.message import Message
from textual.worker import Worker, WorkerState


class WorkFailed(Message):
    """`what` failed (a phrase: "Writing the decision"); `after`: what became of the agent's
    work, in a sentence; `error`: the exception."""

    def __init__(self, what: str, after: str, error: BaseException) -> None:
        super().__init__()
        self.what = what
        self.after = after
        self.error = error


class DisputesChanged(Message, bubble=False):
    """Disputes changed behind the screen: `dispute_ids` (empty: any)."""

    def __init__(self, dispute_ids: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.dispute_ids = dispute_ids


#: When a node says nothing of a worker's group.
UNKNOWN = ("A background task", "Nothing you typed was thrown away.")


class ReportsFailures:
    """Mixed into every screen, widget and app that runs workers (`exit_on_error=False`).

    `FAILURES` maps a worker group to (what failed, what happened to the work); `failed()` is
    called after the report, for a node that must also recover (leave a screen that could not
    load, say)."""

    FAILURES: ClassVar[dict[str, tuple[str, str]]] = {}

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if event.state is not WorkerState.ERROR or worker.error is None:
            return
        what, after = self.FAILURES.get(worker.group, UNKNOWN)
        self.post_message(WorkFailed(what, after, worker.error))  # type: ignore[attr-defined]
        self.failed(worker.group)

    def failed(self, group: str) -> None:
        """A worker of `group` failed (and has been reported); recover if need be."""
