"""Consents, referrals and run-time data-sharing agreements.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_NOW = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "consents",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("holder", sa.String(64), nullable=False),
        sa.Column("recipient", sa.String(64), nullable=False),
        sa.Column("purpose", sa.String(128), nullable=False),
        sa.Column("categories", sa.Text, nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("text_hash", sa.String(80), nullable=False),
        sa.Column("text_envelope", sa.LargeBinary, nullable=False),
        sa.Column("given_at", _NOW, nullable=False),
        sa.Column("expires_at", _NOW, nullable=False),
        sa.Column("withdrawn_at", _NOW, nullable=True),
        sa.Column("withdrawn_by", sa.String(16), nullable=True),
        sa.Column("recorded_by", sa.String(128), nullable=False),
        sa.Column("policy", sa.String(80), nullable=False),
    )
    op.create_index("ix_consents_subject", "consents", ["subject"])
    op.create_index("ix_consents_holder", "consents", ["holder"])
    op.create_index("ix_consents_recipient", "consents", ["recipient"])
    op.create_table(
        "referrals",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("holder", sa.String(64), nullable=False),
        sa.Column("recipient", sa.String(64), nullable=False),
        sa.Column("purpose", sa.String(128), nullable=False),
        sa.Column("categories", sa.Text, nullable=False),
        sa.Column("consent_id", sa.String(36), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created_at", _NOW, nullable=False),
        sa.Column("updated_at", _NOW, nullable=False),
        sa.Column("expires_at", _NOW, nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
    )
    op.create_index("ix_referrals_recipient_state", "referrals", ["recipient", "state"])
    op.create_index("ix_referrals_holder_state", "referrals", ["holder", "state"])
    op.create_index("ix_referrals_consent", "referrals", ["consent_id"])
    op.create_index("ix_referrals_subject", "referrals", ["subject"])
    op.create_table(
        "agreements",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("recipient", sa.String(64), nullable=False),
        sa.Column("purposes", sa.Text, nullable=False),
        sa.Column("categories", sa.Text, nullable=False),
        sa.Column("roles", sa.Text, nullable=True),
        sa.Column("condition", sa.String(16), nullable=True),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("expires", sa.Date, nullable=False),
        sa.Column("review", sa.Date, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("proposed_by", sa.String(128), nullable=False),
        sa.Column("proposed_at", _NOW, nullable=False),
        sa.Column("activated_by", sa.String(128), nullable=True),
        sa.Column("activated_at", _NOW, nullable=True),
        sa.Column("retired_by", sa.String(128), nullable=True),
        sa.Column("retired_at", _NOW, nullable=True),
    )
    op.create_index("ix_agreements_state", "agreements", ["state"])


def downgrade() -> None:
    op.drop_table("agreements")
    op.drop_table("referrals")
    op.drop_table("consents")
