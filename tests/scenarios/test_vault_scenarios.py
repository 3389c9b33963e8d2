"""Scenario 11 end to end: a dump of the database files holds no plaintext name, phone or
status, on SQLite (the raw files, WAL included) and PostgreSQL (pg_dump)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from confide.runtime import Confide

SECRETS = {
    "identity.name": "Qwertyna Synthetic-Zyx",
    "contact.phone": "+00 9999 314159",
    "immigration.status": "no-regular-status-synthetic",
}


def _dump(confide: Confide) -> bytes:
    url = confide.settings.database_url
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        return b"".join(
            p.read_bytes() for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()
        )
    parsed = urlparse(url)
    schema = parse_qs(parsed.query)["options"][0].split("=", 1)[1]
    return subprocess.run(
        ["pg_dump", "-h", parsed.hostname or "127.0.0.1", "-p", str(parsed.port or 5432),
         "-U", parsed.username or "postgres", "-n", schema, parsed.path.lstrip("/")],
        capture_output=True, check=True, timeout=120,
    ).stdout  # fmt: skip


def test_scenario_11_no_plaintext_in_a_dump(confide: Confide) -> None:
    for n in range(20):
        confide.vault.put(
            holder="migrant-legal-aid",
            subject=f"client-{n:04d}",
            purpose="legal.advice",
            values={k: f"{v}-{n:02d}" for k, v in SECRETS.items()},
        )
        # Read them too, so the log holds reads and disclosures as well.
        record = confide.vault.export(f"client-{n:04d}")["records"][0]["record"]
        confide.vault.read(record, requester="migrant-legal-aid", purpose="legal.advice")
        confide.vault.read(
            record,
            requester="national-immigration-authority",
            holder="migrant-legal-aid",
            purpose="immigration.enforcement",
        )
    dump = _dump(confide)
    assert len(dump) > 10_000
    for value in SECRETS.values():
        for n in range(20):
            needle = f"{value}-{n:02d}"
            for encoding in ("utf-8", "utf-16-le"):
                assert needle.encode(encoding) not in dump, needle
        assert value.encode() not in dump
    # The subjects' references are not there either: only keyed pseudonyms.
    assert b"client-0001" not in dump
