"""Version 11, the queue sorted by any column (issue 19): one index for each order.

Every order is `(value, urgency_at, id)` (`store/sql/queue.py` `order_columns`), so a sorted
page is a range of one index, read forward or backward, at a million disputes as at ten:
- plain columns: reason, (currency, price_minor) for the amount, evidence and flagged counts;
  the status order reads the existing `(status, urgency_at, id)` index, the dispute id order
  the primary key, the default order `(urgency_at, id)`;
- names and the order title, their first 120 characters folded to lower case the same way on
  both databases: SQLite `lower(substr(x, 1, 120))` (ASCII only, BINARY order), PostgreSQL
  `lower(left(x, 120) COLLATE "C")` (ASCII only too, ordered by code point); a prefix, since
  PostgreSQL refuses an index entry above ~2.7 kB (a 1 MB title). The queries use these very
  expressions (`queue.folded`), and `schema.py` does not describe them (Alembic's comparison
  leaves out `SORT_PREFIX` indexes).
Seven indexes in all: each costs every import and write a little (issue 18); the claim holder
has none, since what its column shows lapses with time (`domain.queue.SortKey`).

Revision ID: v11_queue_sort
Revises: v10_macros
"""

from __future__ import annotations

from alembic import op

revision = "v11_queue_sort"
down_revision = "v10_macros"
branch_labels = None
depends_on = None

#: The plain ones are also in `schema.py` (`DisputeRow.__table_args__`).
PLAIN = (
    ("ix_disputes_reason_urgency", ["reason", "urgency_at", "id"]),
    ("ix_disputes_amount_urgency", ["currency", "price_minor", "urgency_at", "id"]),
    ("ix_disputes_evidence_urgency", ["evidence_count", "urgency_at", "id"]),
    ("ix_disputes_flags_urgency", ["flagged_count", "urgency_at", "id"]),
)
#: Expression indexes on folded text (must match `store.sql.queue.folded`).
FOLDED = (
    ("ix_disputes_sort_buyer", "buyer_name"),
    ("ix_disputes_sort_seller", "seller_name"),
    ("ix_disputes_sort_title", "order_title"),
)


#: `domain.queue.SORTED_CHARS` when this revision was written (an index entry must stay small:
#: PostgreSQL refuses one above ~2.7 kB).
SORTED_CHARS = 120


def folded(column: str, dialect: str) -> str:
    if dialect == "postgresql":
        return f'lower(left({column}, {SORTED_CHARS}) COLLATE "C")'
    return f"lower(substr({column}, 1, {SORTED_CHARS}))"


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    for name, columns in PLAIN:
        op.create_index(name, "disputes", columns)
    for name, column in FOLDED:
        op.execute(f"CREATE INDEX {name} ON disputes ({folded(column, dialect)}, urgency_at, id)")
    op.execute("UPDATE meta SET value = '11' WHERE key = 'schema_version'")


def downgrade() -> None:
    for name, _ in FOLDED:
        op.execute(f"DROP INDEX {name}")
    for name, _ in PLAIN:
        op.drop_index(name, table_name="disputes")
    op.execute("UPDATE meta SET value = '10' WHERE key = 'schema_version'")
