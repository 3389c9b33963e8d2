"""Key files: missing, wrong, rotated (both databases)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from confide.crypto import create_key_file, rotate_key_file
from confide.errors import ConfigurationError
from confide.runtime import Confide
from confide.storage import Settings


def test_a_missing_key_file_says_to_run_init(settings: Settings) -> None:
    settings.key_file.unlink()
    with pytest.raises(ConfigurationError, match="confide init"):
        Confide.open(settings)


def test_a_key_file_from_elsewhere_is_refused(settings: Settings, tmp_path: Path) -> None:
    other = tmp_path / "other.key"
    create_key_file(other)
    settings.key_file.unlink()
    shutil.copyfile(other, settings.key_file)
    settings.key_file.chmod(0o600)
    with pytest.raises(ConfigurationError, match="does not belong to the database"):
        Confide.open(settings)


def test_rotation_rewraps_keys_and_keeps_data_readable(settings: Settings) -> None:
    confide = Confide.open(settings)
    record = confide.vault.put(
        holder="st-marys-clinic",
        subject="subject-rot",
        purpose="care.treatment",
        values={"identity.name": "Rotation Synthetic"},
    )
    old = confide.keys.key_id
    confide.close()
    new = rotate_key_file(settings.key_file)
    confide = Confide.open(settings)
    assert confide.vault.keyring.rewrap_all() == 1
    assert confide.vault.keyring.kek_ids_in_use() == {new}
    assert old != new
    d = confide.vault.read(record, requester="st-marys-clinic", purpose="care.treatment")
    assert d.values == {"identity.name": "Rotation Synthetic"}
    confide.close()
