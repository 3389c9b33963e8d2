"""Policy versions: the policy in force, its history, and a new version taking effect.

A new version is parsed, validated, verified against I1-I10 and compiled *before* anything
changes: a policy that does not compile is refused with every problem (file:line) and the
running one stays. One that compiles is stored in ``policy_versions``, marked active and
announced by a ``policy.changed`` log entry in the same transaction, then swapped into the
running engine. Other worker processes notice the new active hash within
:data:`SYNC_INTERVAL` seconds (:class:`PolicySync`).

Until the first upload the policy in force is the deployment's policy file; the first
upload stores that file's policy in the history too, so the history is complete.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select, update

from confide.consent.agreements import active_agreements, compose, effective, effective_hash
from confide.errors import ConfigurationError, PolicyError
from confide.policy import CompiledPolicy, load_text, verify_policy
from confide.runtime import Confide
from confide.service.tables import policy_versions
from confide.storage import Database
from confide.transparency.store import lock_head

__all__ = [
    "SYNC_INTERVAL",
    "UPLOAD_FILE",
    "PolicySync",
    "PolicyVersion",
    "active",
    "current",
    "install",
    "load_active",
    "upload",
    "versions",
]

#: How often (seconds) a process checks the database for a policy another process activated.
SYNC_INTERVAL = 2.0
#: The file name problems in an uploaded policy are reported against.
UPLOAD_FILE = "policy.yaml"
#: Who "uploaded" the policy file a deployment started with.
FILE_AUTHOR = "policy-file"


@dataclass(frozen=True, slots=True)
class PolicyVersion:
    hash: str
    text: str
    created_at: dt.datetime | None
    created_by: str
    active: bool
    id: int | None = None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _version(row: Any) -> PolicyVersion:
    created = row.created_at
    if created is not None and created.tzinfo is None:
        created = created.replace(tzinfo=dt.UTC)
    return PolicyVersion(
        hash=str(row.hash),
        text=str(row.text),
        created_at=created,
        created_by=str(row.created_by),
        active=bool(row.active),
        id=int(row.id),
    )


def active(db: Database, conn: Connection | None = None) -> PolicyVersion | None:
    """The version marked active in the database, or ``None`` before the first upload."""
    query = select(policy_versions).where(policy_versions.c.active.is_(True)).limit(1)
    if conn is not None:
        row = conn.execute(query).first()
    else:
        with db.connect() as fresh:
            row = fresh.execute(query).first()
    return None if row is None else _version(row)


def load_active(db: Database) -> CompiledPolicy | None:
    """The active stored policy, compiled, or ``None`` when the policy file is in force.

    For :meth:`Confide.open`, so every process starts on the policy in force."""
    version = active(db)
    if version is None:
        return None
    try:
        return load_text(version.text, UPLOAD_FILE)
    except PolicyError as exc:
        raise ConfigurationError(
            f"the active policy {version.hash} stored in the database no longer loads "
            f"({len(exc.problems)} problems); upload a corrected policy with "
            "`PUT /v1/policy`"
        ) from None


def _file_text(confide: Confide) -> str:
    try:
        return confide.settings.policy.read_text(encoding="utf-8")
    except OSError:
        return ""


def current(confide: Confide) -> PolicyVersion:
    """The policy the engine is running: its hash and text."""
    version = active(confide.db)
    file_hash = confide.policy.policy.file_hash
    if version is not None and version.hash == file_hash:
        return version
    return PolicyVersion(file_hash, _file_text(confide), None, FILE_AUTHOR, True)


def versions(db: Database) -> list[PolicyVersion]:
    """Every stored version, newest first."""
    with db.connect() as conn:
        rows = conn.execute(select(policy_versions).order_by(policy_versions.c.id.desc())).all()
    return [_version(row) for row in rows]


def install(confide: Confide, compiled: CompiledPolicy) -> None:
    """Swap ``compiled`` into the running engine. Each attribute assignment is atomic, and
    every decision reads ``vault.policy`` once, so a decision runs wholly under one policy."""
    confide.policy = compiled
    confide.vault.policy = compiled


def upload(confide: Confide, text: str, created_by: str) -> tuple[PolicyVersion, bool]:
    """Make ``text`` the policy in force. Returns the version and whether anything changed.

    Raises :class:`PolicyError` with every problem, and changes nothing, if it does not
    compile."""
    compiled = load_text(text, UPLOAD_FILE)  # verified (I10) before anything changes
    now = _now()
    author = created_by[:128]
    with confide.db.transaction() as conn:
        # Policy changes are serialised with every log writer: the previous hash read here
        # is the one in force when the policy.changed entry is appended.
        lock_head(conn)
        # The new version must hold together with the agreements activated at run time.
        agreements = active_agreements(conn)
        if agreements:
            composed = compose(compiled.policy, agreements)
            verify_policy(composed)
            compiled = CompiledPolicy(composed)
        previous = active(confide.db, conn)
        previous_hash = previous.hash if previous is not None else confide.policy.policy.file_hash
        new_hash = compiled.policy.file_hash
        if new_hash == previous_hash:
            stored = previous
            changed = False
        else:
            changed = True
            existing = {
                row.hash: row.id
                for row in conn.execute(select(policy_versions.c.hash, policy_versions.c.id))
            }
            if previous is None and previous_hash not in existing:
                conn.execute(
                    policy_versions.insert().values(
                        hash=previous_hash,
                        text=_file_text(confide),
                        created_at=now,
                        created_by=FILE_AUTHOR,
                        active=False,
                    )
                )
            conn.execute(
                update(policy_versions)
                .where(policy_versions.c.active.is_(True))
                .values(active=False)
            )
            if new_hash in existing:
                conn.execute(
                    update(policy_versions)
                    .where(policy_versions.c.hash == new_hash)
                    .values(active=True)
                )
            else:
                conn.execute(
                    policy_versions.insert().values(
                        hash=new_hash,
                        text=text,
                        created_at=now,
                        created_by=author,
                        active=True,
                    )
                )
            confide.log.append(
                conn, {"kind": "policy.changed", "policy": new_hash, "previous": previous_hash}
            )
            stored = active(confide.db, conn)
    install(confide, compiled)
    if stored is None:  # the file's policy re-uploaded before any upload: nothing stored
        return PolicyVersion(compiled.policy.file_hash, text, None, FILE_AUTHOR, True), changed
    return stored, changed


class PolicySync:
    """Keeps one process's engine on the active policy, checking at most every
    ``interval`` seconds (one indexed single-row query)."""

    def __init__(self, interval: float = SYNC_INTERVAL) -> None:
        self.interval = interval
        self._next = 0.0
        self._lock = threading.Lock()

    def refresh(self, confide: Confide, *, force: bool = False) -> None:
        if not force and time.monotonic() < self._next:
            return
        with self._lock:
            now = time.monotonic()
            if not force and now < self._next:
                return
            with confide.db.connect() as conn:
                found = conn.execute(
                    select(policy_versions.c.hash).where(policy_versions.c.active.is_(True))
                ).first()
                agreements = active_agreements(conn)
            running = confide.policy
            if found is not None and found.hash != running.policy.file_hash:
                compiled = load_active(confide.db)
                if compiled is not None:
                    install(confide, effective(confide.db, compiled))
            elif effective_hash(running.policy.file_hash, agreements) != running.hash:
                install(confide, effective(confide.db, running))
            self._next = now + self.interval
