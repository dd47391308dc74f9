"""Deterministic demo disputes: same (n, seed, now) → the same disputes, byte for byte.

The disputes come in streams of `STREAM` (dispute i is in stream i // STREAM), each with its own
`random.Random` seeded from (seed, stream): stream 0 from `seed` alone, as the one sequence
before issue 18 was, so seeds of up to `STREAM` disputes are what they were. Streams do not
depend on each other, so `bulk.SeedFeed` generates them in several processes (issue 18); the
output does not depend on how many. No wall clock, no uuid, no global state. Work per dispute is
constant apart from its messages (no lookups that grow with n).
`generate_decided` adds each resolved dispute's decision (`seed.decisions`), from randomness of
its own: the disputes are the same with or without their decisions.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from mediator.domain import (
    Actor,
    BuyerRequest,
    Channel,
    Decision,
    Dispute,
    EscalationCause,
    Evidence,
    EvidenceKind,
    Message,
    Order,
    OrderKind,
    Party,
    Reason,
    Seller,
    Status,
)
from mediator.domain.money import minor_units
from mediator.seed import hostile, pieces, vocab
from mediator.seed.build import built
from mediator.seed.chat import DAY, HOUR, MINUTE, ChatPlan, Line, conversation
from mediator.seed.decisions import decide
from mediator.seed.rand import Weighted, between, pick

#: Ids start here, far above the hand-written examples (D-10001, M-1…), so both fit one store.
DISPUTE_BASE = 100_000
ORDER_BASE = 500_000
#: Message and evidence ids are the dispute's number × 1000 + their position: unique, and the
#: same whatever the seed, so a newer revision of a dispute replaces its own messages only.
ITEMS_PER_DISPUTE = 1000

_R = Reason
_S = Status
_C = EscalationCause
_B = BuyerRequest
_E = EvidenceKind

_REASONS = ((_R.NOT_RECEIVED, 18), (_R.NOT_AS_DESCRIBED, 20), (_R.DEFECTIVE, 14),
            (_R.INCOMPLETE, 10), (_R.WRONG_SPEC_OR_QUANTITY, 8), (_R.LATE_DELIVERY, 8),
            (_R.ACCOUNT_ACCESS_NOT_TRANSFERRED, 14), (_R.OTHER, 8))  # fmt: skip
#: Mostly queue work; the first five disputes take one status each so small seeds show all.
_STATUSES = ((_S.ESCALATED, 50), (_S.AWAITING_INFO, 22), (_S.OPEN, 12), (_S.RESOLVED, 9),
             (_S.CLOSED, 7))  # fmt: skip
_CAUSES = ((_C.PARTY_REQUEST, 50), (_C.SELLER_SILENT, 20), (_C.STALE, 15), (_C.STAFF, 15))
_KIND_WEIGHT = {OrderKind.GOODS: 4, OrderKind.ACCOUNT: 3, OrderKind.SERVICE: 3}
_EVIDENCE = ((_E.SCREENSHOT, 35), (_E.PHOTO, 20), (_E.VIDEO, 8), (_E.DOCUMENT, 10),
             (_E.LINK, 10), (_E.ORDER_RECORD, 17))  # fmt: skip
#: Evidence the first disputes always carry (dispute 0 is goods: it gets the photo).
_FIRST_EVIDENCE = (_E.PHOTO, _E.SCREENSHOT, _E.VIDEO, _E.DOCUMENT, _E.LINK, _E.ORDER_RECORD)
_KINDS = tuple(OrderKind)
_HANDLES = ("fastkeys", "acc_king", "boostpro", "lootguy", "mira.k", "night0wl", "deals4u")


_REASON_PICK = Weighted(_REASONS)
_STATUS_PICK = Weighted(_STATUSES)
#: With a `resolved_share`, the other statuses keep their proportions.
_UNRESOLVED_PICK = Weighted(tuple(pair for pair in _STATUSES if pair[0] is not _S.RESOLVED))
_CAUSE_PICK = Weighted(_CAUSES)
_EVIDENCE_PICK = Weighted(_EVIDENCE)
_CURRENCY_PICK = Weighted(tuple(((code, rate), w) for code, w, rate in vocab.CURRENCIES))
_KIND_PICK = {
    reason: Weighted(tuple((kind, _KIND_WEIGHT[kind]) for kind in kinds))
    for reason, kinds in vocab.REASONS_FOR.items()
}


#: Disputes per random stream. Part of what a seed generates: changing it changes the disputes
#: of every seed larger than it.
STREAM = 1000


def streams(n: int) -> int:
    """How many streams `n` disputes take."""
    return -(-n // STREAM)


def stream_size(n: int, stream: int) -> int:
    """How many of `n` disputes stream `stream` holds."""
    return max(0, min(STREAM, n - stream * STREAM))


def generate(
    n: int, *, seed: int, now: datetime, resolved_share: float | None = None
) -> Iterator[Dispute]:
    """`n` realistic disputes as of `now`, deterministic for the same (n, seed, now).

    `resolved_share`: the chance that a dispute after the first five is resolved (the benchmark
    of issue 17 wants 30 %), the others keeping their proportions; None: the usual mix (9 %).
    """
    gen = _Generator(n=n, seed=seed, now=now, resolved_share=resolved_share)
    for stream in range(streams(n)):
        for dispute, _ in gen.stream(stream):
            yield dispute


def generate_decided(
    n: int, *, seed: int, now: datetime, resolved_share: float | None = None
) -> Iterator[tuple[Dispute, Decision | None]]:
    """`generate`'s disputes, each resolved one with its standing decision (None for the rest),
    written when the dispute was resolved."""
    gen = _Generator(n=n, seed=seed, now=now, resolved_share=resolved_share)
    for stream in range(streams(n)):
        yield from _decided(gen, stream)


def stream_decided(
    n: int, stream: int, *, seed: int, now: datetime, resolved_share: float | None = None
) -> Iterator[tuple[Dispute, Decision | None]]:
    """The disputes of `generate_decided(n, …)` in stream `stream` (`stream_size` of them, from
    index `stream * STREAM`), with their decisions: made without the other streams."""
    gen = _Generator(n=n, seed=seed, now=now, resolved_share=resolved_share)
    return _decided(gen, stream)


def _decided(gen: _Generator, stream: int) -> Iterator[tuple[Dispute, Decision | None]]:
    seed = gen.seed
    for dispute, end in gen.stream(stream):
        decision = None
        if dispute.status is _S.RESOLVED:
            decision = decide(
                dispute, resolved_at=gen.now + timedelta(seconds=end), now=gen.now, seed=seed
            )
        yield dispute, decision


def _stream_rng(seed: int, stream: int) -> random.Random:
    """Stream 0 draws from `Random(seed)`, the one sequence of the generator before streams;
    the others from a string of (seed, stream), which `random` hashes with SHA-512."""
    return random.Random(seed if stream == 0 else f"{seed}/stream {stream}")


class _Generator:
    def __init__(self, *, n: int, seed: int, now: datetime, resolved_share: float | None) -> None:
        if n < 0:
            raise ValueError("n must not be negative")
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        if resolved_share is not None and not 0 <= resolved_share <= 1:
            raise ValueError("resolved_share must be between 0 and 1")
        self.n = n
        self.seed = seed
        self.resolved_share = resolved_share
        self.rng = random.Random(seed)
        self.now = now.astimezone(UTC).replace(microsecond=0)
        self.buyers = max(10, n // 2)
        self.sellers = max(3, n // 60 + 3)  # per kind of order

    def stream(self, stream: int) -> Iterator[tuple[Dispute, int]]:
        """Each dispute of stream `stream` with when activity on it ended (`dispute`)."""
        self.rng = _stream_rng(self.seed, stream)
        first = stream * STREAM
        for index in range(first, first + stream_size(self.n, stream)):
            yield self.dispute(index)

    def at(self, offset: int | None) -> datetime | None:
        return None if offset is None else self.now + timedelta(seconds=offset)

    def dispute(self, index: int) -> tuple[Dispute, int]:
        """Dispute `index`, and when activity on it ended (now, or when it was resolved or
        closed), in seconds relative to now."""
        rng = self.rng
        number = index + 1
        reason: Reason = _REASONS[index][0] if index < len(_REASONS) else _REASON_PICK.pick(rng)
        kinds = vocab.REASONS_FOR[reason]
        kind: OrderKind = kinds[index % len(kinds)] if index < 8 else _KIND_PICK[reason].pick(rng)
        status: Status = _STATUSES[index][0] if index < len(_STATUSES) else self._status()
        if index < len(vocab.CURRENCIES):
            currency, rate = vocab.CURRENCIES[index][0], vocab.CURRENCIES[index][2]
        else:
            currency, rate = _CURRENCY_PICK.pick(rng)

        # --- when: everything in whole seconds relative to now -----------------------------
        escalates = status in (_S.ESCALATED, _S.AWAITING_INFO, _S.RESOLVED) or (
            status is _S.CLOSED and rng.random() < 0.5
        )
        cause: EscalationCause | None = _CAUSE_PICK.pick(rng) if escalates else None
        escalated: int | None = None
        if cause is not None:
            delay = pieces.escalation_delay(rng, cause)
            since = between(rng, 10 * MINUTE, 10 * DAY)
            if status is _S.AWAITING_INFO:
                since = between(rng, HOUR, 9 * DAY)
            elif status in (_S.RESOLVED, _S.CLOSED):
                since = between(rng, 2 * DAY, 60 * DAY)
            escalated = -since
            opened = escalated - delay
        elif status is _S.OPEN:
            opened = -between(rng, 20 * MINUTE, 23 * HOUR)
        else:
            opened = -between(rng, 3 * DAY, 60 * DAY)
        end = 0
        if status is _S.RESOLVED and escalated is not None:
            end = escalated + between(rng, HOUR, min(5 * DAY, -escalated - MINUTE))
        elif status is _S.CLOSED:
            start = escalated if escalated is not None else opened
            end = start + between(rng, HOUR, min(3 * DAY, -start - MINUTE))

        placed, delivered, confirmed, paid_out = pieces.order_times(rng, reason, kind, opened, end)

        # --- what and how much ------------------------------------------------------------
        title, low, high = pick(rng, vocab.LISTINGS[kind])
        quantity = 1
        if kind is OrderKind.GOODS and rng.random() < 0.2:
            quantity = 2 + int(rng.random() * 4)
        places = minor_units(currency)
        minor = pieces.price_minor(
            rng, (low + (high - low) * rng.random()) * quantity * rate, places
        )
        fee_minor = (minor * 5 + 50) // 100
        request, request_minor = pieces.buyer_request(rng, reason, minor)
        offer_minor = max(1, minor * pick(rng, (10, 15, 20, 25, 30)) // 100)

        # sellers specialise: seller s sells orders of kind KINDS[s % 3]
        seller_index = 3 * int(rng.random() * self.sellers) + _KINDS.index(kind)
        fields: dict[str, Any] = {
            "item": title,
            "amount": pieces.amount(offer_minor, places),
            "days": 2 + int(rng.random() * 9),
            "hours": pick(rng, (2, 6, 12, 24, 48)),
            "q": quantity + 1,
            "n": quantity,
            "trust": pieces.trust_level(seller_index),
            "gap": max(0, (opened - (delivered if delivered is not None else placed)) // HOUR),
            "handle": pick(rng, _HANDLES),
            "n4": 1000 + int(rng.random() * 9000),
            "n3": 100 + int(rng.random() * 900),
            "n2": 10 + int(rng.random() * 90),
        }

        # --- conversation ---------------------------------------------------------------------
        bad = hostile.hostile_for(index)
        count = pieces.message_count(rng)
        if bad is not None or _huge_index(index, self.n):
            count = max(count, 2)
        plan = ChatPlan(reason, kind, status, placed, opened, escalated, cause, end, fields)
        lines = conversation(rng, plan, count)
        _flag_lines(rng, lines, fields)
        if bad is not None:
            _replace_party_body(rng, lines, hostile.BODY[bad[0]])
        if _huge_index(index, self.n):
            big = (
                hostile.megabyte_message()
                if index == hostile.MEGABYTE_INDEX
                else hostile.ten_thousand_lines()
            )
            lines.append((min(opened + 2 * HOUR, end), Channel.DISPUTE_CHAT, Actor.BUYER, big))
        lines.sort(key=_first)
        item_base = (DISPUTE_BASE + number) * ITEMS_PER_DISPUTE
        messages = tuple(
            built(
                Message,
                id=f"M-{item_base + position}",
                channel=channel,
                author=author,
                sent_at=self.now + timedelta(seconds=t),
                body=body,
                author_name=None,
            )
            for position, (t, channel, author, body) in enumerate(lines, start=1)
        )

        evidence = self._evidence(rng, index, item_base, kind, placed, delivered, opened, end)
        buyer_index = int(rng.random() * self.buyers)
        buyer_id, buyer_name = f"U-{10 * buyer_index + 1001}", pieces.buyer_name(buyer_index)
        seller_id, seller_name = f"U-{10 * seller_index + 1002}", pieces.seller_name(seller_index)
        trust = pieces.trust_level(seller_index)
        if bad is not None:
            text = pick(rng, hostile.SHORT[bad[0]])
            place = bad[1]
            if place is hostile.Place.TITLE:
                title = text
            elif place is hostile.Place.BUYER_NAME:
                buyer_id, buyer_name = f"U-{10 * number + 1003}", text
            elif place is hostile.Place.SELLER_NAME:
                seller_id, seller_name = f"U-{10 * number + 1004}", text
            else:
                evidence = self._hostile_caption(evidence, item_base, text, opened)

        revision = 1 if rng.random() < 0.85 else 2 + int(rng.random() < 0.2)
        extra: dict[str, Any] = {}
        if rng.random() < 0.08:
            extra = {"source": "igitems", "region": pick(rng, ("EU", "NA", "ASIA", "LATAM"))}
        dispute = built(
            Dispute,
            id=f"D-{DISPUTE_BASE + number}",
            revision=revision,
            reason=reason,
            status=status,
            opened_at=self.now + timedelta(seconds=opened),
            escalated_at=self.at(escalated),
            escalation_cause=cause,
            buyer_request=request,
            buyer_request_amount=None
            if request_minor is None
            else pieces.amount(request_minor, places),
            order=built(
                Order,
                id=f"O-{ORDER_BASE + number}",
                kind=kind,
                title=title,
                quantity=quantity,
                currency=currency,
                price=pieces.amount(minor, places),
                service_fee=pieces.amount(fee_minor, places),
                placed_at=self.now + timedelta(seconds=placed),
                delivered_at=self.at(delivered),
                confirmed_at=self.at(confirmed),
                paid_out_at=self.at(paid_out),
            ),
            buyer=built(Party, id=buyer_id, name=buyer_name),
            seller=built(Seller, id=seller_id, name=seller_name, trust_level=trust),
            messages=messages,
            evidence=evidence,
            extra=extra,
        )
        return dispute, end

    def _status(self) -> Status:
        share = self.resolved_share
        if share is None:
            return _STATUS_PICK.pick(self.rng)
        return _S.RESOLVED if self.rng.random() < share else _UNRESOLVED_PICK.pick(self.rng)

    def _evidence(
        self,
        rng: random.Random,
        index: int,
        item_base: int,
        kind: OrderKind,
        placed: int,
        delivered: int | None,
        opened: int,
        end: int,
    ) -> tuple[Evidence, ...]:
        r = rng.random()
        count = 0 if r < 0.2 else min(6, 1 + int(rng.expovariate(0.8)))
        kinds: list[EvidenceKind] = [_EVIDENCE_PICK.pick(rng) for _ in range(count)]
        if index < len(_FIRST_EVIDENCE):  # small seeds still show every kind
            kinds.append(_FIRST_EVIDENCE[index])
        items = []
        for position, ev_kind in enumerate(kinds, start=1):
            if ev_kind is _E.PHOTO and kind is not OrderKind.GOODS:
                ev_kind = _E.SCREENSHOT  # nothing to photograph in an account or a service
            eid = f"E-{item_base + position}"
            by = Actor.BUYER if rng.random() < 0.75 else Actor.SELLER
            at = opened + int(rng.random() * min(2 * DAY, max(end - opened, 0)))
            uri: str | None
            sha: str | None = None
            if ev_kind is _E.ORDER_RECORD:
                by, uri = Actor.SYSTEM, None
                at = delivered if delivered is not None and delivered <= end else placed
            elif ev_kind is _E.LINK:
                uri = f"https://{pick(rng, vocab.LINK_HOSTS)}/{rng.getrandbits(32):08x}"
            else:
                uri = f"evidence/{eid}.{vocab.FILE_SUFFIX[ev_kind]}"
                if rng.random() < 0.4:
                    sha = f"{rng.getrandbits(256):064x}"
            items.append(
                built(
                    Evidence,
                    id=eid,
                    kind=ev_kind,
                    submitted_by=by,
                    submitted_at=self.now + timedelta(seconds=at),
                    caption=pick(rng, vocab.CAPTIONS[ev_kind, kind]),
                    uri=uri,
                    sha256=sha,
                )
            )
        return tuple(items)

    def _hostile_caption(
        self, evidence: tuple[Evidence, ...], item_base: int, text: str, opened: int
    ) -> tuple[Evidence, ...]:
        eid = f"E-{item_base + len(evidence) + 1}"
        item = built(
            Evidence,
            id=eid,
            kind=_E.SCREENSHOT,
            submitted_by=Actor.BUYER,
            submitted_at=self.now + timedelta(seconds=opened + MINUTE),
            caption=text,
            uri=f"evidence/{eid}.png",
            sha256=None,
        )
        return (*evidence, item)


# --- helpers ----------------------------------------------------------------------------------


def _first(line: Line) -> int:
    return line[0]


def _huge_index(index: int, n: int) -> bool:
    return n >= hostile.HUGE_MIN_N and index in (
        hostile.MEGABYTE_INDEX,
        hostile.TEN_THOUSAND_LINES_INDEX,
    )


def _flag_lines(rng: random.Random, lines: list[Line], fields: dict[str, Any]) -> None:
    """Now and then an off-platform contact attempt (P-COMM-ONPLATFORM) or an insult."""
    if rng.random() < 0.12:
        _replace_party_body(rng, lines, pick(rng, vocab.OFF_PLATFORM).format_map(fields))
    if rng.random() < 0.06:
        _replace_party_body(rng, lines, pick(rng, vocab.INSULTS))


def _replace_party_body(rng: random.Random, lines: list[Line], body: str) -> None:
    """Put `body` into one buyer or seller message (not the opening one, when there are others)."""
    party = [i for i, line in enumerate(lines) if line[2] in (Actor.BUYER, Actor.SELLER)]
    if not party:
        return
    i = party[-1] if len(party) == 1 else party[1 + int(rng.random() * (len(party) - 1))]
    at, channel, author, _ = lines[i]
    lines[i] = (at, channel, author, body)
