"""The one character set for ids and staff names (IMPORT_FORMAT.md "Rules").

Ids and the names decisions are recorded under end up in URLs, file names, logs and screen
titles, so they hold only ASCII letters, digits, `.`, `_`, `:` and `-`, 1–64 of them: no
markup brackets, spaces, quotes, slashes, control characters or look-alike Unicode.
"""

from __future__ import annotations

import re

from mediator.domain.text import one_line

#: The longest id or staff name.
MAX_ID_CHARS = 64
#: The characters an id may hold, as the error messages name them.
ALLOWED = "letters, digits, '.', '_', ':' and '-' (ASCII)"
SAFE_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_UNSAFE = re.compile(r"[^A-Za-z0-9._:-]")


def id_problem(value: str) -> str | None:
    """Why `value` is not a safe id (the characters it may not hold, its length), or None."""
    if SAFE_ID.fullmatch(value):
        return None
    if not value:
        return "must not be empty"
    bad = _UNSAFE.findall(value[:1000])
    if bad:
        shown = ", ".join(one_line(repr(ch), 12) for ch in list(dict.fromkeys(bad))[:5])
        return f"may hold only {ALLOWED}, not {shown}"
    return f"is {len(value)} characters long; at most {MAX_ID_CHARS} are allowed"


def name_problem(name: str) -> str | None:
    """Why `name` cannot be a staff or agent name (what decisions are recorded under), or None.

    The id character set, 1–64 characters, starting with a letter or digit.
    """
    problem = id_problem(name)
    if problem is not None:
        return problem
    if not name[0].isalnum():
        return "must start with a letter or digit"
    return None
