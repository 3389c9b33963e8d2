"""A real ``confide serve`` in a subprocess, one per test module and database.

The server runs on a free loopback port for a fresh deployment (SQLite file, or a fresh
PostgreSQL schema on the real server), with small limits so 413 and 429 are quick to
reach. Tests talk to it over real HTTP with httpx; tokens are issued with the library
against the same database, as an operator would with ``confide tokens issue``.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import pytest

from confide.runtime import Confide, init
from confide.service import tokens
from confide.storage import Settings

RATE_LIMIT = 150
MAX_BODY = 64 * 1024


@dataclass
class Server:
    url: str
    settings: Settings
    confide: Confide
    stderr: Path
    process: subprocess.Popen[bytes]

    def client(self, token: str | None = None, scheme: str = "Bearer") -> httpx.Client:
        headers = {"Authorization": f"{scheme} {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)

    def token(
        self,
        org: str,
        purposes: Sequence[str],
        roles: Sequence[str],
        *,
        days: int = 30,
    ) -> tuple[str, tokens.TokenInfo]:
        return tokens.issue(
            self.confide.db,
            self.confide.policy,
            org,
            "test",
            purposes,
            roles,
            dt.timedelta(days=days),
            "test",
        )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(
    scope="module",
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    base = tmp_path_factory.mktemp("api")
    schema = None
    if request.param == "sqlite":
        url = f"sqlite:///{base / 'confide.db'}"
    else:
        dsn = request.getfixturevalue("postgres_dsn")
        schema = f"confide_api_{secrets.token_hex(6)}"
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        url = f"{dsn}?options=-csearch_path%3D{schema}"
    settings = Settings.resolve(home=base / "home", database_url=url)
    init(settings)
    port = _free_port()
    stderr = base / "server.log"
    env = {
        **os.environ,
        "CONFIDE_RATE_LIMIT": str(RATE_LIMIT),
        "CONFIDE_MAX_BODY_BYTES": str(MAX_BODY),
        "CONFIDE_CHECKPOINT_INTERVAL": "0",
        "CONFIDE_POLICY_ADMIN_ORG": "city-council",
    }
    with stderr.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "confide", "serve", "--host", "127.0.0.1",
             "--port", str(port), "--home", str(settings.home), "--database-url", url],
            env=env, stdout=sink, stderr=subprocess.STDOUT,
        )  # fmt: skip
    base_url = f"http://127.0.0.1:{port}"
    confide = Confide.open(settings)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base_url + "/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("confide serve did not start:\n" + stderr.read_text())
            time.sleep(0.1)
        yield Server(base_url, settings, confide, stderr, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        confide.close()
        if schema is not None:
            with psycopg.connect(request.getfixturevalue("postgres_dsn"), autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
