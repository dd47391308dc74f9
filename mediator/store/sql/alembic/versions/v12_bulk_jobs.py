"""Version 12, bulk actions (issue 19): a job per bulk action, an item per dispute it covers.

`bulk_jobs` keeps what the job does (its id is the client's idempotency key); `bulk_items` one
row per dispute in the job's order, whose outcome is written in the same transaction as the
dispute's action, so a retried or resumed job acts only on the items still pending.

Revision ID: v12_bulk_jobs
Revises: v11_queue_sort
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "v12_bulk_jobs"
down_revision = "v11_queue_sort"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bulk_jobs",
        sa.Column("id", sa.String(), primary_key=True, nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("request_hash", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
    )
    op.create_table(
        "bulk_items",
        sa.Column("job_id", sa.String(), sa.ForeignKey("bulk_jobs.id"), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("dispute_id", sa.String(), nullable=False),
        sa.Column("outcome", sa.String(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("job_id", "seq"),
    )
    op.create_index("ix_bulk_items_outcome", "bulk_items", ["job_id", "outcome", "seq"])
    op.execute("UPDATE meta SET value = '12' WHERE key = 'schema_version'")


def downgrade() -> None:
    op.drop_index("ix_bulk_items_outcome", table_name="bulk_items")
    op.drop_table("bulk_items")
    op.drop_table("bulk_jobs")
    op.execute("UPDATE meta SET value = '11' WHERE key = 'schema_version'")
