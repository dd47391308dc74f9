"""`?`: every key that works on the current screen, with what it does."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from mediator.commands import KeyHelp
from mediator.domain.text import visible
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
                    yield Static(_row(item), classes="help-row")
            yield Static(
                "ctrl+p opens the command palette: every action above is there by name, and"
                " any dispute by its id, order title, buyer or seller.",
                classes="hint",
            )

    def action_close(self) -> None:
        self.dismiss(None)


#: The key column's width: a description that wraps goes on under its own first line.
KEY_WIDTH = 14


def _row(item: KeyHelp) -> Table:
    """One key and what it does, as plain text (a key may come from the agent's keymap)."""
    grid = Table.grid(padding=(0, 2), expand=True)  # two spaces between, none at the edges
    grid.add_column(width=KEY_WIDTH, justify="right", no_wrap=True)
    grid.add_column(ratio=1)
    grid.add_row(Text(visible(item.key), style="bold"), Text(visible(item.description)))
    return grid
