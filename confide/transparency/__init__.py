"""The transparency log's pure parts: the RFC 9162 Merkle tree and C2SP checkpoints.

* :mod:`~confide.transparency.merkle`: tree heads and inclusion / consistency proofs over
  lists in memory, and their verification (RFC 9162 section 2.1).
* :mod:`~confide.transparency.subtrees`: the same proofs computed from stored perfect
  subtrees in O(log n) reads, for a database-backed log.
* :mod:`~confide.transparency.checkpoint`: signed tree heads as c2sp.org/tlog-checkpoint
  inside c2sp.org/signed-note, with Go ``sumdb/note`` verifier keys.

Every ``verify_*`` function returns nothing (or the verified value) and raises
:class:`~confide.errors.VerificationError` on any failure.
"""

from confide.transparency.checkpoint import (
    Checkpoint,
    VerifierKey,
    format_checkpoint,
    format_verifier_key,
    key_id,
    open_note,
    parse_checkpoint,
    parse_verifier_key,
    sign_checkpoint,
    sign_note,
    verify_checkpoint,
)
from confide.transparency.merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    merkle_root,
    node_hash,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)
from confide.transparency.subtrees import (
    SubtreeRootReader,
    consistency_proof_from,
    consistency_proof_ranges,
    inclusion_proof_from,
    inclusion_proof_ranges,
    perfect_subtrees,
    range_subtrees,
    root_from,
    subtree_root_from,
)

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "Checkpoint",
    "SubtreeRootReader",
    "VerifierKey",
    "consistency_proof",
    "consistency_proof_from",
    "consistency_proof_ranges",
    "format_checkpoint",
    "format_verifier_key",
    "inclusion_proof",
    "inclusion_proof_from",
    "inclusion_proof_ranges",
    "key_id",
    "leaf_hash",
    "merkle_root",
    "node_hash",
    "open_note",
    "parse_checkpoint",
    "parse_verifier_key",
    "perfect_subtrees",
    "range_subtrees",
    "root_from",
    "root_from_leaf_hashes",
    "sign_checkpoint",
    "sign_note",
    "subtree_root_from",
    "verify_checkpoint",
    "verify_consistency",
    "verify_inclusion",
]
