"""The API's routes for reviews (issue 16), and the dispute's history (its audit entries).

Installed by `server.api.create_app`, which owns the authentication: `staff` lets any member of
staff in, `supervisor` only supervisors (403 `forbidden` for agents, naming them). The store
enforces the two-person rule itself (`Store.review`), whatever the caller: its refusals are 403
`not_allowed` naming why, 409 `already_reviewed` with the proposal as it stands, 422 for an
overturn the policy refuses (`server.errors.store_error`). The reviewer and the author of a rule
are always the token's owner.
"""

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, FastAPI, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError

from mediator.clock import Clock
from mediator.domain.models import StorableText
from mediator.domain.review import ReviewBody, ReviewOutcome, ReviewRule, ReviewRuleBody
from mediator.server import errors
from mediator.server.answers import DisputePath, json_answer, route
from mediator.store.api_models import AlreadyReviewedBody, ErrorBody, History, Reviews
from mediator.store.base import StaffMember, Store

#: A decision id in a path (`Decision.id`, e.g. a proposal's `decision_id`).
DecisionPath = Annotated[StorableText, Path(max_length=64, examples=["R-5f2c9a1e"])]
#: Most proposals `GET /reviews` answers with at once.
MAX_REVIEWS = 500

#: The review route's own 404 and 409.
_REVIEW_ERRORS: dict[int, tuple[type[BaseModel], str]] = {
    404: (ErrorBody, "No such decision"),
    409: (AlreadyReviewedBody, "Someone reviewed the proposal first: nothing was written"),
}

Member = Callable[..., Awaitable[StaffMember] | StaffMember]


def install(app: FastAPI, store: Store, clock: Clock, *, staff: Member, supervisor: Member) -> None:
    """Add the review routes and `GET /disputes/{id}/history` to `app`, over `store`."""
    Staff = Annotated[StaffMember, Depends(staff)]
    Supervisor = Annotated[StaffMember, Depends(supervisor)]

    @app.get("/disputes/{dispute_id}/history", tags=["disputes"], **route(200, History, 404, 422))
    async def history(dispute_id: DisputePath, who: Staff) -> Response:
        """The dispute's audit entries, oldest first: who did what, when, and what changed."""
        entries = await store.history(dispute_id)
        if not entries:
            await store.get_dispute(dispute_id)  # 404 when there is no such dispute
        return json_answer(History(entries=entries))

    @app.get("/review-rule", tags=["reviews"], **route(200, ReviewRule, 403))
    async def review_rule(who: Supervisor) -> Response:
        """Which decisions need a second person (none until a supervisor sets it)."""
        return json_answer(await store.review_rule())

    @app.put("/review-rule", tags=["reviews"], **route(200, ReviewRule, 400, 403, 422))
    async def set_review_rule(body: ReviewRuleBody, who: Supervisor) -> Response:
        """Set which decisions need a second person: refunds at or above an amount per currency
        (currencies not listed need no review for their amount), disputes with flagged
        messages, decisions that acknowledged a policy warning, each agent's first N decisions.
        Recorded in the audit trail. 422 names a bad currency or amount."""
        try:
            rule = body.rule()
        except ValidationError as exc:
            raise errors.invalid_value(exc) from None
        return json_answer(await store.set_review_rule(rule, actor=who.name, now=clock.now()))

    @app.get("/reviews", tags=["reviews"], **route(200, Reviews, 403, 422))
    async def reviews(
        who: Supervisor, limit: Annotated[int, Query(ge=1, le=MAX_REVIEWS)] = MAX_REVIEWS
    ) -> Response:
        """The proposals waiting for review, the oldest (then the largest) first."""
        return json_answer(Reviews(proposals=await store.reviews(limit=limit)))

    @app.post(
        "/decisions/{decision_id}/review",
        tags=["reviews"],
        **route(200, ReviewOutcome, 400, 403, 404, 409, 422, overrides=_REVIEW_ERRORS),
    )
    async def review(decision_id: DecisionPath, body: ReviewBody, who: Supervisor) -> Response:
        """Approve the proposal (final, the dispute resolved), overturn it (`decision`: the
        one that replaces it, checked against the policy: 422 with `blocks` / `warnings` as a
        decision) or return it to its agent (a `note` is required; the dispute is back in the
        queue, `returned_to` the agent). 403 `not_allowed` when the token's owner proposed it
        or took part in the dispute (claimed, noted, asked, decided); 409 `already_reviewed`
        when someone reviewed it first."""
        outcome = await store.review(
            decision_id,
            body.verdict,
            note=body.note,
            decision=body.decision,
            actor=who.name,
            now=clock.now(),
        )
        return json_answer(outcome)
