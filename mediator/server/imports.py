"""`POST /imports`: JSON Lines (IMPORT_FORMAT.md), all or nothing, every bad line named."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

from fastapi import Request

from mediator.importer import LineError, clash_errors, field_path, no_disputes, parse_lines
from mediator.server.errors import ApiError, error, invalid
from mediator.store.base import AdminStore, ImportClash, ImportReport

#: Largest import body (bytes); bigger files go through `mediator import` on the server.
MAX_IMPORT_BYTES = 64 * 1024 * 1024

_RULE_ID = re.compile(r"\bP-[A-Z0-9]+(?:-[A-Z0-9]+)*\b")


async def import_lines(store: AdminStore, request: Request, *, actor: str) -> ImportReport:
    """Import the request's JSON Lines (IMPORT_FORMAT.md), all or nothing, as `actor` (the
    supervisor, in the audit trail); `ApiError` names every bad line (at most the first 100)
    and nothing is written."""
    size = 0
    chunks: list[bytes] = []
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_IMPORT_BYTES:
            raise error(413, "too_large", f"an import body is at most {MAX_IMPORT_BYTES:,} bytes")
        chunks.append(chunk)
    lines = b"".join(chunks).splitlines()
    result = await asyncio.to_thread(parse_lines, lines)
    if not result.errors:
        result.errors.extend(_nul_errors(lines))
    if result.errors:
        raise _invalid_import(result.errors)
    if result.empty:
        raise invalid(no_disputes("the body"), [], code="invalid_import")
    try:
        return await asyncio.to_thread(store.import_disputes, result.disputes, actor=actor)
    except ImportClash as exc:  # ids the store holds under other disputes: name their lines
        raise _invalid_import(clash_errors(exc, result.line_of)) from None


def _invalid_import(line_errors: list[LineError]) -> ApiError:
    errors = [(f"line {e.line}: {e.field}", e.message) for e in line_errors[:100]]
    first, n = line_errors[0], len(line_errors)
    return invalid(
        f"{n} error{'' if n == 1 else 's'}, nothing was imported; "
        f"first: line {first.line}: {first.field}: {first.message}",
        errors,
        code="invalid_import",
        blocks=sorted({r for _, m in errors for r in _RULE_ID.findall(m)}),
    )


def _nul_errors(lines: list[bytes]) -> list[LineError]:
    """A NUL (`\\u0000`) in a string of a valid line: PostgreSQL cannot store it (SQLite would),
    so the API refuses it on both, naming the line and the field."""
    errors: list[LineError] = []
    for number, line in enumerate(lines, 1):
        if b"\\u0000" not in line:  # the only way a NUL can be in a valid JSON line
            continue
        try:
            value = json.loads(line.removeprefix(b"\xef\xbb\xbf"))
        except ValueError:
            continue
        loc = _nul_at(value, ())
        if loc is not None:
            errors.append(
                LineError(number, field_path(loc), "contains U+0000 (NUL), which cannot be stored")
            )
    return errors


def _nul_at(value: Any, loc: tuple[int | str, ...]) -> tuple[int | str, ...] | None:
    """Where the first NUL in a JSON value is (in a key or a string), or None."""
    if isinstance(value, str):
        return loc if "\x00" in value else None
    items: list[tuple[int | str, Any]] = []
    if isinstance(value, dict):
        items = list(value.items())
    elif isinstance(value, list):
        items = list(enumerate(value))
    for key, item in items:
        if isinstance(key, str) and "\x00" in key:
            return (*loc, key)
        found = _nul_at(item, (*loc, key))
        if found is not None:
            return found
    return None
