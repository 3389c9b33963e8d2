"""Storage: settings, the database (SQLite or PostgreSQL), tables and Alembic migrations."""

from confide.storage.db import Database, normalise_url
from confide.storage.settings import Settings

__all__ = ["Database", "Settings", "normalise_url"]
