"""The vault: subjects, their wrapped keys, records, encrypted fields and blind indexes.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "vault_meta",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "subjects",
        sa.Column("subject", sa.String(64), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("forgotten_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "subject_keys",
        sa.Column("subject", sa.String(64), primary_key=True),
        sa.Column("wrapped_key", sa.LargeBinary, nullable=False),
        sa.Column("kek_id", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "records",
        sa.Column("subject", sa.String(64), primary_key=True),
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("holder", sa.String(64), nullable=False),
        sa.Column("purpose", sa.String(128), nullable=False),
        sa.Column("collected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retain_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("policy", sa.String(80), nullable=False),
    )
    op.create_index("ix_records_id", "records", ["id"], unique=True)
    op.create_index("ix_records_retain_until", "records", ["retain_until"])
    op.create_table(
        "fields",
        sa.Column("subject", sa.String(64), primary_key=True),
        sa.Column("record_id", sa.String(36), primary_key=True),
        sa.Column("category", sa.String(128), primary_key=True),
        sa.Column("envelope", sa.LargeBinary, nullable=False),
        sa.ForeignKeyConstraint(
            ["subject", "record_id"], ["records.subject", "records.id"], ondelete="CASCADE"
        ),
    )
    op.create_table(
        "blind_indexes",
        sa.Column("holder", sa.String(64), primary_key=True),
        sa.Column("category", sa.String(128), primary_key=True),
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("subject", sa.String(64), primary_key=True),
        sa.Column("record_id", sa.String(36), primary_key=True),
        sa.ForeignKeyConstraint(
            ["subject", "record_id"], ["records.subject", "records.id"], ondelete="CASCADE"
        ),
    )


def downgrade() -> None:
    for table in ("blind_indexes", "fields", "records", "subject_keys", "subjects", "vault_meta"):
        op.drop_table(table)
