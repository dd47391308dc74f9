"""The proposals waiting for a supervisor (issue 16), two lines each, oldest and largest first.

Line one: how long it has waited, the dispute, the proposed outcome, the refund, who proposed
it and the order's title; line two: why the rule sent it to review. The list is short (the
store returns at most a few hundred), so an `OptionList`, which caches its rendered lines, is
enough. Untrusted text (titles, names, reasons) is sanitised and appended to `Text`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual import events, on
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from mediator.domain.money import format_amount
from mediator.domain.review import Proposal
from mediator.widgets._text import cell, duration

#: (title, width, right-aligned); the order's title takes what is left.
COLUMNS: tuple[tuple[str, int, bool], ...] = (
    ("Waiting", 8, False),
    ("Dispute", 10, False),
    ("Outcome", 28, False),
    ("Refund", 16, True),
    ("Proposed by", 14, False),
)
#: The order title's narrowest column.
MIN_TITLE = 10


def _fit(text: str, width: int, right: bool) -> str:
    fitted = cell(text, width)
    if right:
        stripped = fitted.rstrip()
        return " " * (len(fitted) - len(stripped)) + stripped
    return fitted


def header(width: int) -> str:
    """The column titles over the list, `width` cells wide."""
    rest = max(MIN_TITLE, width - sum(w + 1 for _, w, _ in COLUMNS))
    parts = [_fit(title, w, right) for title, w, right in COLUMNS]
    return " ".join([*parts, _fit("Order", rest, False)])


def proposal_line(proposal: Proposal, now: datetime, width: int) -> Text:
    """One proposal, as two lines fitted to `width` cells."""
    d = proposal.decision
    refund = "—" if d.refund_amount is None else format_amount(d.refund_amount, d.currency)
    values = (
        duration(now - proposal.proposed_at),
        proposal.dispute_id,
        d.outcome.label,
        refund,
        proposal.proposed_by,
    )
    rest = max(MIN_TITLE, width - sum(w + 1 for _, w, _ in COLUMNS))
    line = Text()
    for value, (title, w, right) in zip(values, COLUMNS, strict=True):
        style = "bold" if title in ("Dispute", "Refund") else ""
        line.append(_fit(value, w, right), style)
        line.append(" ")
    line.append(cell(proposal.order_title, rest))
    why = "; ".join(proposal.reasons) or "(no reason given)"
    line.append("\n")
    line.append(cell(f"{' ' * 9}why: {why}", width), "dim italic")
    return line


class ProposalList(OptionList):
    """The proposals, one option each (its id is the proposal's decision id)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select", "Open", id="reviews.open",
                tooltip="Open the proposal beside the whole dispute"),
    ]  # fmt: skip

    DEFAULT_CSS = """
    ProposalList, ProposalList:focus { height: 1fr; border: none; padding: 0; }
    ProposalList > .option-list--option { padding: 0 1; }
    """

    class Opened(Message):
        """The supervisor chose `proposal` (enter or click)."""

        def __init__(self, proposal: Proposal) -> None:
            super().__init__()
            self.proposal = proposal

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.proposals: tuple[Proposal, ...] = ()
        self.now: datetime | None = None

    @property
    def line_width(self) -> int:
        """The cells a line has (the option's padding is one cell on each side)."""
        return max(40, self.scrollable_content_region.width - 2)

    def show(self, proposals: Sequence[Proposal], now: datetime) -> None:
        """Replace the list; the highlight stays on the same proposal if it is still there."""
        highlighted = self.highlighted_option
        keep = highlighted.id if highlighted is not None else None
        self.proposals, self.now = tuple(proposals), now
        self._rebuild(keep)

    def _rebuild(self, keep: str | None) -> None:
        now = self.now
        if now is None:
            return
        width = self.line_width
        self.clear_options()
        if not self.proposals:
            self.add_option(Option(Text("No proposals wait for review.", "italic"), disabled=True))
            return
        self.add_options(
            Option(proposal_line(p, now, width), id=p.decision.id) for p in self.proposals
        )
        ids = [p.decision.id for p in self.proposals]
        self.highlighted = ids.index(keep) if keep in ids else 0

    def on_resize(self, event: events.Resize) -> None:
        highlighted = self.highlighted_option
        self._rebuild(highlighted.id if highlighted is not None else None)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        for proposal in self.proposals:
            if proposal.decision.id == event.option.id:
                self.post_message(self.Opened(proposal))
