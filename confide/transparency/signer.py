"""The log's signing key and its published verifier key.

The private key signs checkpoints; it lives in ``<home>/log-signing.key`` as unencrypted
PKCS#8 PEM, mode 0600, and is never overwritten (a new key would make every earlier
checkpoint unverifiable with the published key). The verifier key, the string monitors
and witnesses pin, lives in ``<home>/log.vkey``. Its name is the log's *origin*, the first
line of every checkpoint (c2sp.org/tlog-checkpoint), so the two always agree.

``confide init`` creates both::

    key = create_signing_key(signing_key_path(settings.home))
    publish_verifier_key(settings.home, key, new_origin())
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from confide.crypto.signing import PrivateKey
from confide.errors import ConfigurationError, VerificationError
from confide.transparency.checkpoint import VerifierKey, format_verifier_key, parse_verifier_key

__all__ = [
    "SIGNING_KEY_FILE",
    "VERIFIER_KEY_FILE",
    "create_signing_key",
    "load_signing_key",
    "load_verifier_key",
    "new_origin",
    "publish_verifier_key",
    "signing_key_path",
    "verifier_key",
    "verifier_key_path",
]

SIGNING_KEY_FILE = "log-signing.key"
VERIFIER_KEY_FILE = "log.vkey"


def signing_key_path(home: str | os.PathLike[str]) -> Path:
    """Where the log signing key of the data directory ``home`` lives."""
    return Path(home) / SIGNING_KEY_FILE


def verifier_key_path(home: str | os.PathLike[str]) -> Path:
    """Where the published verifier key of the data directory ``home`` lives."""
    return Path(home) / VERIFIER_KEY_FILE


def new_origin() -> str:
    """A fresh log origin, unique to this installation and free of personal data.

    Operators running a public log should pick a name they control instead, such as
    ``clinic.example.org/confide-log`` (c2sp.org/tlog-checkpoint "Origin").
    """
    return f"confide.log/{secrets.token_hex(6)}"


def create_signing_key(path: str | os.PathLike[str]) -> PrivateKey:
    """Create a new Ed25519 log signing key at ``path`` (mode 0600) and return it.

    Refuses to overwrite an existing file. The key is written to a 0600 staging file,
    fsynced, then hard-linked into place, which fails rather than replace a file that
    appeared in the meantime; a crash leaves either no key or the whole key.
    """
    target = Path(path)
    if target.exists() or target.is_symlink():
        raise ConfigurationError(
            f"a log signing key already exists at {target}; refusing to overwrite it, which "
            "would make every earlier checkpoint unverifiable with the published key"
        )
    key = PrivateKey.generate()
    staging = target.with_name(f".{target.name}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(staging, flags, 0o600)
    except FileExistsError:
        raise ConfigurationError(
            f"{staging} exists: another Confide process is creating the key, or one stopped "
            f"half-way. If none is running, delete {staging} and try again"
        ) from None
    except OSError as exc:
        raise ConfigurationError(f"cannot write in {target.parent}: {exc.strerror}") from None
    try:
        try:
            view = memoryview(key.to_pem())
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(staging, target)
        except FileExistsError:
            raise ConfigurationError(
                f"a log signing key appeared at {target} while Confide was creating one; "
                "refusing to overwrite it"
            ) from None
        _sync_directory(target.parent)
    finally:
        staging.unlink(missing_ok=True)
    return key


def load_signing_key(path: str | os.PathLike[str]) -> PrivateKey:
    """Read the log signing key at ``path``, or raise :class:`ConfigurationError`.

    Refuses a file other users can read or write: whoever holds the key can sign a
    forked history.
    """
    target = Path(path)
    try:
        info = target.stat()
        data = target.read_bytes()
    except FileNotFoundError:
        raise ConfigurationError(
            f"there is no log signing key at {target}: run `confide init`, or pass the key "
            "file's path"
        ) from None
    except PermissionError:
        raise ConfigurationError(
            f"cannot read the log signing key {target}: permission denied; run Confide as "
            "the user that owns it"
        ) from None
    except OSError as exc:
        raise ConfigurationError(
            f"cannot read the log signing key {target}: {exc.strerror}"
        ) from None
    if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigurationError(
            f"the log signing key {target} is readable or writable by other users; "
            f"run `chmod 600 {target}`"
        )
    return PrivateKey.from_pem(data)


def verifier_key(signing_key: PrivateKey, origin: str) -> str:
    """The C2SP / Go ``sumdb/note`` verifier key string for ``signing_key``, named by
    the log's ``origin``. This is what monitors and witnesses pin."""
    try:
        return format_verifier_key(origin, signing_key.public_key())
    except ValueError as exc:
        raise ConfigurationError(f"the log origin cannot name a key: {exc}") from None


def publish_verifier_key(
    home: str | os.PathLike[str], signing_key: PrivateKey, origin: str
) -> Path:
    """Write the verifier key to ``<home>/log.vkey`` (readable by all) and return the path.

    Rewriting the same key is a no-op; replacing a different one is refused, because
    monitors pinned the old one.
    """
    target = verifier_key_path(home)
    text = verifier_key(signing_key, origin) + "\n"
    if target.exists():
        if target.read_text(encoding="utf-8") == text:
            return target
        raise ConfigurationError(
            f"a different verifier key is already published at {target}; monitors pinned "
            "it, so Confide will not replace it"
        )
    staging = target.with_name(f".{target.name}.tmp")
    staging.write_text(text, encoding="utf-8")
    staging.chmod(0o644)
    os.replace(staging, target)
    _sync_directory(target.parent)
    return target


def load_verifier_key(path: str | os.PathLike[str]) -> VerifierKey:
    """Read a verifier key file (one ``<name>+<id>+<key>`` line)."""
    target = Path(path)
    try:
        text = target.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise ConfigurationError(
            f"there is no verifier key at {target}: pass the log's published key with --vkey"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigurationError(f"cannot read the verifier key {target}: {exc}") from None
    try:
        return parse_verifier_key(text)
    except VerificationError as exc:
        raise ConfigurationError(f"{target} is not a verifier key: {exc}") from None


def _sync_directory(directory: Path) -> None:
    # A rename or link is atomic at once but durable only once the directory is on disk.
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
