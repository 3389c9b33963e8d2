"""The Merkle tree of the transparency log: RFC 9162 section 2.1 (the RFC 6962 tree).

Every function here is pure and works on whole lists held in memory. The functions a
database-backed log uses, which read only O(log n) stored interior nodes, are in
:mod:`confide.transparency.subtrees`; the two modules must produce the same bytes, and the
tests check that they do.

Hashing follows RFC 9162 section 2.1.1 with SHA-256, so that any RFC 6962 / C2SP
tooling (Go's ``transparency-dev/merkle``, Trillian, Tessera) can check Confide's proofs:

* the root of the empty tree is ``SHA-256("")``;
* a leaf hash is ``SHA-256(0x00 || entry)``;
* an interior node hash is ``SHA-256(0x01 || left || right)``;
* a tree of ``n > 1`` leaves splits at ``k``, the largest power of two smaller than ``n``.

The distinct 0x00 / 0x01 prefixes are what stop a leaf being passed off as an interior
node (the second-preimage attack RFC 9162 section 2.1.1 guards against).

Proof generation (sections 2.1.3.1 and 2.1.4.1) is written as the RFC's recursive
definitions, on purpose: it is the reference the storage-friendly versions are tested
against. Verification (sections 2.1.3.2 and 2.1.4.2) follows the RFC's iterative
algorithms step by step. Verification never returns a flag: it returns ``None`` or raises
:class:`~confide.errors.VerificationError`, and it checks the shape of its input (hash
lengths, sizes, index) before doing any hashing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from confide.errors import VerificationError

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "consistency_proof",
    "inclusion_proof",
    "leaf_hash",
    "merkle_root",
    "node_hash",
    "root_from_leaf_hashes",
    "split_point",
    "verify_consistency",
    "verify_inclusion",
]

#: Bytes in every hash of the tree (SHA-256).
HASH_SIZE = 32
#: MTH({}) = SHA-256() (RFC 9162 section 2.1.1).
EMPTY_ROOT = hashlib.sha256(b"").digest()

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


def leaf_hash(data: bytes) -> bytes:
    """MTH({d0}) = SHA-256(0x00 || d0): the hash of one log entry (RFC 9162 section 2.1.1)."""
    return hashlib.sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right): an interior node (RFC 9162 section 2.1.1)."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def split_point(n: int) -> int:
    """``k``, the largest power of two strictly smaller than ``n`` (RFC 9162 section 2.1.1).

    The left child of a tree of ``n > 1`` leaves is the perfect tree of the first ``k``.
    """
    if n < 2:
        raise ValueError(f"a tree of {n} leaves has no split point; it needs at least 2")
    return 1 << ((n - 1).bit_length() - 1)


def root_from_leaf_hashes(hashes: Sequence[bytes]) -> bytes:
    """The tree head MTH over leaves whose hashes are already known.

    Equal to the RFC's recursive definition, computed in one left-to-right pass with a
    stack of perfect subtree roots (the "compact range" of the tree), so it costs n - 1
    node hashes and O(log n) memory.
    """
    stack: list[bytes] = []
    for size, hashed in enumerate(hashes, start=1):
        stack.append(hashed)
        # Each trailing zero bit of the new size closes one perfect subtree.
        closing = size
        while closing & 1 == 0:
            right = stack.pop()
            stack[-1] = node_hash(stack[-1], right)
            closing >>= 1
    if not stack:
        return EMPTY_ROOT
    # The perfect subtrees, largest first, hang off a right spine (section 2.1.1's split).
    root = stack[-1]
    for left in reversed(stack[:-1]):
        root = node_hash(left, root)
    return root


def merkle_root(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]) for entries ``leaves`` (entry data, not hashes) (RFC 9162 section 2.1.1)."""
    return root_from_leaf_hashes([leaf_hash(entry) for entry in leaves])


def inclusion_proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """PATH(m, D[n]): the audit path of entry ``index`` (RFC 9162 section 2.1.3.1).

    Hashes are ordered from the leaf's sibling up to the root's child, as the RFC and
    every verifier expect. Raises :class:`ValueError` if ``index`` is not in the tree:
    asking for it is a caller's mistake, not a failed verification.
    """
    if not 0 <= index < len(leaves):
        raise ValueError(f"leaf index {index} is outside a tree of {len(leaves)} entries")
    return _path(index, [leaf_hash(entry) for entry in leaves])


def consistency_proof(leaves: Sequence[bytes], old_size: int) -> list[bytes]:
    """PROOF(m, D[n]): proves the first ``old_size`` entries are a prefix of ``leaves``
    (RFC 9162 section 2.1.4.1).

    The proof between a tree and itself, or from the empty tree, is empty: both are
    consistent with anything of their size, and :func:`verify_consistency` accepts them
    only with an empty proof. Raises :class:`ValueError` if ``old_size`` is not between 0
    and ``len(leaves)``.
    """
    if not 0 <= old_size <= len(leaves):
        raise ValueError(
            f"old size {old_size} is outside 0..{len(leaves)}, the sizes this tree has had"
        )
    if old_size in (0, len(leaves)):
        return []
    return _subproof(old_size, [leaf_hash(entry) for entry in leaves], complete=True)


def _path(m: int, hashes: Sequence[bytes]) -> list[bytes]:
    # RFC 9162 section 2.1.3.1, literally.
    n = len(hashes)
    if n == 1:
        return []
    k = split_point(n)
    if m < k:
        return [*_path(m, hashes[:k]), root_from_leaf_hashes(hashes[k:])]
    return [*_path(m - k, hashes[k:]), root_from_leaf_hashes(hashes[:k])]


def _subproof(m: int, hashes: Sequence[bytes], *, complete: bool) -> list[bytes]:
    # SUBPROOF(m, D[n], b) of RFC 9162 section 2.1.4.1, literally; ``complete`` is b.
    n = len(hashes)
    if m == n:
        return [] if complete else [root_from_leaf_hashes(hashes)]
    k = split_point(n)
    if m <= k:
        return [*_subproof(m, hashes[:k], complete=complete), root_from_leaf_hashes(hashes[k:])]
    return [*_subproof(m - k, hashes[k:], complete=False), root_from_leaf_hashes(hashes[:k])]


def verify_inclusion(
    leaf_hash: bytes, index: int, tree_size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that ``leaf_hash`` is entry ``index`` of the tree of ``tree_size`` entries
    whose head is ``root``, following RFC 9162 section 2.1.3.2 step by step.

    ``leaf_hash`` is the leaf's hash (:func:`leaf_hash` of the entry), not the entry.
    Returns ``None``; raises :class:`VerificationError` on any mismatch or malformed
    input.
    """
    _check_hash(leaf_hash, "the leaf hash")
    _check_hash(root, "the root hash")
    path = _check_proof(proof)
    _check_count(index, "inclusion proof: the leaf index")
    _check_count(tree_size, "inclusion proof: the tree size")
    # Step 1.
    if index >= tree_size:
        raise VerificationError(
            f"inclusion proof: leaf index {index} is not in a tree of {tree_size} entries"
        )
    # Steps 2 and 3.
    fn, sn = index, tree_size - 1
    r = leaf_hash
    # Step 4.
    for p in path:
        if sn == 0:
            raise VerificationError("inclusion proof: the proof has more hashes than the tree")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not (fn & 1 or fn == 0):
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    # Step 5.
    if sn != 0:
        raise VerificationError("inclusion proof: the proof has fewer hashes than the tree")
    if r != root:
        raise VerificationError("inclusion proof: the proof does not lead to the given root")


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Check that the tree of ``old_size`` entries with head ``old_root`` is a prefix of
    the tree of ``new_size`` entries with head ``new_root`` (RFC 9162 section 2.1.4.2).

    The RFC's algorithm covers ``0 < old_size < new_size``. The two edge cases it leaves
    out are decided strictly: equal sizes need equal roots and an empty proof; the empty
    tree needs the root ``SHA-256("")`` and an empty proof. Returns ``None``; raises
    :class:`VerificationError` on any mismatch or malformed input.
    """
    _check_hash(old_root, "the old root hash")
    _check_hash(new_root, "the new root hash")
    path = _check_proof(proof)
    _check_count(old_size, "consistency proof: the old size")
    _check_count(new_size, "consistency proof: the new size")
    if old_size > new_size:
        raise VerificationError(
            f"consistency proof: the old size {old_size} is larger than the new size {new_size}"
        )
    if old_size in (0, new_size):
        if path:
            raise VerificationError(
                "consistency proof: a proof from the empty tree or between equal sizes "
                "must be empty"
            )
        if old_size == 0 and old_root != EMPTY_ROOT:
            raise VerificationError("consistency proof: the old root is not the empty tree's")
        if old_size == new_size and old_root != new_root:
            raise VerificationError("consistency proof: equal sizes with different roots")
        return
    # Step 1.
    if not path:
        raise VerificationError("consistency proof: the proof is empty")
    # Step 2: a perfect old tree's root is a node of the new tree, so the log leaves it out.
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    # Steps 3 and 4.
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    # Step 5.
    fr = sr = path[0]
    # Step 6.
    for c in path[1:]:
        if sn == 0:
            raise VerificationError("consistency proof: the proof has more hashes than needed")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not (fn & 1 or fn == 0):
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    # Step 7.
    if sn != 0:
        raise VerificationError("consistency proof: the proof has fewer hashes than needed")
    if fr != old_root:
        raise VerificationError("consistency proof: the proof does not lead to the old root")
    if sr != new_root:
        raise VerificationError("consistency proof: the proof does not lead to the new root")


def _check_hash(value: object, what: str) -> None:
    if not isinstance(value, bytes) or len(value) != HASH_SIZE:
        raise VerificationError(f"{what} is not a {HASH_SIZE}-byte SHA-256 hash")


def _check_count(value: object, what: str) -> None:
    # Sizes and indexes often arrive from JSON; a string or bool must not slip through.
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise VerificationError(f"{what} is not a non-negative integer")


def _check_proof(proof: object) -> list[bytes]:
    # A bare bytes object is a sequence too (of ints): reject it rather than iterate it.
    if not isinstance(proof, Sequence) or isinstance(proof, bytes | bytearray | str):
        raise VerificationError("the proof is not a list of hashes")
    for position, hashed in enumerate(proof):
        _check_hash(hashed, f"proof hash {position}")
    return list(proof)
