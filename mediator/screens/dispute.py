"""One dispute: facts and evidence, the merged timeline and chat, and the resolution form."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, ClassVar

from rich.table import Table
from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, Vertical
from textual.screen import Screen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from mediator.domain.deadlines import (
    Deadline,
    State,
    deadlines,
    next_deadline,
    timer_name,
    timer_words,
)
from mediator.domain.enums import QUEUE_STATUSES, Actor
from mediator.domain.fired import Fired, fired_rules
from mediator.domain.macros import Filled, context_for, fill, refund_answer
from mediator.domain.models import DecisionDraft, DisputeRecord
from mediator.domain.money import format_amount
from mediator.domain.policy import Finding
from mediator.domain.resolution import DECIDABLE
from mediator.domain.review import (
    ReviewState,
    pending_proposal,
    returned_proposal,
    review_state,
)
from mediator.domain.text import one_line, visible
from mediator.domain.timeline import EntryKind, TimelineEntry, build_timeline
from mediator.messages import DisputesChanged, ReportsFailures
from mediator.screens.claiming import ClaimsTheDispute
from mediator.screens.discard import DiscardWork
from mediator.screens.drafting import KeepsDrafts
from mediator.screens.macros import MacroPicker, MacroPreview, PlaceholderPrompt
from mediator.screens.modals import (
    ConfirmDecision,
    EvidenceScreen,
    InfoRequestScreen,
    MessageScreen,
    NoteScreen,
)
from mediator.screens.opening import HoldsKeys, PausesCollection
from mediator.screens.policy import PolicyScreen
from mediator.screens.reviewed import (
    NEWEST_WINDOW,
    ShowsReviews,
    proposed_words,
    what_and_refund,
)
from mediator.screens.words import conflict_notice, decided, refusal
from mediator.store.base import (
    Claimed,
    InvalidDecision,
    PendingSync,
    StoreError,
    SyncingStore,
    VersionConflict,
    new_idempotency_key,
)
from mediator.widgets._text import duration, local_time, plain
from mediator.widgets.decisions import decided_text
from mediator.widgets.footer import Footer
from mediator.widgets.resolution_form import ResolutionForm
from mediator.widgets.transcript import Transcript

if TYPE_CHECKING:
    from mediator.app import MediatorApp

#: Below this width the three panes stack vertically.
NARROW = 110


class DisputeScreen(
    PausesCollection,
    HoldsKeys,
    ClaimsTheDispute,
    KeepsDrafts,
    ShowsReviews,
    ReportsFailures,
    Screen[None],
):
    app: MediatorApp

    #: Opening the dispute claims it (issue 15); a proposal opened for review does not.
    CLAIMS: ClassVar[bool] = True

    FAILURES: ClassVar[dict[str, tuple[str, str]]] = {
        "load": ("Opening the dispute", "Nothing was changed; you are back on the queue."),
        "decide": (
            "Writing the decision",
            "It may not have been written: your form is kept, and the dispute is read again.",
        ),
        "policy": ("Showing the policy", "Nothing was changed; your form is kept."),
        "leave": ("Leaving the dispute", "Your form is kept."),
        "claim": ("Claiming the dispute", "Nothing was changed; it is tried again in a minute."),
        "take_over": ("Taking the dispute over", "Nothing was changed."),
        "draft_load": ("Restoring your draft", "The form starts empty; the draft file is kept."),
        "draft_save": ("Saving your draft", "What you typed is still on screen."),
        "discard_draft": ("Discarding the draft", "The form is as it was."),
        "macro": ("Applying the macro", "Your form is as it was."),
        "older": (
            "Reading the older messages",
            "The newer ones are shown; they are read again when you reach the top.",
        ),
    }

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="dispute.back",
                tooltip="Leave the form; outside it, back to the queue (asks if a draft is typed)"),
        Binding("ctrl+s", "submit", "Submit", priority=True, id="dispute.submit",
                tooltip="Submit the decision (asks for confirmation)"),
        Binding("ctrl+g", "acknowledge", "Acknowledge", priority=True, id="dispute.acknowledge",
                tooltip="Acknowledge the policy warnings shown on the form (▲)"),
        Binding("n", "note", "Note", id="dispute.note", tooltip="Add a staff note"),
        Binding("m", "macro", "Macro", id="dispute.macro",
                tooltip="Canned replies: pick a macro, fill its blanks, preview, apply"),
        Binding("p", "policy", "Policy", id="dispute.policy",
                tooltip="The marketplace policy, with the rules that fired on this dispute"),
        Binding("i", "ask_info", "Ask info", id="dispute.ask_info",
                tooltip="Ask the buyer or seller for information (7-day timer, P-INFO-7D)"),
        Binding("c", "cycle_show", "Show", id="dispute.show",
                tooltip="Timeline: show everything, one chat, staff notes, or events only"),
        Binding("t", "go('timeline')", "Timeline", id="dispute.timeline",
                tooltip="Go to the timeline and chat"),
        Binding("e", "go('evidence')", "Evidence", id="dispute.evidence",
                tooltip="Go to the evidence list"),
        Binding("f", "go('form')", "Form", id="dispute.form", tooltip="Go to the resolution form"),
        *ClaimsTheDispute.CLAIM_BINDINGS,
        *KeepsDrafts.DRAFT_BINDINGS,
    ]  # fmt: skip

    #: Actions on a single letter: off while focus is in the form, where every key the agent
    #: types belongs to the form (esc leaves it). The outcome digits live on the outcome list.
    LETTER_ACTIONS: ClassVar[frozenset[str]] = frozenset(
        {"note", "policy", "ask_info", "cycle_show", "go", "macro"}
    )

    def __init__(self, dispute_id: str) -> None:
        super().__init__()
        self.dispute_id = dispute_id
        self.record: DisputeRecord | None = None
        self._form_pane = Vertical(id="form-pane", classes="pane")
        self._resumed = False
        self.pause_collection()  # made on the key press: until it is shown (`opening`)
        self.start_holding()

    def compose(self) -> ComposeResult:
        yield Static(
            plain(f"{self.dispute_id} · reading the dispute…"),
            id="dispute-title",
            classes="screen-title",
        )
        yield Static(id="claim-banner")
        yield Static(id="review-banner")
        # The panes are hidden until the dispute is read (`_show`), and the title says it is
        # being read: the frames drawn meanwhile are a line, not three empty panes laid out and
        # drawn, then laid out and drawn again with the dispute (issue 18). A still title, not
        # a LoadingIndicator: its animation redrew the screen 60 times a second during the read.
        panes = Container(id="panes")
        panes.display = False
        with panes:
            with Vertical(id="facts-pane", classes="pane"):
                yield Static(id="facts")
                yield Static(id="timers")
                yield Label("Evidence (e)", classes="pane-title")
                yield OptionList(id="evidence")
            with Vertical(id="timeline-pane", classes="pane"):
                yield Label("Timeline (t) · everything (c)", id="timeline-title",
                            classes="pane-title")  # fmt: skip
                yield Transcript(tz=self.app.tz, id="timeline")
            with self._form_pane:
                yield Label("Resolution (f)", id="form-title", classes="pane-title")
        yield Footer()

    def on_mount(self) -> None:
        self._narrow(self.app.size.width)
        self.load()
        if self.CLAIMS:
            self.start_claiming()

    def on_unmount(self) -> None:
        self.resume_collection()
        self.drop_keys()
        self.stop_claiming()

    def on_claim_changed(self) -> None:
        if (form := self._form()) is not None:
            form.disabled = self.read_only  # typed work stays on screen, but cannot be sent
        self.refresh_bindings()

    def failed(self, group: str) -> None:
        if group == "older":
            self.query_one(Transcript).older_failed()
        if group == "load":
            self.resume_collection()
            self.drop_keys()
        if group == "load" and self.record is None:
            self.dismiss()
        elif group == "decide":
            self.load(keep_form=True)

    def on_disputes_changed(self, message: DisputesChanged) -> None:
        if not message.dispute_ids or self.dispute_id in message.dispute_ids:
            self.load(keep_form=True)

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        """Shown for the first time: its widgets were styled as they were mounted, a moment
        ago, so Textual's restyle of the whole screen on resume (for a screen coming back from
        under another, with the theme perhaps changed) is skipped (issue 18: ~5 ms of the
        open, the transcript's and lists' component styles among it). Runs before `Screen`'s
        handler of the same name (Textual calls each class's in turn; Textual is pinned)."""
        if not self._resumed:
            self._resumed = True
            event.refresh_styles = False

    def on_resize(self, event: events.Resize) -> None:
        self._narrow(event.size.width)

    def _narrow(self, width: int) -> None:
        self.query_one("#panes").set_class(width < NARROW, "-narrow")

    # ----- loading ----------------------------------------------------------------------
    @work(exclusive=True, group="load", exit_on_error=False)
    async def load(self, *, keep_form: bool = False) -> None:
        history = asyncio.ensure_future(self._read_history())  # meanwhile: one layout, not two
        try:
            record = await self.app.store.get_dispute(self.dispute_id, newest=NEWEST_WINDOW)
        except StoreError as error:
            history.cancel()
            self.resume_collection()
            self.drop_keys()
            self.notify(
                f"{self.dispute_id}: {error}. {self.FAILURES['load'][1]}",
                title="Could not open the dispute",
                severity="error",
            )
            self.dismiss()
            return
        await history
        with self.app.batch_update():
            await self._show(record, keep_form=keep_form)
        self.call_after_refresh(self.resume_collection)  # shown: collect while it is read
        if not keep_form:
            self.release_keys()
        await self._warn_if_pending()

    async def _read_history(self) -> None:
        """The history once the first claim was tried, so that it holds the claim's entry."""
        if self.claim_tried is not None:
            await self.claim_tried.wait()
        await self.read_history()

    async def _warn_if_pending(self) -> None:
        """A decision on this dispute may be waiting in the outbox (the API was unreachable)."""
        store = self.app.store
        if not isinstance(store, SyncingStore):
            return
        try:
            entries = await store.pending()
        except StoreError as error:
            self.notify(
                f"Could not see whether a decision on {self.dispute_id} waits to be sent: {error}",
                title="Outbox problem",
                severity="warning",
                timeout=15,
            )
            return
        waiting = [p for p in entries if p.dispute_id == self.dispute_id]
        for entry in waiting:
            when = entry.created_at.astimezone(self.app.tz).strftime("%d %b %H:%M")
            pending = entry.state == "pending"
            state = "is waiting to be sent." if pending else f"was refused: {entry.last_error}"
            self.notify(
                f"Your {entry.draft.outcome.label} decision of {when} {state}",
                title="Decision pending sync" if pending else "Decision refused",
                severity="warning",
                timeout=15,
            )

    async def _show(self, record: DisputeRecord, *, keep_form: bool) -> None:
        self.record = record
        d = record.dispute
        o = d.order
        now = self.app.clock.now()
        upcoming = next_deadline(record)
        due: tuple[str, str] = ("", "")
        if upcoming is not None:
            name = timer_name(upcoming.rule_id)
            left = upcoming.due_at - now
            late = left <= timedelta(0)
            when = f"overdue {duration(left)}" if late else f"due in {duration(left)}"
            due = (f" · {name} {when}", "bold $error" if late else "")
        title = plain(
            (d.id, "bold"),
            f" · {d.reason.label} · {d.status.label}",
            due,
            " · ",
            one_line(o.title, 80),
        )
        self.query_one("#dispute-title", Static).update(title)
        self.query_one("#panes").display = True
        self.query_one("#facts", Static).update(self._facts(record))
        self.query_one("#timers", Static).update(self._timer_list(record))
        evidence = self.query_one("#evidence", OptionList)
        evidence.clear_options()
        evidence.add_options(
            Option(
                plain((e.id, "bold"), f" {e.kind.value} ", one_line(e.caption, 60)),
                id=e.id,
            )
            for e in d.evidence
        )
        if d.evidence:
            evidence.highlighted = 0
        else:
            evidence.add_option(Option(Text("No evidence submitted.", "italic"), disabled=True))
        self.show_timeline(record)
        await self._show_pane(record, keep_form=keep_form)
        self.show_review_banner(record)
        self.claim_from(record)
        # the footer's keys depend on the record (`check_action`: submit, acknowledge, ask for
        # information): without this, a claim answered before the dispute was read left the
        # footer without them (CI's red test_dispute[narrow])
        self.refresh_bindings()

    async def _show_pane(self, record: DisputeRecord, *, keep_form: bool) -> None:
        """The right-hand pane: the resolution form while the dispute can be decided (kept as
        typed on a reload), else what was decided or proposed."""
        d = record.dispute
        pane = self.query_one("#form-pane")
        if keep_form and pane.query(ResolutionForm) and d.status not in DECIDABLE:
            # decided (or proposed) by a colleague while this form was open (the live feed, or
            # a reload)
            keep_form = False
            if (words := decided(record, self.app.tz)) is not None:
                saved = " Your draft is kept." if self.draft_kept() else ""
                proposed = pending_proposal(record.decisions) is not None
                self.notify(
                    f"{words}. Nothing of yours was written.{saved}",
                    title="Proposed by someone else" if proposed else "Decided by someone else",
                    severity="warning",
                    timeout=20,
                )
        if keep_form and pane.query(ResolutionForm):
            form = pane.query_one(ResolutionForm)
            form.dispute = d
            form.record = record
        else:
            await pane.query("ResolutionForm, #decided").remove()
            if d.status in DECIDABLE:
                form = ResolutionForm(d, record=record, id="form")
                form.disabled = self.read_only
                await pane.mount(form)
                self.restore_draft(form, returned_proposal(record.decisions))
            else:
                await pane.mount(Static(decided_text(record, self.app.tz), id="decided"))

    def _facts(self, record: DisputeRecord) -> Table:
        """Label/value pairs in a grid, so a long value wraps under its own column."""
        d = record.dispute
        o = d.order
        tz = self.app.tz
        grid = Table.grid(padding=(0, 1))
        grid.add_column(style="dim", no_wrap=True)
        grid.add_column(overflow="fold")

        def row(name: str, value: str, style: str = "") -> None:
            grid.add_row(name, Text(visible(value), style))

        row("Order", f"{o.id} · {o.kind.value} × {o.quantity}")
        row("Title", one_line(o.title, 120))
        row("Price", format_amount(o.price, o.currency), "bold")
        row("Fee", format_amount(o.service_fee, o.currency))
        row("Buyer", f"{one_line(d.buyer.name, 40)} ({d.buyer.id})")
        row("Seller", f"{one_line(d.seller.name, 40)} ({d.seller.id})")
        row("Trust", f"seller level {d.seller.trust_level}")
        row("Placed", local_time(o.placed_at, tz))
        for name, at in (("Delivered", o.delivered_at), ("Confirmed", o.confirmed_at),
                         ("Paid out", o.paid_out_at)):  # fmt: skip
            row(name, local_time(at, tz) if at else "—", "" if at else "dim")
        row("Opened", local_time(d.opened_at, tz))
        if d.escalated_at:
            cause = d.escalation_cause.value.replace("_", " ") if d.escalation_cause else ""
            row("Escalated", f"{local_time(d.escalated_at, tz)} ({cause})")
        if d.buyer_request:
            wanted = d.buyer_request.value.replace("_", " ")
            if d.buyer_request_amount is not None:
                wanted += f" {format_amount(d.buyer_request_amount, o.currency)}"
            row("Buyer asks", wanted, "bold")
        row("Revision", f"{d.revision} · version {record.version}", "dim")
        if d.extra:
            row("Extra", one_line(str(d.extra), 200), "dim")
        return grid

    def _timer_list(self, record: DisputeRecord) -> Text:
        """Every deadline of the dispute, not only the nearest, each with its state."""
        text = Text()
        text.append("Timers", "bold")
        now = self.app.clock.now()
        for timer in deadlines(record):
            name = timer_name(timer.rule_id)
            text.append(f"\n{name} ", "")
            text.append(timer.rule_id, "dim")
            text.append("\n  ")
            text.append_text(timer_text(timer, now, self.app.tz))
        return text

    # ----- opening things ---------------------------------------------------------------
    @on(OptionList.OptionSelected, "#evidence")
    def _evidence_selected(self, event: OptionList.OptionSelected) -> None:
        self._open_evidence(event.option.id)

    def _open_evidence(self, evidence_id: str | None) -> None:
        if self.record is None:
            return
        for item in self.record.dispute.evidence:
            if item.id == evidence_id:
                self.app.push_screen(EvidenceScreen(item, tz=self.app.tz))

    @on(Transcript.Opened)
    def _entry_opened(self, event: Transcript.Opened) -> None:
        entry = event.entry
        if entry.kind is EntryKind.EVIDENCE:
            self._open_evidence(entry.ref)
        elif entry.body:
            self.app.push_screen(MessageScreen(entry, tz=self.app.tz))

    # ----- deciding ---------------------------------------------------------------------
    def _form(self) -> ResolutionForm | None:
        """The form, a child of the right-hand pane, if one is there. Asked by `check_action`
        for every key on every repaint of the footer: a look at the pane's children, not a
        query of the whole screen (which was most of the footer's time, issue 18)."""
        for child in self._form_pane.children:
            if isinstance(child, ResolutionForm):
                return child
        return None

    def action_submit(self) -> None:
        if (form := self._form()) is not None:
            form.submit()
        else:
            self.notify("There is nothing to submit: this dispute is not open for a decision.")

    def action_acknowledge(self) -> None:
        if (form := self._form()) is None:
            return
        new = form.acknowledge_warnings()
        if new:
            self.notify(f"Acknowledged {', '.join(new)}; they are stored with the decision.")
        else:
            self.notify("No warning to acknowledge.")

    @on(ResolutionForm.Submitted)
    def _submitted(self, event: ResolutionForm.Submitted) -> None:
        self.decide(event.draft, event.findings)

    @work(exclusive=True, group="decide", exit_on_error=False)
    async def decide(self, draft: DecisionDraft, findings: tuple[Finding, ...]) -> None:
        record = self.record
        if record is None:
            return
        if not await self.app.push_screen_wait(ConfirmDecision(record.dispute, draft, findings)):
            return
        # The key is made when the agent confirms: every retry of this decision (the HTTP
        # store's, the outbox's after a restart) sends the same key, so it is stored once.
        key = new_idempotency_key()
        try:
            decision = await self.app.store.record_decision(
                record.id,
                draft,
                expected_version=record.version,
                actor=self.app.agent,
                now=self.app.clock.now(),
                idempotency_key=key,
            )
        except PendingSync as pending:
            self.notify(
                f"{pending}",
                title="Decision kept offline: pending sync",
                severity="warning",
                timeout=20,
            )
            self.app.refresh_pending()
            await self.forget_draft()  # the outbox holds the decision now
            self.dismiss()
            return
        except VersionConflict as conflict:
            self.notify(
                conflict_notice(
                    conflict, self.app.tz, yours=draft.outcome.label, kept=self.draft_kept()
                ),
                title="Someone else got there first",
                severity="error",
                timeout=15,
            )
            if conflict.current is not None:
                await self._show(conflict.current, keep_form=False)
            return
        except Claimed as claimed:
            self.notify(
                f"{refusal(claimed, self.app.tz, self.app.clock.now())}. Your form is kept.",
                title=f"Held by {claimed.claim.holder}",
                severity="error",
                timeout=15,
            )
            self._show_claim(None, claimed.claim)
            return
        except InvalidDecision as invalid:
            self.notify(
                f"Nothing was written: {invalid}", title="Decision refused", severity="error"
            )
            return
        except StoreError as error:
            self.notify(
                f"Nothing was written: {error}. Your form is kept; try again.",
                title="Store problem",
                severity="error",
                timeout=15,
            )
            return
        if review_state(decision) is ReviewState.PENDING:
            self.notify(
                f"{proposed_words(decision)}.",
                title=f"{record.id} waits for a supervisor",
                timeout=20,
            )
        else:
            self.notify(
                f"{record.id} resolved: {what_and_refund(decision)}.", title="Decision written"
            )
        self.mine = None  # deciding released it
        await self.forget_draft()
        self.dismiss()

    # ----- policy ----------------------------------------------------------------------
    async def fired_rules(self) -> Fired:
        """What each rule says about this dispute and the draft as typed (`domain.fired`), worked
        out in a thread: the flag scan of a long transcript takes a noticeable part of a second."""
        record = self.record
        if record is None:
            return {}
        form = self._form()
        draft = form.policy_draft() if form is not None else None
        transcript = self.query_one(Transcript)
        if record.complete:
            entries: Sequence[TimelineEntry] = transcript.all_entries
        else:  # a windowed read (issue 18): every message counts, read now
            record = await self.app.store.get_dispute(self.dispute_id)
            entries = build_timeline(record, self.history)
        return await asyncio.to_thread(fired_rules, record, draft, entries, self.app.clock.now())

    @work(exclusive=True, group="policy", exit_on_error=False)
    async def action_policy(self) -> None:
        fired = await self.fired_rules()
        await self.app.push_screen(PolicyScreen(self.dispute_id, fired))

    # ----- notes, information requests, focus, navigation -------------------------------
    @work(exclusive=True, group="ask_info", exit_on_error=False)
    async def action_ask_info(self, asked: Actor | None = None, text: str | None = None) -> None:
        """Ask a party (`asked` and `text`: a macro's, else a request kept as a draft); if the
        store refuses or fails, the dialog opens again with the text and the reason, so
        nothing typed is lost."""
        record = self.record
        if record is None:
            return
        d = record.dispute
        kept_party, body = self.draft_request  # a request kept as a draft (issue 15)
        if text is not None:
            kept_party, body = asked, text
        party, problem = kept_party or Actor.BUYER, ""
        while True:
            dialog = InfoRequestScreen(
                d.id, buyer=d.buyer.name, seller=d.seller.name, party=party, text=body,
                problem=problem, on_typed=self.request_typed(party),
            )  # fmt: skip
            answer = await self.app.push_screen_wait(dialog)
            if answer is None:
                self.request_typed(party)("")  # closed: kept nowhere (it asked if typed)
                return
            party, body = answer
            try:
                await self.app.store.request_info(
                    d.id,
                    party,
                    body,
                    expected_version=record.version,
                    actor=self.app.agent,
                    now=self.app.clock.now(),
                )
            except Exception as error:  # any failure: the agent's text goes back on screen
                problem = f"Not sent: {self._why(error)}"
                continue
            break
        self.request_typed(party)("")
        self.notify(f"Asked the {party.value}; the 7-day timer runs (P-INFO-7D).")
        self.load(keep_form=True)

    @work(exclusive=True, group="note", exit_on_error=False)
    async def action_note(self, text: str | None = None) -> None:
        """Write a staff note (`text`: a macro's, else a note kept as a draft); a refusal or
        failure reopens the dialog with the text."""
        body, problem = self.draft_note if text is None else text, ""  # a draft: issue 15
        while True:
            written = await self.app.push_screen_wait(
                NoteScreen(self.dispute_id, text=body, problem=problem, on_typed=self.note_typed)
            )
            if written is None:
                self.note_typed("")  # closed: kept nowhere (it asked if typed)
                return
            body = written
            try:
                await self.app.store.add_note(
                    self.dispute_id, body, actor=self.app.agent, now=self.app.clock.now()
                )
            except Exception as error:  # any failure: the agent's text goes back on screen
                problem = f"Not saved: {self._why(error)}"
                continue
            break
        self.note_typed("")
        self.notify("Staff note saved.")
        self.load(keep_form=True)

    # ----- canned replies (issue 19) ---------------------------------------------------
    @work(exclusive=True, group="macro", exit_on_error=False)
    async def action_macro(self) -> None:
        """Pick a macro, ask for each placeholder without a value, preview the filled text and
        apply it: the form's fields as if typed (its policy checks run as usual), then the
        note and the information request dialogs, prefilled, to send or not."""
        record = self.record
        if record is None:
            return
        macro = await self.app.push_screen_wait(MacroPicker(self.app.store))
        if macro is None:
            return
        form = self._form()
        currency = record.dispute.order.currency
        typed = form.refund_typed() if form is not None else None
        refund = typed if typed is not None else macro.refund
        answers: dict[str, str] = {}
        while True:
            context = context_for(record, agent=self.app.agent, refund=refund, tz=self.app.tz)
            filled = fill(macro, context, answers)
            if isinstance(filled, Filled):
                break
            name = filled.names[0]
            if name == "fee_refund":  # it is computed from the refund (P-REFUND-FEE)
                name = "refund"
            check = _amount_check(currency) if name == "refund" else None
            answer = await self.app.push_screen_wait(PlaceholderPrompt(name, check=check))
            if answer is None:
                return
            if name == "refund":
                refund = refund_answer(answer, currency)
            else:
                answers[name] = answer
        if not await self.app.push_screen_wait(MacroPreview(macro, filled, currency)):
            return
        decides = (
            filled.outcome is not None
            or bool({"rationale", "message"} & set(filled.texts))
            or (refund is not None and refund != typed)
        )
        if decides and form is not None:
            form.apply_macro(filled, refund if refund != typed else None)
            form.focus_first()
        elif decides:
            self.notify(
                "This dispute is not open for a decision: the form's fields were not filled.",
                title="Macro",
                severity="warning",
            )
        if "note" in filled.texts:
            await self.action_note(filled.texts["note"]).wait()
        if "info_text" not in filled.texts:
            return
        if self.check_action("ask_info", ()):
            await self.action_ask_info(filled.info_party, filled.texts["info_text"]).wait()
        else:
            self.notify(
                "This dispute is not in the queue: no information can be asked (P-INFO-7D).",
                title="Macro",
                severity="warning",
            )

    def _why(self, error: Exception) -> str:
        """A store's refusal in its own words; anything else by its kind (and logged)."""
        if isinstance(error, StoreError):
            return refusal(error, self.app.tz)
        self.log.error("unexpected failure of a write", error)
        return f"unexpected {type(error).__name__}: {error}"

    def action_cycle_show(self) -> None:
        shown = self.query_one(Transcript).cycle_show()
        self.query_one("#timeline-title", Label).update(
            plain("Timeline (t) · ", shown.value, " (c)")
        )

    def action_go(self, which: str) -> None:
        if which == "timeline":
            self.query_one(Transcript).focus()
        elif which == "evidence":
            self.query_one("#evidence", OptionList).focus()
        elif (form := self._form()) is not None:
            form.focus_first()

    def _in_form(self) -> bool:
        focused, form = self.focused, self._form()
        return focused is not None and form is not None and form in focused.ancestors_with_self

    def unsaved_work(self) -> str | None:
        """The typed draft, in words, if leaving now would lose one (else None)."""
        form = self._form()
        if form is None or not form.has_work() or self.draft_kept():
            return None
        return f"your decision on {self.dispute_id}"

    @work(exclusive=True, group="leave", exit_on_error=False)
    async def action_back(self) -> None:
        """esc: out of the form first (focus to the timeline); then back to the queue, asking
        before a typed draft is thrown away."""
        if self._in_form():
            self.query_one(Transcript).focus()
            return
        unsaved = self.unsaved_work()
        if unsaved is not None and not await self.app.push_screen_wait(DiscardWork(unsaved)):
            if (form := self._form()) is not None:
                form.focus_first()
            return
        if (form := self._form()) is not None and form.has_work() and self.draft_kept():
            self.notify(f"Your draft on {self.dispute_id} is kept: open it again to go on.")
        self.dismiss()

    def on_descendant_focus(self) -> None:
        self.refresh_bindings()  # the letter keys go off inside the form and on outside it

    def on_descendant_blur(self) -> None:
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.LETTER_ACTIONS and self._in_form():
            return False
        if action in self.CLAIMED_ACTIONS and self.read_only:
            return False
        if action == "take_over":
            return self.read_only
        if action == "discard_draft":
            return self.keeps_drafts and self._form() is not None and not self.read_only
        if action == "ask_info":
            return self.record is not None and self.record.dispute.status in QUEUE_STATUSES
        if action in ("submit", "acknowledge"):
            return self.record is not None and self.record.dispute.status in DECIDABLE
        return True


def timer_text(timer: Deadline, now: datetime, tz: tzinfo) -> Text:
    """A timer's state in words (`timer_words`), styled: red when overdue, yellow when due
    within 4 h, dim once it no longer runs."""
    words = timer_words(timer, now, lambda at: local_time(at, tz))
    if timer.state is State.RUNNING:
        left = timer.due_at - now
        if left <= timedelta(0):
            return Text(words, "bold red")
        return Text(words, "yellow" if left <= timedelta(hours=4) else "")
    return Text(words, "red" if timer.state is State.BREACHED else "dim")


def _amount_check(currency: str) -> Callable[[str], str | None]:
    """A `{refund}` answer must be an amount in `currency` (whether it is allowed is the
    form's to say, as for a typed amount: P-REFUND-BOUNDS)."""

    def check(text: str) -> str | None:
        if refund_answer(text, currency) is None:
            return f"{text.strip()!r} is not an amount in {currency}, e.g. 10.00"
        return None

    return check
