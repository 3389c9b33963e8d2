"""Checkpoints: the signed tree head of the transparency log, in the C2SP formats.

A checkpoint is a **c2sp.org/tlog-checkpoint** note text (section "Note text")::

    <origin>\\n
    <tree size, ASCII decimal, no leading zeros>\\n
    <base64 of the 32-byte RFC 6962 root hash>\\n
    [<extension line>\\n ...]

signed as a **c2sp.org/signed-note** (section "Format")::

    <note text>\\n
    — <key name> <base64(4-byte key ID || 64-byte Ed25519 signature)>\\n

The signature covers the note text including its final newline and not the blank line.
The key ID is ``SHA-256(key name || 0x0A || 0x01 || 32-byte public key)[:4]`` (signed-note
sections "Signatures" and "Ed25519 signatures"). A verifier key is written the way Go's
``golang.org/x/mod/sumdb/note`` writes it, ``<name>+<8 hex digits of key ID>+<base64(0x01 ||
public key)>``, so keys move between Confide, Go's sumdb tooling and C2SP witnesses
unchanged. The tests check this against the signed note in the ``sumdb/note`` package
documentation and against real checkpoints of ``sum.golang.org``.

Verification is strict and raises :class:`~confide.errors.VerificationError` on anything
off: a signature by the trusted key that fails, a note with no signature by it, bytes the
formats forbid (control characters, non-canonical base64, leading zeros), lines after the
signatures. Signatures by other keys are ignored, as signed-note requires, so witnesses
can cosign a checkpoint without breaking it.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass

from confide.crypto.signing import PUBLIC_KEY_SIZE, PrivateKey, verify
from confide.errors import VerificationError
from confide.transparency.merkle import HASH_SIZE

__all__ = [
    "MAX_SIGNATURES",
    "Checkpoint",
    "VerifierKey",
    "format_checkpoint",
    "format_verifier_key",
    "key_id",
    "open_note",
    "parse_checkpoint",
    "parse_verifier_key",
    "sign_checkpoint",
    "sign_note",
    "verify_checkpoint",
]

#: Signature lines a note may carry. Signed-note says a verifier MUST accept at least 16
#: and SHOULD set a limit; Go's sumdb/note stops at 100.
MAX_SIGNATURES = 100

#: The signed-note signature type byte for Ed25519 (section "Signature types").
_ED25519 = b"\x01"
_SIGNATURE_PREFIX = "\N{EM DASH} "
_KEY_ID_SIZE = 4
_MAX_TREE_SIZE = (1 << 64) - 1  # tlog-checkpoint tools read the size as a uint64
_DECIMAL = re.compile(r"0|[1-9][0-9]*")
_HEX_KEY_ID = re.compile(r"[0-9a-fA-F]{8}")


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """The three mandatory lines of a tlog-checkpoint, plus its optional extension lines.

    Constructing one with a value the format cannot carry raises :class:`ValueError`.
    """

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # tlog-checkpoint "Note text": a non-empty origin, a uint64 size, an RFC 6962
        # root, non-empty extension lines; signed-note "Format": no control characters.
        if not _is_note_line(self.origin):
            raise ValueError("a checkpoint origin must be one non-empty line of text")
        if isinstance(self.size, bool) or not isinstance(self.size, int):
            raise ValueError("a checkpoint size must be an integer")
        if not 0 <= self.size <= _MAX_TREE_SIZE:
            raise ValueError(f"a checkpoint size must be between 0 and {_MAX_TREE_SIZE}")
        if not isinstance(self.root_hash, bytes) or len(self.root_hash) != HASH_SIZE:
            raise ValueError(f"a checkpoint root hash must be {HASH_SIZE} bytes")
        if not isinstance(self.extensions, tuple) or not all(
            _is_note_line(line) for line in self.extensions
        ):
            raise ValueError("checkpoint extensions must be a tuple of non-empty lines")


@dataclass(frozen=True, slots=True)
class VerifierKey:
    """A signed-note Ed25519 verifier key: who may sign, and with which public key."""

    name: str
    key_id: bytes
    public_key: bytes

    def __post_init__(self) -> None:
        _check_key_name(self.name)
        if not isinstance(self.public_key, bytes) or len(self.public_key) != PUBLIC_KEY_SIZE:
            raise ValueError(f"an Ed25519 public key is {PUBLIC_KEY_SIZE} bytes")
        if self.key_id != key_id(self.name, self.public_key):
            raise ValueError("a verifier key's ID must be key_id(name, public_key)")

    @classmethod
    def for_key(cls, name: str, public_key: bytes) -> VerifierKey:
        """The verifier key of ``public_key`` under ``name``."""
        _check_key_name(name)
        return cls(name, key_id(name, public_key), public_key)

    def __str__(self) -> str:
        return format_verifier_key(self.name, self.public_key)


def format_checkpoint(checkpoint: Checkpoint) -> str:
    """The tlog-checkpoint note text of ``checkpoint`` (section "Note text")."""
    lines = [
        checkpoint.origin,
        str(checkpoint.size),
        base64.b64encode(checkpoint.root_hash).decode("ascii"),
        *checkpoint.extensions,
    ]
    return "".join(line + "\n" for line in lines)


def parse_checkpoint(text: str) -> Checkpoint:
    """Read a tlog-checkpoint note text (section "Note text").

    This reads the body only and proves nothing about who wrote it; to accept a
    checkpoint from elsewhere use :func:`verify_checkpoint`. Raises
    :class:`VerificationError` if ``text`` is not exactly a checkpoint body.
    """
    if not isinstance(text, str) or not text.endswith("\n"):
        raise VerificationError("a checkpoint must end with a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise VerificationError("a checkpoint needs an origin, a tree size and a root hash line")
    origin, size_line, root_line, *extensions = lines
    if not _DECIMAL.fullmatch(size_line):
        raise VerificationError(
            "the checkpoint tree size is not a decimal number without leading zeros"
        )
    root_hash = _b64decode(root_line, "the checkpoint root hash")
    try:
        # int() is inside the try: Python refuses to convert very long digit strings.
        return Checkpoint(origin, int(size_line), root_hash, tuple(extensions))
    except ValueError as exc:
        raise VerificationError(f"malformed checkpoint: {exc}") from exc


def key_id(name: str, public_key: bytes) -> bytes:
    """The 4-byte key ID of an Ed25519 note key: ``SHA-256(name || 0x0A || 0x01 ||
    public key)[:4]`` (signed-note section "Ed25519 signatures")."""
    material = name.encode("utf-8") + b"\n" + _ED25519 + public_key
    return hashlib.sha256(material).digest()[:_KEY_ID_SIZE]


def format_verifier_key(name: str, public_key: bytes) -> str:
    """``<name>+<hex key ID>+<base64(0x01 || public key)>``, as Go's sumdb/note writes it."""
    _check_key_name(name)
    if not isinstance(public_key, bytes) or len(public_key) != PUBLIC_KEY_SIZE:
        raise ValueError(f"an Ed25519 public key is {PUBLIC_KEY_SIZE} bytes")
    encoded = base64.b64encode(_ED25519 + public_key).decode("ascii")
    return f"{name}+{key_id(name, public_key).hex()}+{encoded}"


def parse_verifier_key(text: str) -> VerifierKey:
    """Read a ``<name>+<hex key ID>+<base64(0x01 || public key)>`` verifier key.

    Raises :class:`VerificationError` if it is malformed, not Ed25519, or its key ID does
    not match its name and key, as Go's ``note.NewVerifier`` does.
    """
    # Names hold no '+' (signed-note "Format"); the base64 part may.
    name, _, rest = text.partition("+")
    hex_id, _, encoded = rest.partition("+")
    if not _is_key_name(name) or not _HEX_KEY_ID.fullmatch(hex_id):
        raise VerificationError("the verifier key is not <name>+<8 hex digits>+<base64 key>")
    material = _b64decode(encoded, "the verifier key")
    if len(material) != 1 + PUBLIC_KEY_SIZE or material[:1] != _ED25519:
        raise VerificationError("the verifier key is not an Ed25519 (type 0x01) note key")
    public_key = material[1:]
    if bytes.fromhex(hex_id) != key_id(name, public_key):
        raise VerificationError("the verifier key's ID does not match its name and key")
    return VerifierKey.for_key(name, public_key)


def sign_note(text: str, name: str, private_key: PrivateKey) -> str:
    """Sign ``text`` as a signed note by key ``name`` (signed-note "Format")."""
    _check_key_name(name)
    if not text.endswith("\n") or _has_forbidden_characters(text):
        raise ValueError("a note text must end with a newline and hold no control characters")
    signature = private_key.sign(text.encode("utf-8"))
    blob = key_id(name, private_key.public_key()) + signature
    return f"{text}\n{_SIGNATURE_PREFIX}{name} {base64.b64encode(blob).decode('ascii')}\n"


def open_note(note: str | bytes, verifier_key: str | VerifierKey) -> str:
    """Check a signed note against one trusted key and return its text.

    Follows signed-note sections "Format" and "Signatures": every signature by the
    trusted key (same name and key ID) must verify and there must be at least one; other
    signatures are skipped unverified. Raises :class:`VerificationError` otherwise.
    """
    key = (
        verifier_key if isinstance(verifier_key, VerifierKey) else parse_verifier_key(verifier_key)
    )
    message = _decode_note(note)
    if _has_forbidden_characters(message):
        raise VerificationError("the note holds a control character other than newline")
    split = message.rfind("\n\n")
    if split < 0:
        raise VerificationError("the note has no blank line before its signatures")
    text, signature_block = message[: split + 1], message[split + 2 :]
    if not signature_block.endswith("\n"):
        raise VerificationError("the note does not end with a complete signature line")
    lines = signature_block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise VerificationError(f"the note has more than {MAX_SIGNATURES} signatures")
    trusted = 0
    for line in lines:
        name, signature_id, signature = _parse_signature_line(line)
        if name != key.name or signature_id != key.key_id:
            continue
        verify(key.public_key, text.encode("utf-8"), signature)
        trusted += 1
    if not trusted:
        raise VerificationError(f"the note has no signature by the trusted key {key.name!r}")
    return text


def sign_checkpoint(checkpoint: Checkpoint, name: str, private_key: PrivateKey) -> str:
    """The signed note of ``checkpoint``. ``name`` should be the checkpoint's origin
    (tlog-checkpoint "Signatures") unless the origin is not a valid key name."""
    return sign_note(format_checkpoint(checkpoint), name, private_key)


def verify_checkpoint(
    note: str | bytes, verifier_key: str | VerifierKey, *, origin: str | None = None
) -> Checkpoint:
    """Check a signed checkpoint against the log's key and return it.

    Pass ``origin`` to also require the log the checkpoint names; a client that follows
    one log should. Raises :class:`VerificationError` on any problem.
    """
    checkpoint = parse_checkpoint(open_note(note, verifier_key))
    if origin is not None and checkpoint.origin != origin:
        raise VerificationError(
            f"the checkpoint is from log {checkpoint.origin!r}, not the expected {origin!r}"
        )
    return checkpoint


def _parse_signature_line(line: str) -> tuple[str, bytes, bytes]:
    # "— <key name> <base64>" (signed-note "Format"); the name is everything up to the
    # first space, as in Go's sumdb/note.
    if not line.startswith(_SIGNATURE_PREFIX):
        raise VerificationError("a note signature line does not start with an em dash and space")
    name, _, encoded = line[len(_SIGNATURE_PREFIX) :].partition(" ")
    if not _is_key_name(name):
        raise VerificationError("a note signature line has an invalid key name")
    blob = _b64decode(encoded, "a note signature")
    if len(blob) <= _KEY_ID_SIZE:
        raise VerificationError("a note signature is too short to hold a key ID and signature")
    return name, blob[:_KEY_ID_SIZE], blob[_KEY_ID_SIZE:]


def _decode_note(note: str | bytes) -> str:
    # Signed notes MUST be valid UTF-8 (signed-note "Format"); a str may still hold lone
    # surrogates that no UTF-8 encoder accepts.
    try:
        if isinstance(note, bytes):
            return note.decode("utf-8")
        note.encode("utf-8")
    except UnicodeError as exc:
        raise VerificationError("the note is not valid UTF-8") from exc
    return note


def _b64decode(encoded: str, what: str) -> bytes:
    # Standard padded base64 (RFC 4648 section 4), and only its canonical form, so that
    # one value has one spelling.
    try:
        raw = base64.b64decode(encoded.encode("ascii"), validate=True)
    except ValueError as exc:
        raise VerificationError(f"{what} is not valid base64") from exc
    if base64.b64encode(raw).decode("ascii") != encoded:
        raise VerificationError(f"{what} is not in canonical base64")
    return raw


def _has_forbidden_characters(text: str) -> bool:
    return any(ch < " " and ch != "\n" for ch in text)


def _is_note_line(line: object) -> bool:
    if not isinstance(line, str) or not line or "\n" in line or _has_forbidden_characters(line):
        return False
    try:
        line.encode("utf-8")
    except UnicodeError:
        return False
    return True


def _is_key_name(name: str) -> bool:
    # Non-empty, no Unicode spaces, no '+' (signed-note "Format"; Go's isValidName).
    return _is_note_line(name) and "+" not in name and not any(ch.isspace() for ch in name)


def _check_key_name(name: str) -> None:
    if not _is_key_name(name):
        raise ValueError("a note key name must be non-empty, without spaces or '+'")
