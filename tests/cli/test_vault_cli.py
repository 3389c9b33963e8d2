"""`confide init`, `confide vault …`, `confide keys …`, `confide db upgrade` as subprocesses,
on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest


def run(home: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CONFIDE_HOME": str(home), "CONFIDE_DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "confide", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )


@pytest.fixture
def home(tmp_path: Path, database_url: str) -> Path:
    home = tmp_path / "home"
    result = run(home, database_url, "init")
    assert result.returncode == 0, result.stderr
    return home


def test_init_creates_a_private_key_file_and_is_idempotent(home: Path, database_url: str) -> None:
    mode = stat.S_IMODE((home / "confide.key").stat().st_mode)
    assert mode == 0o600
    again = run(home, database_url, "init")
    assert again.returncode == 0, again.stderr
    assert "kept the key file" in again.stdout


def test_put_get_export_forget(home: Path, database_url: str) -> None:
    put = run(
        home, database_url, "vault", "put", "--holder", "st-marys-clinic", "--subject", "cli-0001",
        "--purpose", "care.treatment", "--set", "identity.name=Cli Synthetic",
        "--set", "contact.phone=+00 0000 000222",
    )  # fmt: skip
    assert put.returncode == 0, put.stderr
    record = put.stdout.strip()
    got = run(home, database_url, "vault", "get", "--as", "st-marys-clinic", "--purpose",
              "care.treatment", record)  # fmt: skip
    assert got.returncode == 0, got.stderr
    answer = json.loads(got.stdout)
    assert answer["decision"] == "permit"
    assert answer["values"] == {
        "identity.name": "Cli Synthetic",
        "contact.phone": "+00 0000 000222",
    }

    denied = run(home, database_url, "vault", "get", "--as", "national-immigration-authority",
                 "--holder", "st-marys-clinic", "--purpose", "immigration.enforcement", record)  # fmt: skip
    assert denied.returncode == 0
    assert json.loads(denied.stdout)["decision"] == "deny"
    assert "Cli Synthetic" not in denied.stdout

    exported = run(home, database_url, "vault", "export", "cli-0001")
    assert json.loads(exported.stdout)["records"][0]["fields"]["identity.name"] == "Cli Synthetic"

    forgot = run(home, database_url, "vault", "forget", "cli-0001")
    assert forgot.returncode == 0, forgot.stderr
    assert "1 record(s)" in forgot.stdout
    gone = run(home, database_url, "vault", "get", "--as", "st-marys-clinic", "--purpose",
               "care.treatment", record)  # fmt: skip
    assert gone.returncode == 1
    assert "no record" in gone.stderr


def test_bad_input_is_a_clear_error(home: Path, database_url: str) -> None:
    bad = run(home, database_url, "vault", "put", "--holder", "st-marys-clinic", "--subject", "x",
              "--purpose", "care.treatment", "--set", "identity.shoe=42")  # fmt: skip
    assert bad.returncode == 1
    assert "unknown data category 'identity.shoe'" in bad.stderr
    assert "Traceback" not in bad.stderr
    unknown = run(home, database_url, "vault", "put", "--holder", "nowhere", "--subject", "x",
                  "--purpose", "care.treatment", "--set", "identity.name=x")  # fmt: skip
    assert unknown.returncode == 1
    assert "nowhere" in unknown.stderr


def test_purge_and_rotate_report(home: Path, database_url: str) -> None:
    purged = run(home, database_url, "vault", "purge")
    assert purged.returncode == 0, purged.stderr
    assert "purged 0 record(s)" in purged.stdout
    rotated = run(home, database_url, "keys", "rotate")
    assert rotated.returncode == 0, rotated.stderr
    assert "no field re-encrypted" in rotated.stdout


def test_db_upgrade_reports_the_schema(home: Path, database_url: str) -> None:
    result = run(home, database_url, "db", "upgrade")
    assert result.returncode == 0, result.stderr
    assert "already at" in result.stdout


def test_without_init_the_error_says_what_to_do(tmp_path: Path) -> None:
    result = run(tmp_path / "fresh", f"sqlite:///{tmp_path / 'fresh' / 'c.db'}", "vault",
                 "export", "x")  # fmt: skip
    assert result.returncode == 1
    assert "confide init" in result.stderr
