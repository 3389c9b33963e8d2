"""Shared fixtures. Storage fixtures (SQLite and PostgreSQL) join here with the vault."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

import confide.policy as policy_api
from confide.policy import CompiledPolicy

hypothesis_settings.register_profile(
    "ci", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.register_profile("dev", max_examples=60, deadline=None)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(scope="session")
def baseline() -> CompiledPolicy:
    return policy_api.load(policy_api.baseline_path())


# -- databases: every storage test runs on SQLite and on the real PostgreSQL server --------

import secrets  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

import psycopg  # noqa: E402

from confide.runtime import Confide, init  # noqa: E402
from confide.storage import Database, Settings  # noqa: E402

PG_DSN = os.environ.get("CONFIDE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _pg_up() -> bool:
    try:
        with psycopg.connect(PG_DSN, connect_timeout=3) as conn:
            conn.execute("select 1")
        return True
    except psycopg.Error:
        return False


def _start_pg() -> None:
    clusters = Path("/etc/postgresql")
    if shutil.which("pg_ctlcluster") is None or not clusters.is_dir():
        return
    for version in sorted(p.name for p in clusters.iterdir()):
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"],
            capture_output=True,
            check=False,
            timeout=60,
        )


@pytest.fixture(scope="session")
def postgres_dsn() -> str:
    """The PostgreSQL server, started if it is down. Under CI it is never skipped."""
    if not _pg_up():
        _start_pg()
        for _ in range(30):
            if _pg_up():
                break
            time.sleep(1)
        else:
            message = f"PostgreSQL is not reachable at {PG_DSN} and could not be started"
            if IN_CI:
                pytest.fail(message)
            pytest.skip(message)
    return PG_DSN


def _pg_schema_url(dsn: str, schema: str) -> str:
    return f"{dsn}?options=-csearch_path%3D{schema}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'confide.db'}"
        return
    dsn = request.getfixturevalue("postgres_dsn")
    schema = f"confide_test_{secrets.token_hex(6)}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield _pg_schema_url(dsn, schema)
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    """A database at the current schema."""
    db = Database(database_url, check_schema=False)
    db.upgrade()
    try:
        yield db
    finally:
        db.dispose()


# -- a whole deployment: key file, policy, database at head, transparency log ------------


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    home = tmp_path / "home"
    settings = Settings.resolve(home=home, database_url=database_url)
    init(settings)
    return settings


@pytest.fixture
def confide(settings: Settings) -> Iterator[Confide]:
    deployment = Confide.open(settings)
    try:
        yield deployment
    finally:
        deployment.close()
