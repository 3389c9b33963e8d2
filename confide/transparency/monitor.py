"""An outside monitor: remember the last checkpoint seen, check each new one against it.

A log operator who forks its history (shows one version to some and another to others)
or rolls it back must either sign two checkpoints that no consistency proof can join, or
sign a smaller tree after a larger one. A monitor that keeps the last checkpoint it
verified and insists on a consistency proof to every new one catches both
(RFC 9162 section 8.3 / c2sp.org/tlog-witness, without the cosigning).

The state file is JSON, ``{"format": "confide-monitor/v1", "checkpoint": "<note>"}``,
replaced atomically only after a new checkpoint has been verified.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

from confide.errors import ConfideError, ConfigurationError, NotFound, VerificationError
from confide.transparency.checkpoint import Checkpoint, VerifierKey, verify_checkpoint
from confide.transparency.log import TransparencyLog
from confide.transparency.merkle import verify_consistency

__all__ = ["STATE_FORMAT", "LogAlarm", "MonitorReport", "check_log"]

STATE_FORMAT: Final = "confide-monitor/v1"


class LogAlarm(VerificationError):
    """The log forked, rolled back or signed something its key should not have."""


@dataclass(frozen=True, slots=True)
class MonitorReport:
    """One monitoring round that found nothing wrong."""

    status: Literal["first", "unchanged", "grew"]
    origin: str
    old_size: int | None
    size: int


def check_log(
    log: TransparencyLog, verifier_key: VerifierKey, state: str | os.PathLike[str]
) -> MonitorReport:
    """Fetch the log's latest checkpoint, check it against the one in ``state``, and
    remember it. Raises :class:`LogAlarm` on a fork, a rollback or a bad signature."""
    state_path = Path(state)
    latest = log.latest_checkpoint()
    if latest is None:
        raise ConfideError("the log has not issued a checkpoint yet; nothing to monitor")
    try:
        new = verify_checkpoint(latest.note, verifier_key)
    except VerificationError as exc:
        raise LogAlarm(
            f"ALARM: the log's latest checkpoint does not verify with the pinned key: {exc}"
        ) from None
    old = _read_state(state_path, verifier_key)
    if old is None:
        _write_state(state_path, latest.note)
        return MonitorReport("first", new.origin, None, new.size)
    if new.origin != old.origin:
        raise LogAlarm(
            f"ALARM: the log now calls itself {new.origin!r}, not {old.origin!r} as before"
        )
    if new.size < old.size:
        raise LogAlarm(
            f"ALARM: rollback: the log's latest checkpoint has {new.size} entries, fewer than "
            f"the {old.size} it signed before"
        )
    if new.size == old.size:
        if new.root_hash != old.root_hash:
            raise LogAlarm(f"ALARM: fork: the log signed two different trees of {new.size} entries")
        return MonitorReport("unchanged", new.origin, old.size, new.size)
    try:
        proof = log.consistency_proof(old.size, new.size)
        verify_consistency(old.size, new.size, old.root_hash, new.root_hash, proof)
    except (VerificationError, NotFound) as exc:
        raise LogAlarm(
            f"ALARM: fork: the log's tree of {new.size} entries does not extend the tree of "
            f"{old.size} entries it signed before ({exc})"
        ) from None
    _write_state(state_path, latest.note)
    return MonitorReport("grew", new.origin, old.size, new.size)


def _read_state(path: Path, key: VerifierKey) -> Checkpoint | None:
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigurationError(f"cannot read the monitor state {path}: {exc}") from None
    try:
        document = json.loads(raw)
        if document.get("format") != STATE_FORMAT:
            raise ValueError
        note = document["checkpoint"]
        return verify_checkpoint(note, key)
    except (ValueError, KeyError, TypeError, AttributeError, VerificationError):
        raise ConfigurationError(
            f"the monitor state {path} is not a {STATE_FORMAT} file with a checkpoint signed "
            "by this key; point --state at the file this monitor wrote"
        ) from None


def _write_state(path: Path, note: str) -> None:
    staging = path.with_name(f".{path.name}.tmp")
    staging.write_text(
        json.dumps({"format": STATE_FORMAT, "checkpoint": note}, indent=2) + "\n",
        encoding="utf-8",
    )
    os.replace(staging, path)
