"""The escalation queue's shapes: a query, a row, a page of rows, the counts, a row's position.

One shape per concept: the SQL store builds these, the API serves them (as JSON, the models'
own), the HTTP store reads them back, and the queue widget shows them. Pure data, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import Field

from mediator.domain.claims import Claim, ClaimFilter
from mediator.domain.enums import QUEUE_STATUSES, OrderKind, Reason, Status
from mediator.domain.models import Claimable, StrictModel, UtcTime
from mediator.domain.money import to_minor
from mediator.domain.report import DeadlineFilter, DecidedFilter

#: Counting stops here: "1,000+ match" is as useful to a person as the exact number, and
#: counting a million matches is not cheap (issue 4: a cheap count).
COUNT_CAP = 1_000


class SortKey(StrEnum):
    """What the queue is ordered by (issue 19). Every order is a keyset over one index:
    `(value, urgency_at, id)`, so rows that tie on the value stay in urgency order; `DUE` is
    `(urgency_at, id)` (the default) and `ID` is the id alone.

    Names and titles compare with ASCII letters folded to lower case and everything else by
    code point, identically on SQLite (`lower()`, BINARY) and PostgreSQL (`lower(x COLLATE
    "C")`, which folds ASCII only, ordered in "C"): accented capitals are not folded. Amounts
    compare within a currency (currencies in alphabetical order, then the amount): there is no
    exchange rate to compare 100 JPY with 1 USD. The claim holder is not an order: a claim
    lapses with time, without a write, so no index can hold what the Claim column shows.
    """

    DUE = "due"
    ID = "id"
    REASON = "reason"
    AMOUNT = "amount"
    BUYER = "buyer"
    SELLER = "seller"
    STATUS = "status"
    EVIDENCE = "evidence"
    FLAGS = "flags"
    TITLE = "title"
    #: When the decision that stands was written, for the resolved list (issue 22); disputes
    #: with none sort as `NOT_DECIDED` (before every decision: last, newest first).
    DECIDED = "decided"

    @property
    def label(self) -> str:
        return _SORT_LABELS[self]


_SORT_LABELS = {
    SortKey.DUE: "next deadline",
    SortKey.ID: "dispute id",
    SortKey.REASON: "reason",
    SortKey.AMOUNT: "amount (by currency)",
    SortKey.BUYER: "buyer",
    SortKey.SELLER: "seller",
    SortKey.STATUS: "status",
    SortKey.EVIDENCE: "evidence count",
    SortKey.FLAGS: "flagged messages",
    SortKey.TITLE: "order title",
    SortKey.DECIDED: "decision time",
}

#: The decision time a dispute without a decision sorts as (issue 22), before any real one.
NOT_DECIDED = datetime(1, 1, 1, tzinfo=UTC)

#: A sort value as a key holds it: text, a whole number (amounts in minor units) or a time.
SortValue = str | int | datetime
#: The types of a key's `value` for each order (`wire.decode_cursor` checks a cursor with it).
SORT_VALUE_TYPES: dict[SortKey, tuple[type, ...]] = {
    SortKey.DUE: (),
    SortKey.ID: (),
    SortKey.REASON: (str,),
    SortKey.AMOUNT: (str, int),
    SortKey.BUYER: (str,),
    SortKey.SELLER: (str,),
    SortKey.STATUS: (str,),
    SortKey.EVIDENCE: (int,),
    SortKey.FLAGS: (int,),
    SortKey.TITLE: (str,),
    SortKey.DECIDED: (datetime,),
}

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


#: Names and titles sort by their first characters only: an index entry holds the sorted text,
#: and PostgreSQL refuses one above ~2.7 kB (a 1 MB title could not be imported); past this
#: many characters, ties stay in deadline order.
SORTED_CHARS = 120


def fold(name: str) -> str:
    """A name as the queue sorts it: its first `SORTED_CHARS` characters, ASCII letters in
    lower case, the rest as it is (what SQLite's `lower(substr(…))` and PostgreSQL's
    `lower(left(…) COLLATE "C")` both do)."""
    return name[:SORTED_CHARS].translate(_ASCII_LOWER)


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
    #: The order (issue 19): not a filter, so it changes no count and no claim-next.
    sort: SortKey = SortKey.DUE
    descending: bool = False

    @property
    def unsorted(self) -> QueueQuery:
        """The same filters in the default order (`q.unsorted == QueueQuery()`: no filter)."""
        return replace(self, sort=SortKey.DUE, descending=False)

    def sorted_by(self, sort: SortKey, descending: bool = False) -> QueueQuery:
        return replace(self, sort=sort, descending=descending)


@dataclass(frozen=True, slots=True)
class QueueKey:
    """The position of a row in an order: `(value..., urgency_at, id)` ascending (the whole
    tuple reversed when descending); `value` is empty for the default urgency order, and the id
    alone counts for `SortKey.ID`. Compare positions with `sort_position`, not `<`."""

    urgency_at: datetime
    id: str
    value: tuple[SortValue, ...] = ()


def sort_position(key: QueueKey, sort: SortKey) -> tuple[SortValue | datetime, ...]:
    """What `key` is ordered by under `sort`, ascending (the SQL order's own tuple)."""
    if sort is SortKey.ID:
        return (key.id,)
    return (*key.value, key.urgency_at, key.id)


def comes_before(a: QueueKey, b: QueueKey, sort: SortKey, descending: bool) -> bool:
    """Whether `a` is shown above `b` in `sort`'s order, read in that direction."""
    pa, pb = sort_position(a, sort), sort_position(b, sort)
    return pa > pb if descending else pa < pb


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
    #: The decision that stands (issue 22: the resolved list): when it was written and by
    #: whom; None without one.
    decided_at: UtcTime | None = None
    decided_by: str | None = None

    @property
    def key(self) -> QueueKey:
        """The row's position in the default (urgency) order."""
        return QueueKey(self.urgency_at, self.id)

    def key_for(self, sort: SortKey) -> QueueKey:
        """The row's position in `sort`'s order (the values the store's index holds)."""
        return QueueKey(self.urgency_at, self.id, self.sort_value(sort))

    def sort_value(self, sort: SortKey) -> tuple[SortValue, ...]:
        match sort:
            case SortKey.DUE | SortKey.ID:
                return ()
            case SortKey.REASON:
                return (self.reason.value,)
            case SortKey.AMOUNT:
                return (self.currency, to_minor(self.price, self.currency))
            case SortKey.BUYER:
                return (fold(self.buyer_name),)
            case SortKey.SELLER:
                return (fold(self.seller_name),)
            case SortKey.STATUS:
                return (self.status.value,)
            case SortKey.EVIDENCE:
                return (self.evidence_count,)
            case SortKey.FLAGS:
                return (self.flagged_count,)
            case SortKey.TITLE:
                return (fold(self.order_title),)
            case SortKey.DECIDED:
                return (self.decided_at or NOT_DECIDED,)

    @property
    def claim(self) -> Claim | None:
        """Who holds the dispute now (issue 15), as the store read it."""
        return self.claim_of(self.id)


class QueuePage(StrictModel):
    """Rows in the query's order, and whether more rows exist before the first / after the last."""

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
