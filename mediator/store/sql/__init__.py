"""The SQL backend of the `Store` protocol (SQLite by default; PostgreSQL through the same code).

The names are loaded on first use (PEP 562), so that a module of this package that needs no
SQLAlchemy (`peek`, `revisions`, `queue_rows`: the console's first page, issue 18) can be
imported without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mediator.store.sql.store import SqlStore
    from mediator.store.sql.writes import InvalidNote

__all__ = ["InvalidNote", "SqlStore"]


def __getattr__(name: str) -> Any:
    if name == "SqlStore":
        from mediator.store.sql.store import SqlStore

        return SqlStore
    if name == "InvalidNote":
        from mediator.store.sql.writes import InvalidNote

        return InvalidNote
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
