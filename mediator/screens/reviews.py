"""The supervisors' review queue (issue 16): the proposals waiting, oldest and largest first.

Enter opens a proposal beside the whole dispute (`ProposalScreen`), where the supervisor
approves, overturns or returns it. The store decides who may review: a supervisor who took part
in a dispute sees its refusal there, in its own words.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static

from mediator.domain.review import Proposal, ReviewRule
from mediator.messages import DisputesChanged, ReportsFailures
from mediator.screens.words import refusal
from mediator.store.base import StoreError
from mediator.widgets._text import plain
from mediator.widgets.footer import Footer
from mediator.widgets.proposal_list import ProposalList, header

if TYPE_CHECKING:
    from mediator.app import MediatorApp


class ReviewsScreen(ReportsFailures, Screen[None]):
    """The proposals waiting for review; a supervisor's home during a review shift."""

    app: MediatorApp

    FAILURES: ClassVar[dict[str, tuple[str, str]]] = {
        "proposals": (
            "Reading the proposals",
            "What is shown may be out of date: F5 reads them again.",
        ),
    }

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "back", "Back", id="reviews.back", tooltip="Back to the queue"),
        Binding("f5,ctrl+r", "reload", "Refresh", id="reviews.refresh",
                tooltip="Read the proposals again from the store"),
    ]  # fmt: skip

    def __init__(self) -> None:
        super().__init__()
        self.proposals: list[Proposal] = []
        self.rule: ReviewRule | None = None

    def compose(self) -> ComposeResult:
        yield Static(plain(("Reviews", "bold"), "  reading…"), id="reviews-title",
                     classes="screen-title")  # fmt: skip
        yield Static(id="reviews-header")
        yield ProposalList(id="proposals")
        yield Static(id="reviews-status", classes="status-line")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(ProposalList).focus()
        self.reload()

    def on_screen_resume(self) -> None:
        if self.is_mounted:
            self.reload()

    def on_disputes_changed(self, message: DisputesChanged) -> None:
        if self.is_current:
            self.reload()  # else on_screen_resume reads them when the supervisor is back

    def on_resize(self, event: events.Resize) -> None:
        self._show_header()

    def _show_header(self) -> None:
        width = self.query_one(ProposalList).line_width
        self.query_one("#reviews-header", Static).update(Content(" " + header(width)))

    @work(exclusive=True, group="proposals", exit_on_error=False)
    async def reload(self) -> None:
        store = self.app.store
        try:
            proposals = await store.reviews()
            rule = await store.review_rule()
        except StoreError as error:
            self.notify(
                f"Could not read the proposals: {refusal(error, self.app.tz)}. "
                f"{self.FAILURES['proposals'][1]}",
                title="Store problem",
                severity="error",
                timeout=10,
            )
            return
        self.proposals, self.rule = proposals, rule
        self.query_one(ProposalList).show(proposals, self.app.clock.now())
        self._show_header()
        count = len(proposals)
        waiting = (
            f"{count} proposal{'s' if count != 1 else ''} waiting" if count else "none waiting"
        )
        self.query_one("#reviews-title", Static).update(
            plain(("Reviews", "bold"), f"  {waiting} · oldest first, then the largest refund")
        )
        self.query_one("#reviews-status", Static).update(
            plain(
                (f"{self.app.who} · ", "bold"),
                "Review rule: ",
                "; ".join(rule.describe()),
                f" · store {self.app.store.label}",
            )
        )

    @on(ProposalList.Opened)
    def _open(self, message: ProposalList.Opened) -> None:
        from mediator.screens.proposal import ProposalScreen

        self.app.push_screen(ProposalScreen(message.proposal))

    def action_back(self) -> None:
        self.dismiss()

    def action_reload(self) -> None:
        self.reload()
