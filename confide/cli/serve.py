"""``confide serve``: the HTTP API and the staff pages (uvicorn)."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from confide.cli.common import DatabaseOption, HomeOption, fail, settings_from
from confide.errors import ConfideError
from confide.runtime import Confide


def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option("--workers", help="Worker processes.")] = 1,
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Serve the API and the staff pages. Put a TLS reverse proxy in front (docs/deploy.md)."""
    import uvicorn  # noqa: PLC0415 - only this command needs the server

    settings = settings_from(home, database_url)
    # Open once here so a misconfiguration is a clear message, not a worker crash loop.
    try:
        Confide.open(settings).close()
    except ConfideError as exc:
        fail(str(exc))
    os.environ["CONFIDE_HOME"] = str(settings.home)
    os.environ["CONFIDE_DATABASE_URL"] = settings.database_url
    uvicorn.run(
        "confide.api.app:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        # Access logs are Confide's own (no IP addresses, no query strings): see api/logging.
        access_log=False,
        server_header=False,
        proxy_headers=False,
        timeout_keep_alive=5,
        limit_concurrency=512,
    )
