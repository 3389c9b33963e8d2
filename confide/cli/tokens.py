"""``confide tokens``: issue, list and revoke organisations' API tokens (the operator's way
to the first admin token)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.table import Column, Table

from confide.cli.common import DatabaseOption, HomeOption, err, fail, opened, operator, out
from confide.service import tokens as service

app = typer.Typer(help="API tokens for organisations: issue, list, revoke.", no_args_is_help=True)


@app.command("issue")
def issue(
    org: Annotated[str, typer.Option("--org", help="The organisation (an id in the policy).")],
    purpose: Annotated[
        list[str], typer.Option("--purpose", help="A purpose the token may use; repeat.")
    ],
    role: Annotated[list[str], typer.Option("--role", help="A role the caller acts in; repeat.")],
    label: Annotated[str, typer.Option("--label", help="What the token is for.")],
    expires_days: Annotated[
        int, typer.Option("--expires-days", help="Days until it expires (at most 366).")
    ] = 90,
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Issue a token and print it once. Only its hash is stored: copy it now."""
    if expires_days < 1:
        fail("--expires-days must be at least 1")
    with opened(home, database_url) as confide:
        try:
            token, info = service.issue(
                confide.db,
                confide.policy,
                org,
                label,
                purpose,
                role,
                dt.timedelta(days=expires_days),
                operator(),
                log=confide.log,
            )
        except service.TokenError as exc:
            fail(str(exc))
    err.print(
        f"token {info.id} for {info.org} (roles {', '.join(info.roles)}; purposes "
        f"{', '.join(info.purposes)}), expires {info.expires_at:%Y-%m-%d}. "
        "It is shown once; store it in your secret store.",
        markup=False,
    )
    typer.echo(token)


@app.command("list")
def list_(
    org: Annotated[str | None, typer.Option("--org", help="Only this organisation's.")] = None,
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """List tokens (never their secrets)."""
    with opened(home, database_url) as confide:
        found = service.list_tokens(confide.db, org=org)
    table = Table("org", "label", "roles", "purposes", "expires", "status")
    # The id is what `revoke` takes: never shortened.
    table.columns.insert(0, Column("id", no_wrap=True, min_width=16))
    for info in found:
        table.add_row(
            info.id,
            info.org,
            info.label,
            ", ".join(info.roles),
            ", ".join(info.purposes),
            f"{info.expires_at:%Y-%m-%d}",
            info.status(),
        )
    out.print(table)


@app.command("revoke")
def revoke(
    token_id: Annotated[str, typer.Argument(help="The token's id (from `confide tokens list`).")],
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Revoke a token at once."""
    with opened(home, database_url) as confide:
        info = service.revoke(confide.db, token_id, operator(), log=confide.log)
    out.print(f"revoked token {info.id} of {info.org}", markup=False)
