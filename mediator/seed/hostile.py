"""Hostile text for the demo data: what the public really types, and what attackers try.

Every dispute at `index % PERIOD == OFFSET` is hostile. Its kind cycles through `KINDS`; its body
sample goes into a chat message and its short sample into one more place, cycling through
`PLACES` (4 places against 5 kinds, so any 50 consecutive disputes hold every kind and place).
"""

from __future__ import annotations

from enum import StrEnum

PERIOD = 7
OFFSET = 3


class HostileKind(StrEnum):
    MARKUP = "markup"
    ANSI = "ansi"
    LONG_LINE = "long_line"
    EMOJI = "emoji"
    RTL = "rtl"


class Place(StrEnum):
    TITLE = "title"
    CAPTION = "caption"
    BUYER_NAME = "buyer_name"
    SELLER_NAME = "seller_name"


KINDS = tuple(HostileKind)
PLACES = tuple(Place)

#: Rich/Textual markup that must show as the literal text.
MARKUP = (
    "[bold red]URGENT[/]",
    "[/]",
    "[link=https://evil.example]click[/link]",
    "[@click=app.quit]x[/]",
    "Order [A1] refunded",
    "[BOLD]caps[/BOLD] [red",
)
#: Escape sequences that must never reach the agent's terminal.
ANSI = (
    "\x1b[31mred\x1b[0m",
    "\x1b]52;c;SGVsbG8=\x07",  # OSC 52: write the agent's clipboard
    "\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\",  # OSC 8: a hidden hyperlink
    "\x9b31m8-bit CSI\x9b0m",
    "\x1b[2J\x1b[Hcleared",
    "progress\rOVERWRITTEN\x07",
)
EMOJI = (
    "Fast delivery 🚀👍",
    "family 👨‍👩‍👧‍👦",  # ZWJ sequence
    "🏳️‍🌈 🧑🏽‍💻 🇯🇵",
    "❤️🔥 thanks!!",
)
RTL = (
    "مرحبا، لم يصل الطلب بعد",
    "שלום, ההזמנה לא הגיעה",
    "invoice_\u202efdp.exe",  # U+202E: shows as "invoice_exe.pdf"
)

#: A single 5,000-character line without a break.
LONG_LINE = ("Please read carefully. " * 218)[:5000]

BODY: dict[HostileKind, str] = {
    HostileKind.MARKUP: "Seller wrote: " + " ".join(MARKUP),
    HostileKind.ANSI: "copied from terminal: " + " ".join(ANSI),
    HostileKind.LONG_LINE: LONG_LINE,
    HostileKind.EMOJI: " ".join(EMOJI),
    HostileKind.RTL: " / ".join(RTL),
}
SHORT: dict[HostileKind, tuple[str, ...]] = {
    HostileKind.MARKUP: ("Order [A1] refunded", "[bold red]SALE[/]", "[@click=app.quit]x[/]"),
    HostileKind.ANSI: ("\x1b[31mKeyShop\x1b[0m", "\x1b]52;c;SGVsbG8=\x07", "\x9b1mbold"),
    HostileKind.LONG_LINE: (LONG_LINE, "W" * 500),
    HostileKind.EMOJI: ("✨KeyKing✨👑", "👨‍👩‍👧‍👦 bundle", "🇯🇵 JP store"),
    HostileKind.RTL: ("متجر الألعاب", "חנות משחקים", "\u202eredles_doog"),
}


def hostile_for(index: int) -> tuple[HostileKind, Place] | None:
    """The kind of hostile text dispute `index` carries, and the extra place it goes, if any."""
    if index % PERIOD != OFFSET:
        return None
    h = index // PERIOD
    return KINDS[h % len(KINDS)], PLACES[h % len(PLACES)]


#: The two very large messages (P-COMM-SPAM-LONG), only when at least `HUGE_MIN_N` disputes.
HUGE_MIN_N = 200
MEGABYTE_INDEX = 101
TEN_THOUSAND_LINES_INDEX = 157


def megabyte_message() -> str:
    sentence = "This is an automatically generated appeal, please refund me now. "
    return (sentence * (1_048_576 // len(sentence) + 1))[:1_048_576]


def ten_thousand_lines() -> str:
    return "\n".join(f"line {j}: still waiting for my order" for j in range(1, 10_001))
