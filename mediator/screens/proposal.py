"""A proposal opened for review (issue 16): the whole dispute view, with the proposal in place of
the resolution form, and the supervisor's three verdicts.

- `a` approves (asks first, ctrl+y): the proposal becomes final and the dispute resolved;
- `o` overturns: the resolution form opens to write a different decision, checked by the policy
  as any decision is (against the dispute as it was when proposed), and confirmed;
- `r` returns it to its agent with a note (required): the dispute goes back to the queue.

Nothing is claimed: a dispute awaiting review is out of the queue. Writing a note or asking a
party for information is off here: either would make the supervisor take part in the dispute,
and so unable to review it. The store enforces who may review; its refusal is shown as it says
it, in a banner that stays.
"""

from __future__ import annotations

from typing import ClassVar

from rich.console import RenderableType
from textual import work
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Label, Static

from mediator.domain.enums import Status
from mediator.domain.models import Decision, DecisionDraft, DisputeRecord
from mediator.domain.policy import Finding, decision_findings
from mediator.domain.review import (
    Proposal,
    ReviewVerdict,
    draft_of,
    pending_proposal,
    state_words,
)
from mediator.screens.discard import DiscardWork
from mediator.screens.dispute import DisputeScreen
from mediator.screens.review_dialogs import ConfirmReview, ReturnNote
from mediator.screens.reviewed import what_and_refund
from mediator.screens.words import refusal
from mediator.store.base import AlreadyReviewed, NotAllowed, StoreError
from mediator.widgets._text import local_time, plain
from mediator.widgets.decisions import decided_text, proposal_text
from mediator.widgets.resolution_form import ResolutionForm
from mediator.widgets.transcript import Transcript

#: The actions that write a verdict.
VERDICTS = frozenset({"approve", "overturn", "return_proposal"})
#: The dispute screen's writes that are not a reviewer's: a note or a request would make the
#: supervisor take part in the dispute; nothing here is claimed, taken over or kept as a draft.
NOT_HERE = frozenset({"note", "ask_info", "take_over", "discard_draft", "macro"})


class ProposalScreen(DisputeScreen):
    """`proposal` beside its dispute, for a supervisor to approve, overturn or return."""

    CLAIMS: ClassVar[bool] = False

    FAILURES: ClassVar[dict[str, tuple[str, str]]] = {
        **DisputeScreen.FAILURES,
        "review": (
            "Writing the review",
            "It may not have been written: the proposal is read again.",
        ),
    }

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "approve", "Approve", id="review.approve",
                tooltip="Approve the proposal: final, the dispute resolved (asks first)"),
        Binding("o", "overturn", "Overturn", id="review.overturn",
                tooltip="Write a different decision instead (the resolution form, checked by "
                        "the policy)"),
        Binding("r", "return_proposal", "Return", id="review.return",
                tooltip="Return the proposal to its agent with a note (required)"),
    ]  # fmt: skip

    LETTER_ACTIONS: ClassVar[frozenset[str]] = DisputeScreen.LETTER_ACTIONS | VERDICTS

    def __init__(self, proposal: Proposal) -> None:
        super().__init__(proposal.dispute_id)
        self.proposal: Decision = proposal.decision
        self.reasons = proposal.reasons or tuple(proposal.decision.review.get("reasons", ()))
        #: The resolution form is open to write the decision that replaces the proposal.
        self.overturning = False
        #: The proposal still waits for review, as the store was last read.
        self.pending = True
        #: The store's refusal of this supervisor's review, once it said so.
        self.refused: str | None = None
        #: The proposal has been shown once (a change after that is news).
        self._shown = False

    @property
    def keeps_drafts(self) -> bool:
        return False  # an overturn is written at once or not at all; drafts are the agents'

    # ----- showing ----------------------------------------------------------------------
    def as_decided(self, record: DisputeRecord) -> DisputeRecord:
        """The dispute as it was when the proposal was made (its status before review): what
        the policy checks an overturn against, as the store does."""
        status = Status(self.proposal.review.get("from_status", Status.ESCALATED.value))
        return record.model_copy(
            update={"dispute": record.dispute.model_copy(update={"status": status})}
        )

    def findings(self, record: DisputeRecord) -> tuple[Finding, ...]:
        """What the policy said of the proposal when it was made (the warnings its agent
        acknowledged, the guidance shown)."""
        p = self.proposal
        draft = draft_of(p)
        found = decision_findings(self.as_decided(record), draft, p.decided_at)
        return tuple(f for f in found if f.rule_id in set(p.findings))

    def _view(self, record: DisputeRecord) -> RenderableType:
        if not self.pending:
            return decided_text(record, self.app.tz)
        return proposal_text(
            self.proposal,
            reasons=self.reasons,
            findings=self.findings(record),
            history=self.history,
            now=self.app.clock.now(),
            tz=self.app.tz,
        )

    async def _show_pane(self, record: DisputeRecord, *, keep_form: bool) -> None:
        """The proposal (or, while overturning, the form); once the proposal is no longer
        pending, what became of it."""
        current = pending_proposal(record.decisions)
        was_pending = self.pending
        self.pending = current is not None and current.id == self.proposal.id
        if self.pending and current is not None:
            self.proposal = current
        else:
            stored = next((x for x in record.decisions if x.id == self.proposal.id), None)
            self.proposal = stored or self.proposal
            if was_pending and self._shown:
                self.notify(
                    f"{record.id}: the proposal is no longer waiting for review "
                    f"({state_words(self.proposal)}). Nothing of yours was written.",
                    title="Reviewed by someone else",
                    severity="warning",
                    timeout=20,
                )
        self._shown = True
        pane = self.query_one("#form-pane")
        title = self.query_one("#form-title", Label)
        if self.overturning and self.pending:
            as_decided = self.as_decided(record)
            title.update(plain("Overturn: your decision (f)"))
            if pane.query(ResolutionForm):
                form = pane.query_one(ResolutionForm)
                form.dispute, form.record = as_decided.dispute, as_decided
                return
            await pane.query("#decided, #proposal-scroll").remove()
            form = ResolutionForm(as_decided.dispute, record=as_decided, id="form")
            await pane.mount(form)
            form.focus_first()
            return
        self.overturning = False
        title.update(plain("Proposal (a, o, r)" if self.pending else "Decided"))
        if pane.query("#proposal"):
            pane.query_one("#proposal", Static).update(self._view(record))
            return
        await pane.query("ResolutionForm, #decided").remove()
        await pane.mount(VerticalScroll(Static(self._view(record), id="proposal"),
                                        id="proposal-scroll"))  # fmt: skip
        self.refresh_bindings()

    def review_banner(self, record: DisputeRecord) -> tuple[str, Content | None]:
        p = self.proposal
        if self.refused is not None:
            return "-refused", plain(("Not yours to review: ", "bold"), self.refused)
        if not self.pending:
            return "-returned", plain(
                ("No longer waiting for review: ", "bold"), f"{p.id} is {state_words(p)}."
            )
        if self.overturning:
            return "-reviewing", plain(
                ("Overturn: ", "bold"),
                f"write the decision that replaces {p.decided_by}'s {what_and_refund(p)} · "
                "ctrl+s submits · esc (outside the form) goes back to the proposal",
            )
        return "-reviewing", plain(
            ("Review: ", "bold"),
            f"{p.decided_by} proposed {what_and_refund(p)} at "
            f"{local_time(p.decided_at, self.app.tz)} · a approve · o overturn · r return",
        )

    # ----- keys -------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in NOT_HERE:
            return False
        if action in self.LETTER_ACTIONS and self._in_form():
            return False
        if action in VERDICTS:
            return self.pending and not self.overturning and self.refused is None
        if action in ("submit", "acknowledge") or (action == "go" and parameters == ("form",)):
            return self.overturning and self._form() is not None
        return super().check_action(action, parameters)

    def unsaved_work(self) -> str | None:
        form = self._form()
        if not self.overturning or form is None or not form.has_work():
            return None
        return f"your decision overturning the proposal on {self.dispute_id}"

    @work(exclusive=True, group="leave", exit_on_error=False)
    async def action_back(self) -> None:
        """esc: out of the form; then from the overturn back to the proposal (asking if
        typed); then back to the review list."""
        if self._in_form():
            self.query_one(Transcript).focus()
            return
        if self.overturning:
            unsaved = self.unsaved_work()
            if unsaved is not None and not await self.app.push_screen_wait(
                DiscardWork(unsaved, leaving="go back to the proposal")
            ):
                if (form := self._form()) is not None:
                    form.focus_first()
                return
            self.overturning = False
            if self.record is not None:
                await self._show_pane(self.record, keep_form=False)
                self.show_review_banner(self.record)
            return
        self.dismiss()

    # ----- verdicts ---------------------------------------------------------------------
    @work(exclusive=True, group="review", exit_on_error=False)
    async def action_approve(self) -> None:
        record = self.record
        if record is None:
            return
        p = self.proposal
        question = f"Approve {p.decided_by}'s proposal on {record.id}?"
        hint = "It becomes final and the dispute is resolved: the refund shown is paid."
        rows = [
            ("Proposed by", f"{p.decided_by} at {local_time(p.decided_at, self.app.tz)}"),
            *(("Why review", reason) for reason in self.reasons),
        ]
        dialog = ConfirmReview(
            self.as_decided(record).dispute,
            draft_of(p),
            self.findings(record),
            question=question,
            hint=hint,
            yes="Approve (ctrl+y)",
            rows=rows,
        )
        if await self.app.push_screen_wait(dialog):
            await self._verdict(ReviewVerdict.APPROVE)

    async def action_overturn(self) -> None:
        if self.record is None:
            return
        self.overturning = True
        await self._show_pane(self.record, keep_form=False)
        self.show_review_banner(self.record)
        self.refresh_bindings()
        self.notify(
            "Write the decision that replaces the proposal: it is checked by the policy, "
            "confirmed, and final at once. esc goes back to the proposal.",
            title="Overturn",
        )

    @work(exclusive=True, group="review", exit_on_error=False)
    async def decide(self, draft: DecisionDraft, findings: tuple[Finding, ...]) -> None:
        """The overturn form was submitted: confirm, then write it as the review."""
        record = self.record
        if record is None or not self.overturning:
            return
        p = self.proposal
        dialog = ConfirmReview(
            self.as_decided(record).dispute,
            draft,
            findings,
            question=f"Overturn {p.decided_by}'s proposal on {record.id} with this decision?",
            hint="It replaces the proposal and is final at once: the dispute is resolved and "
            "the refund shown is paid.",
            yes="Overturn (ctrl+y)",
            rows=[("Replaces", f"{what_and_refund(p)}, proposed by {p.decided_by}")],
        )
        if await self.app.push_screen_wait(dialog):
            await self._verdict(ReviewVerdict.OVERTURN, draft=draft)

    @work(exclusive=True, group="review", exit_on_error=False)
    async def action_return_proposal(self) -> None:
        """Ask for the note; a refusal the supervisor can fix (a store problem) opens the
        dialog again with the text and the reason."""
        if self.record is None:
            return
        note, problem = "", ""
        while True:
            dialog = ReturnNote(
                self.dispute_id, self.proposal.decided_by, text=note, problem=problem
            )
            written = await self.app.push_screen_wait(dialog)
            if written is None:
                return
            note = written
            error = await self._verdict(ReviewVerdict.RETURN, note=note, report=False)
            if error is None:
                return
            if isinstance(error, NotAllowed | AlreadyReviewed):
                self._refused(error)
                return
            problem = f"Not returned: {refusal(error, self.app.tz)}"

    async def _verdict(
        self,
        verdict: ReviewVerdict,
        *,
        note: str = "",
        draft: DecisionDraft | None = None,
        report: bool = True,
    ) -> StoreError | None:
        """Write the verdict; on success say what became final and go back to the list. The
        store's refusal is returned (and, with `report`, shown)."""
        p = self.proposal
        try:
            outcome = await self.app.store.review(
                p.id,
                verdict,
                note=note,
                decision=draft,
                actor=self.app.agent,
                now=self.app.clock.now(),
            )
        except StoreError as error:
            if report:
                self._refused(error)
            return error
        if verdict is ReviewVerdict.APPROVE:
            words = f"{p.decided_by}'s proposal approved: {what_and_refund(p)} is final."
        elif verdict is ReviewVerdict.OVERTURN and outcome.final is not None:
            words = (
                f"{p.decided_by}'s proposal overturned: your decision "
                f"({what_and_refund(outcome.final)}) is final."
            )
        else:
            words = f"returned to {p.decided_by} with your note; it is back in the queue."
        self.notify(f"{outcome.dispute_id}: {words}", title=f"Review written ({verdict.value})")
        self.dismiss()
        return None

    def _refused(self, error: StoreError) -> None:
        """The store said no: in its words, plainly; who may not review keeps the banner."""
        if isinstance(error, NotAllowed):
            self.refused = str(error)
            self.notify(
                f"{error}. Nothing was written.",
                title="Not yours to review",
                severity="error",
                timeout=20,
            )
        elif isinstance(error, AlreadyReviewed):
            self.notify(f"{error}.", title="Already reviewed", severity="warning", timeout=20)
            self.pending = False  # said just now: the reload need not say it again
            self.load(keep_form=True)
        else:
            self.notify(
                f"Nothing was written: {refusal(error, self.app.tz)}.",
                title="Review not written",
                severity="error",
                timeout=20,
            )
        if self.record is not None:
            self.show_review_banner(self.record)
        self.refresh_bindings()
