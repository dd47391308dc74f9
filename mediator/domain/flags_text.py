"""Text preparation for transcript flags: what the matchers see, and how their words are built.

`normalise()` turns untrusted chat text into one canonical, lower-case form so that a word is
found however it is dressed up:

- terminal control sequences are removed (CSI colours, 8-bit CSI); an OSC sequence is replaced
  by its payload, so a hyperlink hidden in an OSC 8 escape is still seen;
- other C0/C1 controls and invisible format characters (zero-width space/joiner, soft hyphen,
  word joiner, BOM, bidi embeddings, overrides and isolates) are deleted, so "disc\u200bord"
  reads "discord"; CR and the Unicode line/paragraph separators become newlines;
- NFKC folds fullwidth and other compatibility forms ("Ｄｉｓｃｏｒｄ" → "discord"), then case is
  lowered and accents are dropped ("Betrüger" → "betruger", "мой" → "мои");
- inside a word that mixes Latin letters with Cyrillic or Greek look-alikes, the look-alikes are
  folded to Latin ("Dіscord" with a Cyrillic і); all-Cyrillic words stay as they are.

Only a bounded part of a message is examined (`scan_window`): the first `SCAN_HEAD` and the last
`SCAN_TAIL` characters, so a 1 MB message costs the same as a 24 kB one. Everything here is
linear in the length of its input: the regular expressions use bounded quantifiers only.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Collection

#: Characters of a message examined for contact and conduct flags: the head, where people write,
#: and the tail, where spammers put their contact details. Text in between is not scanned; a
#: message that long is flagged P-COMM-SPAM-LONG anyway.
SCAN_HEAD = 20_000
SCAN_TAIL = 4_000

# OSC: ESC ] payload (BEL | ESC \ | ST); the 8-bit form starts with 0x9D.
_OSC = re.compile(r"(?:\x1b\]|\x9d)([^\x07\x1b\x9c]{0,4096})(?:\x07|\x1b\\|\x9c)?")
# CSI (7- and 8-bit), then any other two-character escape.
_CSI = re.compile(r"(?:\x1b\[|\x9b)[0-?]{0,64}[ -/]{0,16}[@-~]?|\x1b[@-Z\\^_]?")

_DELETE = (
    [c for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)]
    + list(range(0x7F, 0xA0))
    + [0x00AD, 0x034F, 0x061C, 0x115F, 0x1160, 0x180E, 0x3164, 0xFEFF, 0xFFA0]
    + list(range(0x200B, 0x2010))  # zero-width space/non-joiner/joiner, LRM, RLM
    + list(range(0x202A, 0x202F))  # bidi embeddings and overrides
    + list(range(0x2060, 0x2070))  # word joiner, invisible operators, bidi isolates
    + list(range(0xFE00, 0xFE10))  # variation selectors
)
_TABLE: dict[int, str | None] = dict.fromkeys(_DELETE)
_TABLE.update({0x0D: "\n", 0x2028: "\n", 0x2029: "\n", 0x2018: "'", 0x2019: "'", 0x02BC: "'"})
_TABLE.update({0x201C: '"', 0x201D: '"', 0x00B4: "'", 0x0060: "'"})
_NEEDS_TABLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\xa0\xad\u034f\u061c\u115f\u1160\u180e\u3164\ufeff\uffa0"
    "\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufe00-\ufe0f\u2018\u2019\u02bc\u201c\u201d\xb4`"
    "\u2028\u2029\r]"
)

# Cyrillic and Greek letters that look like Latin ones (lower case, after NFKC).
_LOOKALIKE = str.maketrans(
    "аеорсухіјѕԁɡкмтвнαεικνορτυχ",
    "aeopcyxijsdgkmtbhaeikvoptux",
)
_HAS_LOOKALIKE = re.compile("[аеорсухіјѕԁɡкмтвнαεικνορτυχ]")
_WORD = re.compile(r"[^\W\d_]+")
#: Whitespace other than space, tab and newline (NFKC leaves a few, such as U+1680).
_ODD_SPACE = re.compile(r"[^\S \t\n]")


def _small_letters() -> dict[int, str]:
    """Latin letters NFKC leaves alone, by their Unicode names: "LATIN LETTER SMALL CAPITAL D"
    (ᴅ), "LATIN SMALL LETTER DOTLESS I", "LATIN LETTER SMALL CAPITAL R" (ʀ)… → "d", "i", "r"."""
    table: dict[int, str] = {}
    for start, end in ((0x0180, 0x0300), (0x1D00, 0x1DC0), (0xA720, 0xA800)):
        for code in range(start, end):
            name = unicodedata.name(chr(code), "")
            found = _SMALL_NAME.fullmatch(name)
            if found is not None:
                table[code] = found.group(1).lower()
    return table


_SMALL_NAME = re.compile(
    r"LATIN (?:LETTER SMALL CAPITAL|SMALL LETTER DOTLESS|LETTER SMALL|SMALL CAPITAL) ([A-Z])"
)
#: Small capitals and other Latin letters NFKC does not fold ("ᴅɪsᴄᴏʀᴅ" → "discord"), built from
#: `unicodedata` names once at import (about a millisecond).
_SMALL_LETTERS = _small_letters()
_HAS_SMALL = re.compile("[" + "".join(map(chr, sorted(_SMALL_LETTERS))) + "]")
#: A capital I between small letters stands for an l: "teIegram", "WhatsApp" stays as it is.
_CAPITAL_I = re.compile(r"(?<=[a-z])I(?=[a-z])")


def scan_window(body: str) -> str:
    """The part of `body` the contact and conduct rules look at (see `SCAN_HEAD`)."""
    if len(body) <= SCAN_HEAD + SCAN_TAIL:
        return body
    return body[:SCAN_HEAD] + "\n" + body[-SCAN_TAIL:]


def deaccent(text: str) -> str:
    """`text` without combining marks (after canonical decomposition)."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(c for c in decomposed if not 0x300 <= ord(c) <= 0x36F)
    return unicodedata.normalize("NFC", stripped)


def strip_controls(text: str) -> str:
    """`text` without escape sequences, controls and invisible characters (see module doc)."""
    if "\x1b" in text or "\x9b" in text or "\x9d" in text:
        text = _OSC.sub(lambda m: f" {m.group(1)} ", text)
        text = _CSI.sub("", text)
    if _NEEDS_TABLE.search(text) is not None:
        text = text.translate(_TABLE)
    return text


def normalise(text: str) -> str:
    """The canonical form the matchers search: no controls, NFKC, lower case, no accents."""
    text = strip_controls(text)
    if "I" in text:
        text = _CAPITAL_I.sub("l", text)
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFKC", text)
    if _HAS_SMALL.search(text) is not None:
        text = text.translate(_SMALL_LETTERS)
    text = deaccent(text.lower())
    text = _ODD_SPACE.sub(" ", text)
    if _HAS_LOOKALIKE.search(text) is not None:
        text = _WORD.sub(_fold_mixed_word, text)
    return text


#: Three or more single characters separated by single spaces: "w h a t s a p p", "k y s",
#: "n o o r @ g m a i l . c o m", in any script ("т е л е г р а м:"; a colon or comma may end
#: the last letter). Joined into one word by `unspace`.
_SPACED = re.compile(r"(?<!\S)(?:[^\s] ){2,}[^\s][:,;!?]?(?!\S)")


def unspace(text: str) -> str:
    """`text` with letters written one by one, spaced out, joined: "s t u p i d" → "stupid"."""
    if " " not in text:
        return text
    return _SPACED.sub(lambda m: m.group().replace(" ", ""), text)


#: A word that mixes letters with digits or "@"/"$" standing for letters: "l0ser", "sc4mmed",
#: "burr0", "1d10t" (at least one letter and one such character).
_LEET_WORD = re.compile(r"(?<![\w@$])(?=[\w@$]*[^\W\d_])(?=[\w@$]*[\d@$])[\w@$]{3,20}(?![\w@$])")
_HAS_LEET = re.compile(r"[^\W\d_][\d@$]|[\d@$][^\W\d_]")
_DIGITISH = re.compile(r"[\d@$]")
_UNLEET = str.maketrans("48390157@$", "abegoistas")


def unleet(text: str) -> str:
    """`text` (normalised) with the look-alike digits of mixed words read as letters: "u r a
    l1ttle r4t" → "u r a little rat"; numbers, prices and dates stay as they are. A third
    reading for the conduct rules' sentence forms, which match words as written."""
    if text.isascii():
        if len(text.encode().translate(None, b"0123456789@$")) == len(text):
            return text  # no digit, "@" or "$": most lines (a C scan, faster than a regex)
    elif _DIGITISH.search(text) is None:
        return text
    if _HAS_LEET.search(text) is None:
        return text
    return _LEET_WORD.sub(_unleet_word, text)


def _unleet_word(match: re.Match[str]) -> str:
    """The word with its look-alike digits read as letters, if that makes a word of letters
    from at least two written ones ("r4t" → "rat"; "24h", "4k60", "a1" stay)."""
    word = match.group()
    read = word.translate(_UNLEET)
    return read if read.isalpha() and sum(c.isalpha() for c in word) >= 2 else word


def _fold_mixed_word(match: re.Match[str]) -> str:
    token = match.group()
    if token.isascii() or not any("a" <= c <= "z" for c in token):
        return token
    return token.translate(_LOOKALIKE)


# --- building patterns --------------------------------------------------------------------

#: Digits and symbols people put in place of letters ("d1sc0rd", "sc@mmer", "1d10t"). Each
#: stands for one letter only, so that `squash` can undo it.
_LEET = {"a": "a4@", "b": "b8", "e": "e3", "g": "g9", "i": "i1!|", "o": "o0", "s": "s5$", "t": "t7"}
#: One optional separator between the letters of a word: "d i s c o r d", "d.i.s.c.o.r.d".
#: After `normalise`, whitespace is only space, tab and newline: the same set `squash` deletes.
_SEP = r"[\s.\-_*']?"
_SQUASH = str.maketrans(
    {**dict.fromkeys(" \t\n.-_*'"), **{c: letter for letter, cs in _LEET.items() for c in cs[1:]}}
)
#: Word edges: no letter just before or after (digits may touch: "discord2").
LEFT = r"(?<![^\W\d_])"
RIGHT = r"(?![^\W\d_])"


def word(text: str, *, spaced: bool | None = None) -> str:
    """Regex source for `text` written with look-alike digits and, if `spaced`, separators.

    `spaced` defaults to words of five letters or more: shorter ones would match across
    ordinary words ("li ar").
    """
    if spaced is None:
        spaced = len(text) >= 5
    parts = []
    for char in text:
        options = _LEET.get(char)
        parts.append(f"[{re.escape(options)}]" if options else re.escape(char))
    return (_SEP if spaced else "").join(parts)


def compile_words(source: str) -> re.Pattern[str]:
    """Compile a pattern written with accents ("betrüger"), as `normalise` leaves text."""
    return re.compile(deaccent(source))


def squash(text: str) -> str:
    """`text` (normalised) without separators and with look-alike digits read as letters.

    Whatever `word()` matches in `text` appears in `squash(text)` as the plain word, and so does
    any plain word of `text`; that makes it the place to look for `gate` stems.
    """
    return text.translate(_SQUASH)


def gate(*stems: str) -> re.Pattern[str]:
    """A fast search for any of the literal `stems` (written with accents, like the rules).

    A pattern of plain literal alternatives lets `re` skip through the text in C, where the
    rules themselves, with their word-edge look-behinds, try every alternative at every
    position. A rule runs only when its gate finds a stem, so a gate must list a stem for every
    way its rule can match; `tests/domain/test_flags.py` checks gated against ungated results.
    """
    unique = frozenset(deaccent(stem) for stem in stems)
    pattern = re.compile(_trie(unique))
    _STEMS[pattern] = unique
    return pattern


#: The stems of each `gate`, for `any_gate`.
_STEMS: dict[re.Pattern[str], frozenset[str]] = {}


def any_gate(
    *,
    text: tuple[re.Pattern[str], ...] = (),
    squashed: tuple[re.Pattern[str], ...] = (),
    also: str = "",
) -> re.Pattern[str]:
    """One search of the squashed text that finds something whenever any of the `gate`s would:
    those looked for in the `text` and those looked for in the `squashed` text (and `also`, a
    pattern for the squashed text, for a gate that is not a list of stems).

    A module asks it first and skips its gated rules when it finds nothing, which is what most
    chat lines come to: one scan instead of one per gate. It is sound because `squash` maps each
    character on its own (or drops it): a stem found in the text appears, squashed, in the
    squashed text ("find you" as "findyou").
    """
    stems = {squash(stem) for one in text for stem in _STEMS[one]}
    stems |= {stem for one in squashed for stem in _STEMS[one]}
    if "" in stems:
        return re.compile("")
    return re.compile((f"{also}|" if also else "") + _trie(stems))


def _trie(stems: Collection[str]) -> str:
    """Regex source matching where any of `stems` starts, as a trie: "ab|ac" → "a(?:b|c)".

    `re` tries the alternatives of a branch one after another at every position of the text;
    sharing prefixes leaves one alternative per distinct first character (three to four times
    faster on chat text, measured). A stem that has another stem as its prefix is dropped: the
    shorter one already answers a search, which is all a gate is used for.
    """
    heads: dict[str, set[str]] = {}
    for stem in stems:
        heads.setdefault(stem[0], set()).add(stem[1:])
    branches = []
    for head, tails in sorted(heads.items()):
        if "" in tails:
            branches.append(re.escape(head))
            continue
        rest = _trie(tails)
        branches.append(re.escape(head) + (f"(?:{rest})" if len(tails) > 1 else rest))
    return "|".join(branches)


_WORDS = re.compile(r"\w+")


_LAST_WORDS: list[tuple[str, frozenset[str]]] = [("", frozenset())]


def words_of(text: str) -> frozenset[str]:
    """The words of `text` (normalised), for `WordGate`s: one pass, then set look-ups. The last
    answer is kept, since the contact and conduct rules ask about the same text in turn."""
    last_text, last_words = _LAST_WORDS[0]
    if text is last_text or text == last_text:
        return last_words
    words = frozenset(_WORDS.findall(text))
    _LAST_WORDS[0] = (text, words)
    return words


class WordGate:
    """A gate by whole words: faster than `gate` where the rule's words are many and common
    letters start them, since it costs one set intersection per message. Stems ending in "*"
    are prefixes ("arruin*": "arruinare", "arruinar"); the rest whole words. As with `gate`, a
    rule runs only when its gate passes, so the words must cover every way the rule matches
    (`tests/domain/test_flags.py` checks gated against ungated results)."""

    __slots__ = ("_ascii", "_exact", "_other", "_prefixes")

    def __init__(self, *stems: str) -> None:
        self._exact = frozenset(deaccent(s) for s in stems if not s.endswith("*"))
        self._prefixes = tuple(deaccent(s[:-1]) for s in stems if s.endswith("*"))
        self._ascii = _prefix_search([p for p in self._prefixes if p.isascii()])
        self._other = _prefix_search(list(self._prefixes))

    def __call__(self, words: frozenset[str], text: str) -> bool:
        """Whether any stem is among `words` (`words_of(text)`), or a prefix anywhere in
        `text` (a substring test, all prefixes in one scan: a little wider than a word's
        start, which is safe; prefixes in other scripts are not looked for in ASCII text)."""
        if not self._exact.isdisjoint(words):
            return True
        search = self._ascii if text.isascii() else self._other
        return search is not None and search(text) is not None


def _prefix_search(prefixes: list[str]) -> Callable[[str], re.Match[str] | None] | None:
    return re.compile(_trie(prefixes)).search if prefixes else None


class GateSet:
    """Many `WordGate`s answered at once: which of them pass for a message, for one set
    intersection and a dictionary look-up per matching word (instead of one call per gate);
    `any` answers whether one does, for a module to skip all its rules at once."""

    __slots__ = ("_ascii", "_by_word", "_keys", "_prefixes", "_search", "_search_ascii")

    def __init__(self, gates: list[WordGate]) -> None:
        by_word: dict[str, set[int]] = {}
        prefixes: list[tuple[str, int]] = []
        for index, one in enumerate(gates):
            for stem in one._exact:
                by_word.setdefault(stem, set()).add(index)
            prefixes.extend((prefix, index) for prefix in one._prefixes)
        self._by_word = {stem: frozenset(ids) for stem, ids in by_word.items()}
        self._keys = frozenset(by_word)
        self._prefixes = tuple(prefixes)
        self._ascii = tuple((prefix, index) for prefix, index in prefixes if prefix.isascii())
        self._search = _prefix_search([prefix for prefix, _ in prefixes])
        self._search_ascii = _prefix_search([prefix for prefix, _ in self._ascii])

    def passing(self, words: frozenset[str], text: str) -> set[int]:
        """The indexes of the gates that pass for `words` (`words_of(text)`) and `text`."""
        found: set[int] = set()
        for stem in words & self._keys:
            found |= self._by_word[stem]
        for prefix, index in self._ascii if text.isascii() else self._prefixes:
            if prefix in text:
                found.add(index)
        return found

    def any(self, words: frozenset[str], text: str) -> bool:
        """Whether any of the gates passes (one set test and at most one scan)."""
        if not self._keys.isdisjoint(words):
            return True
        search = self._search_ascii if text.isascii() else self._search
        return search is not None and search(text) is not None
