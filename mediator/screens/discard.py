"""Leaving typed work: a dialog that asks before anything the agent typed is thrown away.

It opens on "Keep editing", so a key pressed in a hurry (enter, space, esc, a letter) keeps the
work; only ctrl+d or a click on "Discard" throws it away.
"""

from __future__ import annotations

from typing import ClassVar, Protocol, runtime_checkable

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from mediator.widgets._text import plain


@runtime_checkable
class HoldsWork(Protocol):
    """A screen that can hold typed work (a draft decision, a note being written)."""

    def unsaved_work(self) -> str | None:
        """The work, in words ("your decision on D-1001"), if leaving would lose it."""
        ...


class SafeQuestion(ModalScreen[bool]):
    """A yes/no dialog that opens on its "no" button (id `no`): enter, space or a letter typed
    in a hurry answers no. Only the dialog's own key (`action_answer(True)`) or a click on the
    button with id `yes` answers yes."""

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")


class DiscardWork(SafeQuestion):
    """`what`: the work, in words ("your decision on D-1001"); dismisses True to discard."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+d", "answer(True)", "Discard", priority=True, id="discard.yes",
                tooltip="Throw the typed work away"),
        Binding("escape", "answer(False)", "Keep editing", id="discard.no",
                tooltip="Go back to the typed work"),
    ]  # fmt: skip

    def __init__(self, what: str, *, leaving: str = "leave") -> None:
        super().__init__()
        self.what = what
        self.leaving = leaving

    def compose(self) -> ComposeResult:
        with Vertical(id="discard-dialog", classes="dialog"):
            yield Label(plain(f"Discard {self.what}?"), classes="dialog-title")
            yield Static(
                plain(f"It has not been saved. If you {self.leaving} now, what you typed is lost."),
                classes="value",
            )
            with Horizontal(classes="buttons"):
                yield Button("Keep editing (esc)", id="no", variant="primary")
                yield Button("Discard (ctrl+d)", id="yes", variant="error")
