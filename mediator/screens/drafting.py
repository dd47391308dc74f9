"""Drafts that survive (issue 15), mixed into `DisputeScreen`.

The resolution form is kept on the agent's machine as they type (`store.drafts.DraftBox`, one
atomic file per dispute), so esc, quitting, a crash, a take-over, a refused write or a reload
loses nothing. Opening the dispute again restores the draft and says when it was saved. A draft
goes away when the decision is written (or kept in the outbox), or when the agent discards it
explicitly (ctrl+d, asking first).

A proposal a supervisor returned (issue 16) comes back into the form the same way, unless the
agent's local draft is newer than the return: then their draft wins.

Saves run in one thread worker at a time: an edit made while a save is running is written by
that same worker's next round, so the last thing typed is always the last thing written.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import suppress
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.binding import Binding, BindingType
from textual.worker import WorkerCancelled, WorkerFailed

from mediator.domain.drafts import Draft, FormFields, fields_of
from mediator.domain.enums import Actor
from mediator.domain.models import Decision
from mediator.domain.review import draft_of, reviewed_at
from mediator.domain.text import visible
from mediator.screens.discard import DiscardWork
from mediator.store.base import StoreError
from mediator.widgets._text import local_time
from mediator.widgets.resolution_form import ResolutionForm

if TYPE_CHECKING:
    from textual.screen import Screen

    from mediator.app import MediatorApp
    from mediator.domain.models import DisputeRecord

    _Screen = Screen[None]
else:
    _Screen = object


class KeepsDrafts(_Screen):
    """The draft half of the dispute screen; without a draft box (`app.drafts` None) it does
    nothing, and leaving with typed work asks first, as before."""

    app: MediatorApp
    dispute_id: str
    record: DisputeRecord | None

    DRAFT_BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+d", "discard_draft", "Discard draft", priority=True,
                id="dispute.discard_draft",
                tooltip="Clear the form and forget its saved draft (asks first)"),
    ]  # fmt: skip

    #: What the draft holds now: the form's fields, a note and a request being written.
    _fields: FormFields = FormFields()
    _note: str = ""
    _request: tuple[Actor | None, str] = (None, "")
    #: Something changed since the last save began.
    _dirty: bool = False
    #: Whether the draft as it stands is safely on disk (a failed save keeps asking on leave).
    _kept: bool = True

    @property
    def keeps_drafts(self) -> bool:
        return self.app.drafts is not None

    @work(exclusive=True, group="draft_load", exit_on_error=False)
    async def restore_draft(self, form: ResolutionForm, returned: Decision | None = None) -> None:
        """Put the saved draft, if any, back into a form just mounted; or the proposal a
        supervisor `returned` (issue 16), unless the local draft was saved after the return
        (the agent went on with it: their newer work wins)."""
        box = self.app.drafts
        draft: Draft | None = None
        if box is not None:
            try:
                draft = await asyncio.to_thread(box.load, self.dispute_id)
            except StoreError as error:
                self.notify(
                    f"{error}. The form starts empty; the unreadable draft was kept aside.",
                    title="Draft not restored",
                    severity="warning",
                    timeout=20,
                )
        if not form.is_mounted:
            return
        if draft is not None and not draft.is_empty:
            self._note = draft.note
            self._request = (draft.request_party, draft.request_message)
        local = draft if draft is not None and not draft.form.is_empty else None
        if returned is not None and (local is None or local.saved_at <= reviewed_at(returned)):
            self._restore_returned(form, returned, local)
            return
        if draft is None or draft.is_empty:
            return
        self._fields = draft.form
        if not draft.form.is_empty:
            form.restore(draft.form)
        held = [
            what
            for what, text in (("a note", draft.note), ("a request", draft.request_message))
            if text.strip()
        ]
        saved = local_time(draft.saved_at, self.app.tz)
        record = self.record
        moved = (
            " The dispute changed since: check the timeline before you submit."
            if record is not None and record.version != draft.base_version
            else ""
        )
        where = "in the form" if not draft.form.is_empty else ""
        if held:
            where += (" and " if where else "") + " and ".join(held) + " (n / i go on with it)"
        self.notify(
            f"Your draft of {saved} is back {where} (ctrl+d discards it).{moved}",
            title="Draft restored",
            timeout=10,
        )

    def _restore_returned(
        self, form: ResolutionForm, returned: Decision, older: Draft | None
    ) -> None:
        """The returned proposal in the form, as the agent will submit it again (warnings are
        acknowledged again: the facts may have moved); the banner shows the supervisor's note."""
        fields = fields_of(draft_of(returned))
        # from the store, not typed here: an editable text box shows control characters as
        # they are, so they go in as visible pictures (and are sent back as such)
        fields = fields.model_copy(
            update={
                "rationale": visible(fields.rationale),
                "message_to_parties": visible(fields.message_to_parties),
            }
        )
        form.restore(fields)
        self._fields = fields
        replaced = (
            f" It replaces your older draft of {local_time(older.saved_at, self.app.tz)}."
            if older is not None
            else ""
        )
        by = returned.review.get("by", "a supervisor")
        self.notify(
            f"The proposal {by} returned is back in the form: change what the note asks and "
            f"submit it again (ctrl+d clears the form).{replaced}",
            title="Returned proposal",
            timeout=15,
        )

    def on_resolution_form_edited(self, event: ResolutionForm.Edited) -> None:
        # a named handler: `@on` is collected only from classes built on Textual's metaclass
        self._fields = event.fields
        self._keep()

    def note_typed(self, text: str) -> None:
        """The note dialog's text as typed (`WritingDialog.on_typed`); "" once it is saved or
        thrown away."""
        self._note = text
        self._keep()

    def request_typed(self, party: Actor) -> Callable[[str], None]:
        """`on_typed` of an information request to `party`."""

        def typed(text: str) -> None:
            self._request = (party, text)
            self._keep()

        return typed

    @property
    def draft_note(self) -> str:
        return self._note

    @property
    def draft_request(self) -> tuple[Actor | None, str]:
        return self._request

    def _keep(self) -> None:
        if not self.keeps_drafts:
            return
        self._dirty = True
        self._kept = False
        if not any(w.group == "draft_save" and w.is_running for w in self.workers):
            self._save_drafts()

    @work(group="draft_save", exit_on_error=False)
    async def _save_drafts(self) -> None:
        box = self.app.drafts
        while box is not None and self._dirty:
            self._dirty = False
            record = self.record
            party, message = self._request
            draft = Draft(
                dispute_id=self.dispute_id,
                agent=self.app.agent,
                saved_at=self.app.clock.now(),
                base_version=0 if record is None else record.version,
                form=self._fields,
                note=self._note,
                request_party=party if message.strip() else None,
                request_message=message,
            )
            try:
                await asyncio.to_thread(box.save, draft)
            except StoreError as error:
                self.notify(
                    f"{error}. What you typed is still on screen; leaving will ask first.",
                    title="Draft not saved",
                    severity="warning",
                    timeout=20,
                )
                return
        self._kept = not self._dirty

    def draft_kept(self) -> bool:
        """Whether leaving now loses nothing: the form as it stands is on disk."""
        return self.keeps_drafts and self._kept

    async def forget_draft(self) -> None:
        """The decision was written (or kept in the outbox): its draft is done with. A save
        still running finishes first, so it cannot bring the draft back."""
        box = self.app.drafts
        self._dirty = False
        self._fields, self._note, self._request = FormFields(), "", (None, "")
        if box is None:
            return
        for worker in [w for w in self.workers if w.group == "draft_save"]:
            with suppress(WorkerCancelled, WorkerFailed):
                await worker.wait()
        try:
            await asyncio.to_thread(box.discard, self.dispute_id)
        except StoreError as error:
            self.notify(f"{error}.", title="Old draft not removed", severity="warning")

    @work(exclusive=True, group="discard_draft", exit_on_error=False)
    async def action_discard_draft(self) -> None:
        forms = self.query(ResolutionForm)
        form = forms.first() if forms else None
        if form is None or form.disabled or form.fields().is_empty:
            self.notify("There is no draft to discard.")
            return
        if not await self.app.push_screen_wait(
            DiscardWork(f"your draft on {self.dispute_id}", leaving="discard it")
        ):
            return
        form.restore(FormFields())
        await self.forget_draft()
        self._kept = True
        self.notify(f"Draft on {self.dispute_id} discarded.")
