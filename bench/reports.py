"""Safe reports submitted and followed per second, with the chosen Argon2id parameters.

One run, the same synthetic reports for every contender (issue 7). From the repository root::

    .venv/bin/python bench/reports.py               # 300 reports per database, ~1 minute
    .venv/bin/python bench/reports.py --quick       # 60 reports per database
    .venv/bin/python bench/reports.py --json reports.json

What is measured, side by side:

* **Confide submit**: ``ReportDesk.submit`` on SQLite and PostgreSQL: validation, redaction
  (Presidio with Confide's recognizers), a write decision, the report's own data key, sealed
  fields, one Argon2id receipt hash (m = 19 MiB, t = 2, p = 1: OWASP's minimum) and two log
  entries in one transaction.
* **Confide follow**: ``ReportDesk.open`` with the receipt: an Argon2id verification, a
  subject-access decision logged, the report and its messages decrypted.
* The peers: **Argon2id alone** (the hash every submit pays, the floor of any design that
  stores receipts this way), **redaction alone**, and **plain storage**: the same text and a
  SHA-256 of a random receipt written with one ``INSERT`` into a plain table of the same
  database (no redaction, no encryption, no policy, no log) — what a bare form handler does.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import secrets
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
from sqlalchemy import Column, Integer, LargeBinary, MetaData, String, Table, Text

from confide.reporting import ReportDesk, Submission
from confide.reporting.receipts import HASHER, FailureBudget, hash_secret
from confide.reporting.redaction import redact
from confide.runtime import Confide, init
from confide.storage import Settings

PG_DSN = os.environ.get("CONFIDE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


class Deployment:
    """A fresh Confide in ``folder``: a SQLite file or a PostgreSQL schema of its own."""

    def __init__(self, dialect: str, folder: Path) -> None:
        home = folder / dialect
        self.schema: str | None = None
        if dialect == "sqlite":
            url = f"sqlite:///{home / 'confide.db'}"
        else:
            self.schema = f"bench_reports_{secrets.token_hex(5)}"
            with psycopg.connect(PG_DSN, autocommit=True) as conn:
                conn.execute(f'CREATE SCHEMA "{self.schema}"')
            url = f"{PG_DSN}?options=-csearch_path%3D{self.schema}"
        settings = Settings.resolve(
            home=home, database_url=url, key_file=home / "k.key", policy=home / "policy.yaml"
        )
        init(settings)
        self.confide = Confide.open(settings)

    def close(self) -> None:
        self.confide.close()
        if self.schema is not None:
            with psycopg.connect(PG_DSN, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')


STORY = (
    "Synthetic report for the benchmark. My partner took my passport and says he will call "
    "immigration because I have no papers. He hit me again last night at the synthetic flat "
    "on Example Road. Passport number X0000000. Please call me on 0000 000 000 after 6pm. "
)


def rate(n: int, seconds: float) -> float:
    return n / seconds if seconds > 0 else float("inf")


def timed(n: int, step: Callable[[int], object]) -> float:
    started = time.perf_counter()
    for i in range(n):
        step(i)
    return rate(n, time.perf_counter() - started)


def plain_peer(deployment: Deployment) -> Callable[[int], object]:
    meta = MetaData()
    table = Table(
        f"bench_plain_reports_{secrets.token_hex(3)}",
        meta,
        Column("id", Integer, primary_key=True),
        Column("text", Text, nullable=False),
        Column("receipt", LargeBinary, nullable=False),
        Column("holder", String(64), nullable=False),
    )
    engine = deployment.confide.db.engine
    meta.create_all(engine)

    def store(i: int) -> None:
        digest = hashlib.sha256(secrets.token_bytes(15)).digest()
        with engine.begin() as conn:
            conn.execute(
                table.insert().values(id=i, text=STORY, receipt=digest, holder="victim-unit")
            )

    return store


def run(n: int) -> dict[str, object]:
    results: dict[str, object] = {}
    results["argon2id_hash_per_s"] = timed(n, lambda i: hash_secret(f"{i:016d}"))
    results["argon2id_parameters"] = {
        "memory_kib": HASHER.memory_cost,
        "time_cost": HASHER.time_cost,
        "parallelism": HASHER.parallelism,
    }
    redact(STORY, "en")  # build the analyzer once, outside the timing
    results["redaction_per_s"] = timed(n, lambda i: redact(STORY, "en"))
    with tempfile.TemporaryDirectory() as folder:
        for dialect in ("sqlite", "postgresql"):
            deployment = Deployment(dialect, Path(folder))
            try:
                desk = ReportDesk(deployment.confide, budget=FailureBudget(10**9))
                receipts: list[str] = []

                def submit(i: int, desk: ReportDesk = desk, receipts: list[str] = receipts) -> None:
                    sent = desk.submit(
                        Submission("crime", "victim", "city-police-victim-unit", STORY, "en")
                    )
                    receipts.append(sent.receipt)

                plain = plain_peer(deployment)
                plain_rate = timed(n, plain)
                submit_rate = timed(n, submit)

                def follow(i: int, desk: ReportDesk = desk, receipts: list[str] = receipts) -> None:
                    desk.open(receipts[i])

                follow_rate = timed(n, follow)
                results[dialect] = {
                    "submit_per_s": submit_rate,
                    "follow_per_s": follow_rate,
                    "plain_insert_per_s": plain_rate,
                    "submit_vs_plain": submit_rate / plain_rate,
                }
            finally:
                deployment.close()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="60 reports per database")
    parser.add_argument("--reports", type=int, default=300)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    n = 60 if args.quick else args.reports
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"psycopg {psycopg.__version__}; {n} reports per database\n")
    results = run(n)
    params = results["argon2id_parameters"]
    print(f"Argon2id {params}: {results['argon2id_hash_per_s']:.1f} hashes/s (alone)")
    print(f"redaction alone: {results['redaction_per_s']:.1f} reports/s ({len(STORY)} chars)")
    for dialect in ("sqlite", "postgresql"):
        r = results[dialect]
        assert isinstance(r, dict)
        print(
            f"{dialect:>10}: submit {r['submit_per_s']:.1f}/s, follow {r['follow_per_s']:.1f}/s; "
            f"plain INSERT {r['plain_insert_per_s']:.1f}/s (submit = "
            f"{r['submit_vs_plain']:.3f}x plain)"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
