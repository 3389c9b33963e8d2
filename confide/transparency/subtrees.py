"""Tree heads and proofs computed from stored perfect subtrees, in O(log n) reads.

A database-backed log cannot hash every entry to answer one proof. It stores the roots of
*perfect, aligned* subtrees instead: the ranges ``[k * 2**h, (k + 1) * 2**h)`` of entries
(a leaf is the case ``h = 0``). Once written such a root never changes, because appending
entries never alters a complete subtree, so it can be cached or written once.

Every function here takes a callback ``get_subtree_root(start, end) -> bytes`` that
returns the RFC 9162 hash of one such range and that is **only ever called with aligned
perfect ranges** lying inside the tree being proved. Everything else the RFC needs, the
roots of the ragged right-hand subtrees (the "ephemeral" nodes of Trillian), is
recomputed from at most ``log2(n) + 1`` perfect pieces. A proof therefore costs at most
about ``2 * log2(n)`` reads, and the ``*_ranges`` functions say up front which ranges
those are, so a storage layer can fetch them in one query.

The results are byte-for-byte those of :mod:`confide.transparency.merkle` (RFC 9162
sections 2.1.1, 2.1.3.1 and 2.1.4.1); the tests check this for every index and size.
"""

from __future__ import annotations

from collections.abc import Callable

from confide.transparency.merkle import EMPTY_ROOT, node_hash, split_point

__all__ = [
    "SubtreeRootReader",
    "consistency_proof_from",
    "consistency_proof_ranges",
    "inclusion_proof_from",
    "inclusion_proof_ranges",
    "is_perfect_subtree",
    "perfect_subtrees",
    "range_subtrees",
    "root_from",
    "subtree_root_from",
]

#: ``get_subtree_root(start, end)``: the stored hash of the perfect aligned range
#: ``[start, end)``; for ``end == start + 1`` the leaf hash of entry ``start``.
SubtreeRootReader = Callable[[int, int], bytes]

Range = tuple[int, int]


def is_perfect_subtree(start: int, end: int) -> bool:
    """True when ``[start, end)`` is ``[k * 2**h, (k + 1) * 2**h)`` for some k, h >= 0."""
    width = end - start
    return start >= 0 and width > 0 and width & (width - 1) == 0 and start % width == 0


def range_subtrees(start: int, end: int) -> list[Range]:
    """Split ``[start, end)`` into the fewest perfect aligned subtrees, left to right.

    When ``start`` is aligned to the smallest power of two at least ``end - start`` (true
    of every node of an RFC 9162 tree, and of ``start == 0``) the pieces shrink from left
    to right and there are at most ``log2(end - start) + 1`` of them.
    """
    if not 0 <= start <= end:
        raise ValueError(f"[{start}, {end}) is not a range of entries")
    pieces: list[Range] = []
    while start < end:
        width = 1 << ((end - start).bit_length() - 1)
        if start:
            # The lowest set bit of start is the widest subtree that can begin there.
            width = min(width, start & -start)
        pieces.append((start, start + width))
        start += width
    return pieces


def perfect_subtrees(size: int) -> list[Range]:
    """The perfect subtrees a tree of ``size`` entries is made of, largest first: one per
    set bit of ``size`` (the "compact range" of the tree)."""
    if size < 0:
        raise ValueError(f"a tree cannot have {size} entries")
    return range_subtrees(0, size)


def subtree_root_from(get_subtree_root: SubtreeRootReader, start: int, end: int) -> bytes:
    """The RFC 9162 root of the entries ``[start, end)``, read from perfect subtrees.

    ``[start, end)`` must be a node of some RFC 9162 tree: non-empty, with ``start`` a
    multiple of the smallest power of two at least ``end - start``. Its root hangs the
    perfect pieces of :func:`range_subtrees` off a right spine, which is exactly the
    split rule of section 2.1.1 applied recursively.
    """
    width = end - start
    if width <= 0 or start < 0 or start % (1 << (width - 1).bit_length()) != 0:
        raise ValueError(f"[{start}, {end}) is not a node of an RFC 9162 tree")
    pieces = range_subtrees(start, end)
    root = get_subtree_root(*pieces[-1])
    for piece in reversed(pieces[:-1]):
        root = node_hash(get_subtree_root(*piece), root)
    return root


def root_from(get_subtree_root: SubtreeRootReader, size: int) -> bytes:
    """MTH of the first ``size`` entries (RFC 9162 section 2.1.1), in at most
    ``log2(size) + 1`` reads."""
    if size < 0:
        raise ValueError(f"a tree cannot have {size} entries")
    if size == 0:
        return EMPTY_ROOT
    return subtree_root_from(get_subtree_root, 0, size)


def inclusion_proof_ranges(index: int, size: int) -> list[Range]:
    """The entry ranges whose roots form PATH(index, D[size]) (RFC 9162 section 2.1.3.1),
    in proof order, from the leaf's sibling upwards.

    Every range is a perfect subtree except possibly one on the right edge of the tree.
    """
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is outside a tree of {size} entries")
    ranges: list[Range] = []
    start, end = 0, size
    # The RFC recurses into the half holding the leaf and appends the other half's root
    # after the deeper proof; walking down and reversing gives the same order.
    while end - start > 1:
        mid = start + split_point(end - start)
        if index < mid:
            ranges.append((mid, end))
            end = mid
        else:
            ranges.append((start, mid))
            start = mid
    ranges.reverse()
    return ranges


def consistency_proof_ranges(old_size: int, new_size: int) -> list[Range]:
    """The entry ranges whose roots form PROOF(old_size, D[new_size]) (RFC 9162 section
    2.1.4.1), in proof order. Empty when ``old_size`` is 0 or ``new_size``.

    Every range is a perfect subtree except possibly one on the right edge of the tree.
    """
    if not 0 <= old_size <= new_size:
        raise ValueError(f"no consistency proof from size {old_size} to size {new_size}")
    if old_size in (0, new_size):
        return []
    ranges: list[Range] = []
    start, end = 0, new_size
    # ``complete`` is the b of SUBPROOF(m, D[n], b): still on the tree's left spine, where
    # the old tree's own root is a node the verifier already has.
    complete = True
    while old_size != end:
        mid = start + split_point(end - start)
        if old_size <= mid:
            ranges.append((mid, end))
            end = mid
        else:
            ranges.append((start, mid))
            start = mid
            complete = False
    if not complete:
        ranges.append((start, end))
    ranges.reverse()
    return ranges


def inclusion_proof_from(get_subtree_root: SubtreeRootReader, index: int, size: int) -> list[bytes]:
    """PATH(index, D[size]) (RFC 9162 section 2.1.3.1) from stored perfect subtrees.

    Equal to :func:`confide.transparency.merkle.inclusion_proof` over the same entries, in
    at most about ``2 * log2(size)`` reads.
    """
    return [
        subtree_root_from(get_subtree_root, start, end)
        for start, end in inclusion_proof_ranges(index, size)
    ]


def consistency_proof_from(
    get_subtree_root: SubtreeRootReader, old_size: int, new_size: int
) -> list[bytes]:
    """PROOF(old_size, D[new_size]) (RFC 9162 section 2.1.4.1) from stored perfect
    subtrees.

    Equal to :func:`confide.transparency.merkle.consistency_proof` over the same entries,
    in at most about ``2 * log2(new_size)`` reads.
    """
    return [
        subtree_root_from(get_subtree_root, start, end)
        for start, end in consistency_proof_ranges(old_size, new_size)
    ]
