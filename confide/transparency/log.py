"""The transparency log: append in the caller's transaction, prove, checkpoint, verify.

>>> log = TransparencyLog(db)
>>> with db.transaction() as conn:
...     ...                                   # the action itself
...     log.append(conn, {"kind": "decision", ...})   # commits or rolls back with it (I8)
>>> log.inclusion_proof(0)

An entry is appended **in the caller's transaction**: the action and its entry commit
together or not at all, and if the entry cannot be written the transaction fails, so the
action does not happen (I8). Appending locks the log's head row until the caller commits
(see :func:`~confide.transparency.store.lock_head`), so append as late in the transaction
as the action allows, and batch with :meth:`TransparencyLog.append_many`.

Roots and proofs are read from stored complete-subtree nodes in at most two queries and
O(log n) rows, whatever the log's size.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from confide.crypto.signing import PrivateKey
from confide.errors import ConfigurationError, NotFound
from confide.storage.db import Database
from confide.transparency.audit import LogVerification, verify_log
from confide.transparency.checkpoint import (
    Checkpoint,
    VerifierKey,
    parse_checkpoint,
    sign_checkpoint,
)
from confide.transparency.entries import (
    EntryError,
    LogEntry,
    canonical_entry,
    format_time,
    is_pseudonym,
    validate_entry,
)
from confide.transparency.signer import (
    create_signing_key,
    load_signing_key,
    new_origin,
    publish_verifier_key,
    signing_key_path,
    verifier_key,
    verifier_key_path,
)
from confide.transparency.store import (
    TreeBuilder,
    fetch_subtree_roots,
    frontier_root,
    lock_head,
    perfect_pieces,
    read_head,
    write_head,
)
from confide.transparency.subtrees import (
    consistency_proof_from,
    consistency_proof_ranges,
    inclusion_proof_from,
    inclusion_proof_ranges,
    perfect_subtrees,
    root_from,
)
from confide.transparency.tables import log_checkpoints, log_entries, log_nodes

# The signing-key helpers live in signer.py and are re-exported here for `confide init`.
__all__ = [
    "StoredCheckpoint",
    "TransparencyLog",
    "create_signing_key",
    "load_signing_key",
    "new_origin",
    "publish_verifier_key",
    "signing_key_path",
    "verifier_key",
    "verifier_key_path",
]


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class StoredCheckpoint:
    """A checkpoint the log issued: its row id, tree size, root and signed note."""

    id: int
    size: int
    root: bytes
    note: str
    created_at: datetime

    @property
    def checkpoint(self) -> Checkpoint:
        """The note's checkpoint body, unverified (use ``verify_checkpoint`` for trust)."""
        return parse_checkpoint(self.note[: self.note.rfind("\n\n") + 1])


class TransparencyLog:
    """The append-only Merkle tree log stored in Confide's database (RFC 9162 hashing)."""

    def __init__(self, db: Database, *, clock: Callable[[], datetime] = _now) -> None:
        self.db = db
        self._clock = clock

    # -- appending -------------------------------------------------------------------------

    def append(self, conn: Connection, entry: Mapping[str, Any]) -> int:
        """Append one entry in ``conn``'s transaction and return its index.

        ``entry`` holds ``kind`` and that kind's fields (see ``docs/transparency.md``);
        the log adds ``v``, ``index`` and ``time``. Raises :class:`EntryError` (and
        appends nothing) if the entry does not fit its kind's schema.
        """
        return self.append_many(conn, [entry])[0]

    def append_many(self, conn: Connection, entries: Sequence[Mapping[str, Any]]) -> list[int]:
        """Append ``entries`` in order, in ``conn``'s transaction; return their indexes.

        Every entry is validated before the head is locked, so a bad one appends none.
        """
        validated = [validate_entry(entry) for entry in entries]
        if not validated:
            return []
        moment = self._clock()
        time = format_time(moment)
        size, frontier = lock_head(conn)
        builder = TreeBuilder(size, frontier)
        datas = [
            canonical_entry(kind, fields, size + offset, time)
            for offset, (kind, fields) in enumerate(validated)
        ]
        hashes = builder.append_all(datas)
        rows = [
            {
                "idx": size + offset,
                "entry": data,
                "leaf_hash": hashed,
                "kind": kind.name,
                "subject": _subject(fields),
                "created_at": moment,
            }
            for offset, ((kind, fields), data, hashed) in enumerate(
                zip(validated, datas, hashes, strict=True)
            )
        ]
        conn.execute(insert(log_entries), rows)
        nodes = [{"level": level, "idx": idx, "hash": h} for level, idx, h in builder.nodes()]
        if nodes:
            conn.execute(insert(log_nodes), nodes)
        write_head(conn, builder.size, builder.frontier)
        return list(range(size, builder.size))

    # -- reading ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def _reading(self, conn: Connection | None) -> Iterator[Connection]:
        if conn is not None:
            yield conn
            return
        with self.db.connect() as fresh:
            yield fresh

    def size(self, conn: Connection | None = None) -> int:
        """The number of committed entries."""
        with self._reading(conn) as c:
            return read_head(c)[0]

    def root(self, size: int | None = None, conn: Connection | None = None) -> bytes:
        """The tree head MTH of the first ``size`` entries (default: all of them)."""
        with self._reading(conn) as c:
            current, frontier = read_head(c)
            size = self._check_size(size, current)
            if size == current:
                return frontier_root(frontier)
            found = fetch_subtree_roots(c, perfect_subtrees(size))
            return root_from(lambda s, e: found[(s, e)], size)

    def entries(self, start: int, end: int, conn: Connection | None = None) -> list[LogEntry]:
        """The stored entries ``[start, end)``, in order."""
        if not 0 <= start <= end:
            raise NotFound(f"[{start}, {end}) is not a range of log entries")
        with self._reading(conn) as c:
            rows = c.execute(
                select(log_entries.c.idx, log_entries.c.entry)
                .where(log_entries.c.idx >= start, log_entries.c.idx < end)
                .order_by(log_entries.c.idx)
            )
            return [LogEntry(int(idx), bytes(data)) for idx, data in rows]

    def entry(self, index: int, conn: Connection | None = None) -> LogEntry:
        """The stored entry at ``index``."""
        found = self.entries(index, index + 1, conn) if index >= 0 else []
        if not found:
            raise NotFound(f"the log has no entry {index}")
        return found[0]

    def inclusion_proof(
        self, index: int, size: int | None = None, conn: Connection | None = None
    ) -> list[bytes]:
        """PATH(index, D[size]) (RFC 9162 section 2.1.3.1) from the stored nodes."""
        with self._reading(conn) as c:
            size = self._check_size(size, read_head(c)[0])
            if not 0 <= index < size:
                raise NotFound(f"entry {index} is not in the log's first {size} entries")
            ranges = inclusion_proof_ranges(index, size)
            found = fetch_subtree_roots(c, perfect_pieces(ranges))
            return inclusion_proof_from(lambda s, e: found[(s, e)], index, size)

    def consistency_proof(
        self, old_size: int, new_size: int | None = None, conn: Connection | None = None
    ) -> list[bytes]:
        """PROOF(old_size, D[new_size]) (RFC 9162 section 2.1.4.1) from the stored nodes."""
        with self._reading(conn) as c:
            new_size = self._check_size(new_size, read_head(c)[0])
            if not 0 <= old_size <= new_size:
                raise NotFound(f"no consistency proof from size {old_size} to {new_size}")
            ranges = consistency_proof_ranges(old_size, new_size)
            found = fetch_subtree_roots(c, perfect_pieces(ranges))
            return consistency_proof_from(lambda s, e: found[(s, e)], old_size, new_size)

    def history(self, subject: str, conn: Connection | None = None) -> list[LogEntry]:
        """Every entry about the subject with pseudonym ``subject``, denials included
        (scenario 9), in log order."""
        if not is_pseudonym(subject):
            raise EntryError("a subject's history is looked up by pseudonym (ps1:…)")
        with self._reading(conn) as c:
            rows = c.execute(
                select(log_entries.c.idx, log_entries.c.entry)
                .where(log_entries.c.subject == subject)
                .order_by(log_entries.c.idx)
            )
            return [LogEntry(int(idx), bytes(data)) for idx, data in rows]

    @staticmethod
    def _check_size(size: int | None, current: int) -> int:
        if size is None:
            return current
        if not 0 <= size <= current:
            raise NotFound(f"the log has {current} entries, not {size}")
        return size

    # -- checkpoints -----------------------------------------------------------------------

    def checkpoint(self, signing_key: PrivateKey, origin: str) -> str:
        """Sign, store and return a checkpoint (C2SP tlog-checkpoint note) of the log."""
        with self.db.transaction() as conn:
            size, frontier = read_head(conn)
            root = frontier_root(frontier)
            try:
                note = sign_checkpoint(Checkpoint(origin, size, root), origin, signing_key)
            except ValueError as exc:
                raise ConfigurationError(f"cannot issue a checkpoint: {exc}") from None
            conn.execute(
                insert(log_checkpoints).values(
                    size=size, root=root, note=note, created_at=self._clock()
                )
            )
        return note

    def checkpoints(self, conn: Connection | None = None) -> list[StoredCheckpoint]:
        """Every stored checkpoint, oldest first."""
        with self._reading(conn) as c:
            rows = c.execute(select(log_checkpoints).order_by(log_checkpoints.c.id))
            return [_stored(row) for row in rows]

    def latest_checkpoint(self, conn: Connection | None = None) -> StoredCheckpoint | None:
        """The most recently issued checkpoint, or ``None`` before the first."""
        with self._reading(conn) as c:
            row = c.execute(
                select(log_checkpoints).order_by(log_checkpoints.c.id.desc()).limit(1)
            ).one_or_none()
            return None if row is None else _stored(row)

    # -- verification ----------------------------------------------------------------------

    def verify(self, verifier_key: str | VerifierKey) -> LogVerification:
        """Recompute the whole tree from the stored entries and check every node and every
        stored checkpoint against it.

        Returns a summary; raises :class:`~confide.transparency.audit.LogTampered` (a
        :class:`~confide.errors.VerificationError`) naming the first bad entry, node or
        checkpoint.
        """
        with self.db.connect() as conn:
            return verify_log(conn, verifier_key)


def _subject(fields: Mapping[str, Any]) -> str | None:
    # The subject column is a copy of the entry's own field, for history look-ups.
    subject = fields.get("subject")
    return subject if isinstance(subject, str) else None


def _stored(row: Any) -> StoredCheckpoint:
    return StoredCheckpoint(
        id=int(row.id),
        size=int(row.size),
        root=bytes(row.root),
        note=str(row.note),
        created_at=row.created_at,
    )
