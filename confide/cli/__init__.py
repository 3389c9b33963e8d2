"""The ``confide`` command line (typer + rich). One module per command group."""

from __future__ import annotations

import typer

from confide.cli import decide as _decide
from confide.cli import demo as _demo
from confide.cli import policy as _policy

app = typer.Typer(
    name="confide",
    help="Confide: a data firewall between essential services and immigration enforcement.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(_policy.app, name="policy")
app.command("decide")(_decide.decide)
app.command("demo")(_demo.demo)


def main() -> None:
    app()
