"""The proof a notice prints: the latest signed checkpoint of the transparency log.

The fingerprint is the SHA-256 of the checkpoint's signed note text, exactly as the log
stored and serves it (UTF-8, signature lines included), shortened to its first 64 bits for
people to read and compare: ``3f2a 9c01 77be 12d4``. Anyone can fetch the note the notice
cites (``/notices/checkpoints/{size}``), hash it with ``sha256sum`` and compare; the note is a
C2SP checkpoint that the log's verifier key checks, and consistency proofs from its tree
size show that nothing logged before it was changed since.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Final

from sqlalchemy import select

from confide.transparency.log import StoredCheckpoint, TransparencyLog
from confide.transparency.tables import log_checkpoints

__all__ = ["FINGERPRINT_HEX", "CheckpointFacts", "checkpoint_note", "fingerprint", "latest"]

#: Hex digits of the SHA-256 printed for people (64 bits: too many to forge a match).
FINGERPRINT_HEX: Final = 16


def fingerprint(note: str) -> str:
    """The full SHA-256 (hex) of a signed checkpoint note's bytes."""
    return hashlib.sha256(note.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class CheckpointFacts:
    """What a notice says about the checkpoint it cites."""

    origin: str
    size: int
    created_at: dt.datetime
    sha256: str

    @property
    def short(self) -> str:
        """The first 64 bits of the SHA-256 in groups of four: ``3f2a 9c01 77be 12d4``."""
        head = self.sha256[:FINGERPRINT_HEX]
        return " ".join(head[i : i + 4] for i in range(0, FINGERPRINT_HEX, 4))

    @property
    def key(self) -> str:
        """A cache key: the same checkpoint always gives the same documents."""
        return f"{self.size}:{self.sha256}"

    @classmethod
    def of(cls, stored: StoredCheckpoint) -> CheckpointFacts:
        created = stored.created_at
        if created.tzinfo is None:  # SQLite returns naive UTC datetimes
            created = created.replace(tzinfo=dt.UTC)
        return cls(stored.checkpoint.origin, stored.size, created, fingerprint(stored.note))


def latest(log: TransparencyLog) -> CheckpointFacts | None:
    """The latest signed checkpoint, or ``None`` before the first: a notice then says that
    no checkpoint has been published yet rather than citing one that does not exist."""
    stored = log.latest_checkpoint()
    return None if stored is None else CheckpointFacts.of(stored)


def checkpoint_note(log: TransparencyLog, size: int) -> str | None:
    """The signed note of the latest checkpoint of tree size ``size``, if one was issued.

    The note is deterministic for a log, size and key (Ed25519 signatures are), so every
    checkpoint of one size has the same fingerprint.
    """
    with log.db.connect() as conn:
        row = conn.execute(
            select(log_checkpoints.c.note)
            .where(log_checkpoints.c.size == size)
            .order_by(log_checkpoints.c.id.desc())
            .limit(1)
        ).one_or_none()
    return None if row is None else str(row.note)
