"""A plausible conversation for one generated dispute: order chat, dispute chat, staff notes.

Times are whole seconds relative to "now" (negative = in the past); `generator` turns them into
datetimes. The lines come from `vocab`; the caller replaces some bodies afterwards (off-platform
contact, insults, hostile text).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from mediator.domain import Actor, Channel, EscalationCause, OrderKind, Reason, Status
from mediator.seed import vocab
from mediator.seed.rand import between, pick

#: (seconds relative to now, channel, author, body)
Line = tuple[int, Channel, Actor, str]

MINUTE = 60
HOUR = 3600
DAY = 24 * HOUR


@dataclass(frozen=True, slots=True)
class ChatPlan:
    """The timeline a conversation has to fit into (seconds relative to now)."""

    reason: Reason
    kind: OrderKind
    status: Status
    placed: int
    opened: int
    escalated: int | None
    cause: EscalationCause | None
    #: When activity stops: now, or when the dispute was resolved or closed.
    end: int
    fields: dict[str, Any]


def conversation(rng: random.Random, plan: ChatPlan, count: int) -> list[Line]:
    """About `count` messages (a required staff note may add one), in no particular order."""
    lines: list[Line] = []
    fmt = plan.fields
    if count > 0:
        n_order = int(count * (0.1 + 0.3 * rng.random())) if count > 2 else 0
        n_staff = 0
        if plan.escalated is not None:
            n_staff = int(rng.random() < 0.5) + int(count > 20) * (1 + count // 40)
        n_dispute = max(1, count - n_order - n_staff)
        _order_chat(rng, plan, n_order, lines)
        _dispute_chat(rng, plan, n_dispute, lines)
        if plan.escalated is not None:
            for _ in range(n_staff):
                at = between(rng, plan.escalated, plan.end)
                body = pick(rng, vocab.STAFF_NOTES).format_map(fmt)
                lines.append((at, Channel.STAFF_NOTE, Actor.STAFF, body))
    if plan.escalated is not None and plan.status is Status.AWAITING_INFO:
        at = between(rng, plan.escalated + 5 * MINUTE, min(plan.end, plan.escalated + 2 * DAY))
        lines.append((at, Channel.STAFF_NOTE, Actor.STAFF, pick(rng, vocab.INFO_REQUEST)))
    if plan.status is Status.RESOLVED and count > 0:
        body = pick(rng, vocab.RESOLVED_NOTE).format_map(fmt)
        lines.append((plan.end, Channel.STAFF_NOTE, Actor.STAFF, body))
    return lines


def _order_chat(rng: random.Random, plan: ChatPlan, n: int, out: list[Line]) -> None:
    author = Actor.SELLER if rng.random() < 0.5 else Actor.BUYER
    seller_lines = vocab.ORDER_CHAT_SELLER[plan.kind]
    times = sorted(between(rng, plan.placed, plan.opened - MINUTE) for _ in range(n))
    for at in times:
        pool = seller_lines if author is Actor.SELLER else vocab.ORDER_CHAT_BUYER
        out.append((at, Channel.ORDER_CHAT, author, pick(rng, pool).format_map(plan.fields)))
        if rng.random() < 0.7:
            author = Actor.BUYER if author is Actor.SELLER else Actor.SELLER


def _dispute_chat(rng: random.Random, plan: ChatPlan, n: int, out: list[Line]) -> None:
    fmt = plan.fields
    opening = pick(rng, vocab.OPENING[plan.reason, plan.kind]).format_map(fmt)
    out.append(
        (plan.opened + 30 + int(rng.random() * 270), Channel.DISPUTE_CHAT, Actor.BUYER, opening)
    )
    n -= 1
    esc = plan.escalated
    if esc is not None and n > 0:
        n -= 1
        if plan.cause is EscalationCause.PARTY_REQUEST:
            who = Actor.BUYER if rng.random() < 0.8 else Actor.SELLER
            out.append(
                (esc, Channel.DISPUTE_CHAT, who, pick(rng, vocab.ESCALATE_PARTY).format_map(fmt))
            )
        elif plan.cause is not None:
            body = vocab.ESCALATE_SYSTEM[plan.cause.value]
            out.append((esc, Channel.DISPUTE_CHAT, Actor.SYSTEM, body))
    closing = plan.status is Status.CLOSED and esc is None and n > 0
    if closing:
        n -= 1
        body = pick(rng, vocab.CLOSED_BY_BUYER)
        out.append((plan.end, Channel.DISPUTE_CHAT, Actor.BUYER, body))
    silent_until = esc if plan.cause is EscalationCause.SELLER_SILENT else None
    author = Actor.SELLER
    # P-ESC-STALE: nothing happened in the dispute chat before the automatic escalation
    start = esc if esc is not None and plan.cause is EscalationCause.STALE else plan.opened
    for at in sorted(between(rng, start + 5 * MINUTE, plan.end) for _ in range(n)):
        who = author
        if who is Actor.SELLER and silent_until is not None and at < silent_until:
            who = Actor.BUYER  # P-ESC-SELLER-SILENT: the seller said nothing before escalation
        pool = vocab.DISPUTE_SELLER if who is Actor.SELLER else vocab.DISPUTE_BUYER
        out.append((at, Channel.DISPUTE_CHAT, who, pick(rng, pool).format_map(fmt)))
        if rng.random() < 0.75:
            author = Actor.BUYER if author is Actor.SELLER else Actor.SELLER
