"""Helpers that turn untrusted strings into plain, sanitised cells (never markup)."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from rich.cells import cell_len, set_cell_size

from mediator.domain.text import one_line


def cell(text: str, width: int) -> str:
    """`text` on one line, sanitised, truncated with … and padded to exactly `width` cells."""
    if width <= 0:
        return ""
    flat = one_line(text, limit=max(width * 2, 8))
    if cell_len(flat) > width:
        return set_cell_size(flat, width - 1) + "…"
    return set_cell_size(flat, width)


def duration(delta: timedelta) -> str:
    """A compact age: 45m, 5h 02m, 3d 04h."""
    seconds = int(abs(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days}d {hours:02d}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m"


def local_time(at: datetime, tz: tzinfo, *, with_year: bool = False) -> str:
    fmt = "%d %b %Y %H:%M" if with_year else "%d %b %H:%M"
    return at.astimezone(tz).strftime(fmt)
