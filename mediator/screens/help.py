"""`?`: every key that works on the current screen, with what it does."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from mediator.commands import KeyHelp
from mediator.widgets._text import plain


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "close", "Close", id="help.close",
                tooltip="Close the key list"),
    ]  # fmt: skip

    def __init__(self, title: str, keys: list[KeyHelp]) -> None:
        super().__init__()
        self.title_text = title
        self.keys = keys

    def compose(self) -> ComposeResult:
        with Vertical(id="help-dialog", classes="dialog"):
            yield Label(plain(f"Keys: {self.title_text}"), classes="dialog-title")
            with VerticalScroll(id="help-list"):
                for item in self.keys:
                    yield Static(
                        Content.from_markup(
                            "[b]$key[/b]  $what", key=f"{item.key:>14}", what=item.description
                        ),
                        classes="help-row",
                    )
            yield Static(
                "ctrl+p opens the command palette: every action above is there by name, and"
                " any dispute by its id, order title, buyer or seller.",
                classes="hint",
            )

    def action_close(self) -> None:
        self.dismiss(None)
