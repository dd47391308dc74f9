"""The queue behind a dashboard figure (issue 17): the dashboard's drill-down.

A `QueueScreen` whose query carries the figure's filters (`domain.report.Drill`: statuses,
overdue, a decision filter, a deadline tally), named in its title, so it lists exactly the
disputes the figure counted. The agent's own filters (search, reason, status, flagged, claims)
narrow it further; Escape goes back to the dashboard.
"""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.content import Content
from textual.widgets import Input, Select

from mediator.domain.report import Drill
from mediator.screens.queue import STATUS_CHOICES, QueueScreen
from mediator.store.base import QueueCounts, QueueQuery
from mediator.widgets._text import plain


class DrilledQueueScreen(QueueScreen):
    """The disputes behind one figure of the dashboard."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="drilled.back",
                tooltip="Back to the dashboard (from the search: to the table)"),
        Binding("q", "back", "Back", show=False, id="drilled.quit",
                tooltip="Back to the dashboard"),
    ]  # fmt: skip

    def __init__(self, drill: Drill) -> None:
        super().__init__()
        self.drill = drill
        self._flagged_only = drill.flagged_only

    def on_mount(self) -> None:
        for key, statuses in STATUS_CHOICES.items():
            if statuses == self.drill.statuses:
                with self.prevent(Select.Changed):
                    self.query_one("#status", Select).value = key
                break
        super().on_mount()

    @property
    def query_now(self) -> QueueQuery:
        query = super().query_now
        return replace(
            query,
            overdue_at=self.drill.overdue_at,
            decided=self.drill.decided,
            deadline=self.drill.deadline,
        )

    def action_dashboard(self) -> None:
        self.dismiss()  # back to the dashboard it came from, not a second one on top

    def action_back(self) -> None:
        if isinstance(self.focused, Input):
            self.action_to_table()
            return
        self.dismiss()

    async def _title(self, counts: QueueCounts) -> Content:
        """The title names the figure and counts its disputes (the filters the agent adds
        show in the status line)."""
        plain_query = replace(
            QueueQuery(statuses=self.drill.statuses, flagged_only=self.drill.flagged_only),
            overdue_at=self.drill.overdue_at,
            decided=self.drill.decided,
            deadline=self.drill.deadline,
        )
        figure = await self.app.store.queue_counts(plain_query, totals=False)
        n = f"{figure.matching:,}{'+' if figure.capped else ''}"
        return plain(
            ("Drill-down", "bold"),
            "  ",
            (self.drill.title, "bold $accent"),
            f"  · {n} dispute{'s' if figure.matching != 1 else ''}",
            ("  · Esc: back to the dashboard", "dim"),
        )
