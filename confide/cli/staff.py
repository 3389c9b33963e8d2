"""``confide staff``: staff accounts for the web pages (docs/staff.md).

The password is prompted for (or read from standard input), never taken as an argument, so
it stays out of shell history and process lists. The TOTP secret is printed once.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from confide.cli.common import DatabaseOption, HomeOption, fail, opened, out
from confide.service.staff import MAX_PASSWORD_CHARS, ROLES, StaffError, create_staff, list_staff

app = typer.Typer(help="Staff accounts (password + TOTP sign-in).", no_args_is_help=True)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline(MAX_PASSWORD_CHARS + 2)
        return line.rstrip("\r\n")
    value: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return value


@app.command("add")
def add(
    org: Annotated[str, typer.Option("--org", help="The organisation (a policy id).")],
    username: Annotated[str, typer.Option("--username", help="The sign-in name.")],
    role: Annotated[str, typer.Option("--role", help="admin, staff or dpo.")],
    work_role: Annotated[
        str, typer.Option("--work-role", help="Taxonomy role for decisions: clinician, teacher …")
    ],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Create a staff account; print its TOTP secret and otpauth URI once."""
    if role not in ROLES:
        fail(f"--role must be one of {', '.join(ROLES)}")
    password = _password(password_stdin)
    with opened(home, database_url) as confide:
        try:
            created = create_staff(confide, org, username, password, role, work_role)
        except StaffError as exc:
            fail(str(exc))
    out.print(f"created staff account {created.staff_id} ({role}, {work_role}) at {org}")
    out.print("Add this to the person's authenticator app now; it is not shown again:")
    out.print(f"  TOTP secret: {created.totp_secret}", markup=False)
    out.print(f"  otpauth URI: {created.totp_provisioning_uri}", markup=False)


@app.command("list")
def list_(
    org: Annotated[str | None, typer.Option("--org", help="Only this organisation.")] = None,
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """List staff accounts (no secrets)."""
    with opened(home, database_url) as confide:
        members = list_staff(confide, org)
    table = Table("id", "organisation", "username", "role", "work role", "created", "status")
    for m in members:
        table.add_row(
            m.id,
            m.org,
            m.username,
            m.role,
            m.work_role,
            m.created_at.strftime("%Y-%m-%d"),
            "disabled" if m.disabled_at else "active",
        )
    out.print(table)
