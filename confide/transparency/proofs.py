"""Proofs as self-contained JSON documents, and their offline verification.

``confide log prove`` and ``confide log consistency`` print these; ``confide log
verify-proof`` checks one with nothing but the document, a checkpoint and the log's
verifier key. Hashes and entry bytes are standard base64. The ``format`` field is the
version tag (:data:`PROOF_FORMAT`).

An inclusion proof::

    {"format": "confide-proof/v1", "type": "inclusion", "index": 7, "size": 16,
     "entry": "<base64 canonical entry>", "leaf_hash": "<base64>",
     "proof": ["<base64>", ...], "checkpoint": "<signed note>" | null}

A consistency proof::

    {"format": "confide-proof/v1", "type": "consistency", "old_size": 8, "new_size": 16,
     "old_root": "<base64>", "new_root": "<base64>", "proof": [...],
     "old_checkpoint": "<signed note>" | null, "checkpoint": "<signed note>" | null}

The checkpoints inside a document are conveniences, not trust: verification checks every
one against the verifier key the caller supplies.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from confide.errors import VerificationError
from confide.transparency.checkpoint import VerifierKey, verify_checkpoint
from confide.transparency.entries import LogEntry
from confide.transparency.merkle import leaf_hash, verify_consistency, verify_inclusion

__all__ = [
    "PROOF_FORMAT",
    "ProofCheck",
    "consistency_document",
    "inclusion_document",
    "verify_proof_document",
]

PROOF_FORMAT: Final = "confide-proof/v1"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def inclusion_document(
    entry: LogEntry, size: int, proof: Sequence[bytes], checkpoint: str | None
) -> dict[str, Any]:
    """The JSON document of an inclusion proof of ``entry`` in the tree of ``size``."""
    return {
        "format": PROOF_FORMAT,
        "type": "inclusion",
        "index": entry.index,
        "size": size,
        "entry": _b64(entry.data),
        "leaf_hash": _b64(leaf_hash(entry.data)),
        "proof": [_b64(h) for h in proof],
        "checkpoint": checkpoint,
    }


def consistency_document(
    old_size: int,
    new_size: int,
    old_root: bytes,
    new_root: bytes,
    proof: Sequence[bytes],
    *,
    old_checkpoint: str | None,
    checkpoint: str | None,
) -> dict[str, Any]:
    """The JSON document of a consistency proof between two tree sizes."""
    return {
        "format": PROOF_FORMAT,
        "type": "consistency",
        "old_size": old_size,
        "new_size": new_size,
        "old_root": _b64(old_root),
        "new_root": _b64(new_root),
        "proof": [_b64(h) for h in proof],
        "old_checkpoint": old_checkpoint,
        "checkpoint": checkpoint,
    }


@dataclass(frozen=True, slots=True)
class ProofCheck:
    """What a verified proof established, for printing."""

    type: str
    origin: str
    size: int
    index: int | None = None
    old_size: int | None = None
    old_root_signed: bool = True


def verify_proof_document(
    document: Mapping[str, Any],
    verifier_key: str | VerifierKey,
    *,
    checkpoint: str | None = None,
    old_checkpoint: str | None = None,
) -> ProofCheck:
    """Check a proof document against signed checkpoints; raise
    :class:`VerificationError` on any problem.

    ``checkpoint`` (or the document's own) must be signed by ``verifier_key`` and be of
    the proof's tree size. For a consistency proof the old root comes from
    ``old_checkpoint`` (or the document's) when there is one; otherwise the document's
    ``old_root`` is used and :attr:`ProofCheck.old_root_signed` is false.
    """
    if not isinstance(document, Mapping) or document.get("format") != PROOF_FORMAT:
        raise VerificationError(f"the proof is not a {PROOF_FORMAT} document")
    note = checkpoint or document.get("checkpoint")
    if not isinstance(note, str):
        raise VerificationError(
            "there is no checkpoint to check the proof against: pass one with --checkpoint"
        )
    head = verify_checkpoint(note, verifier_key)
    proof = [_unb64(h, "a proof hash") for h in _list(document.get("proof"))]
    kind = document.get("type")
    if kind == "inclusion":
        index, size = document.get("index"), document.get("size")
        if size != head.size:
            raise VerificationError(
                f"the proof is for a tree of {size!r} entries, the checkpoint for {head.size}"
            )
        hashed = _unb64(document.get("leaf_hash"), "the leaf hash")
        entry = document.get("entry")
        if entry is not None and leaf_hash(_unb64(entry, "the entry")) != hashed:
            raise VerificationError("the entry in the proof does not match its leaf hash")
        if not isinstance(index, int):
            raise VerificationError("the proof's index is not an integer")
        verify_inclusion(hashed, index, head.size, proof, head.root_hash)
        return ProofCheck("inclusion", head.origin, head.size, index=index)
    if kind == "consistency":
        old_size, new_size = document.get("old_size"), document.get("new_size")
        if new_size != head.size:
            raise VerificationError(
                f"the proof ends at a tree of {new_size!r} entries, the checkpoint is of "
                f"{head.size}"
            )
        old_note = old_checkpoint or document.get("old_checkpoint")
        if isinstance(old_note, str):
            old = verify_checkpoint(old_note, verifier_key, origin=head.origin)
            if old.size != old_size:
                raise VerificationError(
                    f"the proof starts at {old_size!r} entries, the old checkpoint is of {old.size}"
                )
            old_root, signed = old.root_hash, True
        else:
            old_root, signed = _unb64(document.get("old_root"), "the old root"), False
        if not isinstance(old_size, int):
            raise VerificationError("the proof's old size is not an integer")
        verify_consistency(old_size, head.size, old_root, head.root_hash, proof)
        return ProofCheck(
            "consistency", head.origin, head.size, old_size=old_size, old_root_signed=signed
        )
    raise VerificationError("the proof's type is neither 'inclusion' nor 'consistency'")


def _list(value: object) -> list[object]:
    if not isinstance(value, list):
        raise VerificationError("the proof's hashes are not a list")
    return value


def _unb64(value: object, what: str) -> bytes:
    if not isinstance(value, str):
        raise VerificationError(f"{what} is not a base64 string")
    try:
        return base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise VerificationError(f"{what} is not valid base64") from None
