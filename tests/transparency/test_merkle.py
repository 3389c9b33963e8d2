"""RFC 9162 Merkle trees: known answers, the laws of the proofs, and the subtree versions.

The known answers are the RFC 6962 test vectors of the certificate-transparency code, as
kept by transparency-dev/merkle (``testonly/constants.go`` and ``proof/verify_test.go``).
A tree that disagrees with them would prove nothing to anyone else's verifier.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from confide.errors import VerificationError
from confide.transparency.merkle import (
    EMPTY_ROOT,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    merkle_root,
    node_hash,
    root_from_leaf_hashes,
    split_point,
    verify_consistency,
    verify_inclusion,
)
from confide.transparency.subtrees import (
    consistency_proof_from,
    consistency_proof_ranges,
    inclusion_proof_from,
    inclusion_proof_ranges,
    is_perfect_subtree,
    perfect_subtrees,
    range_subtrees,
    root_from,
    subtree_root_from,
)


def h(hex_digits: str) -> bytes:
    return bytes.fromhex(hex_digits)


LEAVES = [
    h(""),
    h("00"),
    h("10"),
    h("2021"),
    h("3031"),
    h("40414243"),
    h("5051525354555657"),
    h("606162636465666768696a6b6c6d6e6f"),
]

# ROOTS[n] is the root of the tree of the first n LEAVES.
ROOTS = [
    h("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
    h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
    h("aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77"),
    h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
    h("4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4"),
    h("76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef"),
    h("ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c"),
    h("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"),
]

# (leaf index, tree size, audit path); the Go table numbers leaves from 1.
INCLUSION_VECTORS = [
    (
        0,
        8,
        [
            h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        ],
    ),
    (
        5,
        8,
        [
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
            h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
    (2, 3, [h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")]),
    (
        1,
        5,
        [
            h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        ],
    ),
    (0, 1, []),
]

# (old size, new size, consistency proof)
CONSISTENCY_VECTORS = [
    (1, 1, []),
    (
        1,
        8,
        [
            h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        ],
    ),
    (
        6,
        8,
        [
            h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
    (
        2,
        5,
        [
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        ],
    ),
    (
        6,
        7,
        [
            h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            h("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
]

SOME_HASH = h("abacaba000000000000000000000000000000000000000000060061e00123456")


def reference_root(entries: Sequence[bytes]) -> bytes:
    """MTH exactly as RFC 9162 section 2.1.1 writes it, to check the one-pass version."""
    if not entries:
        return hashlib.sha256(b"").digest()
    if len(entries) == 1:
        return hashlib.sha256(b"\x00" + entries[0]).digest()
    k = 1
    while k * 2 < len(entries):
        k *= 2
    left, right = reference_root(entries[:k]), reference_root(entries[k:])
    return hashlib.sha256(b"\x01" + left + right).digest()


def fails(check: Callable[..., None], *args: object) -> bool:
    try:
        check(*args)
    except VerificationError:
        return True
    return False


def flip_bit(value: bytes, bit: int) -> bytes:
    changed = bytearray(value)
    changed[bit // 8] ^= 1 << (bit % 8)
    return bytes(changed)


# --- known answers ----------------------------------------------------------------------


def test_the_empty_tree_root_is_sha256_of_nothing() -> None:
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert merkle_root([]) == EMPTY_ROOT
    assert root_from_leaf_hashes([]) == EMPTY_ROOT


@pytest.mark.parametrize("size", range(len(ROOTS)))
def test_roots_match_the_rfc6962_test_vectors(size: int) -> None:
    assert merkle_root(LEAVES[:size]) == ROOTS[size]
    assert root_from_leaf_hashes([leaf_hash(entry) for entry in LEAVES[:size]]) == ROOTS[size]


def test_leaves_and_nodes_are_hashed_with_distinct_prefixes() -> None:
    assert leaf_hash(b"") == ROOTS[1]
    assert node_hash(leaf_hash(LEAVES[0]), leaf_hash(LEAVES[1])) == ROOTS[2]
    assert leaf_hash(b"\x01" + ROOTS[1] + ROOTS[1]) != node_hash(ROOTS[1], ROOTS[1])


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION_VECTORS)
def test_inclusion_proofs_match_the_test_vectors(index: int, size: int, proof: list[bytes]) -> None:
    assert inclusion_proof(LEAVES[:size], index) == proof
    verify_inclusion(leaf_hash(LEAVES[index]), index, size, proof, ROOTS[size])


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY_VECTORS)
def test_consistency_proofs_match_the_test_vectors(old: int, new: int, proof: list[bytes]) -> None:
    assert consistency_proof(LEAVES[:new], old) == proof
    verify_consistency(old, new, ROOTS[old], ROOTS[new], proof)


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION_VECTORS)
def test_inclusion_vectors_reject_the_go_corruption_probes(
    index: int, size: int, proof: list[bytes]
) -> None:
    # The probes of transparency-dev/merkle's corruptInclusionProof.
    leaf, root = leaf_hash(LEAVES[index]), ROOTS[size]
    probes: list[tuple[bytes, int, int, list[bytes], bytes]] = [
        (leaf, index - 1, size, proof, root),
        (leaf, index + 1, size, proof, root),
        (leaf, index ^ 2, size, proof, root),
        (leaf, index, size * 2, proof, root),
        (leaf, index, size // 2, proof, root),
        (SOME_HASH, index, size, proof, root),
        (b"WrongLeaf", index, size, proof, root),
        (leaf, index, size, proof, EMPTY_ROOT),
        (leaf, index, size, proof, SOME_HASH),
        (leaf, index, size, [*proof, b""], root),
        (leaf, index, size, [*proof, root], root),
        (leaf, index, size, [b"", *proof], root),
        (leaf, index, size, [root, *proof], root),
    ]
    for position in range(len(proof)):
        changed = list(proof)
        changed[position] = flip_bit(changed[position], 3)
        probes.append((leaf, index, size, changed, root))
    if proof:
        probes.append((leaf, index, size, proof[:-1], root))
    if len(proof) > 1:
        probes.append((leaf, index, size, [proof[0], SOME_HASH, *proof[1:]], root))
    for probe in probes:
        assert fails(verify_inclusion, *probe), probe


@pytest.mark.parametrize(("old", "new", "proof"), [v for v in CONSISTENCY_VECTORS if v[2]])
def test_consistency_vectors_reject_the_go_corruption_probes(
    old: int, new: int, proof: list[bytes]
) -> None:
    # The probes of transparency-dev/merkle's corruptConsistencyProof.
    old_root, new_root = ROOTS[old], ROOTS[new]
    probes: list[tuple[int, int, bytes, bytes, list[bytes]]] = [
        (old - 1, new, old_root, new_root, proof),
        (old + 1, new, old_root, new_root, proof),
        (old ^ 2, new, old_root, new_root, proof),
        (old, new * 2, old_root, new_root, proof),
        (old, new // 2, old_root, new_root, proof),
        (old, new, b"WrongRoot", new_root, proof),
        (old, new, old_root, b"WrongRoot", proof),
        (old, new, new_root, old_root, proof),
        (old, new, old_root, new_root, []),
        (old, new, old_root, new_root, [*proof, b""]),
        (old, new, old_root, new_root, [*proof, old_root]),
        (old, new, old_root, new_root, [*proof, new_root]),
        (old, new, old_root, new_root, [b"", *proof]),
        (old, new, old_root, new_root, [old_root, *proof]),
        (old, new, old_root, new_root, [new_root, *proof]),
        (old, new, old_root, new_root, [proof[0], *proof]),
        (old, new, old_root, new_root, proof[:-1]),
    ]
    for position in range(len(proof)):
        changed = list(proof)
        changed[position] = flip_bit(changed[position], 4)
        probes.append((old, new, old_root, new_root, changed))
    for probe in probes:
        assert fails(verify_consistency, *probe), probe


# --- the edges the RFC's algorithms leave to the caller ----------------------------------

OTHER_ROOT = leaf_hash(b"some other tree")


@pytest.mark.parametrize(
    ("old", "new", "old_root", "new_root", "proof", "valid"),
    [
        (0, 0, EMPTY_ROOT, EMPTY_ROOT, [], True),
        (0, 1, EMPTY_ROOT, ROOTS[1], [], True),
        (0, 8, EMPTY_ROOT, ROOTS[8], [], True),
        (1, 1, ROOTS[1], ROOTS[1], [], True),
        # The empty tree has exactly one root (stricter than Go, which ignores it).
        (0, 0, OTHER_ROOT, OTHER_ROOT, [], False),
        (0, 8, OTHER_ROOT, ROOTS[8], [], False),
        (0, 0, EMPTY_ROOT, OTHER_ROOT, [], False),
        (1, 1, ROOTS[1], OTHER_ROOT, [], False),
        # Time travel to the past.
        (1, 0, ROOTS[1], EMPTY_ROOT, [], False),
        (2, 1, ROOTS[2], ROOTS[1], [], False),
        # An empty proof between different sizes.
        (1, 2, ROOTS[1], ROOTS[2], [], False),
        # The trivial cases with a proof that should be empty.
        (0, 0, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT], False),
        (0, 1, EMPTY_ROOT, ROOTS[1], [EMPTY_ROOT], False),
        (1, 1, ROOTS[1], ROOTS[1], [EMPTY_ROOT], False),
    ],
)
def test_consistency_edge_cases(
    old: int, new: int, old_root: bytes, new_root: bytes, proof: list[bytes], valid: bool
) -> None:
    if valid:
        verify_consistency(old, new, old_root, new_root, proof)
    else:
        with pytest.raises(VerificationError):
            verify_consistency(old, new, old_root, new_root, proof)


@pytest.mark.parametrize(("index", "size"), [(0, 0), (1, 0), (1, 1), (2, 1), (-1, 1), (0, -1)])
def test_an_index_outside_the_tree_is_never_included(index: int, size: int) -> None:
    with pytest.raises(VerificationError):
        verify_inclusion(SOME_HASH, index, size, [], SOME_HASH)
    with pytest.raises(VerificationError):
        verify_inclusion(SOME_HASH, index, size, [], EMPTY_ROOT)


@pytest.mark.parametrize(
    "bad", [b"", b"\x00" * 31, b"\x00" * 33, "6e340b9cffb37a989ca544e6bb780a2c", None, 7]
)
def test_malformed_hashes_are_rejected_before_any_hashing(bad: object) -> None:
    leaf, root = leaf_hash(LEAVES[0]), ROOTS[1]
    calls: list[tuple[object, ...]] = [
        (bad, 0, 1, [], root),
        (leaf, 0, 1, [], bad),
        (leaf_hash(LEAVES[0]), 0, 2, [bad], ROOTS[2]),
    ]
    for call in calls:
        assert fails(verify_inclusion, *call)
    assert fails(verify_consistency, 1, 1, bad, bad, [])
    assert fails(verify_consistency, 1, 2, ROOTS[1], ROOTS[2], [bad])


@pytest.mark.parametrize("bad", [True, 1.0, "1", None])
def test_sizes_and_indexes_must_be_integers(bad: object) -> None:
    leaf = leaf_hash(LEAVES[0])
    assert fails(verify_inclusion, leaf, bad, 1, [], ROOTS[1])
    assert fails(verify_inclusion, leaf, 0, bad, [], ROOTS[1])
    assert fails(verify_consistency, bad, 1, ROOTS[1], ROOTS[1], [])
    assert fails(verify_consistency, 1, bad, ROOTS[1], ROOTS[1], [])


def test_a_proof_must_be_a_list_of_hashes() -> None:
    proof = INCLUSION_VECTORS[0][2]
    joined = b"".join(proof)
    assert fails(verify_inclusion, leaf_hash(LEAVES[0]), 0, 8, joined, ROOTS[8])
    assert fails(verify_inclusion, leaf_hash(LEAVES[0]), 0, 8, None, ROOTS[8])
    assert fails(verify_consistency, 1, 8, ROOTS[1], ROOTS[8], joined)


def test_proof_generation_rejects_sizes_the_tree_never_had() -> None:
    with pytest.raises(ValueError, match="outside"):
        inclusion_proof(LEAVES, 8)
    with pytest.raises(ValueError, match="outside"):
        inclusion_proof(LEAVES, -1)
    with pytest.raises(ValueError, match="outside"):
        inclusion_proof([], 0)
    with pytest.raises(ValueError, match="outside"):
        consistency_proof(LEAVES, 9)
    with pytest.raises(ValueError, match="outside"):
        consistency_proof(LEAVES, -1)
    assert consistency_proof(LEAVES, 0) == []
    assert consistency_proof(LEAVES, 8) == []


def test_split_point_is_the_largest_power_of_two_below() -> None:
    expected = {2: 1, 3: 2, 4: 2, 5: 4, 8: 4, 9: 8, 1000: 512, (1 << 40) + 1: 1 << 40}
    for n, k in expected.items():
        assert split_point(n) == k
    with pytest.raises(ValueError, match="at least 2"):
        split_point(1)


# --- laws, for generated trees ----------------------------------------------------------

# The size is drawn first so that large trees are as likely as small ones.
entries = st.integers(0, 300).flatmap(
    lambda n: st.lists(st.binary(max_size=12), min_size=n, max_size=n)
)
# Duplicate entries make some wrong claims true (two equal leaves are interchangeable), so
# the tamper tests use distinct ones.
distinct_entries = st.integers(1, 300).flatmap(
    lambda n: st.lists(st.binary(max_size=12), min_size=n, max_size=n, unique=True)
)


@given(entries)
def test_the_one_pass_root_equals_the_rfc_definition(leaves: list[bytes]) -> None:
    assert merkle_root(leaves) == reference_root(leaves)


@settings(max_examples=40)
@given(entries)
def test_every_inclusion_proof_verifies(leaves: list[bytes]) -> None:
    root = merkle_root(leaves)
    for index, entry in enumerate(leaves):
        proof = inclusion_proof(leaves, index)
        verify_inclusion(leaf_hash(entry), index, len(leaves), proof, root)


@settings(max_examples=40)
@given(entries)
def test_every_consistency_proof_to_the_current_size_verifies(leaves: list[bytes]) -> None:
    hashes = [leaf_hash(entry) for entry in leaves]
    new_root = root_from_leaf_hashes(hashes)
    for old in range(len(leaves) + 1):
        proof = consistency_proof(leaves, old)
        verify_consistency(old, len(leaves), root_from_leaf_hashes(hashes[:old]), new_root, proof)


def test_every_consistency_proof_between_any_two_sizes_verifies() -> None:
    leaves = [i.to_bytes(2, "big") for i in range(70)]
    roots = [merkle_root(leaves[:size]) for size in range(len(leaves) + 1)]
    for new in range(len(leaves) + 1):
        for old in range(new + 1):
            proof = consistency_proof(leaves[:new], old)
            verify_consistency(old, new, roots[old], roots[new], proof)


@given(distinct_entries, st.data())
def test_every_altered_inclusion_proof_fails(leaves: list[bytes], data: st.DataObject) -> None:
    size = len(leaves)
    index = data.draw(st.integers(0, size - 1), label="index")
    leaf, root = leaf_hash(leaves[index]), merkle_root(leaves)
    proof = inclusion_proof(leaves, index)
    verify_inclusion(leaf, index, size, proof, root)

    altered: list[list[bytes]] = []
    for position in range(len(proof)):
        bit = data.draw(st.integers(0, 255), label="bit")
        altered.append([*proof[:position], flip_bit(proof[position], bit), *proof[position + 1 :]])
        altered.append([*proof[:position], *proof[position + 1 :]])
    for position in range(len(proof) + 1):
        extra = data.draw(st.binary(min_size=32, max_size=32), label="extra hash")
        altered.append([*proof[:position], extra, *proof[position:]])
    altered.append([*proof, root])
    for changed in altered:
        assert fails(verify_inclusion, leaf, index, size, changed, root)

    other_index = data.draw(st.integers(0, size - 1).filter(lambda i: i != index), label="other")
    if size > 1:
        assert fails(verify_inclusion, leaf, other_index, size, proof, root)
        assert fails(verify_inclusion, leaf_hash(leaves[other_index]), index, size, proof, root)
    assert fails(verify_inclusion, leaf, index, size * 2, proof, root)
    assert fails(verify_inclusion, leaf, index, size // 2, proof, root)
    wrong_root = data.draw(st.binary(min_size=32, max_size=32).filter(lambda r: r != root))
    assert fails(verify_inclusion, leaf, index, size, proof, wrong_root)
    assert fails(verify_inclusion, leaf, index, size, proof, merkle_root(leaves[:-1]))


@given(distinct_entries.filter(lambda leaves: len(leaves) >= 2), st.data())
def test_every_altered_consistency_proof_fails(leaves: list[bytes], data: st.DataObject) -> None:
    new = len(leaves)
    old = data.draw(st.integers(1, new - 1), label="old size")
    old_root, new_root = merkle_root(leaves[:old]), merkle_root(leaves)
    proof = consistency_proof(leaves, old)
    verify_consistency(old, new, old_root, new_root, proof)

    altered: list[list[bytes]] = []
    for position in range(len(proof)):
        bit = data.draw(st.integers(0, 255), label="bit")
        altered.append([*proof[:position], flip_bit(proof[position], bit), *proof[position + 1 :]])
        altered.append([*proof[:position], *proof[position + 1 :]])
    for position in range(len(proof) + 1):
        extra = data.draw(st.binary(min_size=32, max_size=32), label="extra hash")
        altered.append([*proof[:position], extra, *proof[position:]])
    altered += [[old_root, *proof], [*proof, new_root]]
    for changed in altered:
        assert fails(verify_consistency, old, new, old_root, new_root, changed)

    other_old = data.draw(st.integers(0, new).filter(lambda size: size != old), label="other")
    assert fails(verify_consistency, other_old, new, old_root, new_root, proof)
    assert fails(verify_consistency, old, new * 2, old_root, new_root, proof)
    assert fails(verify_consistency, old, new // 2, old_root, new_root, proof)
    assert fails(verify_consistency, old, new, new_root, old_root, proof)
    wrong = data.draw(
        st.binary(min_size=32, max_size=32).filter(lambda r: r not in (old_root, new_root))
    )
    assert fails(verify_consistency, old, new, wrong, new_root, proof)
    assert fails(verify_consistency, old, new, old_root, wrong, proof)


# --- the subtree versions ---------------------------------------------------------------


class StoredTree:
    """A stand-in for the database: serves perfect subtree roots and records each read."""

    def __init__(self, leaves: Sequence[bytes]) -> None:
        self.hashes = [leaf_hash(entry) for entry in leaves]
        self.nodes: dict[tuple[int, int], bytes] = {}
        self.reads: list[tuple[int, int]] = []

    def __call__(self, start: int, end: int) -> bytes:
        assert is_perfect_subtree(start, end), (start, end)
        assert end <= len(self.hashes), (start, end)
        self.reads.append((start, end))
        return self._node(start, end)

    def _node(self, start: int, end: int) -> bytes:
        # Built bottom-up by the RFC's split, independently of the code under test.
        if end - start == 1:
            return self.hashes[start]
        if (start, end) not in self.nodes:
            mid = start + split_point(end - start)
            self.nodes[start, end] = node_hash(self._node(start, mid), self._node(mid, end))
        return self.nodes[start, end]


def read_budget(size: int) -> int:
    # One read per level for the path, plus the pieces of one ragged subtree.
    return 2 * max(size - 1, 1).bit_length() + 1


@settings(max_examples=40)
@given(entries)
def test_subtree_proofs_equal_the_list_proofs(leaves: list[bytes]) -> None:
    stored = StoredTree(leaves)
    size = len(leaves)
    assert root_from(stored, size) == merkle_root(leaves)
    assert len(stored.reads) <= read_budget(size)
    for index in range(size):
        stored.reads.clear()
        assert inclusion_proof_from(stored, index, size) == inclusion_proof(leaves, index)
        assert len(stored.reads) <= read_budget(size)
    for old in range(size + 1):
        stored.reads.clear()
        assert consistency_proof_from(stored, old, size) == consistency_proof(leaves, old)
        assert len(stored.reads) <= read_budget(size)


def test_subtree_proofs_equal_the_test_vectors() -> None:
    stored = StoredTree(LEAVES)
    for index, size, proof in INCLUSION_VECTORS:
        assert inclusion_proof_from(stored, index, size) == proof
    for old, new, proof in CONSISTENCY_VECTORS:
        assert consistency_proof_from(stored, old, new) == proof
    for size, root in enumerate(ROOTS):
        assert root_from(stored, size) == root


@given(st.integers(0, 1 << 70))
def test_a_size_decomposes_into_one_perfect_subtree_per_set_bit(size: int) -> None:
    pieces = perfect_subtrees(size)
    assert len(pieces) == bin(size).count("1")
    assert all(is_perfect_subtree(start, end) for start, end in pieces)
    widths = [end - start for start, end in pieces]
    assert widths == sorted(widths, reverse=True)
    assert sum(widths) == size
    assert [start for start, _ in pieces] == [sum(widths[:i]) for i in range(len(widths))]


@given(st.integers(0, 1 << 40), st.integers(0, 1 << 40))
def test_any_range_is_covered_by_aligned_perfect_subtrees(start: int, width: int) -> None:
    end = start + width
    pieces = range_subtrees(start, end)
    assert all(is_perfect_subtree(a, b) for a, b in pieces)
    position = start
    for a, b in pieces:
        assert a == position
        position = b
    assert position == end
    assert len(pieces) <= 2 * max(width, 1).bit_length()


@given(st.integers(1, 1 << 64), st.data())
def test_proof_ranges_are_nodes_of_the_tree(size: int, data: st.DataObject) -> None:
    index = data.draw(st.integers(0, size - 1))
    old = data.draw(st.integers(0, size))
    for ranges in (inclusion_proof_ranges(index, size), consistency_proof_ranges(old, size)):
        ragged = [r for r in ranges if not is_perfect_subtree(*r)]
        assert len(ragged) <= 1
        assert all(end == size for _, end in ragged)
        assert len(ranges) <= size.bit_length() + 1


def test_subtree_helpers_reject_ranges_that_are_not_tree_nodes() -> None:
    stored = StoredTree(LEAVES)
    for start, end in [(1, 3), (2, 5), (0, 0), (3, 2), (-1, 1)]:
        with pytest.raises(ValueError, match="not a node"):
            subtree_root_from(stored, start, end)
    with pytest.raises(ValueError, match="outside"):
        inclusion_proof_ranges(3, 3)
    with pytest.raises(ValueError, match="no consistency proof"):
        consistency_proof_ranges(4, 3)
    with pytest.raises(ValueError, match="cannot have"):
        root_from(stored, -1)
    with pytest.raises(ValueError, match="not a range"):
        range_subtrees(3, 2)
