"""The statistics ledger: releases and each dataset's privacy budget.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stats_budgets",
        sa.Column("dataset", sa.String(64), primary_key=True),
        sa.Column("budget", sa.Float, nullable=False),
        sa.Column("spent", sa.Float, nullable=False),
    )
    op.create_table(
        "stats_releases",
        sa.Column("release", sa.String(64), primary_key=True),
        sa.Column("dataset", sa.String(64), nullable=False),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("k", sa.Integer, nullable=True),
        sa.Column("epsilon", sa.Float, nullable=True),
        sa.Column("spec_hash", sa.String(80), nullable=False),
        sa.Column("output_hash", sa.String(80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("stats_releases")
    op.drop_table("stats_budgets")
