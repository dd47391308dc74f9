"""What each dashboard figure means (issue 17): the definitions, on a help panel."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from mediator.domain.report import DEFINITIONS


class DefinitionsScreen(ModalScreen[None]):
    """The definitions of `domain.report`, one paragraph per term."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,h", "dismiss", "Close", id="definitions.close", tooltip="Close"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="definitions", classes="dialog") as box:
            box.border_title = "What the figures mean"
            for term, text in DEFINITIONS:
                yield Static(Content.assemble((term, "bold $accent"), "\n", text))

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
