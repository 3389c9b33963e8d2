"""Helpers shared by the command groups: loading a policy or a request with clear errors."""

from __future__ import annotations

import contextlib
import getpass
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from confide.errors import ConfideError, PolicyError, RequestError
from confide.policy import CompiledPolicy, load
from confide.runtime import Confide
from confide.storage import Settings

# No emoji: ``agreement:x: …`` in a message must print as typed, not as a cross.
out = Console(highlight=False, soft_wrap=True, emoji=False)
err = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)

#: A decision request is small; refuse anything larger before parsing it.
MAX_REQUEST_BYTES = 1 << 20


def fail(message: str, code: int = 1) -> NoReturn:
    # Messages carry what was typed (an id, a path): never read them as markup.
    err.print(f"[bold red]error:[/] {escape(message)}", markup=True)
    raise typer.Exit(code)


def operator(by: str | None = None) -> str:
    """Who a change is recorded as: ``--by`` when given, else ``cli:$USER``."""
    if by is not None:
        if not by.strip():
            fail("--by names who records this")
        return by.strip()
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def load_policy_or_exit(path: Path) -> CompiledPolicy:
    try:
        return load(path)
    except PolicyError as exc:
        err.print(f"[bold red]{path}: the policy does not load[/]")
        for problem in exc.problems:
            err.print(f"  {problem}", markup=False)
        raise typer.Exit(1) from None
    except ConfideError as exc:
        fail(str(exc))


def read_request(source: str) -> Any:
    """Read a JSON request from a file or ``-`` (stdin). Raises ConfideError on bad input."""
    try:
        if source == "-":
            raw = sys.stdin.buffer.read(MAX_REQUEST_BYTES + 1)
        else:
            with open(source, "rb") as handle:
                raw = handle.read(MAX_REQUEST_BYTES + 1)
    except OSError as exc:
        raise RequestError(f"cannot read the request {source}: {exc.strerror}") from None
    if len(raw) > MAX_REQUEST_BYTES:
        raise RequestError(f"the request is larger than {MAX_REQUEST_BYTES} bytes")
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RequestError(f"the request is not valid JSON: {exc}") from None


# -- options shared by every command that opens a deployment ------------------------------

HomeOption = Annotated[
    Path | None,
    typer.Option(
        "--home", help="The data directory (default: $CONFIDE_HOME or the user data dir)."
    ),
]
DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="sqlite:///PATH or postgresql://USER@HOST/DB (default: $CONFIDE_DATABASE_URL, "
        "else SQLite in the data directory).",
    ),
]


def settings_from(home: Path | None, database_url: str | None) -> Settings:
    return Settings.resolve(home=home, database_url=database_url)


@contextlib.contextmanager
def opened(home: Path | None, database_url: str | None) -> Iterator[Confide]:
    """Open the deployment; any ConfideError becomes a clear message and exit status 1."""
    try:
        confide = Confide.open(settings_from(home, database_url))
    except PolicyError as exc:
        err.print("[bold red]error:[/] the policy does not load", markup=True)
        for problem in exc.problems:
            err.print(f"  {problem}", markup=False)
        raise typer.Exit(1) from None
    except ConfideError as exc:
        fail(str(exc))
    try:
        yield confide
    except ConfideError as exc:
        fail(str(exc))
    finally:
        confide.close()
