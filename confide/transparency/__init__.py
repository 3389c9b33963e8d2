"""The transparency log's pure parts: the RFC 9162 Merkle tree and C2SP checkpoints.

* :mod:`~confide.transparency.merkle`: tree heads and inclusion / consistency proofs over
  lists in memory, and their verification (RFC 9162 section 2.1).
* :mod:`~confide.transparency.subtrees`: the same proofs computed from stored perfect
  subtrees in O(log n) reads, for a database-backed log.
* :mod:`~confide.transparency.checkpoint`: signed tree heads as c2sp.org/tlog-checkpoint
  inside c2sp.org/signed-note, with Go ``sumdb/note`` verifier keys.
* :mod:`~confide.transparency.log`: :class:`TransparencyLog`, the log stored in Confide's
  database (appends in the caller's transaction, proofs, checkpoints, history), with its
  entry schemas in :mod:`~confide.transparency.entries`, its full audit in
  :mod:`~confide.transparency.audit`, offline proof documents in
  :mod:`~confide.transparency.proofs`, the outside monitor in
  :mod:`~confide.transparency.monitor` and its signing key in
  :mod:`~confide.transparency.signer`.
* :mod:`~confide.transparency.report`: the public transparency report, counted from the
  log alone at one tree size and checked against its root and latest checkpoint.

Every ``verify_*`` function returns nothing (or the verified value) and raises
:class:`~confide.errors.VerificationError` on any failure.
"""

from confide.transparency.audit import LogTampered, LogVerification
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
from confide.transparency.entries import (
    ENTRY_KINDS,
    ENTRY_VERSION,
    EntryError,
    EntryKind,
    FieldType,
    LogEntry,
    is_pseudonym,
    register_kind,
)
from confide.transparency.log import StoredCheckpoint, TransparencyLog
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
from confide.transparency.monitor import LogAlarm, MonitorReport, check_log
from confide.transparency.proofs import (
    PROOF_FORMAT,
    ProofCheck,
    consistency_document,
    inclusion_document,
    verify_proof_document,
)
from confide.transparency.report import REPORT_FORMAT, TransparencyReport, build_report
from confide.transparency.signer import (
    create_signing_key,
    load_signing_key,
    load_verifier_key,
    new_origin,
    publish_verifier_key,
    signing_key_path,
    verifier_key,
    verifier_key_path,
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
    "ENTRY_KINDS",
    "ENTRY_VERSION",
    "HASH_SIZE",
    "PROOF_FORMAT",
    "REPORT_FORMAT",
    "Checkpoint",
    "EntryError",
    "EntryKind",
    "FieldType",
    "LogAlarm",
    "LogEntry",
    "LogTampered",
    "LogVerification",
    "MonitorReport",
    "ProofCheck",
    "StoredCheckpoint",
    "SubtreeRootReader",
    "TransparencyLog",
    "TransparencyReport",
    "VerifierKey",
    "build_report",
    "check_log",
    "consistency_document",
    "consistency_proof",
    "consistency_proof_from",
    "consistency_proof_ranges",
    "create_signing_key",
    "format_checkpoint",
    "format_verifier_key",
    "inclusion_document",
    "inclusion_proof",
    "inclusion_proof_from",
    "inclusion_proof_ranges",
    "is_pseudonym",
    "key_id",
    "leaf_hash",
    "load_signing_key",
    "load_verifier_key",
    "merkle_root",
    "new_origin",
    "node_hash",
    "open_note",
    "parse_checkpoint",
    "parse_verifier_key",
    "perfect_subtrees",
    "publish_verifier_key",
    "range_subtrees",
    "register_kind",
    "root_from",
    "root_from_leaf_hashes",
    "sign_checkpoint",
    "sign_note",
    "signing_key_path",
    "subtree_root_from",
    "verifier_key",
    "verifier_key_path",
    "verify_checkpoint",
    "verify_consistency",
    "verify_inclusion",
    "verify_proof_document",
]
