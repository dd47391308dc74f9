"""Baseline: the schema as of version 3, the last one made by the hand-written migrations.

Disputes (with the order and both parties denormalised in), messages, evidence, decisions,
information requests, `meta`; on SQLite also the FTS5 trigram search index and its triggers.
A store from before Alembic at version 3 is stamped with this revision instead of running it.

Revision ID: v3_baseline
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from mediator.store.sql.migrations import SQLITE_FTS_DROP, create_sqlite_fts

revision = "v3_baseline"
down_revision = None
branch_labels = None
depends_on = None


def _id() -> sa.Column[str]:
    return sa.Column("id", sa.String(), primary_key=True, nullable=False)


def _dispute_id() -> sa.Column[str]:
    return sa.Column("dispute_id", sa.String(), sa.ForeignKey("disputes.id"), nullable=False)


def upgrade() -> None:
    meta = op.create_table(
        "meta",
        sa.Column("key", sa.String(), primary_key=True, nullable=False),
        sa.Column("value", sa.String(), nullable=False),
    )
    op.create_table(
        "disputes",
        _id(),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("escalated_at", sa.DateTime(), nullable=True),
        sa.Column("urgency_at", sa.DateTime(), nullable=False),
        sa.Column("deadline_rule", sa.String(), nullable=True),
        sa.Column("flagged_count", sa.Integer(), nullable=False),
        sa.Column("escalation_cause", sa.String(), nullable=True),
        sa.Column("buyer_request", sa.String(), nullable=True),
        sa.Column("buyer_request_minor", sa.BigInteger(), nullable=True),
        sa.Column("order_id", sa.String(), nullable=False),
        sa.Column("order_kind", sa.String(), nullable=False),
        sa.Column("order_title", sa.String(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(), nullable=False),
        sa.Column("price_minor", sa.BigInteger(), nullable=False),
        sa.Column("service_fee_minor", sa.BigInteger(), nullable=False),
        sa.Column("placed_at", sa.DateTime(), nullable=False),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(), nullable=True),
        sa.Column("paid_out_at", sa.DateTime(), nullable=True),
        sa.Column("buyer_id", sa.String(), nullable=False),
        sa.Column("buyer_name", sa.String(), nullable=False),
        sa.Column("seller_id", sa.String(), nullable=False),
        sa.Column("seller_name", sa.String(), nullable=False),
        sa.Column("seller_trust_level", sa.Integer(), nullable=False),
        sa.Column("extra", sa.Text(), nullable=False),
        sa.Column("message_count", sa.Integer(), nullable=False),
        sa.Column("evidence_count", sa.Integer(), nullable=False),
    )
    op.create_index("ix_disputes_status_urgency", "disputes", ["status", "urgency_at", "id"])
    op.create_index("ix_disputes_urgency", "disputes", ["urgency_at", "id"])
    op.create_table(
        "messages",
        _id(),
        _dispute_id(),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("author", sa.String(), nullable=False),
        sa.Column("author_name", sa.String(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("local", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_messages_dispute", "messages", ["dispute_id", "sent_at", "id"])
    op.create_table(
        "evidence",
        _id(),
        _dispute_id(),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("submitted_by", sa.String(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.Column("caption", sa.Text(), nullable=False),
        sa.Column("uri", sa.Text(), nullable=True),
        sa.Column("sha256", sa.String(), nullable=True),
    )
    op.create_index("ix_evidence_dispute", "evidence", ["dispute_id", "submitted_at", "id"])
    op.create_table(
        "decisions",
        _id(),
        _dispute_id(),
        sa.Column("outcome", sa.String(), nullable=False),
        sa.Column("refund_minor", sa.BigInteger(), nullable=True),
        sa.Column("fee_refund_minor", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(), nullable=False),
        sa.Column("return_required", sa.Boolean(), nullable=False),
        sa.Column("seller_keep_pct_hundredths", sa.Integer(), nullable=True),
        sa.Column("seller_error", sa.Boolean(), nullable=True),
        sa.Column("defective_or_misadvertised", sa.Boolean(), nullable=True),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("message_to_parties", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.String(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.Column("review", sa.Text(), nullable=False),
    )
    op.create_index("ix_decisions_dispute", "decisions", ["dispute_id", "decided_at"])
    op.create_table(
        "info_requests",
        _id(),
        _dispute_id(),
        sa.Column("party", sa.String(), nullable=False),
        sa.Column("asked_at", sa.DateTime(), nullable=False),
        sa.Column("asked_by", sa.String(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_info_requests_dispute", "info_requests", ["dispute_id", "asked_at"])
    create_sqlite_fts(op.get_bind())
    op.bulk_insert(meta, [{"key": "schema_version", "value": "3"}])


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_FTS_DROP:
            op.execute(statement)
    for table in ("info_requests", "decisions", "evidence", "messages", "disputes", "meta"):
        op.drop_table(table)  # their indexes go with them
