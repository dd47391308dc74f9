"""The resolution form: outcome, refund, return terms, rationale and a message to the parties.

Checks run as the agent types (the same `check` every store runs before a write). Errors
appear next to their field; a valid form posts `ResolutionForm.Submitted` with the draft.
Every change the agent makes posts `ResolutionForm.Edited` with the fields as typed, to be kept
as a draft; `restore` puts such fields back. The fields that depend on the outcome are mounted
when first needed (`form_details`).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Container, Vertical, VerticalScroll
from textual.content import Content
from textual.dom import DOMNode
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Label, RadioButton, RadioSet, Static, TextArea

from mediator.clock import Clock, SystemClock
from mediator.domain.drafts import FormFields
from mediator.domain.enums import OrderKind, Outcome
from mediator.domain.macros import Filled
from mediator.domain.models import DecisionDraft, Dispute, DisputeRecord, MacroRef
from mediator.domain.money import MoneyError, parse_amount
from mediator.domain.policy import Finding, blocking, defect_applies
from mediator.domain.resolution import Verdict, check
from mediator.widgets._text import plain
from mediator.widgets.form_details import DETAIL_BOXES, DETAIL_INPUTS, DecisionDetails
from mediator.widgets.form_read import TYPED_REFUND, read_draft, summary_text
from mediator.widgets.form_words import FIELD_NAMES, defect_note, findings_text, reasons_text
from mediator.widgets.outcome_list import OUTCOMES, OutcomeList

FIELDS = ("outcome", "refund_amount", "return_required", "seller_keep_pct", "rationale")
#: The fields a blocked submit may move focus to, in the order they are shown.
TEXT_FIELDS = ("refund_amount", "seller_keep_pct", "rationale")
#: From this width (in cells) the form shows its fields in two columns: the decision, the words.
COLUMNS_AT = 80


class ResolutionForm(Widget):
    """Decide one dispute. Talks upward only through `Submitted` and `Edited`."""

    DEFAULT_CSS = """
    ResolutionForm { height: 1fr; layout: vertical; }
    ResolutionForm #form-body { height: 1fr; }
    ResolutionForm #form-columns { height: auto; layout: vertical; }
    ResolutionForm.-columns #form-columns { layout: horizontal; }
    ResolutionForm .form-column { height: auto; }
    ResolutionForm.-columns .form-column { width: 1fr; }
    ResolutionForm.-columns #form-words { margin-left: 1; }
    ResolutionForm.-columns TextArea { height: 8; }
    /* a field: its label, its control(s), its error. The one with focus is marked by a bar
       down its left side and its label in the accent colour (issue 22: obvious at a glance) */
    ResolutionForm .field { height: auto; border-left: blank; }
    ResolutionForm .field:focus-within { border-left: thick $accent; background: $accent 10%; }
    ResolutionForm .field:focus-within .field-label { color: $accent; text-style: bold; }
    ResolutionForm .field-label { margin-top: 1; color: $text-muted; }
    ResolutionForm #form-hint { text-style: italic; }
    ResolutionForm #refund-summary { padding-left: 1; }
    ResolutionForm .error { color: $error; height: auto; }
    ResolutionForm .error.-empty { display: none; }
    ResolutionForm .computed { color: $text-muted; height: auto; }
    ResolutionForm .note { color: $text-muted; height: auto; padding: 0 1; }
    ResolutionForm RadioSet { width: 100%; height: 7; }  /* 5 outcomes + border; auto collapses */
    ResolutionForm Input { width: 100%; }
    ResolutionForm #refund-row { height: auto; }
    ResolutionForm #refund-row Input { width: 1fr; }
    ResolutionForm #refund-row Label { width: auto; padding: 1 1 0 1; }
    ResolutionForm TextArea { height: 5; }
    /* the findings, why a submit was refused, and Submit: always in view, under the fields */
    ResolutionForm #form-foot { height: auto; border-top: hkey $panel-lighten-2; }
    ResolutionForm #form-foot #findings-label { margin-top: 0; }
    ResolutionForm #findings-box { height: auto; max-height: 8; }
    ResolutionForm .findings { height: auto; }
    ResolutionForm #submit-why { color: $error; height: auto; padding: 0 1; margin-bottom: 1; }
    ResolutionForm #submit-why.-empty { display: none; }
    ResolutionForm #submit { width: 100%; }
    ResolutionForm #submit:focus { text-style: bold reverse; }
    """

    class Submitted(Message):
        """The agent asked to submit a valid `draft`; `findings`: what the policy said of it
        (shown in the confirm dialog, so it is not worked out again)."""

        def __init__(self, draft: DecisionDraft, findings: tuple[Finding, ...]) -> None:
            super().__init__()
            self.draft = draft
            self.findings = findings

    class Edited(Message):
        """The agent changed something on the form (typed, ticked, chose, acknowledged):
        `fields` is the whole form as it now stands, to be kept as a draft. Not posted when
        nothing changed, nor for `restore`."""

        def __init__(self, fields: FormFields) -> None:
            super().__init__()
            self.fields = fields

    def __init__(
        self,
        dispute: Dispute,
        *,
        record: DisputeRecord | None = None,
        clock: Clock | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.dispute = dispute
        #: The whole record (its information request feeds P-INFO-7D); `dispute` alone suffices.
        self.record = record
        self._clock = clock
        #: Policy warnings the agent has acknowledged (no control for this yet).
        self.acknowledged: frozenset[str] = frozenset()
        self._touched: set[str] = set()
        self._errors: dict[str, str] = {}
        #: The checks of the draft as it stands (`validate`), None until an outcome is chosen.
        self._verdict: Verdict | None = None
        #: The draft as typed, checked or not (`_read`).
        self._typed: DecisionDraft | None = None
        #: The macro (and version) last applied to the form (issue 19): the decision names it.
        self.macro: MacroRef | None = None
        #: The fields last posted in `Edited`, or restored: what a draft already holds.
        self._told = FormFields()
        #: Whether the foot says why the last submit was refused (`_explain`).
        self._explaining = False
        # The widgets the form reads and writes, by name (no query on every key).
        self._details = DecisionDetails(dispute.order.currency)
        self._outcomes = OutcomeList(id="outcome")
        self._areas = {
            "rationale": TextArea(id="rationale", placeholder="Why, citing evidence and messages"),
            "message_to_parties": TextArea(
                id="message_to_parties", placeholder="Shown to buyer and seller"
            ),
        }
        self._errors_shown = {
            "outcome": Static(classes="error -empty", id="outcome-error"),
            "rationale": Static(classes="error -empty", id="rationale-error"),
            **self._details.errors,
        }
        self._decision = Vertical(id="form-decision", classes="form-column")
        self._summary = Static(classes="computed", id="refund-summary")
        self._why = Static(classes="-empty", id="submit-why")
        self._findings = Static(id="findings", classes="findings")
        self._findings_label = Label(
            "Policy (esc, then p: every rule)", classes="field-label", id="findings-label"
        )
        self._findings_box = VerticalScroll(id="findings-box", can_focus=False)
        self._submit = Button("Submit decision  ctrl+s", id="submit", variant="primary")

    def compose(self) -> ComposeResult:
        # Fields in reading order, which is also the Tab order (issue 22): the decision
        # (outcome, amounts, the boxes that apply), then the words (rationale, message to the
        # parties), then Submit. No container is a Tab stop; each stop has its label beside it.
        # The fields that depend on the outcome join the decision's column when first needed.
        with VerticalScroll(id="form-body", can_focus=False):
            yield Static(
                "Keys type into the form · esc leaves it",
                classes="computed",
                id="form-hint",
            )
            with Container(id="form-columns"):
                with self._decision:
                    with Vertical(classes="field", id="outcome-field"):
                        yield Label("Outcome (1–5 here)", classes="field-label")
                        with self._outcomes:
                            for i, outcome in enumerate(OUTCOMES, 1):
                                yield RadioButton(
                                    plain(f"{i} ", outcome.label), id=f"outcome-{outcome.value}"
                                )
                        yield self._errors_shown["outcome"]
                    yield self._summary
                with Vertical(id="form-words", classes="form-column"):
                    with Vertical(classes="field", id="rationale-field"):
                        yield Label("Rationale (required)", classes="field-label")
                        yield self._areas["rationale"]
                        yield self._errors_shown["rationale"]
                    with Vertical(classes="field", id="message-field"):
                        yield Label("Message to the parties", classes="field-label")
                        yield self._areas["message_to_parties"]
        with Vertical(id="form-foot"):
            # first in the foot: a notification, bottom right, may cover Submit for a while
            yield self._why
            yield self._findings_label
            with self._findings_box:
                yield self._findings
            yield self._submit

    def on_resize(self, event: events.Resize) -> None:
        """Two columns (the decision, the words) once the form is wide enough for both."""
        self.set_class(event.size.width >= COLUMNS_AT, "-columns")

    def on_mount(self) -> None:
        self._refresh_visibility()
        self.validate(show_all=False)

    def _policy_record(self) -> DisputeRecord:
        """`record` while it still holds the shown dispute, else a record of `dispute` alone."""
        if self.record is not None and self.record.dispute is self.dispute:
            return self.record
        return DisputeRecord(dispute=self.dispute, version=0)

    def _now(self) -> datetime:
        clock = self._clock or getattr(self.app, "clock", None) or SystemClock()
        now: datetime = clock.now()
        return now

    def focus_first(self) -> None:
        self._outcomes.focus()

    def has_work(self) -> bool:
        """Whether leaving would lose something the agent chose or typed."""
        return not self.fields().is_empty

    # ----- drafts -----------------------------------------------------------------------
    def _input(self, name: str) -> Input:
        return self._details.inputs[name]

    def _box(self, name: str) -> Checkbox:
        return self._details.boxes[name]

    def fields(self) -> FormFields:
        """Every field exactly as typed, hidden ones included, checked or not (a draft)."""
        return FormFields(
            outcome=self.outcome,
            refund_amount=self._input("refund_amount").value,
            return_required=self._box("return_required").value,
            seller_agreed_return=self._box("seller_agreed_return").value,
            seller_keep_pct=self._input("seller_keep_pct").value,
            seller_error=self._box("seller_error").value,
            defective_or_misadvertised=self._box("defective_or_misadvertised").value,
            rationale=self._areas["rationale"].text,
            message_to_parties=self._areas["message_to_parties"].text,
            acknowledged=tuple(sorted(self.acknowledged)),
            macro=self.macro,
        )

    def restore(self, fields: FormFields) -> None:
        """Set every field as in `fields` (a draft kept earlier), acknowledged warnings too, and
        check the form again. Nothing counts as touched, so the errors shown are those of a form
        just opened; no `Edited` is posted (the draft already holds these fields)."""
        quiet = (RadioSet.Changed, Input.Changed, Checkbox.Changed, TextArea.Changed)
        with self.prevent(*quiet, self.Edited):
            index = None if fields.outcome is None else OUTCOMES.index(fields.outcome)
            self._outcomes.show(index)
            for name in DETAIL_INPUTS:
                self._input(name).value = getattr(fields, name)
            for name in DETAIL_BOXES:
                self._box(name).value = getattr(fields, name)
            for name, area in self._areas.items():
                area.text = getattr(fields, name)
                area.move_cursor(area.document.end)
        self.acknowledged = frozenset(fields.acknowledged)
        self.macro = fields.macro
        self._touched.clear()
        self._told = fields
        self._refresh_visibility()
        self.validate(show_all=False)

    def _tell_edited(self) -> None:
        """Post `Edited` if the fields differ from those a draft already holds."""
        fields = self.fields()
        if fields != self._told:
            self._told = fields
            self.post_message(self.Edited(fields))

    # ----- reading the form -------------------------------------------------------------
    @property
    def outcome(self) -> Outcome | None:
        return self._outcomes.outcome

    def select_outcome(self, outcome: Outcome) -> None:
        self.query_one(f"#outcome-{outcome.value}", RadioButton).value = True

    def _parse(self) -> tuple[DecisionDraft | None, dict[str, str]]:
        """The fields as a draft (None until an outcome is chosen), and the fields that could
        not be read. Nothing is checked against the rules here."""
        return read_draft(self.fields(), self.dispute)

    def refund_typed(self) -> Decimal | None:
        """The refund as typed, if it reads as an amount (a macro's `{refund}`), else None."""
        raw = self._input("refund_amount").value
        try:
            return parse_amount(raw, self.dispute.order.currency) if raw.strip() else None
        except MoneyError:
            return None

    # ----- canned replies (issue 19) --------------------------------------------------------
    def apply_macro(self, filled: Filled, refund: Decimal | None) -> None:
        """Fill the fields `filled` sets (outcome, refund, rationale, message) as if the agent
        had typed them: every check of the form runs on them (an over-refund is refused inline,
        P-REFUND-BOUNDS), and the decision will name the macro's version."""
        self.macro = filled.ref
        outcome = filled.outcome
        if outcome is not None:
            self.select_outcome(outcome)
        if refund is not None:
            self._input("refund_amount").value = f"{refund}"
        for name, key in (("rationale", "rationale"), ("message_to_parties", "message")):
            if key in filled.texts:
                area = self._areas[name]
                area.text = filled.texts[key]
                area.move_cursor(area.document.end)
        self._touched.update(("outcome", "refund_amount", "rationale"))
        self._refresh_visibility()
        self.validate(show_all=False)
        self._tell_edited()

    def read(self) -> tuple[DecisionDraft | None, dict[str, str]]:
        """The draft the form holds, or None, and the errors by field."""
        draft, errors, _ = self._read()
        return draft, errors

    def _read(self) -> tuple[DecisionDraft | None, dict[str, str], Verdict | None]:
        """`read`, and the verdict of the draft as typed (the policy runs once, here)."""
        draft, errors = self._parse()
        self._typed = draft
        if draft is None:
            errors = {"outcome": "choose an outcome", **errors}
            return None, errors, None
        verdict = check(self._policy_record(), draft, self._now())
        for field, message in verdict.errors:
            if field == "acknowledge":  # shown in the findings panel, with the key to press
                errors.setdefault("acknowledge", message)
            else:
                errors.setdefault(field if field in FIELDS else "outcome", message)
        return (None if errors else draft), errors, verdict

    def policy_draft(self) -> DecisionDraft | None:
        """What the form holds now, checked or not (None until an outcome is chosen): the
        policy page and the findings panel judge the draft as it is being written."""
        return self._parse()[0]

    # ----- reacting ---------------------------------------------------------------------
    @on(RadioSet.Changed)
    @on(Checkbox.Changed)
    @on(Input.Changed)
    @on(TextArea.Changed)
    def _changed(self, event: Message) -> None:
        widget = getattr(event, "control", None) or getattr(event, "text_area", None)
        if widget is not None and widget.id:
            self._touched.add(widget.id)
        self._refresh_visibility()
        self.validate(show_all=False)
        self._tell_edited()

    @on(Button.Pressed, "#submit")
    def _submit_pressed(self) -> None:
        self.submit()

    def submit(self) -> None:
        """Check everything; post `Submitted` if valid, else show every error, and say why it
        was not submitted in the form's foot, with the findings and Submit, where the eye is
        (issue 22), and in a notification."""
        draft, errors = self.validate(show_all=True)
        if draft is not None and self._verdict is not None:
            self._explain(False)
            self.post_message(self.Submitted(draft, self._verdict.findings))
            return
        self._explain(True)
        # Focus moves only to a text box that needs fixing, where the agent's next keys are
        # text anyway; never to the outcome list, where a digit would change the outcome.
        for field in TEXT_FIELDS:
            target = self._areas[field] if field in self._areas else self._input(field)
            if field in errors and self._shown(target):
                target.focus()
                break
        verdict = self._verdict
        blocks = () if verdict is None else verdict.blocks
        fix = [FIELD_NAMES.get(f, f) for f, m in errors.items() if not m.startswith(blocks)]
        fix = [name for name in fix if name != FIELD_NAMES["acknowledge"]] + list(blocks)
        if verdict is not None and verdict.unacknowledged:
            fix.append(f"acknowledge {', '.join(verdict.unacknowledged)} (ctrl+g)")
        self.notify(
            f"To fix: {'; '.join(fix)}. Each is said in the form, under the fields.",
            title="Decision not submitted",
            severity="warning",
        )

    def _shown(self, widget: Widget) -> bool:
        """Whether `widget` is in the form (a detail field is once first needed) and every
        container of it in the form is displayed."""
        node: DOMNode | None = widget
        while node is not None and node is not self:
            if not node.display:
                return False
            node = node.parent
        return node is self

    def _reasons(self) -> list[str]:
        """Why the form as it stands cannot be submitted, one short line each: the fields'
        errors, then the policy blocks by id (their words are in the findings just below), then
        the warnings still to acknowledge."""
        verdict = self._verdict
        blocks = () if verdict is None else verdict.blocks
        reasons = [
            f"{FIELD_NAMES.get(field, field)}: {message}"
            for field, message in self._errors.items()
            if field != "acknowledge" and not message.startswith(blocks)
        ]
        if blocks:
            reasons.append(f"■ blocked by {', '.join(blocks)} (see Policy below)")
        if verdict is not None and verdict.unacknowledged:
            reasons.append(f"▲ acknowledge {', '.join(verdict.unacknowledged)} with ctrl+g")
        return reasons

    def _explain(self, show: bool | None = None) -> None:
        """The lines atop the foot that say why a submit was refused: shown by a refused submit
        (`show`), kept up to date as the agent fixes things, gone once nothing is left."""
        if show is not None:
            self._explaining = show
        reasons = self._reasons() if self._explaining else []
        if not reasons:
            self._explaining = False
        self._why.update(reasons_text(reasons))
        self._why.set_class(not reasons, "-empty")

    def validate(self, *, show_all: bool) -> tuple[DecisionDraft | None, dict[str, str]]:
        draft, errors, verdict = self._read()
        self._errors = errors
        self._verdict = verdict
        for field in FIELDS:
            label = self._errors_shown[field]
            if label.parent is None:  # a detail field not mounted yet: nothing to show
                continue
            message = errors.get(field, "")
            if not show_all and field not in self._touched:
                message = "" if field in ("rationale", "outcome") else message
            label.update(Content(f"✖ {message}" if message else ""))
            label.set_class(not message, "-empty")
        self._refresh_summary()
        self._refresh_findings()
        self._explain()
        return draft, errors

    # ----- policy findings --------------------------------------------------------------
    @property
    def findings(self) -> tuple[Finding, ...]:
        """What the policy says about the draft as it stands (empty until an outcome is set)."""
        return () if self._verdict is None else self._verdict.findings

    @property
    def unacknowledged(self) -> tuple[str, ...]:
        return () if self._verdict is None else self._verdict.unacknowledged

    def acknowledge_warnings(self) -> tuple[str, ...]:
        """Acknowledge every warning now shown; returns the rule ids newly acknowledged."""
        new = self.unacknowledged
        self.acknowledged = self.acknowledged | frozenset(new)
        self.validate(show_all=False)
        self._tell_edited()
        return new

    def _refresh_findings(self) -> None:
        findings = self.findings
        self._findings.update(findings_text(findings, self.acknowledged))
        self._findings_label.display = self._findings_box.display = bool(findings)
        blocked = bool(blocking(findings))
        self._submit.disabled = blocked
        self._submit.label = "Blocked by policy (see ■)" if blocked else "Submit decision  ctrl+s"

    def _refresh_visibility(self) -> None:
        outcome = self.outcome
        details = self._details
        refunds = outcome is not None and outcome.refunds
        if not (details.mounted or refunds or outcome in TYPED_REFUND or details.hold_values()):
            return  # nothing of the details shows or holds anything: not mounted yet
        details.mount(self._decision, before=self._summary)
        returning = refunds and self._box("return_required").value
        details.show(
            typed=outcome in TYPED_REFUND,
            refunds=refunds,
            returning=returning,
            service=self.dispute.order.kind is OrderKind.SERVICE and refunds,
            # P-REFUND-DEFECTIVE, P-RETURN-KEEP-50: shown where the policy counts it, only there
            defect=defect_applies(self.dispute, outcome),
        )
        details.note(defect_note(outcome, returning=returning))

    def _refresh_summary(self) -> None:
        """The refund and fee refund of the draft as typed, else the price."""
        self._summary.update(Content(summary_text(self.dispute, self._typed)))
