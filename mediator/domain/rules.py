"""The rule table of docs/POLICY.md, word for word: IDs, sections, rule texts and kinds.

Data only; `policy` checks the rules. A test parses docs/POLICY.md and compares it with `RULES`,
so an edit to one without the other fails.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

SECTION_OPENING = "Opening and escalating"
SECTION_REFUNDS = "Refunds"
SECTION_EVIDENCE = "Evidence and communication"


@dataclass(frozen=True, slots=True)
class Rule:
    """One row of a rule table in docs/POLICY.md, word for word."""

    id: str
    section: str
    text: str
    kind: str


def _rules(section: str, *rows: tuple[str, str, str]) -> tuple[Rule, ...]:
    return tuple(Rule(rule_id, section, text, kind) for rule_id, text, kind in rows)


#: Every rule row of docs/POLICY.md, in document order (a test compares them with the file).
RULES: tuple[Rule, ...] = (
    *_rules(
        SECTION_OPENING,
        ("P-OPEN-15MIN",
         "A dispute cannot be opened within 15 minutes of the order being placed.",
         "block (import/API)"),
        ("P-OPEN-72H",
         'Under the marketplace guarantee the buyer has at least 72 hours from "Delivered" to '
         "open a dispute. A dispute opened inside that window is always in time; later ones may "
         "be refused depending on seller trust level.",
         "warning"),
        ("P-OPEN-CONFIRMED",
         "The dispute option may be unavailable after the buyer confirmed delivery (depends on "
         "seller trust level).",
         "warning"),
        ("P-ESC-24H",
         "Buyer and seller first try to resolve in the dispute chat; either may escalate to "
         "staff once 24 hours have passed since the dispute was opened.",
         "block (earlier escalation)"),
        ("P-ESC-SELLER-SILENT",
         "A dispute auto-escalates when the seller has not attended (no message) within 24 hours "
         "of it being opened.",
         "automatic"),
        ("P-ESC-STALE",
         "A dispute auto-escalates when there has been no update for about 3 days (72 hours).",
         "automatic"),
        ("P-INFO-7D",
         "When staff request information and the party does not respond within 7 days, the "
         "guarantee claim may be forfeited for lack of evidence.",
         "warning + SLA timer"),
    ),
    *_rules(
        SECTION_REFUNDS,
        ("P-REFUND-PAIDOUT",
         "Once an order is delivered, confirmed and paid out, refunds are unavailable.",
         "block"),
        ("P-REFUND-UNDELIVERED", "An undelivered order is eligible for a full refund.", "guidance"),
        ("P-REFUND-DEFECTIVE",
         "For incorrect or defective delivery a refund may be full or partial.",
         "guidance"),
        ("P-REFUND-DEFECTIVE-UNRESOLVED",
         "For a defective product with no resolution, the buyer is entitled to a full refund "
         "after returning the item.",
         "guidance (return required)"),
        ("P-RETURN-CONSENT",
         "A return is only possible if the seller agrees.",
         "block (return without consent)"),
        ("P-RETURN-KEEP-50",
         "On a return the seller may keep at most 50% of the price, unless the product was "
         "falsely advertised or defective (then 0%).",
         "block (over the cap)"),
        ("P-REFUND-SERVICE",
         "A completed service can only be refunded if the seller made an error during delivery.",
         "block (no seller error recorded)"),
        ("P-REFUND-FEE",
         "When an order is refunded, the same percentage of the service fee is refunded "
         "automatically.",
         "computed, never typed"),
        ("P-REFUND-BOUNDS",
         "A partial refund is more than 0 and less than the amount paid; amounts are exact "
         "decimals in the order's currency (never floats).",
         "block"),
    ),
    *_rules(
        SECTION_EVIDENCE,
        ("P-COMM-ONPLATFORM",
         "Only communication on the marketplace counts; messages that move the trade to "
         "Discord, WhatsApp, Telegram, email, phone etc. are flagged, and off-platform claims "
         "are not considered.",
         "flag"),
        ("P-COMM-CONDUCT",
         "Insults, harassment, spam and baseless accusations are flagged.",
         "flag"),
        ("P-COMM-SPAM-LONG",
         "Very long (machine-written) messages may be marked as spam and hidden from users; "
         "staff still see them, marked.",
         "flag"),
        ("P-EVIDENCE",
         "Evidence is screenshots, photos, videos, timestamps and order details, shown in "
         "chronological order with the chat.",
         "display"),
        ("P-REASONS",
         "Reasons a dispute is opened: item not received, not as described, defective/quality, "
         "incomplete, wrong specification or quantity, late delivery, account access not fully "
         "transferred.",
         "data"),
    ),
)  # fmt: skip
RULES_BY_ID: Mapping[str, Rule] = MappingProxyType({rule.id: rule for rule in RULES})
