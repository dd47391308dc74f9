"""Bulk actions on many disputes at once (issue 19): what to do, on which disputes, and how each
one went. Pure data and pure functions, no I/O.

A `BulkRequest`'s `id` is chosen by the client and is the job's idempotency key: the disputes it
covers are fixed when the job is created, so a retry (the same id) acts on the same set and never
twice on one dispute. `fill_request` fills an information request's placeholders from one
dispute's own data (it will take a macro's text the same way).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from pydantic import Field, StrictBool

from mediator.domain.enums import Actor
from mediator.domain.ids import name_problem
from mediator.domain.models import DisputeId, RequestModel, StorableText, StrictModel, UtcTime
from mediator.domain.money import format_amount

#: Most disputes one job may cover ("every dispute matching the filter" above this is refused
#: with a message: narrow the filter).
MAX_BULK = 100_000
#: Longest job id (the same bound as an `Idempotency-Key`).
MAX_JOB_ID = 255
#: P-INFO-7D: the party has 7 days to answer a request for information.
INFO_DAYS = 7


class BulkKind(StrEnum):
    NOTE = "note"
    ASK_INFO = "ask_info"
    CLAIM = "claim"
    RELEASE = "release"
    HAND_OVER = "hand_over"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    BulkKind.NOTE: "add a staff note",
    BulkKind.ASK_INFO: "ask for information",
    BulkKind.CLAIM: "claim",
    BulkKind.RELEASE: "release",
    BulkKind.HAND_OVER: "hand over",
}

#: The placeholders an information request may use, filled per dispute (`fill_request`).
PLACEHOLDERS = ("buyer", "seller", "order", "price", "deadline", "agent")
_PLACEHOLDER = re.compile(r"\{([A-Za-z_]+)\}")


class BulkAction(RequestModel):
    """What to do on every dispute of a job: `text` is the note, the request (with
    placeholders) or the hand-over note; `party` whom to ask; `to` the colleague."""

    kind: BulkKind
    text: StorableText = ""
    party: Actor | None = None
    to: str | None = None


def request_problems(request: BulkRequest) -> list[tuple[str, str]]:
    """(field, message) for each thing wrong with `request`, before any dispute is touched
    (the store refuses it whole: `InvalidDecision`)."""
    problems: list[tuple[str, str]] = []
    if not request.dispute_ids:
        problems.append(("dispute_ids", "select at least one dispute"))
    elif len(request.dispute_ids) > MAX_BULK:
        problems.append(
            ("dispute_ids", f"{len(request.dispute_ids):,} disputes; at most {MAX_BULK:,} a job")
        )
    elif len(set(request.dispute_ids)) != len(request.dispute_ids):
        problems.append(("dispute_ids", "a dispute is listed twice"))
    return problems + action_problems(request.action)


def action_problems(action: BulkAction) -> list[tuple[str, str]]:
    """(field, message) for each thing wrong with `action` itself (the bulk dialog's check)."""
    problems: list[tuple[str, str]] = []
    text = action.text.strip()
    if action.kind is BulkKind.NOTE and not text:
        problems.append(("text", "a note cannot be empty"))
    if action.kind is BulkKind.ASK_INFO:
        if action.party not in (Actor.BUYER, Actor.SELLER):
            problems.append(("party", "information can be asked of the buyer or the seller"))
        if not text:
            problems.append(("text", "say what information or evidence is needed"))
        unknown = sorted({n for n in _PLACEHOLDER.findall(action.text) if n not in PLACEHOLDERS})
        if unknown:
            known = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
            problems.append(("text", f"unknown placeholder {{{unknown[0]}}} (known: {known})"))
    if action.kind is BulkKind.HAND_OVER:
        problem = name_problem(action.to or "")
        if problem is not None:
            problems.append(("to", problem))
    return problems


class BulkRequest(RequestModel):
    """`POST /bulk-jobs`: a new job (or, with the same `id`, a retry of it)."""

    id: str = Field(min_length=1, max_length=MAX_JOB_ID, pattern=r"^[A-Za-z0-9._:-]+$")
    action: BulkAction
    dispute_ids: tuple[DisputeId, ...]
    #: A retry: the disputes refused before are tried again (those done never are).
    retry: StrictBool = False

    def fingerprint(self) -> str:
        """SHA-256 of what the job does and to whom (not `retry`): a job id used again with
        anything else is refused."""
        canonical = json.dumps(
            [self.action.model_dump(mode="json"), list(self.dispute_ids)], separators=(",", ":")
        )
        return hashlib.sha256(canonical.encode()).hexdigest()


Outcome = Literal["pending", "done", "refused"]


class BulkOutcome(StrictModel):
    """How the job went on one dispute; `reason` says why it was refused, in words."""

    dispute_id: str
    outcome: Outcome
    reason: str | None = None


class BulkStatus(StrictModel):
    """A job's progress (`GET /bulk-jobs/{id}`): counts, and the refused disputes with why."""

    id: str
    action: BulkAction
    actor: str
    created_at: UtcTime
    total: int
    done: int
    refused: int
    #: Shown first the refused disputes in the job's order, at most `MAX_REFUSALS_SHOWN`.
    refusals: tuple[BulkOutcome, ...] = ()

    @property
    def pending(self) -> int:
        return self.total - self.done - self.refused

    @property
    def finished(self) -> bool:
        return self.pending == 0


#: The refused disputes a status lists (the counts are always whole).
MAX_REFUSALS_SHOWN = 1_000


@dataclass(frozen=True, slots=True)
class RequestFacts:
    """What `fill_request` may put into a request, read from one dispute."""

    buyer: str
    seller: str
    order: str
    price: Decimal
    currency: str


class MissingValue(ValueError):
    """A placeholder with no value for this dispute: the request is not sent (never a blank)."""


def fill_request(text: str, facts: RequestFacts, *, agent: str, now: datetime) -> str:
    """`text` with each placeholder replaced by this dispute's value; `{deadline}` is when the
    party's 7 days run out (P-INFO-7D). Raises `MissingValue` naming the first empty one."""
    values = {
        "buyer": facts.buyer.strip(),
        "seller": facts.seller.strip(),
        "order": facts.order.strip(),
        "price": format_amount(facts.price, facts.currency) if facts.currency else "",
        "deadline": f"{now + timedelta(days=INFO_DAYS):%Y-%m-%d %H:%M} UTC",
        "agent": agent.strip(),
    }

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            return match.group(0)
        if not values[name]:
            raise MissingValue(f"P-INFO-7D: {{{name}}} has no value for this dispute")
        return values[name]

    return _PLACEHOLDER.sub(one, text)
