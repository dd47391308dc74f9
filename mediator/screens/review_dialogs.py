"""The supervisor's dialogs (issue 16): confirm an approval or an overturn, write a return note.

Confirming opens on "Back", as a decision's confirmation does: only ctrl+y (or a click) writes,
so a key typed in a hurry never approves a refund nobody read.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label, Static, TextArea

from mediator.screens.modals import ConfirmDecision, WritingDialog
from mediator.widgets._text import plain


class ConfirmReview(ConfirmDecision):
    """Approve a proposal, or overturn it with the decision shown: the rows are what becomes
    final."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+y", "answer(True)", "Confirm", priority=True, id="confirm_review.yes",
                tooltip="Write this review to the store"),
        Binding("escape", "answer(False)", "Back", id="confirm_review.no",
                tooltip="Do not write; go back to the proposal"),
    ]  # fmt: skip

    YES = "Confirm (ctrl+y)"
    NO = "Back (esc)"


class ReturnNote(WritingDialog[str]):
    """Return a proposal to its agent: the note, which they read in a banner over the form,
    says what to change (required). ctrl+s returns it, esc closes (asking first if typed)."""

    WORK = "your return note on {dispute_id}"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "send", "Return", priority=True, id="return.send",
                tooltip="Return the proposal to its agent with this note"),
        Binding("escape", "cancel", "Cancel", id="return.cancel",
                tooltip="Close (asks before throwing typed text away)"),
    ]  # fmt: skip

    def __init__(self, dispute_id: str, agent: str, *, text: str = "", problem: str = "") -> None:
        super().__init__(dispute_id, text=text, problem=problem)
        self.agent = agent

    def compose(self) -> ComposeResult:
        with Vertical(id="return-dialog", classes="dialog"):
            yield Label(
                plain(f"Return the proposal on {self.dispute_id} to {self.agent}"),
                classes="dialog-title",
            )
            yield TextArea(self.text, id="return-body", placeholder="What should change")
            yield Static(
                plain(
                    f"The dispute goes back to the queue, returned to {self.agent}, with the "
                    "proposal in the form and this note above it."
                ),
                classes="hint",
            )
            yield Static(plain(self.problem), classes="error", id="return-error")
            with Horizontal(classes="buttons"):
                yield Button("Return (ctrl+s)", id="send", variant="primary")
                yield Button("Cancel (esc)", id="cancel")

    def action_send(self) -> None:
        body = self.required_text("say what should change: a note is required")
        if body is not None:
            self.dismiss(body)
