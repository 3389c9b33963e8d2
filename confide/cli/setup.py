"""``confide init`` and ``confide db upgrade``."""

from __future__ import annotations

import typer

from confide.cli.common import DatabaseOption, HomeOption, fail, out, settings_from
from confide.errors import ConfideError, PolicyError
from confide.runtime import init as init_deployment
from confide.storage import Database

db_app = typer.Typer(help="The database schema.", no_args_is_help=True)


def init(home: HomeOption = None, database_url: DatabaseOption = None) -> None:
    """Create the data directory, key file, log signing key, policy and database."""
    settings = settings_from(home, database_url)
    try:
        for line in init_deployment(settings):
            out.print(line, markup=False)
    except PolicyError as exc:
        fail(str(exc))
    except ConfideError as exc:
        fail(str(exc))
    out.print("ready: `confide vault put --help` to store a record", markup=False)


@db_app.command("upgrade")
def upgrade(home: HomeOption = None, database_url: DatabaseOption = None) -> None:
    """Run the database migrations up to this version of Confide. Back up first."""
    settings = settings_from(home, database_url)
    try:
        db = Database(settings.database_url, check_schema=False)
        before, after = db.upgrade()
        db.dispose()
    except ConfideError as exc:
        fail(str(exc))
    if before == after:
        out.print(f"the schema is already at {after}", markup=False)
    else:
        out.print(f"upgraded the schema from {before or 'empty'} to {after}", markup=False)
