"""The database layer on SQLite and PostgreSQL: schema checks, URLs, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from confide.errors import ConfigurationError, StorageError
from confide.storage import Database, normalise_url


def test_a_new_database_says_to_initialise(database_url: str) -> None:
    with pytest.raises(StorageError, match="confide init"):
        Database(database_url)


def test_upgrade_brings_the_schema_to_head(database_url: str) -> None:
    db = Database(database_url, check_schema=False)
    before, after = db.upgrade()
    assert before is None
    assert after == db.head()
    Database(database_url).dispose()  # now opens without complaint
    db.dispose()


def test_an_old_schema_says_how_to_fix_it(database: Database, database_url: str) -> None:
    with database.transaction() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0000'"))
    with pytest.raises(StorageError, match=r"revision 0000 .*`confide db upgrade`"):
        Database(database_url)


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'c.db'}", check_schema=False)
    db.upgrade()
    with db.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_urls_are_checked_and_postgres_means_psycopg() -> None:
    assert normalise_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    with pytest.raises(ConfigurationError, match="SQLite or PostgreSQL"):
        normalise_url("mysql://u@h/db")
    with pytest.raises(ConfigurationError, match="not valid"):
        normalise_url("not a url")


def test_a_missing_data_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="confide init"):
        Database(f"sqlite:///{tmp_path / 'nowhere' / 'c.db'}")


def test_an_unreachable_server_is_a_storage_error_without_the_password() -> None:
    with pytest.raises(StorageError, match="cannot be reached") as info:
        Database("postgresql://postgres:hunter2-synthetic@127.0.0.1:1/test")
    assert "hunter2-synthetic" not in str(info.value)


def test_the_migrations_build_exactly_the_tables_the_code_uses(database: Database) -> None:
    """Alembic's autogenerate comparison finds nothing to add, drop or alter: every table,
    column and index the code declares is what the migrations create."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    import confide.consent.tables
    import confide.reporting.tables
    import confide.service.tables
    import confide.stats.tables
    import confide.transparency.tables  # noqa: F401 - registers their tables
    from confide.storage.tables import metadata

    with database.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        differences = compare_metadata(context, metadata)
    assert differences == []
