"""Safe reporting: reports, their sealed fields and messages, receipts.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_NOW = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "reports",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("holder", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("report_type", sa.String(16), nullable=False),
        sa.Column("reporter_role", sa.String(16), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("purpose", sa.String(128), nullable=False),
        sa.Column("created_at", _NOW, nullable=False),
        sa.Column("acknowledge_by", _NOW, nullable=False),
        sa.Column("acknowledged_at", _NOW, nullable=True),
        sa.Column("updated_at", _NOW, nullable=False),
        sa.Column("filer", sa.String(64), nullable=True),
        sa.Column("redactions", sa.Integer, nullable=False),
        sa.Column("policy", sa.String(80), nullable=False),
        sa.Column("submission_key", sa.String(64), nullable=True, unique=True),
    )
    op.create_index("ix_reports_holder_state", "reports", ["holder", "state"])
    op.create_table(
        "report_fields",
        sa.Column("report_id", sa.String(36), primary_key=True),
        sa.Column("category", sa.String(128), primary_key=True),
        sa.Column("envelope", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "report_messages",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("report_id", sa.String(36), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("author", sa.String(16), nullable=False),
        sa.Column("created_at", _NOW, nullable=False),
        sa.Column("envelope", sa.LargeBinary, nullable=False),
    )
    op.create_index(
        "ix_report_messages_report", "report_messages", ["report_id", "seq"], unique=True
    )
    op.create_table(
        "report_receipts",
        sa.Column("lookup", sa.String(16), primary_key=True),
        sa.Column("report_id", sa.String(36), nullable=False),
        sa.Column("party", sa.String(16), nullable=False),
        sa.Column("secret_hash", sa.String(256), nullable=False),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("locked_until", _NOW, nullable=True),
        sa.Column("created_at", _NOW, nullable=False),
    )
    op.create_index("ix_report_receipts_report_id", "report_receipts", ["report_id"])


def downgrade() -> None:
    op.drop_table("report_receipts")
    op.drop_table("report_messages")
    op.drop_table("report_fields")
    op.drop_table("reports")
