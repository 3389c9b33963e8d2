"""Several `confide serve` workers on PostgreSQL: a policy uploaded through one worker is in
force in every worker within a few seconds (each checks the active version at most every
~2 s), and every worker's decisions land in one log with no gap or duplicate."""

from __future__ import annotations

import datetime as dt
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psycopg
import pytest

import confide.policy as policy_api
from confide.demo.scenarios import SCENARIOS
from confide.runtime import Confide, init
from confide.service.tokens import issue
from confide.storage import Settings
from tests.api.conftest import _free_port

pytestmark = pytest.mark.postgres


def test_a_policy_change_reaches_every_worker(postgres_dsn: str, tmp_path: Path) -> None:
    schema = f"confide_workers_{secrets.token_hex(6)}"
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    url = f"{postgres_dsn}?options=-csearch_path%3D{schema}"
    settings = Settings.resolve(home=tmp_path / "home", database_url=url)
    init(settings)
    confide = Confide.open(settings)
    admin, _ = issue(confide.db, confide.policy, "city-council", "t", ["service"], ["admin"],
                     dt.timedelta(days=1), "test")  # fmt: skip
    hospital, _ = issue(confide.db, confide.policy, "city-hospital", "t", ["care"],
                        ["clinician"], dt.timedelta(days=1), "test")  # fmt: skip
    port = _free_port()
    env = {**os.environ, "CONFIDE_POLICY_ADMIN_ORG": "city-council", "CONFIDE_RATE_LIMIT": "100000"}
    process = subprocess.Popen(
        [sys.executable, "-m", "confide", "serve", "--port", str(port), "--workers", "2",
         "--home", str(settings.home), "--database-url", url],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    request = next(s for s in SCENARIOS if s.number == "care").request
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, "serve did not start"
            time.sleep(0.2)

        def answers(n: int) -> set[str]:
            found = set()
            for _ in range(n):
                # A new connection each time, so the kernel spreads them over the workers.
                with httpx.Client(
                    base_url=base, headers={"Authorization": f"Bearer {hospital}"}
                ) as http:
                    found.add(http.post("/v1/decisions", json=request).json()["decision"])
            return found

        assert answers(20) == {"permit"}
        baseline = policy_api.baseline_path().read_text()
        tighter = baseline.replace("purposes: [care.emergency]\n    categories: [identity.name, identity.date_of_birth",
                                   "purposes: [care.treatment]\n    categories: [identity.name, identity.date_of_birth", 1)  # fmt: skip
        assert tighter != baseline
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {admin}"}) as http:
            assert http.put("/v1/policy", json={"text": tighter}).status_code == 200
        time.sleep(3)
        assert answers(20) == {"deny"}
        size = confide.log.size()
        assert [e.index for e in confide.log.entries(0, size)] == list(range(size))
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        confide.close()
        with psycopg.connect(postgres_dsn, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
