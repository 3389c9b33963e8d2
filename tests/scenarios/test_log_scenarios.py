"""Scenarios 9 and 10 end to end, through the vault, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from sqlalchemy import text

from confide.runtime import Confide, signing_key_path
from confide.transparency.signer import load_signing_key, load_verifier_key, verifier_key_path

PATIENT = {"identity.name": "History Synthetic", "health.allergies": "synthetic-allergen"}


def _activity(confide: Confide) -> str:
    record = confide.vault.put(
        holder="st-marys-clinic", subject="subject-h1", purpose="care.treatment", values=PATIENT
    )
    confide.vault.put(
        holder="st-marys-clinic",
        subject="someone-else",
        purpose="care.treatment",
        values={"identity.name": "Other Synthetic"},
    )
    confide.vault.read(record, requester="st-marys-clinic", purpose="care.treatment")
    confide.vault.read(
        record, requester="city-hospital", holder="st-marys-clinic", purpose="care.emergency"
    )
    confide.vault.read(
        record,
        requester="national-immigration-authority",
        holder="st-marys-clinic",
        purpose="immigration.enforcement",
    )
    confide.vault.search(
        requester="national-immigration-authority",
        holder="st-marys-clinic",
        purpose="immigration.enforcement",
        category="identity.name",
        value=PATIENT["identity.name"],
    )
    confide.vault.read(
        record,
        requester="city-police",
        holder="st-marys-clinic",
        purpose="criminal_investigation.victim_support",
    )
    return record


def test_scenario_9_she_sees_every_access_denials_included(confide: Confide) -> None:
    _activity(confide)
    history = [e.fields for e in confide.history("subject-h1")]
    decisions = [
        (e["requester"], e["action"], e["decision"]) for e in history if e["kind"] == "decision"
    ]
    assert decisions == [
        ("st-marys-clinic", "write", "permit"),
        ("st-marys-clinic", "read", "permit"),
        ("city-hospital", "read", "permit"),
        ("national-immigration-authority", "read", "deny"),
        ("national-immigration-authority", "search", "deny"),
        ("city-police", "read", "deny"),
    ]
    assert "record.created" in [e["kind"] for e in history]
    # Nobody else's activity is in her history, and no personal data is in any entry.
    assert all(e["subject"] == history[0]["subject"] for e in history)
    blob = json.dumps(history)
    assert "History Synthetic" not in blob and "subject-h1" not in blob


def test_scenario_9_through_the_command_line(confide: Confide) -> None:
    _activity(confide)
    env = {
        **os.environ,
        "CONFIDE_HOME": str(confide.settings.home),
        "CONFIDE_DATABASE_URL": confide.settings.database_url,
    }
    result = subprocess.run(
        [sys.executable, "-m", "confide", "log", "history", "subject-h1", "--json"],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    entries = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    denials = [e for e in entries if e.get("decision") == "deny"]
    assert {e["requester"] for e in denials} == {"national-immigration-authority", "city-police"}


def test_scenario_10_tampering_after_real_activity_is_named(confide: Confide) -> None:
    _activity(confide)
    home = confide.settings.home
    key = load_signing_key(signing_key_path(confide.settings))
    verifier = load_verifier_key(verifier_key_path(home))
    confide.log.checkpoint(key, verifier.name)
    confide.log.verify(verifier)  # the untouched log verifies
    with confide.db.transaction() as conn:
        row = conn.execute(text("SELECT entry FROM log_entries WHERE idx = 5")).scalar_one()
        # An insider rewrites who asked: the enforcement body becomes the clinic.
        forged = bytes(row).replace(b"st-marys-clinic", b"st-marys-clinix", 1)
        assert forged != bytes(row)
        conn.execute(text("UPDATE log_entries SET entry = :e WHERE idx = 5"), {"e": forged})
    env = {
        **os.environ,
        "CONFIDE_HOME": str(home),
        "CONFIDE_DATABASE_URL": confide.settings.database_url,
    }
    result = subprocess.run(
        [sys.executable, "-m", "confide", "log", "verify"],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 3
    assert "first bad entry: 5" in (result.stdout + result.stderr)
