"""Wiring: settings → key file, database, policy, transparency log and vault.

``confide init`` creates what a deployment needs; ``Confide.open`` opens it and checks that
the pieces belong together (schema at head, key file matching the database).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from confide.crypto import FileKeyProvider, create_key_file
from confide.errors import ConfigurationError
from confide.policy import CompiledPolicy, baseline_path, load
from confide.storage import Database, Settings
from confide.transparency.entries import LogEntry
from confide.transparency.log import TransparencyLog
from confide.transparency.signer import create_signing_key, new_origin, publish_verifier_key
from confide.vault import Vault
from confide.vault.keyring import Keyring


def signing_key_path(settings: Settings) -> Path:
    return settings.home / "log-signing.key"


@dataclass
class Confide:
    settings: Settings
    db: Database
    keys: FileKeyProvider
    policy: CompiledPolicy
    log: TransparencyLog
    vault: Vault

    @classmethod
    def open(cls, settings: Settings) -> Confide:
        if not settings.key_file.exists():
            raise ConfigurationError(
                f"no key file at {settings.key_file}; run `confide init` (or set CONFIDE_KEY_FILE)"
            )
        keys = FileKeyProvider(settings.key_file)
        db = Database(settings.database_url)
        # A policy uploaded through the API (verified, logged) is in force over the file.
        from confide.service.policies import load_active  # noqa: PLC0415 - avoids a cycle

        stored = load_active(db)
        if stored is not None:
            policy = stored
        elif settings.policy.exists():
            policy = load(settings.policy)
        else:
            raise ConfigurationError(
                f"no policy at {settings.policy}; run `confide init` (or set CONFIDE_POLICY)"
            )
        # Agreements activated at run time are part of the policy in force.
        from confide.consent.agreements import effective  # noqa: PLC0415 - avoids a cycle

        policy = effective(db, policy)
        log = TransparencyLog(db)
        vault = Vault(db, keys, policy, log)
        vault.keyring.verify_key_check()
        return cls(settings, db, keys, policy, log, vault)

    def history(self, subject: str) -> list[LogEntry]:
        """Every log entry about the person with reference ``subject``: every access to her
        data and every refusal (scenario 9)."""
        return self.log.history(self.vault.keyring.pseudonym(subject))

    def close(self) -> None:
        self.db.dispose()


def init(settings: Settings) -> list[str]:
    """Create the data directory, key file, log signing key, policy and database schema.

    Existing pieces are kept (never overwritten); returns what was done, line by line.
    """
    done: list[str] = []
    home = settings.home
    if not home.exists():
        home.mkdir(parents=True, mode=0o700)
        done.append(f"created the data directory {home}")
    if settings.key_file.exists():
        done.append(f"kept the key file {settings.key_file}")
    else:
        settings.key_file.parent.mkdir(parents=True, exist_ok=True)
        create_key_file(settings.key_file)
        done.append(
            f"created the key file {settings.key_file} (mode 0600; back it up apart "
            "from the database)"
        )
    signing = signing_key_path(settings)
    if signing.exists():
        done.append(f"kept the log signing key {signing}")
    else:
        key = create_signing_key(signing)
        published = publish_verifier_key(home, key, new_origin())
        done.append(f"created the log signing key {signing}; its public key is in {published}")
    if settings.policy.exists():
        done.append(f"kept the policy {settings.policy}")
    else:
        settings.policy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(baseline_path(), settings.policy)
        os.chmod(settings.policy, 0o644)
        done.append(f"wrote the baseline policy to {settings.policy}; edit it for your service")
    load(settings.policy)  # refuse to finish with a policy that does not load
    db = Database(settings.database_url, check_schema=False)
    try:
        before, after = db.upgrade()
        done.append(
            f"database {db.describe()} at schema {after}"
            + ("" if before == after else f" (was {before or 'empty'})")
        )
        Keyring(db, FileKeyProvider(settings.key_file)).ensure_key_check()
    finally:
        db.dispose()
    return done
