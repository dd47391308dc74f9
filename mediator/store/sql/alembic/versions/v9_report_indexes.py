"""Version 9, the shift's figures (issue 17): indexes on the times the summary ranges over.

The dashboard and `mediator report` read a period's decisions (`decided_at`), escalations
(`escalated_at`), openings (`opened_at`) and information requests (`asked_at`) by index range,
never the whole table (`store/sql/report.py`). Indexes only: nothing is rewritten; building
them on a million disputes takes a few seconds, once.

Revision ID: v9_report_indexes
Revises: v8_review_audit
"""

from __future__ import annotations

from alembic import op

revision = "v9_report_indexes"
down_revision = "v8_review_audit"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_decisions_decided_at", "decisions", ["decided_at"]),
    ("ix_disputes_escalated_at", "disputes", ["escalated_at"]),
    ("ix_disputes_opened_at", "disputes", ["opened_at"]),
    ("ix_info_requests_asked_at", "info_requests", ["asked_at"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)
    op.execute("UPDATE meta SET value = '9' WHERE key = 'schema_version'")


def downgrade() -> None:
    for name, table, _ in INDEXES:
        op.drop_index(name, table_name=table)
    op.execute("UPDATE meta SET value = '8' WHERE key = 'schema_version'")
