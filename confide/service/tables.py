"""Tables of the running service (migration 0003).

Secrets are never stored in the clear: API token secrets and subject access codes as
SHA-256 (they are 256-bit random, so a slow hash adds nothing), staff passwords as Argon2id,
TOTP secrets and break-glass reasons sealed with ``confide.crypto`` envelopes (the reason
under the person's own data key, so forgetting her shreds it too).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
)

from confide.storage.tables import metadata

__all__ = [
    "api_tokens",
    "break_glass_reviews",
    "policy_versions",
    "sessions",
    "staff",
    "subject_access_codes",
]

api_tokens = Table(
    "api_tokens",
    metadata,
    # The public half of a token ("ct1_<id>_<secret>"): safe to show in lists and logs.
    Column("id", String(32), primary_key=True),
    Column("org", String(64), nullable=False),
    Column("label", String(128), nullable=False),
    Column("secret_hash", LargeBinary(32), nullable=False),
    # JSON lists of the purposes and roles the token may use.
    Column("purposes", Text, nullable=False),
    Column("roles", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    Column("created_by", String(128), nullable=False),
    Index("ix_api_tokens_org", "org"),
)

staff = Table(
    "staff",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("org", String(64), nullable=False),
    Column("username", String(128), nullable=False, unique=True),
    Column("password_hash", Text, nullable=False),
    Column("totp_secret", LargeBinary, nullable=False),
    # admin | staff | dpo
    Column("role", String(16), nullable=False),
    # The taxonomy role the person acts in for decisions (clinician, teacher …).
    Column("work_role", String(64), nullable=False),
    Column("failed_attempts", Integer, nullable=False, default=0),
    Column("locked_until", DateTime(timezone=True), nullable=True),
    # The last TOTP time step accepted: a code is never accepted twice (replay).
    Column("last_totp_step", BigInteger, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("disabled_at", DateTime(timezone=True), nullable=True),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id_hash", LargeBinary(32), primary_key=True),
    Column("staff_id", String(32), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("second_factor", Boolean, nullable=False, default=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("last_seen_at", DateTime(timezone=True), nullable=False),
    Index("ix_sessions_staff", "staff_id"),
)

subject_access_codes = Table(
    "subject_access_codes",
    metadata,
    Column("code_hash", LargeBinary(32), primary_key=True),
    Column("subject", String(64), nullable=False),
    Column("holder", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    Index("ix_subject_access_codes_subject", "subject"),
)

break_glass_reviews = Table(
    "break_glass_reviews",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("log_index", BigInteger, nullable=False),
    Column("org", String(64), nullable=False),
    Column("actor", String(128), nullable=False),
    Column("record_id", String(36), nullable=False),
    Column("subject", String(64), nullable=False),
    Column("purpose", String(128), nullable=False),
    Column("released", Text, nullable=False),
    # The written reason, sealed under the person's data key.
    Column("reason", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("reviewed_at", DateTime(timezone=True), nullable=True),
    Column("reviewed_by", String(128), nullable=True),
    # justified | unjustified
    Column("outcome", String(16), nullable=True),
    Index("ix_break_glass_open", "org", "reviewed_at"),
)

policy_versions = Table(
    "policy_versions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("hash", String(80), nullable=False, unique=True),
    Column("text", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(128), nullable=False),
    Column("active", Boolean, nullable=False, default=False),
)
