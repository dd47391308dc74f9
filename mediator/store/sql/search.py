"""Free-text search of the queue: id, order title and both party names, as a substring.

The match is the same on both databases: case-insensitive, a substring of any one of the four
columns (never across two of them), `%` / `_` / `\\` / `"` taken literally. Only the index that
finds the candidates differs; both are created by the Alembic revisions (`alembic/versions/`):

SQLite: an FTS5 index with the trigram tokenizer (case-insensitive substring match from three
characters up), kept in step with `disputes` by triggers (revision v3_baseline).

PostgreSQL: PostgreSQL's indexed text search that keeps substring semantics, the `pg_trgm`
extension: a GIN trigram index on `PG_SEARCH_EXPRESSION`, the lowercased id, title and names in
one string (revision v5_pg_search). `LIKE '%needle%'` on that expression reads the index; the
per-column `ILIKE` that follows only rechecks the candidates (so a needle spanning two columns
does not match). PostgreSQL's word-based full-text search (`tsvector`) is deliberately not used:
it matches whole words and stems, not substrings, and would answer differently from SQLite.

Needles shorter than `MIN_INDEXED` use the portable `ILIKE` scan on both (no trigram to look up).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    and_,
    bindparam,
    func,
    literal_column,
    or_,
    select,
    text,
)

from mediator.store.sql.schema import disputes

c = disputes.c

#: The columns searched; both indexes hold exactly these.
SEARCHED = ("id", "order_title", "buyer_name", "seller_name")
#: A trigram index needs at least three characters to look anything up.
MIN_INDEXED = 3

#: PostgreSQL: the expression of the `ix_disputes_search` GIN (`gin_trgm_ops`) index. A query
#: must use this very expression (separators as literals, not bound parameters) for the planner
#: to use the index; tests/store/test_sql_queue.py checks the plan.
PG_SEARCH_EXPRESSION = "lower(" + " || ' ' || ".join(SEARCHED) + ")"


def _pg_search_expression() -> ColumnElement[str]:
    separator: ColumnElement[str] = literal_column("' '")
    joined: ColumnElement[str] = c[SEARCHED[0]]
    for col in SEARCHED[1:]:
        joined = joined.concat(separator).concat(c[col])
    return func.lower(joined)


def escape_like(text_: str, escape: str = "\\") -> str:
    """`text_` with LIKE's wildcards escaped, so user input matches literally."""
    return (
        text_.replace(escape, escape + escape).replace("%", escape + "%").replace("_", escape + "_")
    )


def text_filter(
    conn: Connection, needle_text: str, *, use_index: bool = True
) -> ColumnElement[bool] | None:
    """Case-insensitive substring match of `needle_text` on the searched columns.

    `use_index=False` (SQLite, ASCII needles only: SQLite's `LIKE` folds ASCII case only) tests
    each row instead of asking the FTS index: right for a needle so common that the rows are
    found faster by walking the queue in order than by listing every match first."""
    needle = needle_text.strip()
    if not needle:
        return None
    indexed = len(needle) >= MIN_INDEXED
    if conn.dialect.name == "sqlite" and indexed and (use_index or not needle.isascii()):
        return literal_column("disputes.rowid").in_(_fts_rowids(needle))
    pattern = f"%{escape_like(needle.lower())}%"
    per_column = or_(*(c[col].ilike(pattern, escape="\\") for col in SEARCHED))
    if conn.dialect.name == "postgresql" and indexed:
        return and_(_pg_search_expression().like(pattern, escape="\\"), per_column)
    return per_column


def _fts_rowids(needle: str) -> Select[tuple[Any]]:
    """The rowids of the disputes whose searched columns contain `needle` (SQLite FTS5)."""
    phrase = '"' + needle.replace('"', '""') + '"'  # one FTS5 string: no query syntax
    return (
        select(literal_column("rowid"))
        .select_from(text("disputes_fts"))
        .where(
            text("disputes_fts MATCH :needle").bindparams(bindparam("needle", phrase, unique=True))
        )
    )


def index_candidates(conn: Connection, needle_text: str, *, cap: int) -> int | None:
    """How many disputes the SQLite search index finds for `needle_text`, counted up to `cap`
    (cheap: the index alone); None when no index answers (PostgreSQL, short needles)."""
    needle = needle_text.strip()
    if conn.dialect.name != "sqlite" or len(needle) < MIN_INDEXED:
        return None
    first = _fts_rowids(needle).limit(cap + 1).subquery()
    return conn.scalar(select(func.count()).select_from(first)) or 0
