"""The transparency log's tables, as SQLAlchemy Core on the shared ``metadata``.

* ``log_entries``: one row per entry, the canonical entry bytes and their RFC 9162 leaf
  hash. ``kind`` and ``subject`` are copies of fields inside the bytes, kept as columns so a
  person's history is one index range scan; ``verify`` checks they still match the bytes.
* ``log_nodes``: the root of every *complete* aligned subtree above the leaves, keyed by
  ``(level, idx)``: the node at level ``h`` and index ``k`` covers entries
  ``[k * 2**h, (k + 1) * 2**h)``. Complete subtrees never change once written, so any
  root or proof needs only O(log n) of these rows (see :mod:`~confide.transparency.subtrees`).
* ``log_head``: exactly one row, the tree size and its compact range (the roots of the
  perfect subtrees the tree is made of, largest first, concatenated). Appenders lock it:
  it is the sequencer that stops concurrent writers forking the log or reusing an index.
* ``log_checkpoints``: every signed tree head the log has issued, as its signed note.

The log is one sequence, so on Citus these tables stay on the coordinator (they are not
distributed by subject like the vault's).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Table,
    Text,
)

from confide.storage.tables import metadata

__all__ = ["HEAD_ID", "log_checkpoints", "log_entries", "log_head", "log_nodes"]

#: The primary key of the single ``log_head`` row.
HEAD_ID = 1

log_entries = Table(
    "log_entries",
    metadata,
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    Column("entry", LargeBinary, nullable=False),
    Column("leaf_hash", LargeBinary(32), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("subject", String(64), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # Scenario 9: a subject's whole history is one range scan, in log order.
    Index("ix_log_entries_subject", "subject", "idx"),
)

log_nodes = Table(
    "log_nodes",
    metadata,
    Column("level", SmallInteger, primary_key=True, autoincrement=False),
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    Column("hash", LargeBinary(32), nullable=False),
    CheckConstraint("level >= 1 AND level < 64", name="ck_log_nodes_level"),
)

log_head = Table(
    "log_head",
    metadata,
    Column("id", SmallInteger, primary_key=True, autoincrement=False),
    Column("size", BigInteger, nullable=False),
    Column("frontier", LargeBinary, nullable=False),
    CheckConstraint(f"id = {HEAD_ID}", name="ck_log_head_single_row"),
)

log_checkpoints = Table(
    "log_checkpoints",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("size", BigInteger, nullable=False),
    Column("root", LargeBinary(32), nullable=False),
    Column("note", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_log_checkpoints_size", "size"),
)
