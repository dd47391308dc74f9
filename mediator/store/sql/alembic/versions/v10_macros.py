"""Version 10, canned replies (issue 19).

- `macros`: one row per macro (its path and current version; `retired` keeps a removed one, so
  that old decisions still name it);
- `macro_versions`: every version of every macro, written once, never updated;
- `decisions.macro_id` / `decisions.macro_version`: the macro a decision was made with.

New tables and nullable columns: nothing existing is rewritten.

Revision ID: v10_macros
Revises: v9_report_indexes
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "v10_macros"
down_revision = "v9_report_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "macros",
        sa.Column("id", sa.String(), primary_key=True, nullable=False),
        sa.Column("path", sa.String(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_macros_path", "macros", ["path"])
    op.create_table(
        "macro_versions",
        sa.Column(
            "macro_id", sa.String(), sa.ForeignKey("macros.id"), primary_key=True, nullable=False
        ),
        sa.Column("version", sa.Integer(), primary_key=True, autoincrement=False, nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("saved_by", sa.String(), nullable=False),
        sa.Column("saved_at", sa.DateTime(), nullable=False),
    )
    op.add_column("decisions", sa.Column("macro_id", sa.String(), nullable=True))
    op.add_column("decisions", sa.Column("macro_version", sa.Integer(), nullable=True))
    op.execute("UPDATE meta SET value = '10' WHERE key = 'schema_version'")


def downgrade() -> None:
    # plain DROP COLUMN (SQLite ≥ 3.35): a batch copy of `decisions` would trip foreign keys
    op.execute("ALTER TABLE decisions DROP COLUMN macro_version")
    op.execute("ALTER TABLE decisions DROP COLUMN macro_id")
    op.drop_table("macro_versions")
    op.drop_index("ix_macros_path", "macros")
    op.drop_table("macros")
    op.execute("UPDATE meta SET value = '9' WHERE key = 'schema_version'")
