"""Tables of consents, referrals and run-time data-sharing agreements (migration 0005).

A consent names the person by her keyed pseudonym only. The text she was shown is sealed
under her own data key, so forgetting her erases it with the rest; what stays in the clear
is what the engine must check on every read (who may receive what, from whom, for what,
until when) and the SHA-256 of the text, which her consent receipt carries.
"""

from __future__ import annotations

from sqlalchemy import Column, Date, DateTime, Index, LargeBinary, String, Table, Text

from confide.storage.tables import metadata

__all__ = ["agreements", "consents", "referrals"]

consents = Table(
    "consents",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("subject", String(64), nullable=False),
    Column("holder", String(64), nullable=False),
    Column("recipient", String(64), nullable=False),
    Column("purpose", String(128), nullable=False),
    Column("categories", Text, nullable=False),  # JSON list of leaf categories
    Column("language", String(8), nullable=False),
    Column("text_hash", String(80), nullable=False),
    Column("text_envelope", LargeBinary, nullable=False),
    Column("given_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("withdrawn_at", DateTime(timezone=True), nullable=True),
    Column("withdrawn_by", String(16), nullable=True),  # "person" or "staff"
    Column("recorded_by", String(128), nullable=False),
    Column("policy", String(80), nullable=False),
    Index("ix_consents_subject", "subject"),
    Index("ix_consents_holder", "holder"),
    Index("ix_consents_recipient", "recipient"),
)

referrals = Table(
    "referrals",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("subject", String(64), nullable=False),
    Column("holder", String(64), nullable=False),
    Column("recipient", String(64), nullable=False),
    Column("purpose", String(128), nullable=False),
    Column("categories", Text, nullable=False),  # JSON list of leaf categories
    Column("consent_id", String(36), nullable=False),
    Column("state", String(16), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(128), nullable=False),
    Index("ix_referrals_recipient_state", "recipient", "state"),
    Index("ix_referrals_holder_state", "holder", "state"),
    Index("ix_referrals_consent", "consent_id"),
    Index("ix_referrals_subject", "subject"),
)

agreements = Table(
    "agreements",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("description", Text, nullable=False),
    Column("source", String(64), nullable=False),
    Column("recipient", String(64), nullable=False),
    Column("purposes", Text, nullable=False),  # JSON list
    Column("categories", Text, nullable=False),  # JSON list
    Column("roles", Text, nullable=True),  # JSON list, or null for every role
    Column("condition", String(16), nullable=True),  # null or "consent"
    Column("owner", String(200), nullable=False),
    Column("expires", Date, nullable=False),
    Column("review", Date, nullable=False),
    Column("state", String(16), nullable=False),
    Column("proposed_by", String(128), nullable=False),
    Column("proposed_at", DateTime(timezone=True), nullable=False),
    Column("activated_by", String(128), nullable=True),
    Column("activated_at", DateTime(timezone=True), nullable=True),
    Column("retired_by", String(128), nullable=True),
    Column("retired_at", DateTime(timezone=True), nullable=True),
    Index("ix_agreements_state", "state"),
)
