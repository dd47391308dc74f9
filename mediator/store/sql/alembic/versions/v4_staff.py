"""Version 4, team scale: staff with hashed API tokens, and the idempotency keys of decisions.

Revision ID: v4_staff
Revises: v3_baseline
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "v4_staff"
down_revision = "v3_baseline"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff",
        sa.Column("name", sa.String(), primary_key=True, nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("token_hash", sa.String(), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("key", sa.String(), primary_key=True, nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("dispute_id", sa.String(), sa.ForeignKey("disputes.id"), nullable=False),
        sa.Column("request_hash", sa.String(), nullable=False),
        sa.Column("decision_id", sa.String(), sa.ForeignKey("decisions.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")


def downgrade() -> None:
    op.drop_table("idempotency_keys")
    op.drop_table("staff")
    op.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
