"""The service: API tokens, staff, sessions, subject access codes, break-glass reviews,
policy versions.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_NOW = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("org", sa.String(64), nullable=False),
        sa.Column("label", sa.String(128), nullable=False),
        sa.Column("secret_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("purposes", sa.Text, nullable=False),
        sa.Column("roles", sa.Text, nullable=False),
        sa.Column("created_at", _NOW, nullable=False),
        sa.Column("expires_at", _NOW, nullable=False),
        sa.Column("revoked_at", _NOW, nullable=True),
        sa.Column("created_by", sa.String(128), nullable=False),
    )
    op.create_index("ix_api_tokens_org", "api_tokens", ["org"])
    op.create_table(
        "staff",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("org", sa.String(64), nullable=False),
        sa.Column("username", sa.String(128), nullable=False, unique=True),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("totp_secret", sa.LargeBinary, nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("work_role", sa.String(64), nullable=False),
        sa.Column("failed_attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("locked_until", _NOW, nullable=True),
        sa.Column("last_totp_step", sa.BigInteger, nullable=True),
        sa.Column("created_at", _NOW, nullable=False),
        sa.Column("disabled_at", _NOW, nullable=True),
    )
    op.create_table(
        "sessions",
        sa.Column("id_hash", sa.LargeBinary(32), primary_key=True),
        sa.Column("staff_id", sa.String(32), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("second_factor", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", _NOW, nullable=False),
        sa.Column("expires_at", _NOW, nullable=False),
        sa.Column("last_seen_at", _NOW, nullable=False),
    )
    op.create_index("ix_sessions_staff", "sessions", ["staff_id"])
    op.create_table(
        "subject_access_codes",
        sa.Column("code_hash", sa.LargeBinary(32), primary_key=True),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("holder", sa.String(64), nullable=False),
        sa.Column("created_at", _NOW, nullable=False),
        sa.Column("expires_at", _NOW, nullable=False),
        sa.Column("revoked_at", _NOW, nullable=True),
    )
    op.create_index("ix_subject_access_codes_subject", "subject_access_codes", ["subject"])
    op.create_table(
        "break_glass_reviews",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("log_index", sa.BigInteger, nullable=False),
        sa.Column("org", sa.String(64), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("record_id", sa.String(36), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("purpose", sa.String(128), nullable=False),
        sa.Column("released", sa.Text, nullable=False),
        sa.Column("reason", sa.LargeBinary, nullable=False),
        sa.Column("created_at", _NOW, nullable=False),
        sa.Column("reviewed_at", _NOW, nullable=True),
        sa.Column("reviewed_by", sa.String(128), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=True),
    )
    op.create_index("ix_break_glass_open", "break_glass_reviews", ["org", "reviewed_at"])
    op.create_table(
        "policy_versions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("hash", sa.String(80), nullable=False, unique=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_at", _NOW, nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    for table in (
        "policy_versions",
        "break_glass_reviews",
        "subject_access_codes",
        "sessions",
        "staff",
        "api_tokens",
    ):
        op.drop_table(table)
