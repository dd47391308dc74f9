"""Version 9, the shift's figures (issue 17): what the summary reads from indexes alone.

The dashboard and `mediator report` aggregate a period at a million disputes, so every figure
comes from an index range, never rows fetched one by one (`store/sql/report.py`):
- `disputes.first_decided_at`, when the first decision or proposal was written (it left the
  queue; STAFF-48H is met by it), with `(escalated_at, first_decided_at)`;
- `decisions.handled_s`, seconds from escalation (else opening) to the decision, fixed when it
  is written, and one covering index of a period's decisions;
- `opened_at` and `(escalation_cause, opened_at)` for the auto-escalation tallies (openings
  and breaches, plain counts), `asked_at` for P-INFO-7D;
- a partial index of the flagged disputes only, in the queue's order.
Both columns are filled in here from what is stored.

Revision ID: v9_report_indexes
Revises: v8_review_audit
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "v9_report_indexes"
down_revision = "v8_review_audit"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_disputes_escalated", "disputes", ["escalated_at", "first_decided_at"]),
    ("ix_disputes_first_decided", "disputes", ["first_decided_at"]),
    ("ix_disputes_opened_at", "disputes", ["opened_at"]),
    ("ix_disputes_cause_opened", "disputes", ["escalation_cause", "opened_at"]),
    ("ix_info_requests_asked_at", "info_requests", ["asked_at"]),
    (
        "ix_decisions_period",
        "decisions",
        ["decided_at", "review", "decided_by", "outcome", "currency", "refund_minor",
         "fee_refund_minor", "handled_s", "dispute_id"],
    ),
)  # fmt: skip
#: Only the flagged disputes (a small share), in the queue's order: the flagged filter and the
#: dashboard's flagged count read it instead of the whole queue.
FLAGGED = ("ix_disputes_flagged", "disputes", ["status", "urgency_at", "id"])

_SECONDS = {
    "sqlite": "(julianday(decisions.decided_at) - julianday(coalesce(d.escalated_at, "
    "d.opened_at))) * 86400.0",
    "postgresql": "EXTRACT(EPOCH FROM (decisions.decided_at - coalesce(d.escalated_at, "
    "d.opened_at)))",
}


def upgrade() -> None:
    op.add_column("disputes", sa.Column("first_decided_at", sa.DateTime(), nullable=True))
    op.add_column("decisions", sa.Column("handled_s", sa.Double(), nullable=True))
    dialect = op.get_bind().dialect.name
    seconds = _SECONDS["sqlite" if dialect == "sqlite" else "postgresql"]
    op.execute(
        "UPDATE disputes SET first_decided_at = (SELECT min(decided_at) FROM decisions "
        "WHERE decisions.dispute_id = disputes.id)"
    )
    op.execute(
        f"UPDATE decisions SET handled_s = (SELECT {seconds} FROM disputes d "
        "WHERE d.id = decisions.dispute_id)"
    )
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)
    where = sa.text("flagged_count > 0")
    op.create_index(*FLAGGED, sqlite_where=where, postgresql_where=where)
    op.execute("UPDATE meta SET value = '9' WHERE key = 'schema_version'")


def downgrade() -> None:
    op.drop_index(FLAGGED[0], table_name=FLAGGED[1])
    for name, table, _ in INDEXES:
        op.drop_index(name, table_name=table)
    # plain DROP COLUMN (SQLite ≥ 3.35): a batch copy of `disputes` would trip its foreign keys
    op.execute("ALTER TABLE decisions DROP COLUMN handled_s")
    op.execute("ALTER TABLE disputes DROP COLUMN first_decided_at")
    op.execute("UPDATE meta SET value = '8' WHERE key = 'schema_version'")
