"""The database: one code path for SQLite (embedded default) and PostgreSQL (production).

SQLite runs in WAL mode with foreign keys on and full fsync; PostgreSQL goes through
psycopg 3. The schema is managed by Alembic; opening a database whose schema is not at the
head revision is an error that says how to fix it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, make_url
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError, SQLAlchemyError

from confide.errors import ConfigurationError, StorageError

MIGRATIONS = Path(__file__).with_name("migrations")


def normalise_url(url: str) -> URL:
    """Parse a database URL; ``postgresql://`` means psycopg 3. Errors never echo passwords."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigurationError(
            "the database URL is not valid; examples: sqlite:///path/confide.db, "
            "postgresql://user@host:5432/dbname"
        ) from None
    if parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg2"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername not in ("sqlite", "postgresql+psycopg"):
        raise ConfigurationError(
            f"Confide stores data in SQLite or PostgreSQL, not {parsed.get_backend_name()!r}"
        )
    return parsed


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers run beside the writer; FULL makes each commit durable before it returns.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    # Writers take the write lock at BEGIN so two never deadlock upgrading a read lock;
    # readers (``Database.connect``) begin deferred so they never block a writer.
    read_only = conn.get_execution_options().get("confide_read", False)
    conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


class Database:
    """A connection pool to Confide's database, with its schema checked."""

    def __init__(self, url: str, *, check_schema: bool = True) -> None:
        self.url = normalise_url(url)
        self.dialect = "sqlite" if self.url.drivername == "sqlite" else "postgresql"
        if self.dialect == "sqlite" and self.url.database not in (None, "", ":memory:"):
            folder = Path(str(self.url.database)).expanduser().parent
            if not folder.is_dir():
                raise ConfigurationError(
                    f"the data directory {folder} does not exist; run `confide init` first"
                )
        kwargs: dict[str, Any] = {"future": True}
        if self.dialect == "postgresql":
            # No pre-ping (a round trip per checkout): a connection the server dropped fails
            # its statement, the transaction rolls back, and the pool recycles it.
            kwargs.update(pool_recycle=1800, connect_args={"connect_timeout": 10})
        else:
            kwargs.update(connect_args={"timeout": 30})
        self.engine: Engine = create_engine(self.url, **kwargs)
        if self.dialect == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
            # The driver's own transaction handling is replaced by BEGIN IMMEDIATE.
            event.listen(self.engine, "connect", lambda c, _r: setattr(c, "isolation_level", None))
            event.listen(self.engine, "begin", _sqlite_begin)
        if check_schema:
            self.check_schema()

    def __repr__(self) -> str:
        return f"Database({self.url.render_as_string(hide_password=True)!r})"

    def describe(self) -> str:
        """The URL without its password, for messages."""
        return self.url.render_as_string(hide_password=True)

    # -- schema ----------------------------------------------------------------------------

    def _alembic(self) -> Any:
        # Alembic is imported only when the schema is checked or migrated: it is most of
        # the command line's start-up time.
        from alembic.config import Config  # noqa: PLC0415

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        return config

    def head(self) -> str:
        from alembic.script import ScriptDirectory  # noqa: PLC0415

        head = ScriptDirectory.from_config(self._alembic()).get_current_head()
        assert head is not None
        return head

    def current(self) -> str | None:
        from alembic.runtime.migration import MigrationContext  # noqa: PLC0415

        with self.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def check_schema(self) -> None:
        """Raise :class:`StorageError` unless the schema is at the head revision."""
        current, head = self.current(), self.head()
        if current == head:
            return
        if current is None:
            raise StorageError(
                f"the database {self.describe()} has no Confide schema; run `confide init` "
                "(or `confide db upgrade`)"
            )
        raise StorageError(
            f"the database schema is at revision {current} but this Confide needs {head}; "
            "back up the database, then run `confide db upgrade`"
        )

    def upgrade(self) -> tuple[str | None, str]:
        """Run every migration up to the head. Returns (before, after)."""
        from alembic import command  # noqa: PLC0415

        before = self.current()
        with self.engine.begin() as conn:
            config = self._alembic()
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
        return before, self.head()

    # -- connections -----------------------------------------------------------------------

    @contextlib.contextmanager
    def connect(self) -> Iterator[Connection]:
        """A connection; errors reaching the database become :class:`StorageError`."""
        try:
            with self.engine.connect() as conn:
                yield conn.execution_options(confide_read=True)
        except (OperationalError, DBAPIError) as exc:
            raise _storage_error(self, exc) from None

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One transaction: committed when the block ends, rolled back on any error."""
        try:
            with self.engine.begin() as conn:
                yield conn
        except (OperationalError, DBAPIError) as exc:
            raise _storage_error(self, exc) from None

    def dispose(self) -> None:
        self.engine.dispose()


def _storage_error(db: Database, exc: SQLAlchemyError) -> StorageError:
    text = str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc) else ""
    lowered = text.lower()
    if "disk" in lowered and ("full" in lowered or "space" in lowered):
        hint = "the disk is full; free space and try again"
    elif "readonly" in lowered or "read-only" in lowered:
        hint = "the database is read-only; check the data directory's permissions"
    elif "connect" in lowered or "connection" in lowered or "server" in lowered:
        hint = "the database cannot be reached; check that it is running and the URL is right"
    elif "locked" in lowered:
        hint = "the database is busy; try again"
    else:
        hint = "the action did not happen"
    kind = type(getattr(exc, "orig", None) or exc).__name__
    return StorageError(f"database {db.describe()}: {hint} ({kind})")
