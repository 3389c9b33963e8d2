"""Alembic environment: Confide passes its own connection; there is no alembic.ini."""

from __future__ import annotations

from alembic import context

from confide.storage.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - Confide always passes one
    raise RuntimeError("run migrations through `confide db upgrade`")
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
