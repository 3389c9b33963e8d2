"""Helpers shared by the command groups: loading a policy or a request with clear errors."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, NoReturn

import typer
from rich.console import Console

from confide.errors import ConfideError, PolicyError, RequestError
from confide.policy import CompiledPolicy, load

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

#: A decision request is small; refuse anything larger before parsing it.
MAX_REQUEST_BYTES = 1 << 20


def fail(message: str, code: int = 1) -> NoReturn:
    err.print(f"[bold red]error:[/] {message}", markup=True)
    raise typer.Exit(code)


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
