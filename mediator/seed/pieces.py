"""Small pure pieces of a generated dispute: its timeline, its money, its people.

Times are whole seconds relative to "now" (negative = in the past).
"""

from __future__ import annotations

import random
from decimal import Decimal

from mediator.domain import BuyerRequest, EscalationCause, OrderKind, Reason
from mediator.seed import vocab
from mediator.seed.chat import DAY, HOUR, MINUTE
from mediator.seed.rand import Weighted, between, pick

_R = Reason
_C = EscalationCause
_B = BuyerRequest
_KINDS = tuple(OrderKind)

_REQUESTS: dict[Reason, tuple[tuple[BuyerRequest, int], ...]] = {
    _R.NOT_RECEIVED: ((_B.FULL_REFUND, 6), (_B.DELIVERY, 3), (_B.OTHER, 1)),
    _R.NOT_AS_DESCRIBED: ((_B.PARTIAL_REFUND, 4), (_B.FULL_REFUND, 3),
                          (_B.RETURN_AND_REFUND, 2), (_B.REPLACEMENT, 1)),
    _R.DEFECTIVE: ((_B.REPLACEMENT, 3), (_B.PARTIAL_REFUND, 3), (_B.FULL_REFUND, 2),
                   (_B.RETURN_AND_REFUND, 3)),
    _R.INCOMPLETE: ((_B.DELIVERY, 5), (_B.PARTIAL_REFUND, 3), (_B.FULL_REFUND, 2)),
    _R.WRONG_SPEC_OR_QUANTITY: ((_B.REPLACEMENT, 4), (_B.PARTIAL_REFUND, 2), (_B.FULL_REFUND, 2)),
    _R.LATE_DELIVERY: ((_B.FULL_REFUND, 4), (_B.DELIVERY, 4), (_B.PARTIAL_REFUND, 2)),
    _R.ACCOUNT_ACCESS_NOT_TRANSFERRED: ((_B.DELIVERY, 6), (_B.FULL_REFUND, 4)),
    _R.OTHER: ((_B.OTHER, 4), (_B.FULL_REFUND, 2), (_B.PARTIAL_REFUND, 1)),
}  # fmt: skip
_REQUEST_PICK = {reason: Weighted(pairs) for reason, pairs in _REQUESTS.items()}
#: Seconds from placing to delivery, per kind of order.
_DELIVERY_SPAN = {
    OrderKind.GOODS: (HOUR, 8 * DAY),
    OrderKind.ACCOUNT: (5 * MINUTE, 3 * HOUR),
    OrderKind.SERVICE: (3 * HOUR, 7 * DAY),
}
#: Coprime to the size of a block of buyer names (30 × 4 × 11 = 1320).
_BUYER_STRIDE = 1093


def escalation_delay(rng: random.Random, cause: EscalationCause) -> int:
    """Seconds from opening to escalation, as each rule allows."""
    if cause is _C.PARTY_REQUEST:  # P-ESC-24H: not before 24 hours
        return DAY + between(rng, 5 * MINUTE, 2 * DAY)
    if cause is _C.SELLER_SILENT:  # P-ESC-SELLER-SILENT: at 24 hours
        return DAY + between(rng, 0, 10 * MINUTE)
    if cause is _C.STALE:  # P-ESC-STALE: after ~3 days without updates
        return 3 * DAY + between(rng, 0, 30 * MINUTE)
    return between(rng, HOUR, 3 * DAY)


def order_times(
    rng: random.Random, reason: Reason, kind: OrderKind, opened: int, end: int
) -> tuple[int, int | None, int | None, int | None]:
    """placed, delivered, confirmed, paid out; placed ≥ 15 minutes before opening (P-OPEN-15MIN)."""
    late = reason is _R.LATE_DELIVERY
    if reason is _R.NOT_RECEIVED or (late and rng.random() < 0.5):
        low = 3 * DAY if late else 20 * MINUTE
        return opened - between(rng, low, 14 * DAY), None, None, None
    if late:  # delivered after the dispute was opened, or not yet
        delivered: int | None = opened + between(rng, HOUR, 2 * DAY)
        if delivered is not None and delivered > end:
            delivered = None
        return opened - between(rng, 3 * DAY, 10 * DAY), delivered, None, None
    # opened within 72 hours of delivery (P-OPEN-72H), now and then later
    if rng.random() < 0.9:
        gap = between(rng, 10 * MINUTE, 60 * HOUR)
    else:
        gap = between(rng, 73 * HOUR, 10 * DAY)
    delivered = opened - gap
    placed = delivered - between(rng, *_DELIVERY_SPAN[kind])
    confirmed = paid_out = None
    if rng.random() < 0.15:  # P-OPEN-CONFIRMED
        confirmed = delivered + between(rng, MINUTE, gap - MINUTE)
        if rng.random() < 0.5:
            paid_out = confirmed + between(rng, HOUR, 3 * DAY)
            if paid_out >= opened:
                paid_out = None
    return placed, delivered, confirmed, paid_out


def price_minor(rng: random.Random, amount: float, places: int) -> int:
    unit = int(10**places)
    minor = max(1, round(amount * unit))
    if places == 0:
        return max(10, round(minor, -1))
    if rng.random() < 0.5 and minor > unit:  # 49.99-style prices
        return (minor // unit + 1) * unit - 1
    return minor


def amount(minor: int, places: int) -> Decimal:
    return Decimal(minor).scaleb(-places)


def buyer_request(
    rng: random.Random, reason: Reason, minor: int
) -> tuple[BuyerRequest | None, int | None]:
    if rng.random() < 0.06:
        return None, None
    request: BuyerRequest = _REQUEST_PICK[reason].pick(rng)
    if request is _B.PARTIAL_REFUND:
        share = pick(rng, (10, 20, 25, 30, 40, 50, 60))
        return request, min(max(1, minor * share // 100), max(minor - 1, 1))
    if request in (_B.FULL_REFUND, _B.RETURN_AND_REFUND) and rng.random() < 0.4:
        return request, minor
    return request, None


def message_count(rng: random.Random) -> int:
    """0–200, skewed small: most chats are short, a few run long."""
    r = rng.random()
    if r < 0.06:
        return 0
    if r < 0.08:
        return 40 + int(rng.random() * 161)
    return min(30, 1 + int(rng.expovariate(0.22)))


def buyer_name(i: int) -> str:
    """A unique handle for buyer `i`; neighbouring indexes get unrelated names."""
    first, sep, last = vocab.BUYER_FIRST, vocab.BUYER_SEP, vocab.BUYER_LAST
    block = len(first) * len(sep) * len(last)
    cycle, p = divmod(i, block)
    p = p * _BUYER_STRIDE % block  # a permutation of the block (the stride is coprime to it)
    name = f"{first[p % len(first)]}{sep[p // len(first) % len(sep)]}"
    name += last[p // (len(first) * len(sep))]
    return f"{name}{cycle}" if cycle else name


def seller_name(i: int) -> str:
    """A unique shop name for seller `i`, matching what it sells (`i % 3`)."""
    shops = vocab.SELLER_FIRST[_KINDS[i % 3]]
    j = i // 3
    cycle, p = divmod(j, len(shops) * len(vocab.SELLER_LAST))
    name = shops[p % len(shops)] + vocab.SELLER_LAST[p // len(shops)]
    return f"{name}{cycle}" if cycle else name


def trust_level(seller: int) -> int:
    """Seller `seller`'s trust level (0–5), fixed per seller, spread across each kind's shops."""
    return vocab.TRUST[(seller * 2_654_435_761 >> 8) % len(vocab.TRUST)]
