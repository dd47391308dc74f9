"""Version 13, the resolved list (issue 22): who decided a dispute and when, sorted by when.

Two columns on `disputes`, the decision that stands (`domain.review.final_decision`: the newest
decision not pending, returned or overturned): `decided_at` and `decided_by`, None without one,
filled here from `decisions` and kept by every write that decides (a decision, a review, an
import). One index for the order by decision time, a range of one status read newest first:
`(status, coalesce(decided_at, NOT_DECIDED), urgency_at, id)`; an expression index, managed here
alone like v11's (`SORT_PREFIX`), on the very expression the queries use (`queue.decided_key`).

Revision ID: v13_decided
Revises: v12_bulk_jobs
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "v13_decided"
down_revision = "v12_bulk_jobs"
branch_labels = None
depends_on = None

INDEX = "ix_disputes_sort_decided"
#: `domain.queue.NOT_DECIDED` as each database holds it (naive UTC).
NOT_DECIDED = {"sqlite": "'0001-01-01 00:00:00.000000'", "postgresql": "TIMESTAMP '0001-01-01'"}
#: A decision's review state as each database reads it from the JSON text (none: final).
STATE = {
    "sqlite": "coalesce(json_extract(d.review, '$.state'), 'not_required')",
    "postgresql": "coalesce(d.review::json ->> 'state', 'not_required')",
}


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.add_column("disputes", sa.Column("decided_at", sa.DateTime(), nullable=True))
    op.add_column("disputes", sa.Column("decided_by", sa.String(), nullable=True))
    standing = (
        "FROM decisions d WHERE d.dispute_id = disputes.id "
        f"AND {STATE[dialect]} IN ('not_required', 'approved') "
        "ORDER BY d.decided_at DESC, d.id DESC LIMIT 1"
    )
    op.execute(
        f"UPDATE disputes SET decided_at = (SELECT d.decided_at {standing}), "
        f"decided_by = (SELECT d.decided_by {standing}) "
        "WHERE EXISTS (SELECT 1 FROM decisions d WHERE d.dispute_id = disputes.id)"
    )
    op.execute(
        f"CREATE INDEX {INDEX} ON disputes "
        f"(status, coalesce(decided_at, {NOT_DECIDED[dialect]}), urgency_at, id)"
    )
    op.execute("UPDATE meta SET value = '13' WHERE key = 'schema_version'")


def downgrade() -> None:
    op.execute(f"DROP INDEX {INDEX}")
    # SQLite 3.35+ and PostgreSQL drop a column in place (no copy of the table, which would
    # lose v11's expression indexes)
    op.execute("ALTER TABLE disputes DROP COLUMN decided_by")
    op.execute("ALTER TABLE disputes DROP COLUMN decided_at")
    op.execute("UPDATE meta SET value = '12' WHERE key = 'schema_version'")
