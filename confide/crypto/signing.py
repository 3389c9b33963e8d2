"""Ed25519 signing keys (RFC 8032): the log's checkpoint signer and whoever checks it.

This is the only module that touches ``cryptography`` for signatures; everything else
works with :class:`PrivateKey` and raw 32-byte public keys.

Key material has two forms:

* raw: the 32-byte private seed and the 32-byte public key of RFC 8032 section 5.1.5,
  the form C2SP signed notes and Go's ``sumdb/note`` carry;
* PEM: unencrypted PKCS#8 (RFC 8410) for a private key file and SubjectPublicKeyInfo for
  a public one. The algorithm identifier inside them is the format's version tag, and
  ``openssl pkey`` reads both.

:func:`verify` raises :class:`~confide.errors.VerificationError` and returns nothing, so no
caller can forget to look at a result. Decoding bad key material raises
:class:`~confide.errors.ConfigurationError`: a key file is configuration. No message and no
``repr`` ever shows a private seed.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
    load_pem_public_key,
)

from confide.errors import ConfigurationError, VerificationError

__all__ = [
    "PRIVATE_KEY_SIZE",
    "PUBLIC_KEY_SIZE",
    "SIGNATURE_SIZE",
    "PrivateKey",
    "public_key_from_pem",
    "public_key_to_pem",
    "verify",
]

#: Bytes in an Ed25519 private seed (RFC 8032 section 5.1.5).
PRIVATE_KEY_SIZE = 32
#: Bytes in an encoded Ed25519 public key (RFC 8032 section 5.1.5).
PUBLIC_KEY_SIZE = 32
#: Bytes in an Ed25519 signature (RFC 8032 section 5.1.6).
SIGNATURE_SIZE = 64


class PrivateKey:
    """An Ed25519 private key. Its ``repr`` names the public key only."""

    __slots__ = ("_key",)

    def __init__(self, seed: bytes) -> None:
        """Load the key from its raw 32-byte seed."""
        if not isinstance(seed, bytes) or len(seed) != PRIVATE_KEY_SIZE:
            raise ConfigurationError(
                f"an Ed25519 private key is a {PRIVATE_KEY_SIZE}-byte seed; "
                "check that the key file holds the whole key"
            )
        self._key = Ed25519PrivateKey.from_private_bytes(seed)

    @classmethod
    def generate(cls) -> PrivateKey:
        """A fresh key from the operating system's random generator."""
        return cls(Ed25519PrivateKey.generate().private_bytes_raw())

    @classmethod
    def from_pem(cls, data: bytes) -> PrivateKey:
        """Load an unencrypted PKCS#8 PEM Ed25519 private key (RFC 8410)."""
        try:
            key = load_pem_private_key(data, password=None)
        except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
            raise ConfigurationError(
                "the private key file is not an unencrypted PKCS#8 PEM key; "
                "write one with PrivateKey.to_pem() or `openssl genpkey -algorithm ed25519`"
            ) from exc
        if not isinstance(key, Ed25519PrivateKey):
            raise ConfigurationError("the private key file holds a key that is not Ed25519")
        return cls(key.private_bytes_raw())

    def seed(self) -> bytes:
        """The raw 32-byte private seed. Secret: never log it."""
        return self._key.private_bytes_raw()

    def public_key(self) -> bytes:
        """The raw 32-byte public key."""
        return self._key.public_key().public_bytes_raw()

    def sign(self, message: bytes) -> bytes:
        """The 64-byte Ed25519 signature of ``message`` (deterministic, RFC 8032 5.1.6)."""
        return self._key.sign(message)

    def to_pem(self) -> bytes:
        """The key as unencrypted PKCS#8 PEM. Protect the file as you would the seed."""
        return self._key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())

    def __repr__(self) -> str:
        return f"PrivateKey(public_key={self.public_key().hex()})"


def verify(public_key: bytes, message: bytes, signature: bytes) -> None:
    """Check that ``signature`` is ``public_key``'s Ed25519 signature of ``message``.

    Returns ``None``; raises :class:`VerificationError` if the signature does not verify
    or either input has the wrong length.
    """
    if not isinstance(public_key, bytes) or len(public_key) != PUBLIC_KEY_SIZE:
        raise VerificationError(f"an Ed25519 public key is {PUBLIC_KEY_SIZE} bytes")
    if not isinstance(signature, bytes) or len(signature) != SIGNATURE_SIZE:
        raise VerificationError(f"an Ed25519 signature is {SIGNATURE_SIZE} bytes")
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError) as exc:
        raise VerificationError("the Ed25519 signature does not verify") from exc


def public_key_to_pem(public_key: bytes) -> bytes:
    """A raw 32-byte public key as SubjectPublicKeyInfo PEM (RFC 8410)."""
    return _load_public_key(public_key).public_bytes(
        Encoding.PEM, PublicFormat.SubjectPublicKeyInfo
    )


def public_key_from_pem(data: bytes) -> bytes:
    """The raw 32-byte public key in a SubjectPublicKeyInfo PEM file (RFC 8410)."""
    try:
        key = load_pem_public_key(data)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise ConfigurationError("the public key file is not a PEM public key") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise ConfigurationError("the public key file holds a key that is not Ed25519")
    return key.public_bytes_raw()


def _load_public_key(public_key: bytes) -> Ed25519PublicKey:
    if not isinstance(public_key, bytes) or len(public_key) != PUBLIC_KEY_SIZE:
        raise ConfigurationError(f"an Ed25519 public key is {PUBLIC_KEY_SIZE} bytes")
    return Ed25519PublicKey.from_public_bytes(public_key)
