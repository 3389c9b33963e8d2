"""How the log's tree lives in the database: the head row, complete-subtree nodes, reads.

Appending entry ``n`` completes one perfect subtree per trailing one bit of ``n`` (the
leaf pairs with its left sibling, that pair with its left sibling, ...), so an append
writes one entry row and on average one node row: amortised O(1) writes. The head row
keeps the tree's *compact range*, the roots of the perfect subtrees the tree is made of,
so an append reads nothing but the head row it locks, and the current root needs no
other read.

Everything a root or proof needs is the roots of aligned perfect subtrees
(:mod:`confide.transparency.subtrees`). :func:`fetch_subtree_roots` reads all of them
for one request in at most two queries (one for leaves, one for interior nodes), at most
about ``2 * log2(n)`` rows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, and_, or_, select, update

from confide.errors import VerificationError
from confide.transparency.merkle import EMPTY_ROOT, HASH_SIZE, node_hash
from confide.transparency.subtrees import range_subtrees
from confide.transparency.tables import HEAD_ID, log_entries, log_head, log_nodes

__all__ = [
    "Node",
    "Range",
    "TreeBuilder",
    "extend",
    "fetch_subtree_roots",
    "frontier_root",
    "lock_head",
    "perfect_pieces",
    "read_head",
    "write_head",
]

Range = tuple[int, int]
_sha256 = hashlib.sha256
_LEAF = b"\x00"  # RFC 9162 section 2.1.1 domain separation, as in merkle.py
_NODE = b"\x01"
#: ``(level, idx, hash)``: the root of entries ``[idx * 2**level, (idx + 1) * 2**level)``.
Node = tuple[int, int, bytes]


class TreeBuilder:
    """The in-memory side of appending: the compact range, and every node completed.

    Start it from a stored head (``size`` and its compact range ``frontier``), feed it
    entries in order with :meth:`append`, then write :meth:`nodes` and the new head. Nodes
    at one level complete in index order, so each level is kept as a plain list and the
    index is implied by position; this is the append hot path, and the hashing is inlined
    here for speed. It is RFC 9162's leaf and node hash exactly, and the tests check every
    root and proof against :mod:`~confide.transparency.merkle`.
    """

    __slots__ = ("_levels", "_start", "frontier", "size")

    def __init__(self, size: int = 0, frontier: Sequence[bytes] = ()) -> None:
        self.size = self._start = size
        self.frontier = list(frontier)
        self._levels: list[list[bytes]] = [[] for _ in range(64)]

    def append(self, data: bytes) -> bytes:
        """Append one entry (its bytes); return its leaf hash.

        The body of :meth:`append_leaf_hash` is repeated here: one call fewer per entry is
        a tenth of the append's cost in CPython.
        """
        leaf = _sha256(_LEAF + data).digest()
        self.size = closing = self.size + 1
        if closing & 1:
            self.frontier.append(leaf)
            return leaf
        pop, levels = self.frontier.pop, self._levels
        right, level = leaf, 0
        while not closing & 1:
            right = _sha256(_NODE + pop() + right).digest()
            closing >>= 1
            level += 1
            levels[level].append(right)
        self.frontier.append(right)
        return leaf

    def append_all(self, entries: Iterable[bytes]) -> list[bytes]:
        """Append entries in order; return their leaf hashes. :meth:`append` in a loop
        with everything in local variables, for batches."""
        sha256, leaf_prefix, node_prefix = _sha256, _LEAF, _NODE
        frontier, levels = self.frontier, self._levels
        push, pop = frontier.append, frontier.pop
        size = self.size
        leaves: list[bytes] = []
        keep = leaves.append
        for data in entries:
            right = sha256(leaf_prefix + data).digest()
            keep(right)
            size += 1
            if size & 1:
                push(right)
                continue
            closing, level = size, 0
            while not closing & 1:
                right = sha256(node_prefix + pop() + right).digest()
                closing >>= 1
                level += 1
                levels[level].append(right)
            push(right)
        self.size = size
        return leaves

    def append_leaf_hash(self, leaf: bytes) -> None:
        """Append one entry by its leaf hash.

        Each trailing zero bit of the new size closes one perfect subtree: its two halves
        are the last root of the compact range and the subtree just finished (RFC 9162
        section 2.1.1's split).
        """
        self.size = closing = self.size + 1
        if closing & 1:
            self.frontier.append(leaf)
            return
        pop, levels = self.frontier.pop, self._levels
        right, level = leaf, 0
        while not closing & 1:
            right = _sha256(_NODE + pop() + right).digest()
            closing >>= 1
            level += 1
            levels[level].append(right)
        self.frontier.append(right)

    def nodes(self) -> Iterator[Node]:
        """Every node completed since the builder started, as ``(level, idx, hash)``."""
        for level, hashes in enumerate(self._levels):
            first = self._start >> level
            for offset, hashed in enumerate(hashes):
                yield level, first + offset, hashed

    def root(self) -> bytes:
        return frontier_root(self.frontier)


def extend(
    frontier: list[bytes], size: int, leaf_hashes: Iterable[bytes], nodes: list[Node]
) -> int:
    """Append ``leaf_hashes`` to a tree of ``size`` entries whose compact range is
    ``frontier`` (changed in place); add every completed node to ``nodes``; return the
    new size."""
    builder = TreeBuilder(size, frontier)
    for leaf in leaf_hashes:
        builder.append_leaf_hash(leaf)
    frontier[:] = builder.frontier
    nodes.extend(builder.nodes())
    return builder.size


def frontier_root(frontier: Sequence[bytes]) -> bytes:
    """The tree head of a compact range: its subtrees hung off a right spine."""
    if not frontier:
        return EMPTY_ROOT
    root = frontier[-1]
    for left in reversed(frontier[:-1]):
        root = node_hash(left, root)
    return root


def _decode_head(size: int, frontier: bytes) -> tuple[int, list[bytes]]:
    # One root per set bit of the size (the compact range); anything else was edited.
    if size < 0 or len(frontier) != HASH_SIZE * size.bit_count():
        raise VerificationError(
            "the log head row does not match its size; run `confide log verify`"
        )
    return size, [frontier[i : i + HASH_SIZE] for i in range(0, len(frontier), HASH_SIZE)]


def read_head(conn: Connection) -> tuple[int, list[bytes]]:
    """The committed tree size and compact range, without locking."""
    row = conn.execute(
        select(log_head.c.size, log_head.c.frontier).where(log_head.c.id == HEAD_ID)
    ).one_or_none()
    if row is None:
        raise VerificationError("the log head row is missing; run `confide log verify`")
    return _decode_head(int(row.size), bytes(row.frontier))


def lock_head(conn: Connection) -> tuple[int, list[bytes]]:
    """Lock the head row for this transaction and return it.

    ``SELECT ... FOR UPDATE`` on PostgreSQL makes every other appender wait until this
    transaction ends, then read the head it left: no two appenders see the same size,
    so the log cannot fork and no index is given twice. SQLite needs no row lock: every
    Confide transaction there starts with ``BEGIN IMMEDIATE``, which already serialises
    writers.
    """
    row = conn.execute(
        select(log_head.c.size, log_head.c.frontier)
        .where(log_head.c.id == HEAD_ID)
        .with_for_update()
    ).one_or_none()
    if row is None:
        raise VerificationError("the log head row is missing; run `confide log verify`")
    return _decode_head(int(row.size), bytes(row.frontier))


def write_head(conn: Connection, size: int, frontier: Sequence[bytes]) -> None:
    conn.execute(
        update(log_head)
        .where(log_head.c.id == HEAD_ID)
        .values(size=size, frontier=b"".join(frontier))
    )


def perfect_pieces(ranges: Iterable[Range]) -> set[Range]:
    """The aligned perfect subtrees whose roots make up the roots of ``ranges``."""
    pieces: set[Range] = set()
    for start, end in ranges:
        pieces.update(range_subtrees(start, end))
    return pieces


def fetch_subtree_roots(conn: Connection, pieces: Iterable[Range]) -> dict[Range, bytes]:
    """Read the stored roots of aligned perfect subtrees, in at most two queries.

    Raises :class:`VerificationError` if one is missing: the tree below the head must be
    complete, so a gap means rows were deleted.
    """
    pieces = list(pieces)
    leaves: list[int] = []
    by_level: dict[int, list[int]] = {}
    for start, end in pieces:
        level = (end - start).bit_length() - 1
        if level == 0:
            leaves.append(start)
        else:
            by_level.setdefault(level, []).append(start >> level)
    found: dict[Range, bytes] = {}
    if leaves:
        rows: Any = conn.execute(
            select(log_entries.c.idx, log_entries.c.leaf_hash).where(log_entries.c.idx.in_(leaves))
        )
        for idx, hashed in rows:
            found[(int(idx), int(idx) + 1)] = bytes(hashed)
    if by_level:
        rows = conn.execute(
            select(log_nodes.c.level, log_nodes.c.idx, log_nodes.c.hash).where(
                or_(
                    *(
                        and_(log_nodes.c.level == level, log_nodes.c.idx.in_(indexes))
                        for level, indexes in by_level.items()
                    )
                )
            )
        )
        for level, idx, hashed in rows:
            start = int(idx) << int(level)
            found[(start, start + (1 << int(level)))] = bytes(hashed)
    for start, end in pieces:
        if (start, end) not in found:
            raise VerificationError(
                f"the log is missing the stored hash of entries {start}..{end - 1}; "
                "rows were deleted: run `confide log verify`"
            )
    return found
