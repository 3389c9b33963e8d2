"""The tables, as SQLAlchemy Core (the vault's hot paths issue plain statements).

Every table that holds a subject's data carries the ``subject`` column — the subject's keyed
pseudonym, never the reference itself — and leads its primary key with it, so the vault can
be distributed by subject on Citus (``create_distributed_table(..., 'subject')``) with each
subject's rows on one node.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKeyConstraint,
    Index,
    LargeBinary,
    MetaData,
    String,
    Table,
)

metadata = MetaData()

#: The vault's own facts: format version, a canary proving the key file belongs here.
vault_meta = Table(
    "vault_meta",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", LargeBinary, nullable=False),
)

#: One row per subject the vault has seen. ``forgotten_at`` set means a tombstone.
subjects = Table(
    "subjects",
    metadata,
    Column("subject", String(64), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("forgotten_at", DateTime(timezone=True), nullable=True),
)

#: Each subject's data key, wrapped by a key-encryption key. Kept apart from the data so a
#: data backup can be taken without it (see docs/vault.md); deleting the row is forgetting.
subject_keys = Table(
    "subject_keys",
    metadata,
    Column("subject", String(64), primary_key=True),
    Column("wrapped_key", LargeBinary, nullable=False),
    Column("kek_id", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

records = Table(
    "records",
    metadata,
    Column("subject", String(64), primary_key=True),
    Column("id", String(36), primary_key=True),
    Column("holder", String(64), nullable=False),
    Column("purpose", String(128), nullable=False),
    Column("collected_at", DateTime(timezone=True), nullable=False),
    Column("retain_until", DateTime(timezone=True), nullable=True),
    Column("policy", String(80), nullable=False),
    Index("ix_records_id", "id", unique=True),
    Index("ix_records_retain_until", "retain_until"),
)

fields = Table(
    "fields",
    metadata,
    Column("subject", String(64), primary_key=True),
    Column("record_id", String(36), primary_key=True),
    Column("category", String(128), primary_key=True),
    Column("envelope", LargeBinary, nullable=False),
    ForeignKeyConstraint(
        ["subject", "record_id"], ["records.subject", "records.id"], ondelete="CASCADE"
    ),
)

#: Keyed blind indexes: (holder, category, digest) → record. Digests are per holder, so two
#: services' indexes cannot be joined.
blind_indexes = Table(
    "blind_indexes",
    metadata,
    Column("holder", String(64), primary_key=True),
    Column("category", String(128), primary_key=True),
    Column("digest", String(64), primary_key=True),
    Column("subject", String(64), primary_key=True),
    Column("record_id", String(36), primary_key=True),
    ForeignKeyConstraint(
        ["subject", "record_id"], ["records.subject", "records.id"], ondelete="CASCADE"
    ),
)

__all__ = [
    "blind_indexes",
    "fields",
    "metadata",
    "records",
    "subject_keys",
    "subjects",
    "vault_meta",
]
