"""Bulk actions on the queue's selection (issue 19): the dialog that says what to do, and the
result that lists each refused dispute with its reason (plain text: names are untrusted)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from mediator.domain.bulk_actions import (
    PLACEHOLDERS,
    BulkAction,
    BulkKind,
    BulkStatus,
    action_problems,
)
from mediator.domain.enums import Actor
from mediator.widgets._text import plain

#: What each action's text field is for (None: the action has no text).
TEXT_LABELS = {
    BulkKind.NOTE: "Staff note (only staff see it)",
    BulkKind.ASK_INFO: "Request, sent to the party of each dispute (P-INFO-7D: 7 days to answer)",
    BulkKind.HAND_OVER: "Note for the colleague (shown in each timeline)",
}


def disputes(n: int) -> str:
    return f"{n:,} dispute{'s' if n != 1 else ''}"


class BulkDialog(ModalScreen[BulkAction | None]):
    """What to do on the `count` selected disputes; dismisses the action, or None (esc)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "run", "Run", priority=True, id="bulk.run",
                tooltip="Run the action on every selected dispute, in the background"),
        Binding("escape", "cancel", "Cancel", id="bulk.cancel", tooltip="Do nothing"),
    ]  # fmt: skip

    def __init__(self, count: int, everything: bool) -> None:
        super().__init__()
        self.count = count
        self.everything = everything

    def compose(self) -> ComposeResult:
        which = " (every dispute matching the filter)" if self.everything else ""
        with Vertical(id="bulk-dialog", classes="dialog"):
            yield Label(plain(f"Bulk action on {disputes(self.count)}{which}"),
                        classes="dialog-title")  # fmt: skip
            yield Select(
                [(k.label.capitalize(), k.value) for k in BulkKind],
                value=BulkKind.NOTE.value,
                allow_blank=False,
                id="bulk-kind",
            )
            yield Label(TEXT_LABELS[BulkKind.NOTE], classes="field-label", id="bulk-text-label")
            yield Input(placeholder="what to write", id="bulk-text")
            yield Label("Ask", classes="field-label bulk-ask")
            yield Select(
                [("The buyer", Actor.BUYER.value), ("The seller", Actor.SELLER.value)],
                value=Actor.SELLER.value,
                allow_blank=False,
                id="bulk-party",
                classes="bulk-ask",
            )
            placeholders = " ".join("{" + p + "}" for p in PLACEHOLDERS)
            yield Static(
                plain(f"Filled per dispute: {placeholders}. A dispute without a value for one "
                      "is refused, never sent a blank."),
                classes="hint bulk-ask",
            )  # fmt: skip
            yield Label("Hand over to", classes="field-label bulk-to")
            yield Input(placeholder="a colleague's agent name", id="bulk-to", classes="bulk-to")
            yield Static(id="bulk-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button("Run (ctrl+s)", id="run", variant="primary")
                yield Button("Cancel (esc)", id="cancel")

    def on_mount(self) -> None:
        self._show_fields()
        self.query_one("#bulk-text", Input).focus()

    @property
    def kind(self) -> BulkKind:
        value = self.query_one("#bulk-kind", Select).value
        return BulkKind(value) if isinstance(value, str) else BulkKind.NOTE

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "bulk-kind":
            self._show_fields()

    def _show_fields(self) -> None:
        kind = self.kind
        for widget in self.query(".bulk-ask"):
            widget.display = kind is BulkKind.ASK_INFO
        for widget in self.query(".bulk-to"):
            widget.display = kind is BulkKind.HAND_OVER
        label = TEXT_LABELS.get(kind)
        self.query_one("#bulk-text-label", Label).display = label is not None
        self.query_one("#bulk-text", Input).display = label is not None
        if label is not None:
            self.query_one("#bulk-text-label", Label).update(label)
        self.query_one("#bulk-error", Static).update("")

    def action_run(self) -> None:
        kind = self.kind
        party = self.query_one("#bulk-party", Select).value
        action = BulkAction(
            kind=kind,
            text=self.query_one("#bulk-text", Input).value if kind in TEXT_LABELS else "",
            party=Actor(party) if kind is BulkKind.ASK_INFO and isinstance(party, str) else None,
            to=self.query_one("#bulk-to", Input).value.strip()
            if kind is BulkKind.HAND_OVER
            else None,
        )
        # the same checks the store makes, said here before anything is sent
        problems = action_problems(action)
        if problems:
            self.query_one("#bulk-error", Static).update(
                plain("✖ " + "; ".join(message for _, message in problems))
            )
            return
        self.dismiss(action)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_run()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        (self.action_run if event.button.id == "run" else self.action_cancel)()


class BulkResult(ModalScreen[bool]):
    """How a bulk job went: done, refused (each with its reason) and not done yet. Dismisses
    True to retry the refused and unfinished disputes under the same job id (nothing done is
    done again), False to close."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+r", "retry", "Retry", priority=True, id="bulk.retry",
                tooltip="Try the refused and unfinished disputes again (never one done twice)"),
        Binding("escape", "close", "Close", id="bulk.close", tooltip="Close the result"),
    ]  # fmt: skip

    def __init__(self, status: BulkStatus, problem: str = "") -> None:
        super().__init__()
        self.status = status
        self.problem = problem

    def compose(self) -> ComposeResult:
        s = self.status
        head = f"{s.action.kind.label.capitalize()}: {s.done:,} of {disputes(s.total)} done"
        if s.refused:
            head += f", {s.refused:,} refused"
        if s.pending:
            head += f", {s.pending:,} not done yet"
        with Vertical(id="bulk-result", classes="dialog"):
            yield Label(plain(head), classes="dialog-title", id="bulk-result-title")
            if self.problem:
                yield Static(plain(f"Stopped: {self.problem}"), classes="error")
            lines = [f"{o.dispute_id}  {o.reason or 'refused'}" for o in s.refusals]
            if s.refused > len(s.refusals):
                lines.append(f"… and {s.refused - len(s.refusals):,} more")
            with VerticalScroll(id="bulk-refusals"):
                yield Static(plain("\n".join(lines)), id="bulk-refused")
            with Horizontal(classes="buttons"):
                if s.refused or s.pending:
                    yield Button("Retry refused / unfinished (ctrl+r)", id="retry")
                yield Button("Close (esc)", id="close", variant="primary")

    def action_retry(self) -> None:
        if self.status.refused or self.status.pending:
            self.dismiss(True)

    def action_close(self) -> None:
        self.dismiss(False)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        (self.action_retry if event.button.id == "retry" else self.action_close)()
