"""Untrusted strings on screen: plain and sanitised, never markup.

The one way to put text that is not ours (ids, names, titles, captions, chat, an API's words)
into a widget is `plain(...)`: it makes control characters visible (`domain.text.visible`) and
builds `Content`, which Textual never parses as markup. Rich renderables built by hand (tables,
transcript lines) append `visible(...)` strings to `Text`, which is not parsed either.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from rich.cells import cell_len, set_cell_size
from textual.content import Content

from mediator.domain.deadlines import duration
from mediator.domain.text import one_line, visible

__all__ = ["cell", "duration", "local_time", "plain"]


def plain(*parts: str | tuple[str, str]) -> Content:
    """Content from untrusted `parts` (a string, or a (string, style) pair), each sanitised and
    none of it parsed as markup: `plain("Note on ", (dispute_id, "bold"))`."""
    return Content.assemble(
        *(visible(part) if isinstance(part, str) else (visible(part[0]), part[1]) for part in parts)
    )


def cell(text: str, width: int) -> str:
    """`text` on one line, sanitised, truncated with … and padded to exactly `width` cells."""
    if width <= 0:
        return ""
    flat = one_line(text, limit=max(width * 2, 8))
    if cell_len(flat) > width:
        return set_cell_size(flat, width - 1) + "…"
    return set_cell_size(flat, width)


def local_time(at: datetime, tz: tzinfo, *, with_year: bool = False) -> str:
    fmt = "%d %b %Y %H:%M" if with_year else "%d %b %H:%M"
    return at.astimezone(tz).strftime(fmt)
