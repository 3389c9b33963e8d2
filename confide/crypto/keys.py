"""Key hierarchy: key-encryption keys (KEKs) in a key file, per-subject data keys (DEKs).

Every subject has its own random 32-byte data key. Field envelopes are sealed under it
(``envelope.py``); the DEK itself is stored only *wrapped* by a KEK. Deleting a subject's
wrapped DEK makes all of that subject's fields unreadable (crypto-shredding), and rotating
the KEK means re-wrapping the DEKs, never re-encrypting the data.

The KEK lives in a key file outside the database, so a copy of the database alone, backups
included, holds only ciphertext and wrapped keys. The key file also holds the *index secret*,
from which the blind-index root key and the pseudonym key are derived; it is deliberately
independent of the KEKs so that rotating a KEK never changes a blind index or a pseudonym.

Formats (key file, wrapped key) are documented in ``docs/crypto.md``.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import secrets
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from confide.crypto.envelope import DecryptionError, canonical_encoding
from confide.errors import ConfigurationError

__all__ = [
    "DATA_KEY_SIZE",
    "KEY_FILE_FORMAT",
    "WRAPPED_KEY_VERSION",
    "FileKeyProvider",
    "KeyFile",
    "KeyProvider",
    "StoredKek",
    "create_key_file",
    "load_key_file",
    "new_data_key",
    "retire_kek",
    "rewrap",
    "rotate_key_file",
    "unwrap_data_key",
    "wrap_data_key",
    "wrapped_key_id",
]

KEY_FILE_FORMAT: Final = "confide-kek/1"
WRAPPED_KEY_VERSION: Final = 0x01
DATA_KEY_SIZE: Final = 32
_SECRET_SIZE: Final = 32  # KEKs and the index secret: 256-bit
_NONCE_SIZE: Final = 12
_TAG_SIZE: Final = 16
_MAX_KEY_FILE_BYTES: Final = 1 << 20
# Key ids appear in wrapped keys, logs and error messages: they must be short, printable and
# never secret. The grammar keeps them that way (and fits the 1-byte length in a wrapped key).
_KEY_ID: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_FIELD_NAME: Final = re.compile(r"[a-z_]{1,32}")
# Domain-separation labels. Each names exactly one use of a key so that no two uses can
# produce interchangeable bytes.
_WRAP_AD_LABEL: Final = b"confide/wrapped-key"
_SUBJECT_CONTEXT_LABEL: Final = b"confide/subject-data-key"
_INDEX_ROOT_INFO: Final = b"confide/index-root/v1"
_PSEUDONYM_INFO: Final = b"confide/pseudonym/v1"


class KeyProvider(Protocol):
    """Wraps and unwraps data keys under a key-encryption key, in the style of a cloud KMS.

    ``wrap`` returns a self-describing blob (it names the KEK that made it), so ``unwrap``
    needs no key id, and a provider holding several KEKs can unwrap what any of them wrapped.
    ``context`` is authenticated, not stored: unwrapping with another context fails. Confide
    passes the subject reference, so a wrapped key cannot be moved to another subject.
    """

    @property
    def key_id(self) -> str:
        """The id of the KEK that ``wrap`` uses now."""
        ...

    def wrap(self, plaintext_key: bytes, *, context: bytes) -> bytes:
        """Encrypt a data key under the active KEK, bound to ``context``."""
        ...

    def unwrap(self, wrapped: bytes, *, context: bytes) -> bytes:
        """Decrypt a wrapped data key, or raise a ``VerificationError``."""
        ...


@dataclass(frozen=True, slots=True)
class StoredKek:
    """One key-encryption key as the key file holds it. ``repr`` hides the key bytes."""

    id: str
    created: str
    key: bytes = field(repr=False)


@dataclass(frozen=True, slots=True)
class KeyFile:
    """The parsed, validated content of a key file. ``repr`` hides every secret."""

    active: str
    keks: tuple[StoredKek, ...]
    index_secret: bytes = field(repr=False)
    index_created: str

    @property
    def key_ids(self) -> tuple[str, ...]:
        """Ids of every KEK in the file, oldest first."""
        return tuple(k.id for k in self.keks)


# --- reading ---------------------------------------------------------------------------------


def load_key_file(path: str | os.PathLike[str]) -> KeyFile:
    """Read and validate a key file, or raise :class:`ConfigurationError`.

    Refuses a file that any other user could read or write: a KEK readable by others makes
    every other protection in the vault moot, and a writable one lets them swap keys.
    """
    p = Path(path)
    return _parse(_read_private_file(p), p)


def _read_private_file(path: Path) -> bytes:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise ConfigurationError(
            f"there is no key file at {path}: run `confide init` to create one, "
            "or point Confide at the existing key file"
        ) from None
    except PermissionError:
        raise ConfigurationError(
            f"cannot read the key file {path}: permission denied. "
            "Run Confide as the user that owns the key file"
        ) from None
    except OSError as exc:
        raise ConfigurationError(f"cannot open the key file {path}: {exc.strerror}") from None
    try:
        # fstat the descriptor we read from, not the path, so the file checked is the file read.
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ConfigurationError(f"the key file {path} is not a regular file")
        if os.name == "posix" and st.st_mode & 0o077:
            raise ConfigurationError(
                f"the key file {path} is open to other users "
                f"(mode {stat.S_IMODE(st.st_mode):04o}); only its owner may read it. "
                f"Fix it with: chmod 600 {path}"
            )
        if st.st_size > _MAX_KEY_FILE_BYTES:
            raise ConfigurationError(f"the file {path} is too large to be a Confide key file")
        chunks: list[bytes] = []
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _malformed(path: Path, what: str) -> ConfigurationError:
    # Messages name the problem and the JSON member, never a value: a value may be key material.
    return ConfigurationError(
        f"the key file {path} is malformed: {what}. "
        "Restore it from your key backup; do not edit key material by hand"
    )


class _DuplicateName(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json.loads keeps the last of two equal names silently; a key file must be unambiguous.
    out: dict[str, Any] = {}
    for name, value in pairs:
        if name in out:
            raise _DuplicateName
        out[name] = value
    return out


def _parse(data: bytes, path: Path) -> KeyFile:
    try:
        doc = json.loads(data.decode("utf-8"), object_pairs_hook=_no_duplicates)
    except UnicodeDecodeError:
        raise _malformed(path, "it is not UTF-8 text") from None
    except _DuplicateName:
        raise _malformed(path, "a JSON object has the same member twice") from None
    except json.JSONDecodeError as exc:
        raise _malformed(path, f"it is not JSON (line {exc.lineno}, column {exc.colno})") from None
    except (ValueError, RecursionError):
        raise _malformed(path, "it is not JSON that Confide can read") from None

    top = _object(doc, {"format", "active", "index_secret", "keys"}, "the file", path)
    if top["format"] != KEY_FILE_FORMAT:
        raise _malformed(path, f'"format" is not "{KEY_FILE_FORMAT}"')
    keys = top["keys"]
    if not isinstance(keys, list) or not keys:
        raise _malformed(path, '"keys" must be a non-empty list')
    keks: list[StoredKek] = []
    for n, entry in enumerate(keys, start=1):
        where = f'entry {n} of "keys"'
        obj = _object(entry, {"id", "created", "key"}, where, path)
        key_id = obj["id"]
        if not isinstance(key_id, str) or not _KEY_ID.fullmatch(key_id):
            raise _malformed(path, f'{where} has an invalid "id" (letters, digits, . _ -)')
        if key_id in {k.id for k in keks}:
            raise _malformed(path, f"two keys have the id {key_id!r}")
        keks.append(
            StoredKek(
                id=key_id,
                created=_timestamp(obj["created"], f"key {key_id!r}", path),
                key=_secret(obj["key"], f"key {key_id!r}", path),
            )
        )
    active = top["active"]
    if not isinstance(active, str) or active not in {k.id for k in keks}:
        raise _malformed(path, '"active" does not name a key in "keys"')
    index = _object(top["index_secret"], {"created", "key"}, '"index_secret"', path)
    return KeyFile(
        active=active,
        keks=tuple(keks),
        index_secret=_secret(index["key"], '"index_secret"', path),
        index_created=_timestamp(index["created"], '"index_secret"', path),
    )


def _object(value: object, names: set[str], where: str, path: Path) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _malformed(path, f"{where} must be a JSON object")
    missing = names - value.keys()
    if missing:
        raise _malformed(path, f"{where} lacks {', '.join(sorted(missing))}")
    unknown = value.keys() - names
    if unknown:
        # Only echo names that look like schema names; anything else could be pasted secrets.
        shown = sorted(n for n in unknown if _FIELD_NAME.fullmatch(n))
        listed = f" ({', '.join(shown)})" if shown else ""
        raise _malformed(path, f"{where} has members Confide does not know{listed}")
    return value


def _secret(value: object, where: str, path: Path) -> bytes:
    if not isinstance(value, str):
        raise _malformed(path, f'{where}: "key" must be a base64 string')
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise _malformed(path, f'{where}: "key" is not valid base64') from None
    if len(raw) != _SECRET_SIZE:
        raise _malformed(path, f'{where}: "key" is not {_SECRET_SIZE} bytes long')
    return raw


def _timestamp(value: object, where: str, path: Path) -> str:
    if not isinstance(value, str):
        raise _malformed(path, f'{where}: "created" must be an ISO 8601 timestamp')
    try:
        datetime.fromisoformat(value)
    except ValueError:
        raise _malformed(path, f'{where}: "created" is not an ISO 8601 timestamp') from None
    return value


# --- writing ---------------------------------------------------------------------------------


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _new_kek(taken: tuple[str, ...]) -> StoredKek:
    while True:
        # Date for the operator's benefit; random suffix so two KEKs made the same day differ.
        key_id = f"kek-{datetime.now(UTC):%Y%m%d}-{secrets.token_hex(4)}"
        if key_id not in taken:
            return StoredKek(id=key_id, created=_now(), key=secrets.token_bytes(_SECRET_SIZE))


def _serialise(kf: KeyFile) -> bytes:
    def b64(raw: bytes) -> str:
        return base64.b64encode(raw).decode("ascii")

    doc = {
        "format": KEY_FILE_FORMAT,
        "active": kf.active,
        "index_secret": {"created": kf.index_created, "key": b64(kf.index_secret)},
        "keys": [{"id": k.id, "created": k.created, "key": b64(k.key)} for k in kf.keks],
    }
    return (json.dumps(doc, indent=2) + "\n").encode("utf-8")


def _staging_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.tmp")


def _open_staging(path: Path) -> int:
    """Create the staging file next to the key file, mode 0600 from its first moment.

    O_EXCL makes the staging file a lock as well: two concurrent rotations cannot both read
    the old file and each write back a version without the other's new key.
    """
    staging = _staging_path(path)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(staging, flags, 0o600)
    except FileExistsError:
        raise ConfigurationError(
            f"{staging} exists: another Confide process is changing the key file, or one "
            f"stopped half-way. If no other Confide process is running, delete {staging} "
            "and try again"
        ) from None
    except FileNotFoundError:
        raise ConfigurationError(
            f"the directory {path.parent} does not exist: create it (mode 700) first"
        ) from None
    except OSError as exc:
        raise ConfigurationError(f"cannot write in {path.parent}: {exc.strerror}") from None
    try:
        os.fchmod(fd, 0o600)  # a umask can only remove bits; this makes the mode exact
    except BaseException:
        os.close(fd)
        staging.unlink(missing_ok=True)
        raise
    return fd


def _write_and_sync(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
    os.fsync(fd)


def _sync_directory(directory: Path) -> None:
    # fsync the directory so the rename itself survives a power cut (POSIX rename is atomic
    # but not durable until the directory entry is on disk).
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def create_key_file(path: str | os.PathLike[str]) -> str:
    """Create a new key file with one KEK and an index secret; return the KEK id.

    Never overwrites: replacing a key file would make every record encrypted under it
    unreadable. The file is written to a 0600 staging file, fsynced, and then hard-linked
    into place, which fails rather than replacing a file that appeared in the meantime.
    """
    p = Path(path)
    if p.exists() or p.is_symlink():
        raise ConfigurationError(
            f"a key file already exists at {p}; refusing to overwrite it, which would make "
            "every record encrypted under it unreadable. To add a new key, rotate it instead"
        )
    kek = _new_kek(())
    content = KeyFile(
        active=kek.id,
        keks=(kek,),
        index_secret=secrets.token_bytes(_SECRET_SIZE),
        index_created=kek.created,
    )
    staging = _staging_path(p)
    fd = _open_staging(p)
    try:
        _write_and_sync(fd, _serialise(content))
        os.close(fd)
        fd = -1
        try:
            os.link(staging, p)
        except FileExistsError:
            raise ConfigurationError(
                f"a key file appeared at {p} while Confide was creating one; refusing to "
                "overwrite it"
            ) from None
        except OSError:
            # Some filesystems have no hard links; fall back to a checked rename.
            if p.exists():
                raise ConfigurationError(
                    f"a key file already exists at {p}; refusing to overwrite it"
                ) from None
            os.replace(staging, p)
        _sync_directory(p.parent)
    finally:
        if fd >= 0:
            os.close(fd)
        staging.unlink(missing_ok=True)
    return kek.id


def _rewrite(path: Path, change: Callable[[KeyFile], KeyFile]) -> None:
    """Apply ``change`` to the key file atomically, holding the staging-file lock throughout."""
    staging = _staging_path(path)
    fd = _open_staging(path)
    try:
        updated = change(load_key_file(path))
        _write_and_sync(fd, _serialise(updated))
        os.close(fd)
        fd = -1
        os.replace(staging, path)
        _sync_directory(path.parent)
    finally:
        if fd >= 0:
            os.close(fd)
        staging.unlink(missing_ok=True)


def rotate_key_file(path: str | os.PathLike[str]) -> str:
    """Add a new KEK, make it the active one, keep the old ones; return the new KEK id.

    Old KEKs stay so that DEKs wrapped under them still unwrap until :func:`rewrap` has moved
    them all to the new KEK. The index secret is unchanged, so blind indexes and pseudonyms
    stay the same. Running processes keep their loaded keys until they reload the file.
    """
    new_id = ""

    def add(kf: KeyFile) -> KeyFile:
        nonlocal new_id
        kek = _new_kek(kf.key_ids)
        new_id = kek.id
        return KeyFile(
            active=kek.id,
            keks=(*kf.keks, kek),
            index_secret=kf.index_secret,
            index_created=kf.index_created,
        )

    _rewrite(Path(path), add)
    return new_id


def retire_kek(path: str | os.PathLike[str], key_id: str) -> None:
    """Remove a non-active KEK from the key file.

    Only do this after every wrapped DEK has been re-wrapped under a newer KEK: anything still
    wrapped under the retired KEK becomes unreadable, which is also what makes a DEK left in an
    old backup unreadable once no copy of this key file holds the KEK (see docs/crypto.md).
    """

    def remove(kf: KeyFile) -> KeyFile:
        if key_id == kf.active:
            raise ConfigurationError(
                f"{key_id!r} is the active key; rotate to a new key before retiring it"
            )
        if key_id not in kf.key_ids:
            raise ConfigurationError(f"the key file {path} holds no key {key_id!r}")
        return KeyFile(
            active=kf.active,
            keks=tuple(k for k in kf.keks if k.id != key_id),
            index_secret=kf.index_secret,
            index_created=kf.index_created,
        )

    _rewrite(Path(path), remove)


# --- the provider ----------------------------------------------------------------------------


def _derive(secret: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret)


def wrapped_key_id(wrapped: bytes) -> str:
    """The id of the KEK that wrapped ``wrapped``; raises :class:`DecryptionError` if malformed.

    Lets a rotation job pick the DEKs still wrapped under an old KEK without unwrapping them.
    """
    return _parse_wrapped(wrapped)[0]


def _parse_wrapped(wrapped: bytes) -> tuple[str, bytes, bytes]:
    if len(wrapped) < 2:
        raise DecryptionError("the wrapped key is truncated")
    if wrapped[0] != WRAPPED_KEY_VERSION:
        raise DecryptionError(
            f"the wrapped key has format version 0x{wrapped[0]:02x}; "
            f"this Confide reads version 0x{WRAPPED_KEY_VERSION:02x} only"
        )
    id_end = 2 + wrapped[1]
    try:
        key_id = wrapped[2:id_end].decode("ascii")
    except UnicodeDecodeError:
        key_id = ""
    if not _KEY_ID.fullmatch(key_id):
        raise DecryptionError("the wrapped key is malformed: its key id is not valid")
    body = wrapped[id_end:]
    if len(body) != _NONCE_SIZE + DATA_KEY_SIZE + _TAG_SIZE:
        raise DecryptionError("the wrapped key is malformed: it has the wrong length")
    return key_id, body[:_NONCE_SIZE], body[_NONCE_SIZE:]


def _wrap_ad(key_id: str, context: bytes) -> bytes:
    return canonical_encoding(
        _WRAP_AD_LABEL, bytes([WRAPPED_KEY_VERSION]), key_id.encode("ascii"), context
    )


class FileKeyProvider:
    """A :class:`KeyProvider` backed by a local key file (see :func:`create_key_file`).

    Wraps with AES-256-GCM rather than AES Key Wrap (RFC 3394/5649) because GCM takes
    associated data: the wrap is bound to the subject, so a wrapped key copied to another
    subject's row does not unwrap. The instance is a snapshot of the file when it was loaded;
    after a rotation, load a new one.
    """

    __slots__ = ("_active", "_index_secret", "_keks", "_path")

    def __init__(self, path: str | os.PathLike[str]) -> None:
        content = load_key_file(path)
        self._path = Path(path)
        self._active = content.active
        self._keks = {k.id: AESGCM(k.key) for k in content.keks}
        self._index_secret = content.index_secret

    def __repr__(self) -> str:
        return f"FileKeyProvider({str(self._path)!r}, active={self._active!r})"

    @property
    def path(self) -> Path:
        """Where the key file was read from."""
        return self._path

    @property
    def key_id(self) -> str:
        """The id of the active KEK, the one :meth:`wrap` uses."""
        return self._active

    @property
    def key_ids(self) -> tuple[str, ...]:
        """Ids of every KEK this provider can unwrap with."""
        return tuple(self._keks)

    def wrap(self, plaintext_key: bytes, *, context: bytes) -> bytes:
        """Wrap a 32-byte data key under the active KEK, bound to ``context``.

        Random 96-bit nonces are safe up to 2**32 wraps per KEK (SP 800-38D §8.3); that is
        one per subject plus one per rotation, and each rotation starts a fresh KEK.
        """
        if len(plaintext_key) != DATA_KEY_SIZE:
            raise ValueError(f"a data key must be {DATA_KEY_SIZE} bytes")
        nonce = os.urandom(_NONCE_SIZE)
        id_bytes = self._active.encode("ascii")
        sealed = self._keks[self._active].encrypt(
            nonce, plaintext_key, _wrap_ad(self._active, context)
        )
        return bytes([WRAPPED_KEY_VERSION, len(id_bytes)]) + id_bytes + nonce + sealed

    def unwrap(self, wrapped: bytes, *, context: bytes) -> bytes:
        """Unwrap a data key, or raise :class:`DecryptionError` (never a partial result)."""
        key_id, nonce, sealed = _parse_wrapped(wrapped)
        aead = self._keks.get(key_id)
        if aead is None:
            raise DecryptionError(
                f"the wrapped key was made with KEK {key_id!r}, which the key file "
                f"{self._path} does not hold: the KEK was retired, or this is the wrong key file"
            )
        try:
            return aead.decrypt(nonce, sealed, _wrap_ad(key_id, context))
        except InvalidTag:
            raise DecryptionError(
                "the wrapped key does not verify: it was altered, or it belongs to another subject"
            ) from None

    def blind_index_root_key(self) -> bytes:
        """The root key for blind indexes, derived from the index secret (not from a KEK).

        Per-holder, per-category index keys are derived from it in ``blind_index.py``.
        """
        return _derive(self._index_secret, _INDEX_ROOT_INFO)

    def pseudonym_key(self) -> bytes:
        """The key for subject pseudonyms in the transparency log, from the index secret."""
        return _derive(self._index_secret, _PSEUDONYM_INFO)


# --- data keys -------------------------------------------------------------------------------


def new_data_key() -> bytes:
    """A fresh random 32-byte data key for one subject."""
    return secrets.token_bytes(DATA_KEY_SIZE)


def _subject_context(subject: str) -> bytes:
    return canonical_encoding(_SUBJECT_CONTEXT_LABEL, subject.encode("utf-8"))


def wrap_data_key(data_key: bytes, provider: KeyProvider, *, subject: str) -> bytes:
    """Wrap a subject's data key for storage; it unwraps only for the same ``subject``."""
    return provider.wrap(data_key, context=_subject_context(subject))


def unwrap_data_key(wrapped: bytes, provider: KeyProvider, *, subject: str) -> bytes:
    """Unwrap a subject's data key, or raise a ``VerificationError``."""
    return provider.unwrap(wrapped, context=_subject_context(subject))


def rewrap(wrapped: bytes, provider: KeyProvider, *, subject: str) -> bytes:
    """Re-wrap a subject's data key under the provider's active KEK.

    The data key itself is unchanged, so no field envelope is touched. ``subject`` is required
    because the wrap is bound to it; storing it inside the wrapped key instead would make that
    binding meaningless.
    """
    context = _subject_context(subject)
    return provider.wrap(provider.unwrap(wrapped, context=context), context=context)
