"""`o` on the queue: pick the column the queue is sorted by (issue 19).

A list rather than a key that cycles: ten orders would take up to nine presses of a cycling key,
each read off the header; here any order is two keys (`o`, then its letter), or the arrows and
enter, and the list says what there is to choose.
"""

from __future__ import annotations

from typing import ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from mediator.domain.queue import SortKey

#: The letter that picks each order in the list, and the column it is named after.
LETTERS: dict[SortKey, tuple[str, str]] = {
    SortKey.DUE: ("d", "Due: the next deadline first (the default)"),
    SortKey.ID: ("i", "Dispute id"),
    SortKey.REASON: ("r", "Reason"),
    SortKey.AMOUNT: ("a", "Amount, by currency"),
    SortKey.BUYER: ("b", "Buyer"),
    SortKey.SELLER: ("s", "Seller"),
    SortKey.STATUS: ("t", "Status"),
    SortKey.EVIDENCE: ("e", "Evidence count (Ev)"),
    SortKey.FLAGS: ("f", "Flagged messages (⚑)"),
    SortKey.TITLE: ("o", "Order title"),
    # the resolved list's own (issue 22): offered there only, where one status is one range
    SortKey.DECIDED: ("c", "Decision time (resolved disputes)"),
}


class SortPicker(ModalScreen[SortKey | None]):
    """The orders, the current one highlighted; a letter or enter picks, escape keeps it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss_none", "Keep the order", id="sort.close",
                tooltip="Close the list and keep the order"),
    ]  # fmt: skip

    def __init__(self, current: SortKey, *, decided: bool = False) -> None:
        """`decided`: the list shows resolved disputes, and can be sorted by decision time."""
        super().__init__()
        self.current = current
        self.letters = {k: v for k, v in LETTERS.items() if decided or k is not SortKey.DECIDED}

    def compose(self) -> ComposeResult:
        with Vertical(id="sort-dialog", classes="dialog"):
            yield Label("Sort the queue by", classes="dialog-title")
            yield OptionList(
                *(Option(Content.assemble((letter, "bold"), "  ", label), id=sort.value)
                  for sort, (letter, label) in self.letters.items()),
                id="sort-options",
            )  # fmt: skip
            yield Static(
                "A letter or enter picks; O on the queue reverses; ties stay in deadline order.",
                classes="hint",
            )

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        if self.current in self.letters:
            options.highlighted = list(self.letters).index(self.current)
        options.focus()

    def on_key(self, event: events.Key) -> None:
        for sort, (letter, _) in self.letters.items():
            if event.character == letter:
                event.stop()
                self.dismiss(sort)
                return

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(SortKey(event.option.id or SortKey.DUE.value))

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
