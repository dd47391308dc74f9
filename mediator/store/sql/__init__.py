"""The SQL backend of the `Store` protocol (SQLite by default; PostgreSQL through the same code)."""

from mediator.store.sql.store import SqlStore
from mediator.store.sql.writes import InvalidNote

__all__ = ["InvalidNote", "SqlStore"]
