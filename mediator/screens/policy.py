"""`p`: the marketplace policy — every rule, its ID, its text — and which fired on this dispute."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from mediator.domain.policy import RULES
from mediator.domain.text import one_line, visible
from mediator.widgets._text import plain

#: How a fired rule is marked, by what it said.
MARKS = {
    "block": ("■ blocks:", "bold red"),
    "warning": ("▲ warns:", "yellow"),
    "info": ("●", "cyan"),
}


def policy_table(fired: Mapping[str, Sequence[tuple[str, str]]]) -> Table:
    """Every rule by section; a rule that fired shows what it said (severity, message)."""
    table = Table.grid(padding=(0, 1), expand=True)
    table.add_column(no_wrap=True, width=30)
    table.add_column(ratio=1)
    section = ""
    for rule in RULES:
        if rule.section != section:
            section = rule.section
            if table.row_count:
                table.add_row("", "")
            table.add_row(Text(section, "bold underline"), "")
        said = fired.get(rule.id, ())
        rule_id = Text(rule.id, "bold" if said else "")
        body = Text(rule.text)
        body.append(f"  ({rule.kind})", "dim")
        for severity, message in said:
            mark, style = MARKS.get(severity, ("●", ""))
            body.append("\n")
            body.append(f"{mark} ", style)
            body.append(visible(one_line(message, 300)), style)
        table.add_row(rule_id, body)
    return table


class PolicyScreen(ModalScreen[None]):
    """The policy, with the rules that fired on `subject` (a dispute id) marked."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,p", "close", "Close", id="policy.close", tooltip="Close the policy"),
    ]  # fmt: skip

    def __init__(
        self,
        subject: str | None = None,
        fired: Mapping[str, Sequence[tuple[str, str]]] | None = None,
    ) -> None:
        super().__init__()
        self.subject = subject
        self.fired = fired or {}

    def compose(self) -> ComposeResult:
        title = "Marketplace policy"
        if self.subject:
            n = len(self.fired)
            title += f" · {n} rule{'s' if n != 1 else ''} fired on {self.subject}"
        with Vertical(id="policy-dialog", classes="dialog"):
            yield Label(plain(title), classes="dialog-title")
            with VerticalScroll(id="policy-list"):
                yield Static(policy_table(self.fired), id="policy-table")
            yield Static("Source: docs/POLICY.md and the help-centre articles.", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#policy-list").focus()

    def action_close(self) -> None:
        self.dismiss(None)
