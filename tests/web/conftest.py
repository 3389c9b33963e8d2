"""A real ``confide serve`` subprocess on a free loopback port, with staff and a record.

One server per test module (module-scoped), on SQLite and on PostgreSQL. Accounts hand out
TOTP codes that the server has not seen yet, since a code is accepted only once.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
import pyotp
import pytest
from playwright.sync_api import Browser, sync_playwright

from confide.runtime import Confide, init
from confide.service.staff import create_staff
from confide.storage import Settings

CHROMIUM = os.environ.get("CONFIDE_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "a long enough test password"
RECORD_VALUES = {
    "identity.name": "Ana Example",
    "contact.phone": "+44 7700 900123",
    "health.allergies": "penicillin",
}
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class Account:
    username: str
    staff_id: str
    secret: str
    password: str = PASSWORD
    last_step: int = -1

    def code(self) -> str:
        """A code for a step the server has not accepted yet (this step or the next)."""
        while True:
            now = int(time.time()) // 30
            step = max(self.last_step + 1, now)
            if step <= now + 1:
                self.last_step = step
                return pyotp.TOTP(self.secret).generate_otp(step)
            time.sleep(max(0.2, (now + 1) * 30 - time.time() + 0.2))


@dataclass
class Deployment:
    base_url: str
    settings: Settings
    record_id: str
    accounts: dict[str, Account] = field(default_factory=dict)

    def open(self) -> Confide:
        return Confide.open(self.settings)


#: username → (organisation, account role, work role)
STAFF = {
    "gp-clin": ("st-marys-clinic", "staff", "clinician"),
    "hosp-clin": ("city-hospital", "staff", "clinician"),
    "hosp-dpo": ("city-hospital", "dpo", "dpo"),
    "lock-me": ("city-hospital", "staff", "clinician"),
    "replay-me": ("city-hospital", "staff", "clinician"),
    "teacher": ("northside-school", "staff", "teacher"),
    "unit-officer": ("city-police-victim-unit", "staff", "officer"),
    "unit-officer-2": ("city-police-victim-unit", "staff", "officer"),
    "ngo-lawyer": ("migrant-legal-aid", "staff", "lawyer"),
    "council-worker": ("city-council", "staff", "caseworker"),
    "shelter-case": ("safe-harbour-shelter", "staff", "caseworker"),
    "gp-admin": ("st-marys-clinic", "admin", "admin"),
    "council-admin": ("city-council", "admin", "admin"),
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _database_url(request: pytest.FixtureRequest, home: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{home.parent / 'confide.db'}"
        return
    dsn = request.getfixturevalue("postgres_dsn")
    schema = f"confide_web_{secrets.token_hex(6)}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{dsn}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def serve(request: pytest.FixtureRequest, tmp: Path) -> Iterator[Deployment]:
    """Create a deployment with :data:`STAFF` and one clinic record, then serve it."""
    home = tmp / "home"
    for url in _database_url(request, home):
        settings = Settings.resolve(home=home, database_url=url)
        init(settings)
        confide = Confide.open(settings)
        try:
            record_id = confide.vault.put(
                holder="st-marys-clinic",
                subject="patient-1",
                purpose="care.treatment",
                values=RECORD_VALUES,
            )
            accounts = {}
            for username, (org, role, work_role) in STAFF.items():
                staff_id, _, secret = create_staff(
                    confide, org, username, PASSWORD, role, work_role
                )
                accounts[username] = Account(username, staff_id, secret)
        finally:
            confide.close()
        port = _free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("CONFIDE_")}
        log = (tmp / "server.log").open("wb")
        command = [sys.executable, "-m", "confide", "serve", "--home", str(home)]
        command += ["--database-url", url, "--port", str(port)]
        process = subprocess.Popen(
            command,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        "confide serve did not start: "
                        + (tmp / "server.log").read_text(errors="replace")[-2000:]
                    )
                time.sleep(0.1)
            yield Deployment(base, settings, record_id, accounts)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found is not None, "the page has no CSRF field"
    return found.group(1)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def deployment(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    """A served deployment per test module and database (see :func:`serve`)."""
    module = request.module.__name__.rsplit(".", 1)[-1]
    yield from serve(request, tmp_path_factory.mktemp(f"{module}-{request.param}"))


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, driven by Playwright (its own browser download cannot work here)."""
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()
