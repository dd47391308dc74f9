"""Version 8, reviews and the audit trail (issue 16).

- `disputes.returned_to`: the agent a proposal was returned to ("returned to you");
- an index on `decisions.decided_by` (the rule's "each agent's first N decisions" counts them);
- `audit_trail`, append-only: triggers refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL);
- `audit_head`, the trail's checkpoint (one row: count 0, the genesis hash), which may be updated
  but not deleted.

New columns are nullable and the tables new, so nothing existing is rewritten; the index is built
once (seconds on a million decisions).

Revision ID: v8_review_audit
Revises: v7_changes
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "v8_review_audit"
down_revision = "v7_changes"
branch_labels = None
depends_on = None

GENESIS = "0" * 64

#: Frozen here (a migration never changes): the triggers that make the trail append-only.
SQLITE_TRIGGERS = (
    "CREATE TRIGGER audit_trail_no_update BEFORE UPDATE ON audit_trail BEGIN "
    "SELECT RAISE(ABORT, 'the audit trail is append-only: UPDATE refused'); END",
    "CREATE TRIGGER audit_trail_no_delete BEFORE DELETE ON audit_trail BEGIN "
    "SELECT RAISE(ABORT, 'the audit trail is append-only: DELETE refused'); END",
    "CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head BEGIN "
    "SELECT RAISE(ABORT, 'the audit checkpoint cannot be deleted'); END",
)
POSTGRES_TRIGGERS = (
    "CREATE OR REPLACE FUNCTION audit_trail_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION 'the audit trail is append-only: % on % refused', TG_OP, "
    "TG_TABLE_NAME; END $$",
    "CREATE TRIGGER audit_trail_no_change BEFORE UPDATE OR DELETE ON audit_trail "
    "FOR EACH ROW EXECUTE FUNCTION audit_trail_append_only()",
    "CREATE TRIGGER audit_trail_no_truncate BEFORE TRUNCATE ON audit_trail "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_trail_append_only()",
    "CREATE TRIGGER audit_head_no_delete BEFORE DELETE OR TRUNCATE ON audit_head "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_trail_append_only()",
)


def upgrade() -> None:
    op.add_column("disputes", sa.Column("returned_to", sa.String(), nullable=True))
    op.create_index("ix_decisions_decided_by", "decisions", ["decided_by"])
    op.create_table(
        "audit_trail",
        sa.Column("seq", sa.BigInteger(), primary_key=True, autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("dispute_id", sa.String(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("prev", sa.String(), nullable=False),
        sa.Column("hash", sa.String(), nullable=False),
    )
    op.create_index("ix_audit_trail_dispute", "audit_trail", ["dispute_id", "seq"])
    op.create_index("ix_audit_trail_at", "audit_trail", ["at"])
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False, nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("head", sa.String(), nullable=False),
        sa.Column("prev", sa.String(), nullable=False),
    )
    op.execute(
        f"INSERT INTO audit_head (id, count, head, prev) VALUES (1, 0, '{GENESIS}', '{GENESIS}')"
    )
    triggers = POSTGRES_TRIGGERS if op.get_bind().dialect.name == "postgresql" else SQLITE_TRIGGERS
    for statement in triggers:
        op.execute(statement)
    op.execute("UPDATE meta SET value = '8' WHERE key = 'schema_version'")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_head_no_delete ON audit_head")
        op.execute("DROP TRIGGER audit_trail_no_truncate ON audit_trail")
        op.execute("DROP TRIGGER audit_trail_no_change ON audit_trail")
        op.execute("DROP FUNCTION audit_trail_append_only()")
    op.drop_table("audit_head")
    op.drop_index("ix_audit_trail_at", "audit_trail")
    op.drop_index("ix_audit_trail_dispute", "audit_trail")
    op.drop_table("audit_trail")
    op.drop_index("ix_decisions_decided_by", "decisions")
    with op.batch_alter_table("disputes") as batch:
        batch.drop_column("returned_to")
    op.execute("UPDATE meta SET value = '7' WHERE key = 'schema_version'")
