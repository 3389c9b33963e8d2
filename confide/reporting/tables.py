"""Tables of the safe-reporting channel (migration 0004).

A report's text, contact details and messages are sealed under the report's own data key
(its pseudonym in ``subject_keys``), so withdrawing a report crypto-shreds all of it. What
stays in the clear is what triage and statistics need: type, who filed it (victim, witness
…), state, language and dates. A receipt is stored as a look-up id (the first part of the
code) and an Argon2id hash of the rest; there is no IP address anywhere.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Index, Integer, LargeBinary, String, Table

from confide.storage.tables import metadata

__all__ = ["report_fields", "report_messages", "report_receipts", "reports"]

reports = Table(
    "reports",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("holder", String(64), nullable=False),
    Column("subject", String(64), nullable=False),  # the report's own pseudonym (its key)
    Column("report_type", String(16), nullable=False),
    Column("reporter_role", String(16), nullable=False),
    Column("language", String(8), nullable=False),
    Column("state", String(16), nullable=False),
    Column("purpose", String(128), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("acknowledge_by", DateTime(timezone=True), nullable=False),
    Column("acknowledged_at", DateTime(timezone=True), nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("filer", String(64), nullable=True),  # the organisation that filed it for someone
    Column("redactions", Integer, nullable=False),
    Column("policy", String(80), nullable=False),
    # SHA-256 of the one-time token of the form that sent it: a reload cannot send twice.
    Column("submission_key", String(64), nullable=True, unique=True),
    Index("ix_reports_holder_state", "holder", "state"),
)

report_fields = Table(
    "report_fields",
    metadata,
    Column("report_id", String(36), primary_key=True),
    Column("category", String(128), primary_key=True),
    Column("envelope", LargeBinary, nullable=False),
)

report_messages = Table(
    "report_messages",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("report_id", String(36), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("author", String(16), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("envelope", LargeBinary, nullable=False),
    Index("ix_report_messages_report", "report_id", "seq", unique=True),
)

report_receipts = Table(
    "report_receipts",
    metadata,
    Column("lookup", String(16), primary_key=True),
    Column("report_id", String(36), nullable=False, index=True),
    Column("party", String(16), nullable=False),  # "reporter" or "filer"
    Column("secret_hash", String(256), nullable=False),
    Column("failures", Integer, nullable=False),
    Column("locked_until", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
