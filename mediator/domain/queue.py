"""The escalation queue's shapes: a query, a row, a page of rows, the counts, a row's position.

One shape per concept: the SQL store builds these, the API serves them (as JSON, the models'
own), the HTTP store reads them back, and the queue widget shows them. Pure data, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from pydantic import Field

from mediator.domain.claims import Claim, ClaimFilter
from mediator.domain.enums import QUEUE_STATUSES, OrderKind, Reason, Status
from mediator.domain.models import Claimable, StrictModel, UtcTime
from mediator.domain.report import DeadlineFilter, DecidedFilter

#: Counting stops here: "1,000+ match" is as useful to a person as the exact number, and
#: counting a million matches is not cheap (issue 4: a cheap count).
COUNT_CAP = 1_000


@dataclass(frozen=True, slots=True)
class QueueQuery:
    """What the queue shows: free text (id, order title, party names), reasons and statuses."""

    text: str = ""
    reasons: frozenset[Reason] = frozenset()
    statuses: frozenset[Status] = QUEUE_STATUSES
    #: Only disputes with at least one message flagged under P-COMM-*.
    flagged_only: bool = False
    #: Every dispute, those `agent` holds, or those nobody holds (issue 15).
    claims: ClaimFilter = ClaimFilter.ALL
    #: Whose claims `ClaimFilter.MINE` means.
    agent: str = ""
    #: Drill-down from the dashboard (issue 17): only disputes whose next deadline passed by
    #: this time, with a decision of this kind, or with this deadline met or breached.
    overdue_at: datetime | None = None
    decided: DecidedFilter | None = None
    deadline: DeadlineFilter | None = None


@dataclass(frozen=True, slots=True, order=True)
class QueueKey:
    """The position of a row in the urgency order: most urgent first, ties broken by id."""

    urgency_at: datetime
    id: str


class QueueRow(Claimable):
    """One line of the escalation queue (the store reads it with Core rows, not ORM objects)."""

    #: Not re-checked against the id rules: rows come from the store, which checked them on entry.
    id: str
    status: Status
    reason: Reason
    order_kind: OrderKind
    order_title: str
    currency: str
    price: Decimal
    buyer_name: str
    seller_name: str
    evidence_count: int
    message_count: int
    opened_at: UtcTime
    escalated_at: UtcTime | None
    urgency_at: UtcTime
    version: int
    #: The rule id of the next running deadline (`urgency_at`), None when nothing runs.
    deadline_rule: str | None = None
    #: Messages flagged under P-COMM-*.
    flagged_count: int = 0
    #: The agent a supervisor returned the dispute's proposal to (issue 16), or None.
    returned_to: str | None = None

    @property
    def key(self) -> QueueKey:
        return QueueKey(self.urgency_at, self.id)

    @property
    def claim(self) -> Claim | None:
        """Who holds the dispute now (issue 15), as the store read it."""
        return self.claim_of(self.id)


class QueuePage(StrictModel):
    """Rows in urgency order, and whether more rows exist before the first / after the last."""

    rows: tuple[QueueRow, ...]
    has_before: bool
    has_after: bool


class QueueCounts(StrictModel):
    """Counts for the header: rows matching the query, and the whole queue by status."""

    #: Rows matching the query, at most `COUNT_CAP` (see `capped`); exact for the default query
    #: when the totals are asked for.
    matching: int
    #: The whole queue by status (empty when asked with `totals=False`).
    by_status: dict[Status, int] = Field(default_factory=dict)
    #: Queue disputes (`QUEUE_STATUSES`) whose next deadline has passed (when asked with `now`).
    overdue: int = 0
    #: More than `COUNT_CAP` rows match: `matching` is the cap, a lower bound.
    capped: bool = False
