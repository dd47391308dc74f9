"""Version 7, the change feed (issue 15): the `changes` table.

One row per write that other consoles may want to see (`domain.changes`), written in the write's
own transaction; a new table, so nothing existing is rewritten. `seq` is SQLite's rowid with
AUTOINCREMENT (a number is never reused after old rows are pruned), a BIGSERIAL elsewhere.

Revision ID: v7_changes
Revises: v6_claims
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "v7_changes"
down_revision = "v6_claims"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "changes",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("dispute_id", sa.String(), nullable=True),
        sa.Column("actor", sa.String(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sqlite_autoincrement=True,
    )
    op.execute("UPDATE meta SET value = '7' WHERE key = 'schema_version'")


def downgrade() -> None:
    op.drop_table("changes")
    op.execute("UPDATE meta SET value = '6' WHERE key = 'schema_version'")
