"""Dialogs about claims (issue 15): taking a dispute over, and handing claims over at the end of
a shift."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from mediator.domain.claims import Claim
from mediator.screens.discard import SafeQuestion
from mediator.widgets._text import plain


class TakeOver(SafeQuestion):
    """Take `claim`'s dispute over from its holder; dismisses True to take it. Opens on "Keep
    it read-only": only ctrl+y (or a click) takes a colleague's work."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+y", "answer(True)", "Take over", priority=True, id="takeover.yes",
                tooltip="Take the dispute over (recorded under your name)"),
        Binding("escape", "answer(False)", "Back", id="takeover.no",
                tooltip="Leave the dispute with its holder"),
    ]  # fmt: skip

    def __init__(self, claim: Claim, held: str) -> None:
        super().__init__()
        self.claim = claim
        self.held = held

    def compose(self) -> ComposeResult:
        c = self.claim
        with Vertical(id="takeover-dialog", classes="dialog"):
            yield Label(plain(f"Take {c.dispute_id} over from {c.holder}?"), classes="dialog-title")
            yield Static(plain(self.held, "."), classes="value")
            yield Static(
                plain(
                    f"{c.holder}'s console tells them within a minute and keeps their draft. "
                    "The take-over is recorded under your name."
                ),
                classes="value",
            )
            with Horizontal(classes="buttons"):
                yield Button("Back (esc)", id="no", variant="primary")
                yield Button("Take over (ctrl+y)", id="yes", variant="warning")


@dataclass(frozen=True, slots=True)
class HandOver:
    """The agent's answer on quitting with claims: `to` None releases them; else they go to the
    colleague `to`, with `note` (shown in each dispute's timeline)."""

    to: str | None
    note: str = ""


class HandOverScreen(ModalScreen[HandOver | None]):
    """On quit, with claims held: release them, or hand them to a named colleague with a note.
    Dismisses None to stay (esc). Opens with the name and note of an earlier refused try."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "hand_over", "Hand over", priority=True, id="handover.send",
                tooltip="Hand the disputes you hold to the colleague named, with the note"),
        Binding("ctrl+r", "release", "Release", priority=True, id="handover.release",
                tooltip="Release the disputes you hold (anyone may claim them)"),
        Binding("escape", "stay", "Stay", id="handover.stay", tooltip="Do not quit"),
    ]  # fmt: skip

    def __init__(
        self, claims: list[Claim], *, to: str = "", note: str = "", problem: str = ""
    ) -> None:
        super().__init__()
        self.claims = claims
        self.to = to
        self.note = note
        self.problem = problem

    def compose(self) -> ComposeResult:
        ids = ", ".join(c.dispute_id for c in self.claims[:8])
        more = f" and {len(self.claims) - 8} more" if len(self.claims) > 8 else ""
        count = len(self.claims)
        with Vertical(id="handover-dialog", classes="dialog"):
            yield Label(
                plain(f"You hold {count} dispute{'s' if count != 1 else ''}: {ids}{more}"),
                classes="dialog-title",
            )
            yield Static(
                "Hand them to a colleague (their queue shows the hand-over), or release them "
                "for anyone to claim.",
                classes="value",
            )
            yield Label("Hand over to", classes="field-label")
            yield Input(self.to, placeholder="a colleague's agent name", id="handover-to")
            yield Label("Note for them (shown in the timeline)", classes="field-label")
            yield Input(self.note, placeholder="where you left off", id="handover-note")
            yield Static(plain(self.problem), classes="error", id="handover-error")
            with Horizontal(classes="buttons"):
                yield Button("Hand over (ctrl+s)", id="hand-over", variant="primary")
                yield Button("Release (ctrl+r)", id="release")
                yield Button("Stay (esc)", id="stay")

    def on_mount(self) -> None:
        self.query_one("#handover-to", Input).focus()

    def action_hand_over(self) -> None:
        to = self.query_one("#handover-to", Input).value.strip()
        if not to:
            self.query_one("#handover-error", Static).update(
                plain("✖ name the colleague to hand over to (or release with ctrl+r)")
            )
            self.query_one("#handover-to", Input).focus()
            return
        self.dismiss(HandOver(to, self.query_one("#handover-note", Input).value))

    def action_release(self) -> None:
        self.dismiss(HandOver(None))

    def action_stay(self) -> None:
        self.dismiss(None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "handover-to":
            self.query_one("#handover-note", Input).focus()
        else:
            self.action_hand_over()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        actions = {"hand-over": self.action_hand_over, "release": self.action_release}
        actions.get(event.button.id or "", self.action_stay)()
