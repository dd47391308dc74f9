"""Drafts: what an agent has typed on a dispute and not yet sent, kept so nothing is lost.

A draft is the resolution form exactly as typed (amounts and percentages are strings: a draft
need not be valid yet), plus a staff note and an information request being written. It is kept
on the agent's machine (`mediator.store.drafts.DraftBox`) as they type, and restored when the
dispute is opened again. Pure data: no I/O, no Textual.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from mediator.domain.enums import Actor, Outcome
from mediator.domain.models import DecisionDraft, DisputeId, MacroRef, StrictModel, UtcTime


def _sorted_ids(ids: tuple[str, ...]) -> tuple[str, ...]:
    """One spelling of a set of rule ids: sorted, each once (so equal drafts compare equal)."""
    return tuple(sorted(set(ids)))


class FormFields(StrictModel):
    """The resolution form's fields as the agent left them, hidden ones included. The default
    is an empty form."""

    outcome: Outcome | None = None
    refund_amount: str = ""
    return_required: bool = False
    seller_agreed_return: bool = False
    seller_keep_pct: str = ""
    seller_error: bool = False
    defective_or_misadvertised: bool = False
    rationale: str = ""
    message_to_parties: str = ""
    #: Policy warnings (rule ids) the agent acknowledged, sorted.
    acknowledged: Annotated[tuple[str, ...], AfterValidator(_sorted_ids)] = ()
    #: The canned reply last applied to the form (issue 19), so that a decision sent from a
    #: restored draft still names the macro version it came from. Not typed work on its own.
    macro: MacroRef | None = None

    @property
    def is_empty(self) -> bool:
        """Whether nothing was chosen, ticked or typed (blanks count as nothing), as
        `ResolutionForm.has_work` judges the form."""
        texts = (self.refund_amount, self.seller_keep_pct, self.rationale, self.message_to_parties)
        ticked = (
            self.return_required,
            self.seller_agreed_return,
            self.seller_error,
            self.defective_or_misadvertised,
        )
        return (
            self.outcome is None
            and not self.acknowledged
            and not any(ticked)
            and not any(text.strip() for text in texts)
        )


class Draft(StrictModel):
    """Everything an agent has typed on one dispute and not sent yet."""

    dispute_id: DisputeId
    #: Whose draft it is (the agent the console records writes under).
    agent: str = Field(min_length=1)
    saved_at: UtcTime
    #: The dispute's version the agent was looking at when they typed it: a restored draft on a
    #: dispute that has moved on since is worth a second look.
    base_version: int = Field(ge=0)
    form: FormFields = FormFields()
    #: A staff note being written.
    note: str = ""
    #: An information request being written: to whom, and what it says.
    request_party: Actor | None = None
    request_message: str = ""

    @property
    def is_empty(self) -> bool:
        """Whether nothing was typed anywhere: an empty draft is not kept. A party chosen for a
        request with no text is nothing, as the request dialog judges it (`unsaved_work`)."""
        return self.form.is_empty and not self.note.strip() and not self.request_message.strip()


def fields_of(draft: DecisionDraft) -> FormFields:
    """`draft` as the form's fields (a returned proposal put back into the form, issue 16):
    amounts as plain decimal text, unset answers as unticked boxes."""

    def number(value: object) -> str:
        return "" if value is None else format(value, "f")

    return FormFields(
        outcome=draft.outcome,
        refund_amount=number(draft.refund_amount),
        return_required=draft.return_required,
        seller_agreed_return=draft.seller_agreed_return,
        seller_keep_pct=number(draft.seller_keep_pct),
        seller_error=bool(draft.seller_error),
        defective_or_misadvertised=bool(draft.defective_or_misadvertised),
        rationale=draft.rationale,
        message_to_parties=draft.message_to_parties,
        acknowledged=tuple(sorted(draft.acknowledged)),
        macro=draft.macro,
    )
