"""Choose a from–to period for the dashboard (issue 17): two dates, both days counted."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from mediator.widgets._text import plain


def parse_days(first: str, last: str) -> tuple[date, date] | str:
    """The two days, or what is wrong with them in words."""
    days: list[date] = []
    for name, text in (("From", first), ("To", last)):
        try:
            days.append(date.fromisoformat(text.strip()))
        except ValueError:
            return f"{name}: {text.strip() or 'nothing'} is not a date (YYYY-MM-DD)"
    if days[1] < days[0]:
        return f"To ({days[1]}) is before From ({days[0]})"
    return days[0], days[1]


class PeriodDialog(ModalScreen[tuple[date, date] | None]):
    """Two dates; Enter takes them (both days count), Escape keeps the period as it was."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="period.cancel", tooltip="Keep the period"),
    ]

    def __init__(self, days: tuple[date, date]) -> None:
        super().__init__()
        self.days = days

    def compose(self) -> ComposeResult:
        with Vertical(id="period-dialog", classes="dialog") as box:
            box.border_title = "Period: from – to (both days count)"
            with Horizontal():
                yield Label("From ")
                yield Input(self.days[0].isoformat(), placeholder="YYYY-MM-DD", id="period-from")
                yield Label(" To ")
                yield Input(self.days[1].isoformat(), placeholder="YYYY-MM-DD", id="period-to")
            yield Static(id="period-problem")

    @on(Input.Submitted)
    def _take(self) -> None:
        days = parse_days(
            self.query_one("#period-from", Input).value, self.query_one("#period-to", Input).value
        )
        if isinstance(days, str):
            self.query_one("#period-problem", Static).update(plain((days, "$error")))
            return
        self.dismiss(days)

    def action_cancel(self) -> None:
        self.dismiss(None)
