"""Disputes, orders, parties, messages, evidence and decisions, exactly as IMPORT_FORMAT.md v1.

Pure data (pydantic, strict): no Textual, no SQL. Money is `Decimal`, times are aware UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    WithJsonSchema,
    field_serializer,
)

from mediator.domain.enums import (
    Actor,
    BuyerRequest,
    Channel,
    EscalationCause,
    EvidenceKind,
    OrderKind,
    Outcome,
    Reason,
    Status,
)
from mediator.domain.ids import id_problem
from mediator.domain.money import currency_problem


def _money_input(value: object) -> Decimal:
    """Money must be a decimal *string* in the interchange format; never a JSON number."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool | int | float):
        raise ValueError(f'money must be a string such as "49.99", not the JSON number {value!r}')
    if not isinstance(value, str):
        raise ValueError("money must be a decimal string")
    text = value.strip()
    if text != value or not text:
        raise ValueError(f"{value!r} is not a decimal amount")
    if "e" in text.lower():
        raise ValueError(f"{value!r}: write the amount out in full, without an exponent")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a decimal amount") from None
    if not amount.is_finite():
        raise ValueError(f"{value!r} is not a finite amount")
    if amount < 0:
        raise ValueError(f"{value!r} is negative")
    return amount


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _prefixed(prefix: str) -> AfterValidator:
    def check(value: str) -> str:
        if not value.startswith(prefix) or len(value) == len(prefix):
            raise ValueError(f"must start with {prefix!r}, like {prefix}1")
        problem = id_problem(value)
        if problem is not None:
            raise ValueError(problem)
        return value

    return AfterValidator(check)


def _currency(value: str) -> str:
    problem = currency_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


MoneyStr = Annotated[Decimal, BeforeValidator(_money_input)]
UtcTime = Annotated[AwareDatetime, AfterValidator(_to_utc)]
DisputeId = Annotated[str, _prefixed("D-")]
OrderId = Annotated[str, _prefixed("O-")]
UserId = Annotated[str, _prefixed("U-")]
MessageId = Annotated[str, _prefixed("M-")]
EvidenceId = Annotated[str, _prefixed("E-")]
DecisionId = Annotated[str, _prefixed("R-")]
#: An ISO 4217 code with minor units (`money.currency_problem`).
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$"), AfterValidator(_currency)]


class StrictModel(BaseModel):
    """The base of every shape that crosses a boundary: unknown fields are refused (a typo must
    not pass silently), types are strict (JSON as written: money as a string), values frozen."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class RequestModel(BaseModel):
    """The base of a request body (the decision draft, a note): FastAPI validates it from
    decoded JSON in Python mode, where a strict model would refuse `"seller"` for an enum, so
    the model is lax and every scalar is strict on its own (`StrictBool`, `StrictStr`): a JSON
    `"no"` is not a bool, a number is not money, in Python and JSON alike."""

    model_config = ConfigDict(extra="forbid", strict=False, frozen=True)


class Party(StrictModel):
    id: UserId
    name: str = Field(min_length=1)


class Seller(Party):
    trust_level: int = Field(ge=0, le=5)


class Order(StrictModel):
    id: OrderId
    kind: OrderKind
    title: str
    quantity: int = Field(ge=1)
    currency: Currency
    price: MoneyStr
    service_fee: MoneyStr
    placed_at: UtcTime
    delivered_at: UtcTime | None
    confirmed_at: UtcTime | None
    paid_out_at: UtcTime | None


class Message(StrictModel):
    id: MessageId
    channel: Channel
    author: Actor
    sent_at: UtcTime
    body: str
    #: Set for staff notes written in the console (who wrote it); absent in marketplace data.
    author_name: str | None = None


#: A message's place in its dispute's transcript: (sent_at, id), the keyset of windowed reads.
MessageKey = tuple[datetime, str]


def message_key(message: Message) -> MessageKey:
    return (message.sent_at, message.id)


class Evidence(StrictModel):
    id: EvidenceId
    kind: EvidenceKind
    submitted_by: Actor
    submitted_at: UtcTime
    caption: str
    uri: str | None
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")


class Dispute(StrictModel):
    id: DisputeId
    revision: int = Field(ge=1)
    reason: Reason
    status: Status
    opened_at: UtcTime
    escalated_at: UtcTime | None
    escalation_cause: EscalationCause | None
    buyer_request: BuyerRequest | None
    buyer_request_amount: MoneyStr | None
    order: Order
    buyer: Party
    seller: Seller
    messages: tuple[Message, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    extra: dict[str, Any] = Field(default_factory=dict)


class MacroRef(StrictModel):
    """Which canned reply (issue 19: `domain.macros`), at which version, a decision used."""

    id: str = Field(min_length=1, max_length=64)
    version: int = Field(ge=1)

    def __str__(self) -> str:
        return f"{self.id} v{self.version}"


def _absent(value: object) -> bool:
    return value is None


class Decision(StrictModel):
    """A staff decision (the export shape of IMPORT_FORMAT.md)."""

    id: DecisionId
    dispute_id: DisputeId
    outcome: Outcome
    refund_amount: MoneyStr | None
    fee_refund: MoneyStr | None
    currency: Currency
    return_required: bool
    seller_keep_pct: MoneyStr | None
    seller_error: bool | None
    defective_or_misadvertised: bool | None
    rationale: str = Field(min_length=1)
    message_to_parties: str
    decided_by: str
    decided_at: UtcTime
    findings: tuple[str, ...] = ()
    review: dict[str, Any] = Field(default_factory=lambda: {"state": "not_required"})
    #: The macro the decision was made with (issue 19); left out of the JSON when none was, so
    #: a decision without one reads and writes exactly as before.
    macro: MacroRef | None = Field(default=None, exclude_if=_absent)


def _storable(text: str) -> str:
    """Refuse text that the databases would not keep alike: NUL (PostgreSQL cannot store it,
    SQLite would) and lone surrogates (not Unicode text; no driver can encode them)."""
    if "\x00" in text:
        raise ValueError("contains U+0000 (NUL), which cannot be stored")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("contains a lone surrogate, which is not Unicode text") from None
    return text


def _decimal_input(value: object) -> Decimal:
    """A decimal *string* (a percentage, say) on the wire; never a JSON number."""
    if isinstance(value, Decimal):
        return value
    if not isinstance(value, str) or isinstance(value, bool):
        raise ValueError('expected a decimal string such as "12.5"')
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a decimal number") from None
    if not number.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    return number


#: A (field, message) or (id, why) pair: a JSON array of two strings. Its schema is spelt out:
#: the `prefixItems` pydantic writes for a tuple is lost on the way into FastAPI's OpenAPI 3.1.
Pair = Annotated[
    tuple[str, str],
    WithJsonSchema({"type": "array", "items": {"type": "string"}, "minItems": 2, "maxItems": 2}),
]

#: Text written by staff (a rationale, a note): a string without NUL or lone surrogates.
StorableText = Annotated[StrictStr, AfterValidator(_storable)]
DecimalStr = Annotated[Decimal, BeforeValidator(_decimal_input)]


class DecisionDraft(RequestModel):
    """What the resolution form holds before it is checked and written; also the body of the
    API's decision request (`decided_by` comes from the token, `fee_refund` is computed)."""

    outcome: Outcome
    rationale: StorableText
    refund_amount: MoneyStr | None = None
    return_required: StrictBool = False
    seller_keep_pct: DecimalStr | None = None
    seller_error: StrictBool | None = None
    defective_or_misadvertised: StrictBool | None = None
    message_to_parties: StorableText = ""
    #: P-RETURN-CONSENT: the seller agreed to take the item back (not part of the export).
    seller_agreed_return: StrictBool = False
    #: IDs of the policy warnings the agent acknowledged before submitting (not exported).
    acknowledged: frozenset[StorableText] = frozenset()
    #: The macro the form was filled from (issue 19), recorded with the decision.
    macro: MacroRef | None = Field(default=None, exclude_if=_absent)

    @field_serializer("acknowledged")
    def _sorted(self, acknowledged: frozenset[str]) -> list[str]:
        return sorted(acknowledged)


class InfoRequest(StrictModel):
    """Staff asked `party` for information or evidence (P-INFO-7D: a 7-day timer runs)."""

    party: Actor
    asked_at: UtcTime
    message: str
    asked_by: str
    answered_at: UtcTime | None = None


class Claim(StrictModel):
    """`holder` works on `dispute_id` since `since`; the claim runs out at `until` (the store's
    clock) unless it is renewed."""

    dispute_id: str
    holder: str
    since: UtcTime
    until: UtcTime
    #: Who handed the dispute over to `holder` (a shift hand-over), or None.
    handed_by: str | None = None


class Claimable(StrictModel):
    """The claim columns of a queue row and a dispute record: set only while the claim is held
    (the store leaves out a claim that ran out by its clock)."""

    claimed_by: str | None = None
    claimed_since: UtcTime | None = None
    claimed_until: UtcTime | None = None
    claimed_from: str | None = None

    def claim_of(self, dispute_id: str) -> Claim | None:
        if self.claimed_by is None or self.claimed_since is None or self.claimed_until is None:
            return None
        return Claim(
            dispute_id=dispute_id,
            holder=self.claimed_by,
            since=self.claimed_since,
            until=self.claimed_until,
            handed_by=self.claimed_from,
        )


class DisputeRecord(Claimable):
    """A dispute as a store holds it: the marketplace data plus our version and decisions."""

    dispute: Dispute
    version: int
    decisions: tuple[Decision, ...] = ()
    #: The latest information request staff made on this dispute, if any.
    info_request: InfoRequest | None = None
    #: The agent a supervisor returned the dispute's proposal to (issue 16), or None.
    returned_to: str | None = None
    #: A windowed read (`Store.get_dispute(newest=…)`, issue 18): the last `window` messages of
    #: `dispute.messages` are the dispute's newest, in a row; the ones before them are only
    #: those the timers rest on (`domain.deadlines`), and the rest are read with
    #: `Store.dispute_messages`. None: `dispute.messages` holds every message.
    window: int | None = None

    @property
    def id(self) -> str:
        return self.dispute.id

    @property
    def complete(self) -> bool:
        """Every message of the dispute is in `dispute.messages`."""
        return self.window is None

    @property
    def claim(self) -> Claim | None:
        """Who holds the dispute now (issue 15), as the store read it."""
        return self.claim_of(self.dispute.id)
