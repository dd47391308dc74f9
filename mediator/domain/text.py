"""The one sanitiser for untrusted text (chat, names, captions, imported fields).

Stored text stays verbatim; everything shown passes through `visible()` first, which makes
control characters visible instead of letting them reach the terminal:

- C0 controls except newline and tab → Unicode control pictures (ESC → ␛, BEL → ␇, CR → ␍);
- DEL → ␡; the C1 range U+0080–U+009F (including the 8-bit CSI 0x9B) → ⍰;
- bidi embeddings, overrides and isolates (Trojan-source tricks) → a visible ⟦U+202E⟧ tag.

Rendering then builds plain `Text`/`Content` from the result: never markup.
"""

from __future__ import annotations

import re

_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_TABLE: dict[int, str] = {}
for _code in range(0x20):
    if _code not in (0x09, 0x0A):
        _TABLE[_code] = chr(0x2400 + _code)
_TABLE[0x7F] = "\u2421"
for _code in range(0x80, 0xA0):
    _TABLE[_code] = "\u2370"
for _char in _BIDI:
    _TABLE[ord(_char)] = f"⟦U+{ord(_char):04X}⟧"

_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f" + _BIDI + "]")


def visible(text: str) -> str:
    """`text` with every control character replaced by a visible stand-in (see module doc)."""
    if "\r\n" in text:
        text = text.replace("\r\n", "\n")
    if _UNSAFE.search(text) is None:
        return text
    return text.translate(_TABLE)


def one_line(text: str, limit: int = 200) -> str:
    """A single-line, visible, bounded excerpt of `text` (for table cells and titles)."""
    head = text[: limit * 4]
    flat = visible(head).replace("\n", " ⏎ ").replace("\t", " ")
    if len(flat) > limit or len(head) < len(text):
        return flat[: max(limit - 1, 0)] + "…"
    return flat
