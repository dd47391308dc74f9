"""Small modal screens: confirm a decision, read a message, inspect evidence, write a note."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import tzinfo
from typing import ClassVar, TypeVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, RadioButton, RadioSet, Static, TextArea

from mediator.domain.enums import Actor
from mediator.domain.models import DecisionDraft, Dispute, Evidence
from mediator.domain.money import format_amount
from mediator.domain.policy import Finding
from mediator.domain.resolution import refund_preview
from mediator.domain.text import one_line
from mediator.domain.timeline import TimelineEntry
from mediator.screens.discard import DiscardWork, SafeQuestion
from mediator.widgets._text import local_time, plain
from mediator.widgets.footer import Footer
from mediator.widgets.text_viewer import TextViewer

ResultT = TypeVar("ResultT")


class ConfirmDecision(SafeQuestion):
    """Show exactly what will be written. It opens on "Back": enter, esc or any letter goes
    back to the form, and only ctrl+y (or a click on "Write") writes, so neither a fast typist
    nor a second ctrl+s writes a decision nobody read."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+y", "answer(True)", "Write decision", priority=True, id="confirm.yes",
                tooltip="Write this decision to the store"),
        Binding("escape", "answer(False)", "Back to form", id="confirm.no",
                tooltip="Do not write; return to the form"),
    ]  # fmt: skip

    #: What the dialog asks, what the write does, and its button (a review says otherwise).
    QUESTION = "Write this decision?"
    HINT = (
        "It is written in one transaction and the dispute leaves the queue. If the review rule "
        "catches it, it is proposed: a supervisor approves it before any money moves."
    )
    YES = "Write decision (ctrl+y)"
    NO = "Back to the form (esc)"

    def __init__(
        self,
        dispute: Dispute,
        draft: DecisionDraft,
        findings: Sequence[Finding] = (),
        *,
        question: str | None = None,
        hint: str | None = None,
        yes: str | None = None,
        rows: Sequence[tuple[str, str]] = (),
    ) -> None:
        super().__init__()
        self.dispute = dispute
        self.draft = draft
        #: What the policy said (warnings acknowledged, information): shown and stored.
        self.findings = tuple(findings)
        self.question = question or self.QUESTION
        self.hint = hint or self.HINT
        self.yes = yes or self.YES
        #: More (label, value) rows after the draft's (the proposal's agent and reasons).
        self.rows = tuple(rows)

    def compose(self) -> ComposeResult:
        d, draft = self.dispute, self.draft
        order = d.order
        rows: list[tuple[str, str]] = [
            ("Dispute", f"{d.id} · {one_line(order.title, 60)}"),
            ("Outcome", draft.outcome.label),
        ]
        preview = refund_preview(d, draft)
        if preview is not None:
            rows.append(("Refund", format_amount(preview.refund, order.currency)))
            fee = format_amount(preview.fee, order.currency)
            rows.append(("Fee refund", f"{fee} (P-REFUND-FEE)"))
        if draft.return_required:
            keep = "0" if draft.seller_keep_pct is None else f"{draft.seller_keep_pct}"
            rows.append(("Return", f"required; seller keeps {keep}%"))
        rows.append(("Rationale", one_line(draft.rationale, 300)))
        if draft.macro is not None:
            rows.append(("Macro", str(draft.macro)))
        for finding in self.findings:
            mark = {"block": "■", "warning": "▲", "info": "●"}[finding.severity.value]
            rows.append((f"{mark} {finding.rule_id}", one_line(finding.message, 300)))
        if draft.message_to_parties.strip():
            rows.append(("To parties", one_line(draft.message_to_parties, 300)))
        rows.extend((name, one_line(value, 300)) for name, value in self.rows)
        with Vertical(id="confirm-dialog", classes="dialog"):
            yield Label(plain(self.question), classes="dialog-title")
            with Grid(id="confirm-grid"):
                for name, value in rows:
                    yield Label(plain(name), classes="key")
                    yield Static(plain(value), classes="value")
            yield Static(plain(self.hint), classes="hint")
            with Horizontal(classes="buttons"):
                yield Button(self.NO, id="no")
                yield Button(self.yes, id="yes", variant="primary")


class EvidenceScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,enter", "dismiss", "Close", id="evidence.close",
                tooltip="Close the evidence item"),
    ]  # fmt: skip

    def __init__(self, evidence: Evidence, *, tz: tzinfo) -> None:
        super().__init__()
        self.evidence = evidence
        self.tz = tz

    def compose(self) -> ComposeResult:
        e = self.evidence
        rows = [
            ("Id", e.id),
            ("Kind", e.kind.value.replace("_", " ")),
            ("Caption", e.caption),
            ("Submitted by", e.submitted_by.value),
            ("Submitted", local_time(e.submitted_at, self.tz, with_year=True)),
            ("URI", e.uri or "—"),
            ("SHA-256", e.sha256 or "—"),
        ]
        with Vertical(id="evidence-dialog", classes="dialog"):
            yield Label("Evidence", classes="dialog-title")
            with Grid(id="evidence-grid"):
                for name, value in rows:
                    yield Label(plain(name), classes="key")
                    yield Static(plain(value), classes="value")
            yield Static("Links are shown as text and never opened from here.", classes="hint")

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(None)


class MessageScreen(ModalScreen[None]):
    """The whole of one message, however long, in a virtual viewer."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "dismiss", "Close", id="message.close", tooltip="Close the message"),
    ]

    def __init__(self, entry: TimelineEntry, *, tz: tzinfo) -> None:
        super().__init__()
        self.entry = entry
        self.tz = tz

    def compose(self) -> ComposeResult:
        e = self.entry
        who = e.actor.value if e.actor else ""
        if e.author_name:
            who = f"{who} {e.author_name}"
        fields = (e.ref or "", e.title, local_time(e.at, self.tz), who.strip())
        # an event has no ref and no author: no empty field between two dots (issue 22)
        head = plain(" · ".join([*filter(None, fields), f"{len(e.body):,} characters"]))
        with Vertical(id="message-dialog", classes="dialog"):
            yield Static(head, classes="dialog-title")
            yield TextViewer(e.body, id="message-body")

    def on_mount(self) -> None:
        self.query_one(TextViewer).focus()

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(None)


class WritingDialog(ModalScreen[ResultT | None]):
    """A dialog in which the agent writes text for a dispute (a note, an information request).

    It opens with the text and the refusal of an earlier try (`text`, `problem`), so nothing
    typed is lost when the store says no. esc closes it, asking first when something is typed;
    the button with id `cancel` does the same, any other button sends (`action_send`)."""

    #: The work, in words, for the discard question: "your note on {dispute_id}".
    WORK: ClassVar[str]

    def __init__(
        self,
        dispute_id: str,
        *,
        text: str = "",
        problem: str = "",
        on_typed: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__()
        self.dispute_id = dispute_id
        #: The text typed before (a refused one comes back with it) and why it was refused.
        self.text = text
        self.problem = problem
        #: Told the text as it is typed (the dispute screen keeps it as a draft, issue 15).
        self.on_typed = on_typed

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        if self.on_typed is not None:
            self.on_typed(event.text_area.text)

    def typed(self) -> str | None:
        """The text in the dialog; None while it is still being built (ctrl+s pressed in a
        hurry right after the key that opened it: found in tmux, it crashed the console)."""
        areas = self.query(TextArea)
        return areas.first().text if areas else None

    def unsaved_work(self) -> str | None:
        typed = (self.typed() or self.text).strip()
        return self.WORK.format(dispute_id=self.dispute_id) if typed else None

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def action_send(self) -> None:
        raise NotImplementedError

    def required_text(self, empty: str) -> str | None:
        """The text to send, or None: still being built, or blank (then `empty` is shown as
        the dialog's error, and nothing is sent)."""
        body = self.typed()
        if body is not None and not body.strip():
            self.query_one(".error", Static).update(plain(f"✖ {empty}"))
            return None
        return body

    def action_cancel(self) -> None:
        what = self.unsaved_work()
        if what is None:
            self.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)
            else:
                self.query_one(TextArea).focus()

        self.app.push_screen(DiscardWork(what, leaving="close this"), answered)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "cancel":
            self.action_cancel()
        else:
            self.action_send()


class NoteScreen(WritingDialog[str]):
    """Write a staff note; ctrl+s saves, esc closes (asking first when something is typed)."""

    WORK = "your note on {dispute_id}"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "send", "Save note", priority=True, id="note.save",
                tooltip="Save the staff note"),
        Binding("escape", "cancel", "Cancel", id="note.cancel",
                tooltip="Close (asks before throwing typed text away)"),
    ]  # fmt: skip

    def compose(self) -> ComposeResult:
        with Vertical(id="note-dialog", classes="dialog"):
            yield Label(plain(f"Staff note on {self.dispute_id}"), classes="dialog-title")
            yield TextArea(self.text, id="note-body", placeholder="Only staff can read notes")
            yield Static(plain(self.problem), classes="error", id="note-error")
            with Horizontal(classes="buttons"):
                yield Button("Save (ctrl+s)", id="save", variant="primary")
                yield Button("Cancel (esc)", id="cancel")
        yield Footer()  # the dialog's own keys, over the dispute screen's (issue 22)

    def action_send(self) -> None:
        body = self.required_text("a note cannot be empty")
        if body is not None:
            self.dismiss(body)


class InfoRequestScreen(WritingDialog[tuple[Actor, str]]):
    """Ask the buyer or the seller for information (P-INFO-7D: they have 7 days); esc closes
    (asking first when something is typed)."""

    WORK = "your information request on {dispute_id}"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "send", "Send request", priority=True, id="info.send",
                tooltip="Send the request to the party"),
        Binding("escape", "cancel", "Cancel", id="info.cancel",
                tooltip="Close (asks before throwing typed text away)"),
    ]  # fmt: skip

    def __init__(
        self,
        dispute_id: str,
        buyer: str,
        seller: str,
        *,
        party: Actor = Actor.BUYER,
        text: str = "",
        problem: str = "",
        on_typed: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__(dispute_id, text=text, problem=problem, on_typed=on_typed)
        self.names = {Actor.BUYER: buyer, Actor.SELLER: seller}
        #: The party chosen before (a refused request comes back with it).
        self.party = party

    def compose(self) -> ComposeResult:
        with Vertical(id="info-dialog", classes="dialog"):
            yield Label(plain(f"Ask for information on {self.dispute_id}"), classes="dialog-title")
            with RadioSet(id="info-party"):
                for party, name in self.names.items():
                    yield RadioButton(
                        plain(f"{party.value}: ", one_line(name, 40)),
                        value=party is self.party,
                        id=f"info-{party.value}",
                    )
            yield TextArea(
                self.text, id="info-body", placeholder="What is needed, e.g. an unboxing video"
            )
            yield Static("They have 7 days to answer (P-INFO-7D).", classes="hint")
            yield Static(plain(self.problem), classes="error", id="info-error")
            with Horizontal(classes="buttons"):
                yield Button("Send (ctrl+s)", id="send", variant="primary")
                yield Button("Cancel (esc)", id="cancel")
        yield Footer()  # the dialog's own keys, over the dispute screen's (issue 22)

    def action_send(self) -> None:
        body = self.required_text("say what information is needed")
        if body is None:
            return
        seller = self.query_one("#info-seller", RadioButton).value
        self.dismiss((Actor.SELLER if seller else Actor.BUYER, body))
