"""Version 6, claims (issue 15): who holds a dispute, and what happened to its claims.

Four nullable columns on `disputes` (adding them rewrites nothing: existing rows read NULL, no
claim), an index on the holder for the queue's "mine" filter, and the `claim_events` table.

Revision ID: v6_claims
Revises: v5_pg_search
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "v6_claims"
down_revision = "v5_pg_search"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("disputes", sa.Column("claimed_by", sa.String(), nullable=True))
    op.add_column("disputes", sa.Column("claimed_since", sa.DateTime(), nullable=True))
    op.add_column("disputes", sa.Column("claimed_until", sa.DateTime(), nullable=True))
    op.add_column("disputes", sa.Column("claimed_from", sa.String(), nullable=True))
    op.create_index("ix_disputes_claimed_by", "disputes", ["claimed_by"])
    op.create_table(
        "claim_events",
        sa.Column("id", sa.String(), primary_key=True, nullable=False),
        sa.Column("dispute_id", sa.String(), sa.ForeignKey("disputes.id"), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("holder", sa.String(), nullable=True),
        sa.Column("previous", sa.String(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
    )
    op.create_index("ix_claim_events_dispute", "claim_events", ["dispute_id", "at"])
    op.execute("UPDATE meta SET value = '6' WHERE key = 'schema_version'")


def downgrade() -> None:
    op.drop_index("ix_claim_events_dispute", "claim_events")
    op.drop_table("claim_events")
    op.drop_index("ix_disputes_claimed_by", "disputes")
    with op.batch_alter_table("disputes") as batch:
        batch.drop_column("claimed_from")
        batch.drop_column("claimed_until")
        batch.drop_column("claimed_since")
        batch.drop_column("claimed_by")
    op.execute("UPDATE meta SET value = '5' WHERE key = 'schema_version'")
