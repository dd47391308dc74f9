"""Transcript flags: which chat messages break the communication rules, and why.

`flag_message(body)` returns at most one `Flag` per rule, in `RULE_IDS` order:

- P-COMM-ONPLATFORM: moving the trade or the conversation off the marketplace (`flags_contact`);
- P-COMM-CONDUCT: insults, harassment, threats, abusive spam, name-calling (`flags_conduct`);
- P-COMM-SPAM-LONG: very long or highly repetitive, machine-written messages (below).

Pure: no Textual, no SQL, no I/O. Text is matched after `flags_text.normalise()` (controls,
escape sequences and invisible characters removed; NFKC, lower case, no accents), so a flag
cannot be hidden with "disc\u200bord", fullwidth letters or an ANSI escape. Cost is bounded: the
contact and conduct rules read at most the first 20,000 and last 4,000 characters
(`flags_text.SCAN_HEAD`/`SCAN_TAIL`), and the spam rule only measures length above
`SPAM_LONG_CHARS`, so a 1 MB message costs about as much as a 24 kB one. All regular
expressions use bounded quantifiers: no catastrophic backtracking.

Each flag carries its reason and, when the words it rests on can be found in the body, their
span (`locate`), which the transcript highlights. Letters spaced out one by one ("k y s") are
joined in a second reading that a rule uses only when the text as written gives it nothing; the
conduct rules have a third, with look-alike digits inside words read as letters ("u r a l1ttle
r4t"), since their sentence forms match words as written.

The labelled set `tests/data/flags_labelled.jsonl` measures precision and recall per rule
(`bench/flags.py` prints them); the decisions on ambiguous cases are in the rule modules.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from mediator.domain.flags_conduct import conduct_evidence
from mediator.domain.flags_contact import off_platform_evidence
from mediator.domain.flags_text import (
    SCAN_HEAD,
    normalise,
    scan_window,
    squash,
    unleet,
    unspace,
)

ONPLATFORM = "P-COMM-ONPLATFORM"
CONDUCT = "P-COMM-CONDUCT"
SPAM_LONG = "P-COMM-SPAM-LONG"
RULE_IDS: tuple[str, ...] = (ONPLATFORM, CONDUCT, SPAM_LONG)

#: P-COMM-SPAM-LONG by length. In the demo data (2,000 seeded disputes, 15,582 messages) every
#: ordinary chat line is under 150 characters (99th percentile 132); the longest genuine
#: messages in the labelled set, a buyer's full timeline and a seller's point-by-point reply,
#: are about 1,500 and 2,700 characters. Machine-written text starts at the seed's 5,000-character
#: line and goes up to 1 MB. 4,000 characters (about 650 words, a page and a half) leaves room
#: for the most thorough human message while catching generated appeals.
SPAM_LONG_CHARS = 4_000
#: Below `SPAM_LONG_CHARS`, a message this long that is mostly one line, one word or one
#: character repeated is machine-written or pasted spam.
REPEAT_MIN_CHARS = 500


@dataclass(frozen=True, slots=True)
class Flag:
    """A rule a message breaks, a short reason ("phone number +44 7700 900461", "threat: 'i hope
    your shop burns down'"), and where in the message the reason's words are, when they can be
    found there: (start, end) offsets into the body, for highlighting; None when the words were
    reassembled (spelled-out digits, look-alike letters) or the rule is about the whole message
    (spam)."""

    rule_id: str
    reason: str
    span: tuple[int, int] | None = None


def flag_message(body: str) -> tuple[Flag, ...]:
    """The flags `body` earns: at most one per rule id, in `RULE_IDS` order."""
    text = normalise(scan_window(body))
    squashed = squash(text)
    # Letters written one by one ("w h a t s a p p", "k y s") are joined in a second reading,
    # used by a rule only when the text as written gives it nothing ("you are a s c a m m e r"
    # must still read "a" apart from "scammer").
    joined = unspace(text)
    again = (joined, squash(joined)) if joined != text else None
    flags: list[Flag] = []
    found = off_platform_evidence(text, squashed)
    if found is None and again is not None:
        found = off_platform_evidence(*again)
    if found is not None:
        flags.append(Flag(ONPLATFORM, found[0], locate(body, found[1])))
    found = conduct_evidence(text, squashed)
    if found is None and again is not None:
        found = conduct_evidence(*again)
    if found is None and (read := unleet(text)) != text:
        # a third reading: "u r a l1ttle r4t", "vc é mt burr0" (the forms read words as written)
        found = conduct_evidence(read, squash(read))
    if found is not None:
        shouting = " (shouting)" if _shouting(body) else ""
        flags.append(Flag(CONDUCT, found[0] + shouting, locate(body, found[1])))
    if (spam := spam_long(body)) is not None:
        flags.append(Flag(SPAM_LONG, spam))
    return tuple(flags)


#: Characters the evidence may be split by in the body: spaces, dots and invisible characters
#: between letters ("w h a t s a p p", "disc\u200bord").
_GAP = r"[\W_]{0,3}"


def locate(body: str, evidence: str) -> tuple[int, int] | None:
    """Where `evidence` (normalised text a rule matched) is in `body`: its offsets, or None.

    Found as written (ignoring case), or with up to three spaces, dots or invisible characters
    between its letters. Looked for in the first `SCAN_HEAD` characters only.
    """
    evidence = evidence.strip()
    if not evidence or len(evidence) > 200:
        return None
    head = body[:SCAN_HEAD]
    start = head.lower().find(evidence)
    if start >= 0 and len(head.lower()) == len(head):
        return start, start + len(evidence)
    letters = [c for c in evidence if not c.isspace()]
    pattern = _GAP.join(re.escape(c) for c in letters)
    match = re.search(pattern, head, re.IGNORECASE)
    return (match.start(), match.end()) if match is not None else None


# --- P-COMM-SPAM-LONG ---------------------------------------------------------------------

_DIGITS = re.compile(r"\d+")
_TOKENS = re.compile(r"\w+|[^\w\s]")
_RUN = re.compile(r"(.)\1{199}", re.DOTALL)


def spam_long(body: str) -> str | None:
    """Why `body` is long spam (P-COMM-SPAM-LONG), or None.

    Above `SPAM_LONG_CHARS` only newlines are counted (in the first million characters); below
    it, the repetition measures read the whole message, which is then short.
    """
    size = len(body)
    if size > SPAM_LONG_CHARS:
        lines = body.count("\n", 0, 1_000_000) + 1
        detail = f", {lines:,} lines" if lines >= 100 else ""
        return f"{size:,} characters{detail}"
    if size < REPEAT_MIN_CHARS:
        return None
    if (repeat := _repetition(body)) is not None:
        return f"{size:,} characters, {repeat}"
    return None


def _repetition(body: str) -> str | None:
    """How `body` repeats itself, if it mostly does. Numbers are ignored ("line 1", "line 2")."""
    masked = _DIGITS.sub("0", body)
    lines = [line.strip() for line in masked.splitlines() if line.strip()]
    if len(lines) >= 10:
        _, count = Counter(lines).most_common(1)[0]
        if count >= 10 and count * 2 >= len(lines):
            return f"the same line {count:,} times"
    tokens = _TOKENS.findall(masked.lower())
    if len(tokens) >= 60 and len(set(tokens)) * 100 <= len(tokens) * 15:
        return f"{len(tokens):,} words, {len(set(tokens))} different"
    if _RUN.search(body) is not None:
        return "one character repeated"
    return None


def _shouting(body: str) -> bool:
    """Whether the scanned part of `body` is mostly capital letters."""
    head = body[:2_000]
    letters = sum(c.isalpha() for c in head)
    upper = sum(c.isupper() for c in head)
    return letters >= 10 and upper * 10 >= letters * 7
