"""The decision's one-statement write on PostgreSQL stays within what psycopg caches.

psycopg parses a statement's placeholders once and caches the result only for statements of at
most 50 parameters and 4,096 characters (`psycopg._queries.MAX_CACHED_STATEMENT_*`); past either
limit it parses the SQL text again on every call, ~0.5 ms of CPU per decision (measured with
`bench/api.py profile` when the audit entry pushed the statement to 52 parameters).
"""

from __future__ import annotations

import pytest
from psycopg import _queries
from sqlalchemy.dialects import postgresql

from mediator.store.sql import deciding


@pytest.mark.parametrize("name", ["_PG_WRITE", "_PG_WRITE_WITH_KEY"])
def test_the_decision_statement_is_cached_by_psycopg(name: str) -> None:
    dialect = postgresql.psycopg.dialect()  # type: ignore[no-untyped-call]
    compiled = getattr(deciding, name).compile(dialect=dialect)
    assert len(compiled.params) <= _queries.MAX_CACHED_STATEMENT_PARAMS
    assert len(str(compiled)) <= _queries.MAX_CACHED_STATEMENT_LENGTH
