"""Forgetting reaches backups (both databases): after `forget`, a KEK rotation and the old
KEK's retirement, a backup taken before the forget can no longer open the person's data —
while everyone else's data in it still opens with the live wrapped keys."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from confide.crypto import (
    DecryptionError,
    FieldSealer,
    retire_kek,
    rotate_key_file,
    unwrap_data_key,
)
from confide.runtime import Confide
from confide.storage import Settings
from confide.storage.tables import fields, subject_keys


def _backup(confide: Confide) -> dict[str, Any]:
    """What a database dump holds: wrapped keys and envelopes (no plaintext)."""
    with confide.db.connect() as conn:
        keys = {row.subject: bytes(row.wrapped_key) for row in conn.execute(select(subject_keys))}
        envelopes = [
            (row.subject, row.record_id, row.category, bytes(row.envelope))
            for row in conn.execute(select(fields))
        ]
    return {"keys": keys, "fields": envelopes}


def _open(
    confide: Confide, wrapped: bytes, subject: str, envelope: tuple[str, str, str, bytes]
) -> str:
    key = unwrap_data_key(wrapped, confide.keys, subject=subject)
    _, record_id, category, data = envelope
    return (
        FieldSealer(key).open(data, record_id=record_id, field=category, subject=subject).decode()
    )


def test_a_forget_reaches_a_backup_once_the_old_kek_is_retired(settings: Settings) -> None:
    confide = Confide.open(settings)
    for person in ("forget-me", "keep-me"):
        confide.vault.put(
            holder="st-marys-clinic",
            subject=person,
            purpose="care.treatment",
            values={"identity.name": f"{person} synthetic"},
        )
    gone = confide.vault.keyring.pseudonym("forget-me")
    kept = confide.vault.keyring.pseudonym("keep-me")
    backup = _backup(confide)
    old_kek = confide.keys.key_id
    # Before anything: the backup opens with the key file, for both people.
    her_field = next(f for f in backup["fields"] if f[0] == gone)
    assert _open(confide, backup["keys"][gone], gone, her_field) == "forget-me synthetic"

    confide.vault.forget("forget-me")
    confide.close()
    rotate_key_file(settings.key_file)
    confide = Confide.open(settings)
    confide.vault.keyring.rewrap_all()
    assert old_kek not in confide.vault.keyring.kek_ids_in_use()
    confide.close()
    retire_kek(settings.key_file, old_kek)
    confide = Confide.open(settings)
    try:
        # The backup's wrapped keys were made with the retired KEK: they open nothing now.
        with pytest.raises(DecryptionError):
            _open(confide, backup["keys"][gone], gone, her_field)
        with pytest.raises(DecryptionError):
            unwrap_data_key(backup["keys"][kept], confide.keys, subject=kept)
        # Everyone else's backed-up fields open with their live (re-wrapped) keys; hers has
        # no live key any more, anywhere.
        with confide.db.connect() as conn:
            live = {r.subject: bytes(r.wrapped_key) for r in conn.execute(select(subject_keys))}
        assert gone not in live
        his_field = next(f for f in backup["fields"] if f[0] == kept)
        assert _open(confide, live[kept], kept, his_field) == "keep-me synthetic"
    finally:
        confide.close()
