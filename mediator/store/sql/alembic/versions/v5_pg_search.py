"""Version 5, indexed search on PostgreSQL: a pg_trgm GIN index for the queue's substring search.

`CREATE EXTENSION pg_trgm` (if it is not there yet; it needs the CREATE privilege on the database,
and fails the migration with a message naming pg_trgm without it), then a GIN trigram index on
the lowercased id, title and party names, the expression `search.text_filter` queries with
`LIKE '%needle%'`. SQLite has its FTS5 trigram index since version 3: only the version changes.

Revision ID: v5_pg_search
Revises: v4_staff
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.exc import DBAPIError

from mediator.store.base import StoreUnavailable
from mediator.store.sql.engine import one_line

revision = "v5_pg_search"
down_revision = "v4_staff"
branch_labels = None
depends_on = None

#: Must stay the same expression as `search.PG_SEARCH_EXPRESSION` (a test checks the plan).
EXPRESSION = "lower(id || ' ' || order_title || ' ' || buyer_name || ' ' || seller_name)"


def _trgm_schema(conn: sa.Connection) -> str | None:
    """The schema pg_trgm is installed in (it need not be on this store's search_path)."""
    schema = conn.scalar(
        sa.text(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
            "WHERE e.extname = 'pg_trgm'"
        )
    )
    return None if schema is None else str(schema)


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        schema = _trgm_schema(conn)
        if schema is None:
            try:
                conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            except DBAPIError as exc:
                raise StoreUnavailable(
                    "cannot create the PostgreSQL extension pg_trgm, which the search index "
                    f"needs ({one_line(exc)}); have a database administrator run "
                    "CREATE EXTENSION pg_trgm in this database"
                ) from None
            schema = _trgm_schema(conn)
        opclass = f"{conn.dialect.identifier_preparer.quote(schema or 'public')}.gin_trgm_ops"
        op.execute(
            f"CREATE INDEX ix_disputes_search ON disputes USING gin ({EXPRESSION} {opclass})"
        )
    op.execute("UPDATE meta SET value = '5' WHERE key = 'schema_version'")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_disputes_search")  # the extension may serve others
    op.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")
