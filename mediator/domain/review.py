"""The two-person rule (issue 16): which decisions a supervisor must review, and who may.

A decision the rule catches is written as a **proposal** (`Decision.review["state"] ==
"pending"`): the dispute waits in `awaiting_review`, out of the agents' queue, until a supervisor
approves it (final), overturns it (a different decision, checked against the policy like any
other) or returns it to the agent with a note (the dispute goes back to the queue, "returned to
you"). Nobody reviews a decision they proposed, or one on a dispute they took part in; agents do
not review at all. The store enforces all of it (`Store.review`), the console only shows it.

Pure data and pure functions: no I/O.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from pydantic import Field, StrictBool, StrictInt, field_validator

from mediator.domain.enums import Outcome
from mediator.domain.models import (
    Currency,
    Decision,
    DecisionDraft,
    DisputeId,
    MoneyStr,
    RequestModel,
    StorableText,
    StrictModel,
    UtcTime,
)
from mediator.domain.money import format_amount, quantum

#: The most decisions per agent the rule may send to review ("each agent's first N"): the store
#: counts an agent's decisions up to this many, never the whole history.
MAX_FIRST_DECISIONS = 1000
#: The longest note a reviewer may write.
MAX_NOTE_CHARS = 4000


class ReviewState(StrEnum):
    """`Decision.review["state"]`: where a decision stands with the two-person rule."""

    #: The rule did not catch it: final when written (every decision before issue 16).
    NOT_REQUIRED = "not_required"
    #: A proposal waiting for a supervisor; no money is final.
    PENDING = "pending"
    #: A supervisor approved the proposal: final.
    APPROVED = "approved"
    #: A supervisor wrote another decision instead (`review["decision_id"]`): this one is void.
    OVERTURNED = "overturned"
    #: A supervisor sent it back to its agent with a note: void; the dispute is in the queue.
    RETURNED = "returned"

    @property
    def final(self) -> bool:
        """The decision stands (money moves on it)."""
        return self in (ReviewState.NOT_REQUIRED, ReviewState.APPROVED)


class ReviewVerdict(StrEnum):
    APPROVE = "approve"
    OVERTURN = "overturn"
    RETURN = "return"

    @property
    def state(self) -> ReviewState:
        return {
            ReviewVerdict.APPROVE: ReviewState.APPROVED,
            ReviewVerdict.OVERTURN: ReviewState.OVERTURNED,
            ReviewVerdict.RETURN: ReviewState.RETURNED,
        }[self]


def review_state(decision: Decision) -> ReviewState:
    """The decision's review state (an unknown or missing one reads as `not_required`: imported
    decisions and those written before issue 16)."""
    try:
        return ReviewState(decision.review.get("state", ReviewState.NOT_REQUIRED.value))
    except ValueError:
        return ReviewState.NOT_REQUIRED


def final_decision(decisions: tuple[Decision, ...]) -> Decision | None:
    """The decision that stands among a dispute's decisions (the newest final one), if any."""
    for decision in reversed(decisions):
        if review_state(decision).final:
            return decision
    return None


def pending_proposal(decisions: tuple[Decision, ...]) -> Decision | None:
    """The proposal waiting for review, if any (at most one: the dispute waits meanwhile)."""
    for decision in reversed(decisions):
        if review_state(decision) is ReviewState.PENDING:
            return decision
    return None


def returned_proposal(decisions: tuple[Decision, ...]) -> Decision | None:
    """The newest proposal a supervisor returned, if nothing was decided or proposed after it
    (what the agent gets back as a draft)."""
    if not decisions or review_state(decisions[-1]) is not ReviewState.RETURNED:
        return None
    return decisions[-1]


def reviewed_at(decision: Decision) -> datetime:
    """When a supervisor reviewed `decision` (its review's time; its own while unreviewed)."""
    at = decision.review.get("at")
    if isinstance(at, str):
        try:
            return datetime.fromisoformat(at)
        except ValueError:
            pass
    return decision.decided_at


def state_words(decision: Decision) -> str:
    """Where a decision stands, in a few words: "final", "waiting for review", "approved by
    sam", "returned by sam", "overturned by sam" (the reviewer's name is untrusted text)."""
    state = review_state(decision)
    by = str(decision.review.get("by", "") or "a supervisor")
    return {
        ReviewState.NOT_REQUIRED: "final",
        ReviewState.PENDING: "waiting for review",
        ReviewState.APPROVED: f"approved by {by}",
        ReviewState.OVERTURNED: f"overturned by {by}",
        ReviewState.RETURNED: f"returned by {by}",
    }[state]


def draft_of(decision: Decision) -> DecisionDraft:
    """A returned proposal as a draft the agent can edit and submit again (warnings are
    acknowledged again by the agent: the facts may have moved)."""
    return DecisionDraft(
        outcome=decision.outcome,
        rationale=decision.rationale,
        refund_amount=None
        if decision.outcome is Outcome.BUYER_FULL_REFUND
        else decision.refund_amount,
        return_required=decision.return_required,
        seller_keep_pct=decision.seller_keep_pct,
        seller_error=decision.seller_error,
        defective_or_misadvertised=decision.defective_or_misadvertised,
        message_to_parties=decision.message_to_parties,
    )


class ReviewRule(StrictModel):
    """Which decisions need a second person (`mediator review-rule`, `PUT /review-rule`).

    The default asks for no review at all: a store is one agent's until a supervisor sets it.
    """

    #: Refunds at or above this amount, per currency; a currency not listed needs no review
    #: for its amount.
    refund_at_least: dict[Currency, MoneyStr] = Field(default_factory=dict)
    #: Decisions on disputes with messages flagged under P-COMM-*.
    flagged: StrictBool = False
    #: Decisions whose agent acknowledged a policy warning.
    acknowledged_warnings: StrictBool = False
    #: Each agent's first N decisions (0: none).
    first_decisions: StrictInt = Field(default=0, ge=0, le=MAX_FIRST_DECISIONS)

    @field_validator("refund_at_least")
    @classmethod
    def _amounts(cls, value: dict[str, Decimal]) -> dict[str, Decimal]:
        """Each amount in its currency's minor units (`"100"` is kept as 100.00 USD), and no
        finer (1.001 USD is refused, not rounded)."""
        amounts = {}
        for currency, amount in value.items():
            try:
                exact = amount.quantize(quantum(currency))
            except InvalidOperation:  # more digits than a Decimal holds once quantised
                raise ValueError(f"the {currency} amount is too large") from None
            if amount != exact:
                raise ValueError(f"{currency} {amount} has more decimals than {currency} has")
            amounts[currency] = exact
        return amounts

    @property
    def any(self) -> bool:
        """The rule catches some decisions."""
        return bool(
            self.refund_at_least
            or self.flagged
            or self.acknowledged_warnings
            or self.first_decisions
        )

    def describe(self) -> list[str]:
        """The rule in words, a line per clause ("no review" when it catches nothing)."""
        lines = [
            f"refunds of {format_amount(amount, currency)} or more"
            for currency, amount in sorted(self.refund_at_least.items())
        ]
        if self.flagged:
            lines.append("disputes with flagged messages")
        if self.acknowledged_warnings:
            lines.append("decisions that acknowledged a policy warning")
        if self.first_decisions:
            lines.append(f"each agent's first {self.first_decisions} decisions")
        return lines or ["no review: every decision is final when written"]


class ReviewRuleBody(RequestModel):
    """The body of `PUT /review-rule` (the same fields as `ReviewRule`, validated by it)."""

    refund_at_least: dict[str, str] = Field(
        default_factory=dict, examples=[{"USD": "100.00", "EUR": "90.00"}]
    )
    flagged: StrictBool = False
    acknowledged_warnings: StrictBool = False
    first_decisions: StrictInt = Field(default=0, ge=0, le=MAX_FIRST_DECISIONS)

    def rule(self) -> ReviewRule:
        return ReviewRule.model_validate(self.model_dump())


def review_reasons(
    rule: ReviewRule,
    decision: Decision,
    *,
    flagged_messages: int,
    earlier_decisions: int,
    acknowledged: tuple[str, ...],
) -> tuple[str, ...]:
    """Why `rule` sends `decision` to review (empty: it is final when written).

    `flagged_messages`: the dispute's messages flagged under P-COMM-*; `earlier_decisions`: the
    decisions (and proposals) its agent made before this one, counted up to
    `MAX_FIRST_DECISIONS`; `acknowledged`: the ids of the policy warnings the agent
    acknowledged to write it."""
    reasons: list[str] = []
    threshold = rule.refund_at_least.get(decision.currency)
    refund = decision.refund_amount
    if threshold is not None and refund is not None and refund >= threshold:
        reasons.append(
            f"refund {format_amount(refund, decision.currency)} is at or above "
            f"{format_amount(threshold, decision.currency)}"
        )
    if rule.flagged and flagged_messages:
        reasons.append(f"the dispute has {flagged_messages} flagged message(s)")
    if rule.acknowledged_warnings and acknowledged:
        reasons.append(f"policy warnings acknowledged: {', '.join(acknowledged)}")
    if rule.first_decisions and earlier_decisions < rule.first_decisions:
        reasons.append(
            f"one of {decision.decided_by}'s first {rule.first_decisions} decisions "
            f"(number {earlier_decisions + 1})"
        )
    return tuple(reasons)


class Participation(StrEnum):
    """How a member of staff took part in a dispute (which bars them from reviewing it)."""

    PROPOSED = "proposed"
    DECIDED = "decided"
    CLAIMED = "claimed"
    NOTED = "noted"
    ASKED = "asked"

    def words(self, dispute_id: str) -> str:
        return {
            Participation.PROPOSED: "proposed this decision",
            Participation.DECIDED: f"proposed or made an earlier decision on {dispute_id}",
            Participation.CLAIMED: f"held the claim on {dispute_id}",
            Participation.NOTED: f"wrote a staff note on {dispute_id}",
            Participation.ASKED: f"asked a party for information on {dispute_id}",
        }[self]


def review_refusal(
    reviewer: str,
    *,
    is_supervisor: bool,
    dispute_id: str,
    took_part: tuple[Participation, ...],
) -> str | None:
    """Why `reviewer` may not review a proposal on `dispute_id` (None: they may): agents never
    review; nobody reviews their own proposal or a dispute they took part in."""
    if not is_supervisor:
        return f"{reviewer} is not a supervisor: only supervisors review decisions"
    if took_part:
        ways = "; ".join(p.words(dispute_id) for p in took_part)
        return f"{reviewer} took part in {dispute_id} ({ways}): a second person must review it"
    return None


class ReviewBody(RequestModel):
    """`POST /decisions/{decision_id}/review`: the verdict, a note (required to return), and for
    an overturn the decision that replaces the proposal."""

    verdict: ReviewVerdict
    note: StorableText = Field(default="", max_length=MAX_NOTE_CHARS)
    decision: DecisionDraft | None = None


class Proposal(StrictModel):
    """A decision waiting for review, with what a supervisor sorts and triages by
    (`GET /reviews`)."""

    decision: Decision
    dispute_id: DisputeId
    order_title: str
    #: The dispute's version now (what a review is written against).
    version: int
    reasons: tuple[str, ...] = ()

    @property
    def proposed_at(self) -> datetime:
        return self.decision.decided_at

    @property
    def proposed_by(self) -> str:
        return self.decision.decided_by


def review_order(proposal: Proposal) -> tuple[datetime, Decimal]:
    """The review queue's order: the oldest first, the largest first among equally old."""
    refund = proposal.decision.refund_amount or Decimal(0)
    return proposal.proposed_at, -refund


class ReviewOutcome(StrictModel):
    """What a review did: the proposal as it stands now, and for an approval or an overturn the
    decision that is final."""

    verdict: ReviewVerdict
    dispute_id: DisputeId
    proposal: Decision
    final: Decision | None = None
    reviewed_by: str
    reviewed_at: UtcTime
    note: str = ""


def review_stamp(
    verdict: ReviewVerdict, *, by: str, at: datetime, note: str, decision_id: str | None
) -> dict[str, Any]:
    """The proposal's `review` object after a verdict (kept with the decision, exported)."""
    stamp: dict[str, Any] = {
        "state": verdict.state.value,
        "by": by,
        "at": at.isoformat().replace("+00:00", "Z"),
    }
    if note:
        stamp["note"] = note
    if decision_id is not None:
        stamp["decision_id"] = decision_id
    return stamp
