"""Field-level authenticated encryption: the ciphertext envelope every vault field is stored in.

Each field of a record is sealed on its own with AES-256-GCM under the subject's data key
(DEK). The associated data binds the envelope to the record, the field and the subject, so a
ciphertext copied into another row, another column or another person's record does not open:
a database administrator cannot make Alice's diagnosis appear in Bob's file, or move an
``immigration.status`` ciphertext into a field the policy releases more freely.

Envelope byte format (version 1), documented in ``docs/crypto.md``::

    0x01 || nonce (12 random bytes) || AES-256-GCM ciphertext of padded value || tag (16 bytes)

The value is padded (ISO/IEC 7816-4: 0x80 then zero bytes) to a multiple of 32 bytes before
encryption. Without it the ciphertext length equals the value length, and a database dump
would tell "citizen" from "undocumented" in an ``immigration.status`` column by length alone.

Opening raises :class:`DecryptionError` on any failure and returns nothing partial: there is
no ``open() -> bytes | None`` for a caller to forget to check.
"""

from __future__ import annotations

import os
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from confide.errors import VerificationError

__all__ = [
    "ENVELOPE_VERSION",
    "KEY_SIZE",
    "PAD_BLOCK",
    "DecryptionError",
    "FieldSealer",
    "canonical_encoding",
    "open_sealed",
    "seal",
]

ENVELOPE_VERSION: Final = 0x01
KEY_SIZE: Final = 32  # AES-256
NONCE_SIZE: Final = 12  # the GCM nonce size NIST SP 800-38D recommends (96 bits)
TAG_SIZE: Final = 16  # full-length GCM tag; truncated tags weaken forgery bounds
PAD_BLOCK: Final = 32  # lengths are revealed only to this granularity
_HEADER: Final = bytes([ENVELOPE_VERSION])
_MIN_ENVELOPE: Final = 1 + NONCE_SIZE + PAD_BLOCK + TAG_SIZE
# Domain label in the associated data: a field envelope can never be mistaken for another
# Confide structure authenticated under the same key, even if one is added later.
_AD_LABEL: Final = b"confide/field-envelope"
_MAX_PART: Final = 0xFFFFFFFF


class DecryptionError(VerificationError):
    """A ciphertext or wrapped key does not open: altered, moved, or under another key.

    The message says which kind of object failed and the likely causes. It never carries the
    plaintext, the key, the subject or the record id.
    """


def canonical_encoding(*parts: bytes) -> bytes:
    """Encode a tuple of byte strings so that different tuples never give the same bytes.

    Each part is preceded by its length as a 4-byte big-endian integer. Plain concatenation
    would be ambiguous (``("ab", "c")`` and ``("a", "bc")`` would collide), which would let a
    ciphertext authenticated for one record be accepted for another.
    """
    out = bytearray()
    for part in parts:
        if len(part) > _MAX_PART:
            raise ValueError("a part of the associated data is longer than 2**32 - 1 bytes")
        out += len(part).to_bytes(4, "big")
        out += part
    return bytes(out)


def _pad(value: bytes) -> bytes:
    # 1 to PAD_BLOCK bytes: 0x80 then zeros. Always at least one byte, so unpadding is exact.
    fill = PAD_BLOCK - len(value) % PAD_BLOCK
    return value + b"\x80" + bytes(fill - 1)


def _unpad(padded: bytes, field: str) -> bytes:
    # The padding is inside the authenticated ciphertext, so a bad padding here means a bug in
    # whoever sealed it, never an attacker's probe (there is no padding oracle).
    body = padded.rstrip(b"\x00")
    if (
        len(padded) % PAD_BLOCK
        or not body.endswith(b"\x80")
        or len(padded) - len(body) >= PAD_BLOCK
    ):
        raise DecryptionError(f"the {field!r} envelope opened but its padding is malformed")
    return body[:-1]


def _associated_data(version: int, record_id: str, field: str, subject: str) -> bytes:
    """The AD for one field: binds version, record, field and subject (see module docstring)."""
    return canonical_encoding(
        _AD_LABEL,
        bytes([version]),
        record_id.encode("utf-8"),
        field.encode("utf-8"),
        subject.encode("utf-8"),
    )


class FieldSealer:
    """Seals and opens many fields under one data key.

    Building the AES-GCM context is the costly part of sealing a short field, so the vault
    makes one ``FieldSealer`` per subject key and reuses it for every field of that subject.
    The key is held only inside the AES-GCM object; ``repr`` never shows it.
    """

    __slots__ = ("_aead",)

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_SIZE:
            raise ValueError(f"a field key must be {KEY_SIZE} bytes (AES-256)")
        self._aead = AESGCM(key)

    def __repr__(self) -> str:
        return "FieldSealer(<key hidden>)"

    def seal(self, plaintext: bytes, *, record_id: str, field: str, subject: str) -> bytes:
        """Encrypt one field value; the result opens only for the same record, field, subject.

        A fresh random nonce per call: with a per-subject key, the number of encryptions
        under one key stays far below the 2**32 that SP 800-38D §8.3 allows for random nonces.
        """
        ad = _associated_data(ENVELOPE_VERSION, record_id, field, subject)
        nonce = os.urandom(NONCE_SIZE)
        return _HEADER + nonce + self._aead.encrypt(nonce, _pad(plaintext), ad)

    def open(self, envelope: bytes, *, record_id: str, field: str, subject: str) -> bytes:
        """Decrypt one field value, or raise :class:`DecryptionError`.

        Fails if any byte was changed, if the envelope belongs to another record, field or
        subject, or if the key is not the one it was sealed with.
        """
        if len(envelope) < _MIN_ENVELOPE:
            raise DecryptionError(
                f"the {field!r} envelope is truncated: it is shorter than the "
                f"{_MIN_ENVELOPE} bytes of header, nonce, one padding block and tag"
            )
        version = envelope[0]
        if version != ENVELOPE_VERSION:
            raise DecryptionError(
                f"the {field!r} envelope has format version 0x{version:02x}; "
                f"this Confide reads version 0x{ENVELOPE_VERSION:02x} only"
            )
        try:
            ad = _associated_data(version, record_id, field, subject)
        except UnicodeEncodeError:
            raise DecryptionError(
                "the record id, field or subject is not encodable as UTF-8"
            ) from None
        nonce = envelope[1 : 1 + NONCE_SIZE]
        try:
            padded = self._aead.decrypt(nonce, envelope[1 + NONCE_SIZE :], ad)
        except InvalidTag:
            # One message for every cause: telling them apart is impossible by design (GCM
            # authenticates all of them together) and would only help an attacker probe.
            raise DecryptionError(
                f"the {field!r} envelope does not verify: it was altered, it belongs to "
                "another record, field or subject, or the key is not the one it was sealed with"
            ) from None
        return _unpad(padded, field)


def seal(plaintext: bytes, key: bytes, *, record_id: str, field: str, subject: str) -> bytes:
    """Encrypt one field value under ``key``, bound to ``record_id``, ``field`` and ``subject``.

    For many fields under the same key, use :class:`FieldSealer`, which builds the AES-GCM
    context once.
    """
    return FieldSealer(key).seal(plaintext, record_id=record_id, field=field, subject=subject)


def open_sealed(envelope: bytes, key: bytes, *, record_id: str, field: str, subject: str) -> bytes:
    """Decrypt one field value sealed by :func:`seal`, or raise :class:`DecryptionError`."""
    if len(key) != KEY_SIZE:
        raise DecryptionError(f"the key for the {field!r} envelope is not {KEY_SIZE} bytes long")
    return FieldSealer(key).open(envelope, record_id=record_id, field=field, subject=subject)
