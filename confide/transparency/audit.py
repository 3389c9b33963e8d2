"""Verifying a stored log from scratch: every entry, every node, every checkpoint.

:func:`verify_log` streams the entries in index order in chunks of :data:`CHUNK` and
recomputes the tree as it goes, so it holds O(log n) hashes plus one chunk in memory. It
checks, for each entry ``i`` in turn (scenario 10):

* the row exists (a deleted row leaves a gap),
* its bytes still hash to its stored leaf hash (an edited entry),
* its bytes are a canonical entry that says ``"index": i`` (a row moved or swapped),
* its ``kind`` and ``subject`` columns match its bytes (a person's history, which is
  looked up by those columns, cannot be edited to hide an access),
* every stored node the entry completes equals the recomputed one (an entry rewritten
  together with its leaf hash, or a node edited),
* at each checkpoint's size, the recomputed root equals the signed root, and the note's
  signature verifies with the log's key (a rewrite that redid every hash, or a forged
  checkpoint).

The first failure raises :class:`LogTampered`, which names the entry (``index``) or the
checkpoint (``checkpoint``) at fault. Then it checks that nothing lies beyond the head:
no extra entries or nodes, and a head row that matches the tree.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import rfc8785
from sqlalchemy import Connection, func, or_, select

from confide.errors import VerificationError
from confide.transparency.checkpoint import VerifierKey, parse_verifier_key, verify_checkpoint
from confide.transparency.entries import ENTRY_VERSION
from confide.transparency.merkle import EMPTY_ROOT, leaf_hash, node_hash
from confide.transparency.store import frontier_root
from confide.transparency.tables import (
    HEAD_ID,
    log_checkpoints,
    log_entries,
    log_head,
    log_nodes,
)

__all__ = ["CHUNK", "LogTampered", "LogVerification", "verify_log"]

#: Entries read per query while verifying; a power of two so chunks align with subtrees.
CHUNK_LEVEL = 12
CHUNK = 1 << CHUNK_LEVEL


class LogTampered(VerificationError):
    """The stored log does not verify. ``index`` is the first bad entry, when one is
    known; ``checkpoint`` the id of the bad checkpoint, when that is what failed."""

    def __init__(
        self, message: str, *, index: int | None = None, checkpoint: int | None = None
    ) -> None:
        super().__init__(message)
        self.index = index
        self.checkpoint = checkpoint


@dataclass(frozen=True, slots=True)
class LogVerification:
    """What a successful :func:`verify_log` checked."""

    size: int
    root: bytes
    nodes: int
    checkpoints: int
    latest_checkpoint_size: int | None


@dataclass(frozen=True, slots=True)
class _Checkpoint:
    id: int
    size: int
    root: bytes
    note: str


def verify_log(
    conn: Connection, verifier_key: str | VerifierKey, *, chunk_level: int = CHUNK_LEVEL
) -> LogVerification:
    """Check the whole stored log; return a summary or raise :class:`LogTampered`."""
    key = (
        verifier_key if isinstance(verifier_key, VerifierKey) else parse_verifier_key(verifier_key)
    )
    head = conn.execute(
        select(log_head.c.size, log_head.c.frontier).where(log_head.c.id == HEAD_ID)
    ).one_or_none()
    if head is None:
        raise LogTampered("the log head row was deleted")
    size = int(head.size)
    checkpoints = [
        _Checkpoint(int(r.id), int(r.size), bytes(r.root), str(r.note))
        for r in conn.execute(
            select(log_checkpoints).order_by(log_checkpoints.c.size, log_checkpoints.c.id)
        )
    ]
    pending = list(reversed(checkpoints))  # popped smallest size first
    good_size = 0  # the largest size a verified checkpoint vouches for
    high = _high_nodes(conn, chunk_level)
    frontier: list[bytes] = []
    done = 0
    nodes_checked = 0
    width = 1 << chunk_level

    def settle_checkpoints() -> None:
        nonlocal good_size
        while pending and pending[-1].size == done:
            checkpoint = pending.pop()
            _check_checkpoint(checkpoint, frontier_root(frontier), key, good_size)
            good_size = checkpoint.size

    settle_checkpoints()
    for start in range(0, size, width):
        end = min(start + width, size)
        rows = conn.execute(
            select(
                log_entries.c.idx,
                log_entries.c.entry,
                log_entries.c.leaf_hash,
                log_entries.c.kind,
                log_entries.c.subject,
            )
            .where(log_entries.c.idx >= start, log_entries.c.idx < end)
            .order_by(log_entries.c.idx)
        ).all()
        low = _low_nodes(conn, start, end, chunk_level)
        for row in rows:
            index = int(row.idx)
            if index != done:
                raise LogTampered(
                    f"entry {done} is missing: its row was deleted or moved", index=done
                )
            _check_entry(index, bytes(row.entry), bytes(row.leaf_hash), row.kind, row.subject)
            frontier.append(bytes(row.leaf_hash))
            done += 1
            closing, level = done, 0
            while not closing & 1:
                right = frontier.pop()
                frontier[-1] = node_hash(frontier[-1], right)
                closing >>= 1
                level += 1
                stored = (low if level <= chunk_level else high).get((level, closing - 1))
                _check_node(level, closing - 1, frontier[-1], stored)
                nodes_checked += 1
            settle_checkpoints()
        if done < end:
            raise LogTampered(f"entry {done} is missing: its row was deleted or moved", index=done)
    if pending:
        checkpoint = pending[-1]
        raise LogTampered(
            f"checkpoint {checkpoint.id} vouches for {checkpoint.size} entries but the log has "
            f"only {size}: entries from {size} on were deleted, or the log was rolled back",
            index=size,
            checkpoint=checkpoint.id,
        )
    _check_nothing_beyond(conn, size, nodes_checked)
    if bytes(head.frontier) != b"".join(frontier):
        raise LogTampered(
            "the log head row does not match the entries (its compact range was edited); "
            "new appends would build on a wrong tree"
        )
    return LogVerification(
        size=size,
        root=frontier_root(frontier) if frontier else EMPTY_ROOT,
        nodes=nodes_checked,
        checkpoints=len(checkpoints),
        latest_checkpoint_size=checkpoints[-1].size if checkpoints else None,
    )


def _check_entry(index: int, data: bytes, stored_hash: bytes, kind: Any, subject: Any) -> None:
    if leaf_hash(data) != stored_hash:
        raise LogTampered(
            f"entry {index} was changed: its bytes no longer match its leaf hash", index=index
        )
    try:
        parsed = _load_canonical(data)
    except ValueError:
        raise LogTampered(
            f"entry {index} is not a canonical log entry (RFC 8785 JSON object)", index=index
        ) from None
    if parsed.get("v") != ENTRY_VERSION or "kind" not in parsed:
        raise LogTampered(f"entry {index} has no known format version or kind", index=index)
    if parsed.get("index") != index:
        raise LogTampered(
            f"entry {index} holds the entry written at position {parsed.get('index')!r}: "
            "rows were reordered or moved",
            index=index,
        )
    if parsed["kind"] != kind or parsed.get("subject") != subject:
        raise LogTampered(
            f"entry {index}: its kind or subject column was edited and no longer matches "
            "the entry (a subject's history would be wrong)",
            index=index,
        )


def _load_canonical(data: bytes) -> dict[str, Any]:
    # The bytes must be the RFC 8785 form of what they parse to: one entry, one spelling.
    try:
        parsed = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError("not JSON") from exc
    if not isinstance(parsed, dict) or bytes(rfc8785.dumps(parsed)) != data:
        raise ValueError("not a canonical JSON object")
    return parsed


def _check_node(level: int, idx: int, computed: bytes, stored: bytes | None) -> None:
    first, last = idx << level, ((idx + 1) << level) - 1
    if stored is None:
        raise LogTampered(
            f"the stored tree node over entries {first}..{last} is missing (rows were "
            "deleted from log_nodes)",
            index=first,
        )
    if stored != computed:
        raise LogTampered(
            f"the stored tree node over entries {first}..{last} does not match them: one of "
            f"entries {first}..{last} was rewritten along with its leaf hash, or the node "
            "was edited",
            index=first,
        )


def _check_checkpoint(
    checkpoint: _Checkpoint, recomputed: bytes, key: VerifierKey, good_size: int
) -> None:
    try:
        signed = verify_checkpoint(checkpoint.note, key)
    except VerificationError as exc:
        raise LogTampered(
            f"checkpoint {checkpoint.id} (size {checkpoint.size}) does not verify with the "
            f"log's key {key.name!r}: {exc}",
            checkpoint=checkpoint.id,
        ) from None
    if signed.size != checkpoint.size or signed.root_hash != checkpoint.root:
        raise LogTampered(
            f"checkpoint {checkpoint.id}: its stored size or root was edited and no longer "
            "matches its signed note",
            checkpoint=checkpoint.id,
        )
    if signed.root_hash != recomputed:
        raise LogTampered(
            f"the first {checkpoint.size} entries no longer match signed checkpoint "
            f"{checkpoint.id}: an entry from {good_size} to {checkpoint.size - 1} was "
            "rewritten, with every hash above it",
            index=good_size,
            checkpoint=checkpoint.id,
        )


def _high_nodes(conn: Connection, chunk_level: int) -> dict[tuple[int, int], bytes]:
    # Nodes above a chunk: about one per CHUNK entries, so they all fit in memory.
    rows = conn.execute(
        select(log_nodes.c.level, log_nodes.c.idx, log_nodes.c.hash).where(
            log_nodes.c.level > chunk_level
        )
    )
    return {(int(level), int(idx)): bytes(h) for level, idx, h in rows}


def _low_nodes(
    conn: Connection, start: int, end: int, chunk_level: int
) -> dict[tuple[int, int], bytes]:
    # The nodes wholly inside [start, end), by primary-key ranges, one per level.
    ranges = [
        (level, start >> level, end >> level)
        for level in range(1, chunk_level + 1)
        if end >> level > start >> level
    ]
    if not ranges:
        return {}
    rows = conn.execute(
        select(log_nodes.c.level, log_nodes.c.idx, log_nodes.c.hash).where(
            or_(
                *(
                    (log_nodes.c.level == level) & (log_nodes.c.idx >= lo) & (log_nodes.c.idx < hi)
                    for level, lo, hi in ranges
                )
            )
        )
    )
    return {(int(level), int(idx)): bytes(h) for level, idx, h in rows}


def _check_nothing_beyond(conn: Connection, size: int, nodes_expected: int) -> None:
    entries, top = conn.execute(select(func.count(), func.max(log_entries.c.idx))).one()
    if int(entries) != size:
        beyond = conn.execute(
            select(func.min(log_entries.c.idx)).where(
                or_(log_entries.c.idx >= size, log_entries.c.idx < 0)
            )
        ).scalar()
        where = top if beyond is None else beyond
        raise LogTampered(
            f"entry {where} lies beyond the log head (size {size}): rows were inserted, or "
            "the head was rolled back",
            index=None if where is None else int(where),
        )
    nodes = conn.execute(select(func.count()).select_from(log_nodes)).scalar_one()
    if int(nodes) != nodes_expected:
        raise LogTampered(
            f"log_nodes holds {nodes} rows but a tree of {size} entries has {nodes_expected}: "
            "nodes were inserted"
        )
