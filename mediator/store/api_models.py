"""The HTTP API's own shapes: request bodies, error bodies and small answers.

Everything else that crosses the API is a domain model (`Dispute`, `DisputeRecord`, `Decision`,
`DecisionDraft`, `Message`, `InfoRequest`, `QueueCounts`) or a store one (`StaffMember`,
`ImportReport`), serialised by pydantic. `mediator serve` declares these as its request and
response models (so the OpenAPI document is what the server does) and `HttpStore` reads the
answers with the same classes: a field is added in one place.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from mediator.domain.claims import LEASE, MAX_LEASE, MIN_LEASE
from mediator.domain.enums import Actor
from mediator.domain.models import (
    Claim,
    DisputeRecord,
    Pair,
    RequestModel,
    StorableText,
    StrictModel,
)


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
