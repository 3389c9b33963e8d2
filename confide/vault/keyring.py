"""Subjects' data keys: created on first write, unwrapped per read, destroyed to forget.

The database holds each data key only wrapped by a key-encryption key from the key file, and
the subject only as a keyed pseudonym. A key check row proves at start-up that the key file
belongs to this database, so a wrong key file is a clear error, not garbage.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol

from sqlalchemy import Connection, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from confide.crypto import (
    DecryptionError,
    KeyProvider,
    new_data_key,
    pseudonym,
    rewrap,
    unwrap_data_key,
    wrap_data_key,
    wrapped_key_id,
)
from confide.errors import ConfigurationError
from confide.storage import Database
from confide.storage.tables import subject_keys, subjects, vault_meta

_CHECK_SUBJECT = "confide/key-check"


def _insert(dialect: str, table: Any) -> Any:
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


class VaultKeys(KeyProvider, Protocol):
    """What the vault needs from its keys: a KMS-style provider that wraps data keys (see
    :class:`confide.crypto.KeyProvider`) and the two keys derived from the index secret.
    :class:`confide.crypto.FileKeyProvider` is the key-file implementation; a cloud KMS
    provider implements the same methods."""

    def blind_index_root_key(self) -> bytes: ...

    def pseudonym_key(self) -> bytes: ...


class Keyring:
    def __init__(self, db: Database, keys: VaultKeys) -> None:
        self.db = db
        self.keys = keys
        self._pseudonym_key = keys.pseudonym_key()

    def pseudonym(self, subject: str) -> str:
        """The subject as stored and logged: a keyed pseudonym, never the reference."""
        return pseudonym(subject, self._pseudonym_key)

    # -- the key check ---------------------------------------------------------------------

    def ensure_key_check(self) -> None:
        """Write the key check on a new database, or verify it on an existing one."""
        with self.db.transaction() as conn:
            rows = dict(conn.execute(select(vault_meta.c.name, vault_meta.c.value)).all())
            if "key_check" not in rows:
                wrapped = wrap_data_key(new_data_key(), self.keys, subject=_CHECK_SUBJECT)
                conn.execute(
                    vault_meta.insert(),
                    [
                        {"name": "key_check", "value": wrapped},
                        {"name": "index_check", "value": self.pseudonym(_CHECK_SUBJECT).encode()},
                    ],
                )
                return
        self.verify_key_check(rows)

    def verify_key_check(self, rows: dict[str, bytes] | None = None) -> None:
        if rows is None:
            with self.db.connect() as conn:
                rows = dict(conn.execute(select(vault_meta.c.name, vault_meta.c.value)).all())
        source = getattr(self.keys, "path", "of this key provider")
        wrong = ConfigurationError(
            f"the key file {source} does not belong to the database "
            f"{self.db.describe()}; use the key file created with it (`confide init` made one "
            "next to the database)"
        )
        if "key_check" not in rows:
            raise ConfigurationError(
                f"the database {self.db.describe()} was never initialised; run `confide init`"
            )
        try:
            unwrap_data_key(rows["key_check"], self.keys, subject=_CHECK_SUBJECT)
        except DecryptionError:
            raise wrong from None
        if rows.get("index_check") != self.pseudonym(_CHECK_SUBJECT).encode():
            raise wrong

    # -- data keys ---------------------------------------------------------------------------

    def data_key(self, conn: Connection, subject: str, *, create: bool) -> bytes | None:
        """The subject's data key (``subject`` is the pseudonym), created if asked."""
        wrapped = conn.execute(
            select(subject_keys.c.wrapped_key).where(subject_keys.c.subject == subject)
        ).scalar_one_or_none()
        if wrapped is None:
            if not create:
                return None
            now = dt.datetime.now(dt.UTC)
            key = new_data_key()
            fresh = wrap_data_key(key, self.keys, subject=subject)
            conn.execute(
                _insert(self.db.dialect, subjects)
                .values(subject=subject, created_at=now, forgotten_at=None)
                .on_conflict_do_update(index_elements=["subject"], set_={"forgotten_at": None})
            )
            conn.execute(
                _insert(self.db.dialect, subject_keys)
                .values(
                    subject=subject,
                    wrapped_key=fresh,
                    kek_id=wrapped_key_id(fresh),
                    created_at=now,
                )
                .on_conflict_do_nothing(index_elements=["subject"])
            )
            # Another writer may have won the race; the stored key is the one to use.
            wrapped = conn.execute(
                select(subject_keys.c.wrapped_key).where(subject_keys.c.subject == subject)
            ).scalar_one()
        return unwrap_data_key(wrapped, self.keys, subject=subject)

    def destroy(self, conn: Connection, subject: str) -> bool:
        """Crypto-shred: delete the subject's wrapped key and leave a tombstone."""
        gone = conn.execute(delete(subject_keys).where(subject_keys.c.subject == subject))
        conn.execute(
            update(subjects)
            .where(subjects.c.subject == subject)
            .values(forgotten_at=dt.datetime.now(dt.UTC))
        )
        return bool(gone.rowcount)

    def rewrap_all(self, *, batch: int = 1000) -> int:
        """Re-wrap every data key under the active KEK (after a rotation). No field changes."""
        done = 0
        active = self.keys.key_id
        with self.db.transaction() as conn:
            check = conn.execute(
                select(vault_meta.c.value).where(vault_meta.c.name == "key_check")
            ).scalar_one()
            if wrapped_key_id(check) != active:
                conn.execute(
                    update(vault_meta)
                    .where(vault_meta.c.name == "key_check")
                    .values(value=rewrap(check, self.keys, subject=_CHECK_SUBJECT))
                )
        while True:
            with self.db.transaction() as conn:
                rows = conn.execute(
                    select(subject_keys.c.subject, subject_keys.c.wrapped_key)
                    .where(subject_keys.c.kek_id != active)
                    .limit(batch)
                ).all()
                for subject, wrapped in rows:
                    conn.execute(
                        update(subject_keys)
                        .where(subject_keys.c.subject == subject)
                        .values(
                            wrapped_key=rewrap(wrapped, self.keys, subject=subject), kek_id=active
                        )
                    )
            done += len(rows)
            if len(rows) < batch:
                return done

    def kek_ids_in_use(self) -> set[str]:
        """Every KEK some stored wrapped key still needs; retiring one of these loses data."""
        with self.db.connect() as conn:
            used = set(conn.execute(select(subject_keys.c.kek_id).distinct()).scalars())
            check = conn.execute(
                select(vault_meta.c.value).where(vault_meta.c.name == "key_check")
            ).scalar_one_or_none()
        if check is not None:
            used.add(wrapped_key_id(check))
        return used
