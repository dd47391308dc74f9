"""Free-text search of the queue: id, order title and both party names, as a substring.

SQLite: an FTS5 index with the trigram tokenizer (case-insensitive substring match from three
characters up), kept in step with `disputes` by triggers, so a search over a million disputes
reads the index instead of scanning the table. Shorter needles, and PostgreSQL (until its
pg_trgm index lands with the API issue), use the portable `ILIKE` scan.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    bindparam,
    literal_column,
    or_,
    select,
    text,
)

from mediator.store.sql.schema import disputes

c = disputes.c

#: The columns searched; the FTS index holds exactly these.
SEARCHED = ("id", "order_title", "buyer_name", "seller_name")
#: The trigram tokenizer needs at least three characters to match anything.
MIN_INDEXED = 3

_COLS = ", ".join(SEARCHED)
_NEW = ", ".join(f"new.{col}" for col in SEARCHED)
_OLD = ", ".join(f"old.{col}" for col in SEARCHED)

SQLITE_DDL = (
    f"CREATE VIRTUAL TABLE disputes_fts USING fts5({_COLS}, content='disputes', "
    "content_rowid='rowid', tokenize='trigram')",
    "CREATE TRIGGER disputes_fts_ai AFTER INSERT ON disputes BEGIN "
    f"INSERT INTO disputes_fts(rowid, {_COLS}) VALUES (new.rowid, {_NEW}); END",
    "CREATE TRIGGER disputes_fts_ad AFTER DELETE ON disputes BEGIN "
    f"INSERT INTO disputes_fts(disputes_fts, rowid, {_COLS}) "
    f"VALUES ('delete', old.rowid, {_OLD}); END",
    f"CREATE TRIGGER disputes_fts_au AFTER UPDATE OF {_COLS} ON disputes BEGIN "
    f"INSERT INTO disputes_fts(disputes_fts, rowid, {_COLS}) "
    f"VALUES ('delete', old.rowid, {_OLD}); "
    f"INSERT INTO disputes_fts(rowid, {_COLS}) VALUES (new.rowid, {_NEW}); END",
)


def create_search_index(conn: Connection) -> None:
    """Create (and fill from `disputes`) the search index; nothing to do on PostgreSQL."""
    if conn.dialect.name != "sqlite":
        return
    for statement in SQLITE_DDL:
        conn.exec_driver_sql(statement)
    conn.exec_driver_sql("INSERT INTO disputes_fts(disputes_fts) VALUES ('rebuild')")


def escape_like(text_: str, escape: str = "\\") -> str:
    """`text_` with LIKE's wildcards escaped, so user input matches literally."""
    return (
        text_.replace(escape, escape + escape).replace("%", escape + "%").replace("_", escape + "_")
    )


def text_filter(conn: Connection, needle_text: str) -> ColumnElement[bool] | None:
    """Case-insensitive substring match of `needle_text` on the searched columns."""
    needle = needle_text.strip()
    if not needle:
        return None
    if conn.dialect.name == "sqlite" and len(needle) >= MIN_INDEXED:
        phrase = '"' + needle.replace('"', '""') + '"'  # one FTS5 string: no query syntax
        matching: Select[tuple[Any]] = (
            select(literal_column("rowid"))
            .select_from(text("disputes_fts"))
            .where(
                text("disputes_fts MATCH :needle").bindparams(
                    bindparam("needle", phrase, unique=True)
                )
            )
        )
        return literal_column("disputes.rowid").in_(matching)
    pattern = f"%{escape_like(needle.lower())}%"
    return or_(*(c[col].ilike(pattern, escape="\\") for col in SEARCHED))
