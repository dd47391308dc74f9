"""The HTTP API's own shapes: request bodies, error bodies and small answers.

Everything else that crosses the API is a domain model (`Dispute`, `DisputeRecord`, `Decision`,
`DecisionDraft`, `Message`, `InfoRequest`, `QueueCounts`, and for reviews `ReviewRule`,
`ReviewRuleBody`, `ReviewBody`, `Proposal`, `ReviewOutcome`, `AuditEntry`) or a store one
(`StaffMember`, `ImportReport`), serialised by pydantic. `mediator serve` declares these as its
request and response models (so the OpenAPI document is what the server does) and `HttpStore`
reads the answers with the same classes: a field is added in one place.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from mediator.domain.audit import AuditEntry
from mediator.domain.claims import LEASE, MAX_LEASE, MIN_LEASE
from mediator.domain.enums import Actor
from mediator.domain.macros import Macro, MacroBody
from mediator.domain.models import (
    Claim,
    Decision,
    DecisionId,
    DisputeRecord,
    Message,
    Pair,
    RequestModel,
    StorableText,
    StrictModel,
)
from mediator.domain.review import Proposal, ReviewState, review_state


class NoteBody(RequestModel):
    """`POST /disputes/{id}/notes`: a staff note (the author is the token's owner)."""

    body: StorableText = Field(examples=["Called the carrier; parcel lost."])


class InfoRequestBody(RequestModel):
    """`POST /disputes/{id}/info-requests`: ask the buyer or the seller (P-INFO-7D)."""

    party: Actor = Field(description="buyer or seller", examples=["seller"])
    message: StorableText = Field(examples=["Please send a photo of the parcel label."])


class ErrorBody(StrictModel):
    """Every error answer: a machine `code` and one line a person can act on."""

    code: str = Field(examples=["not_found"])
    detail: str


class InvalidBody(ErrorBody):
    """422: the request breaks a rule, nothing was written. `code` is `policy_block` when a rule
    forbids it (`blocks`), `unacknowledged_warnings` when it only lacks the acknowledgement of
    `warnings`, `invalid_request` or `invalid_import` otherwise."""

    errors: list[Pair] = Field(description="(field, message) pairs")
    blocks: list[str] = Field(description="policy rule ids that forbid the request")
    warnings: list[str] = Field(description="policy warnings to acknowledge first")


class ConflictBody(ErrorBody):
    """412: the dispute is not at the version in `If-Match`; `current` is what it is now."""

    code: Literal["version_conflict"] = "version_conflict"
    current: DisputeRecord | None


class Health(StrictModel):
    status: Literal["ok"] = "ok"
    store: str
    version: str


class Escalation(StrictModel):
    id: str
    cause: str = Field(examples=["seller_silent"])


class Escalations(StrictModel):
    """`POST /escalations`: the disputes auto-escalated now (P-ESC-SELLER-SILENT, P-ESC-STALE)."""

    escalated: list[Escalation]


class ClaimBody(RequestModel):
    """`PUT /disputes/{id}/claim`, `POST …/claim/takeover`, `POST /queue/claim-next`: how long
    the claim lasts from now, by the server's clock (issue 15)."""

    lease_seconds: int = Field(
        default=int(LEASE.total_seconds()),
        ge=int(MIN_LEASE.total_seconds()),
        le=int(MAX_LEASE.total_seconds()),
        examples=[180],
    )


class HandOverBody(ClaimBody):
    """`POST /disputes/{id}/claim/handover`: give the claim to a colleague, with a note that
    shows in the timeline (a shift hand-over)."""

    to: StorableText = Field(max_length=64, examples=["agent.bo"])
    note: StorableText = Field(default="", examples=["Waiting on the carrier's reply."])


class Claims(StrictModel):
    """`GET /me/claims`: the claims the token's owner holds now, most urgent first."""

    claims: list[Claim]


class ClaimedBody(ErrorBody):
    """409: someone else holds the dispute's claim; nothing was written. `holder` names them,
    `claim` says since and until when (the server's clock)."""

    code: Literal["claimed"] = "claimed"
    holder: str
    claim: Claim


# --- reviews (issue 16) ------------------------------------------------------------------------

#: `ProposedBody.state` for each review state that is not final.
_PROPOSED_STATES: dict[ReviewState, Literal["proposed", "returned", "overturned"]] = {
    ReviewState.PENDING: "proposed",
    ReviewState.RETURNED: "returned",
    ReviewState.OVERTURNED: "overturned",
}


class ProposedBody(StrictModel):
    """202 from `POST /disputes/{id}/decisions`: the review rule caught the decision, which is
    written as a proposal (no money is final) and waits for a supervisor; the dispute is
    `awaiting_review`. `reasons` say why the rule caught it.

    `state` is `proposed` when it is written. A replay of the request (the same
    `Idempotency-Key`) answers with the decision as it stands now: still 202 `proposed` while it
    waits, 202 `returned` or `overturned` once a supervisor sent it back or replaced it, and 201
    with the decision once a supervisor approved it (it is final then)."""

    state: Literal["proposed", "returned", "overturned"] = "proposed"
    decision_id: DecisionId
    decision: Decision
    reasons: list[str]

    @classmethod
    def of(cls, decision: Decision) -> ProposedBody | None:
        """The 202 body for `decision`, or None when it is final (answered 201 as itself)."""
        state = _PROPOSED_STATES.get(review_state(decision))
        if state is None:
            return None
        reasons = decision.review.get("reasons", [])
        return cls(
            state=state,
            decision_id=decision.id,
            decision=decision,
            reasons=[str(r) for r in reasons] if isinstance(reasons, list) else [],
        )


class Reviews(StrictModel):
    """`GET /reviews`: the proposals waiting for a supervisor, the oldest (then the largest)
    first."""

    proposals: list[Proposal]


class History(StrictModel):
    """`GET /disputes/{id}/history`: the dispute's audit entries, oldest first (who did what,
    when, what changed)."""

    entries: list[AuditEntry]


class Messages(StrictModel):
    """`GET /disputes/{id}/messages`: a window of the dispute's transcript (issue 18), oldest
    first: the newest `limit` messages before the key (`before_at`, `before_id`)."""

    messages: list[Message]


class AlreadyReviewedBody(ErrorBody):
    """409 from `POST /decisions/{id}/review`: someone reviewed the proposal first; nothing was
    written. `decision` is the proposal as it stands now (its `review` says who and how)."""

    code: Literal["already_reviewed"] = "already_reviewed"
    decision: Decision


class MacroList(StrictModel):
    """`GET /macros`: the team's macros at their current versions, by path (issue 19)."""

    macros: list[Macro]


class MacroEdit(MacroBody):
    """`PUT /macros/{id}`: the macro's next version, made on `expected_version` (412 when
    another edit came first)."""

    expected_version: int | None = Field(default=None, ge=1, strict=True)


class DisputeIds(StrictModel):
    """`GET /queue/ids`: every dispute matching the filters, in the queue's order (at most
    100,000: a bulk action's "select all")."""

    ids: list[str]
