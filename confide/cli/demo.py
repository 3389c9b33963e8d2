"""``confide demo``: the demo deployment — the baseline policy deciding the acceptance
scenarios, demo staff and synthetic people — then the service on localhost."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from confide.cli.common import fail, load_policy_or_exit, out
from confide.demo.scenarios import SCENARIOS
from confide.errors import ConfideError
from confide.policy import CompiledPolicy, baseline_path
from confide.storage import Settings


def _scenario_table(engine: CompiledPolicy) -> int:
    table = Table(show_lines=True, expand=True, title="The acceptance scenarios, decided")
    table.add_column("#", no_wrap=True)
    table.add_column("scenario", ratio=3)
    table.add_column("decision", no_wrap=True)
    table.add_column("released", ratio=2)
    table.add_column("reasons", ratio=5)
    table.add_column("rules", ratio=2)
    failures = 0
    for scenario in SCENARIOS:
        d = engine.decide(scenario.request)
        as_promised = d.decision == scenario.expected and (
            d.decision == "deny" or d.fields == scenario.fields
        )
        failures += not as_promised
        colour = "green" if d.permitted else "red"
        verdict = f"[bold {colour}]{d.decision}[/]" + (
            "" if as_promised else " [bold]UNEXPECTED[/]"
        )
        table.add_row(
            scenario.number,
            scenario.title,
            verdict,
            ", ".join(d.fields) or "—",
            "\n".join(d.reasons),
            ", ".join(d.rules),
        )
    out.print(table)
    return failures


def demo(
    serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Start the service after setting up.")
    ] = True,
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port")] = 8000,
    home: Annotated[
        Path | None, typer.Option("--home", help="Data directory (default: ./var/demo).")
    ] = None,
) -> None:
    """Set up the demo deployment, show the scenarios and credentials, then serve it."""
    from confide.demo.service import (  # noqa: PLC0415
        default_home,
        demo_access_codes,
        demo_receipts,
        prepare,
    )

    if not out.is_terminal or out.width < 140:
        out.width = 160
    engine = load_policy_or_exit(baseline_path())
    out.print(f"[bold]Confide[/] — {engine.policy.name}")
    out.print(f"policy {engine.hash}\n", markup=False)
    failures = _scenario_table(engine)
    if failures:
        out.print(f"[bold red]{failures} scenario(s) did not decide as the firewall promises[/]")
        raise typer.Exit(1)
    out.print(f"[green]All {len(SCENARIOS)} scenarios decided as the firewall promises.[/]\n")

    # The demo always uses SQLite in its own directory, whatever CONFIDE_DATABASE_URL says.
    demo_home = home or default_home()
    settings = Settings.resolve(
        home=demo_home, database_url=f"sqlite:///{demo_home / 'confide.db'}"
    )
    try:
        accounts, records = prepare(settings)
    except ConfideError as exc:
        fail(str(exc))
    base = f"http://{host}:{port}"
    out.print(f"Demo data directory: {settings.home} (SQLite; all people in it are synthetic)",
              markup=False)  # fmt: skip
    creds = Table(title="Staff you can sign in as (demo only: synthetic accounts)")
    for column in ("organisation", "username", "password", "role", "TOTP secret"):
        creds.add_column(column)
    for a in accounts:
        creds.add_row(a.org, a.username, a.password, a.role, a.totp_secret)
    if accounts:
        out.print(creds)
    out.print(
        "Second factor: add the TOTP secret to an authenticator app, or run "
        "`python -c \"import pyotp; print(pyotp.TOTP('SECRET').now())\"`.",
        markup=False,
    )
    out.print("Synthetic records: " + ", ".join(f"{s} → {r}" for s, r in records.items()),
              markup=False)  # fmt: skip
    for where, receipt in demo_receipts(settings).items():
        out.print(f"Synthetic report to {where}: receipt {receipt}", markup=False)
    for subject, code in demo_access_codes(settings).items():
        out.print(
            f"Synthetic person {subject}: access code {code} (her consents: {base}/my)",
            markup=False,
        )
    out.print(f"\nReport safely:      {base}/report", markup=False)
    out.print(f"Know your rights:   {base}/notices", markup=False)
    out.print(f"Staff pages:        {base}/staff/sign-in", markup=False)
    out.print(f"API (OpenAPI):      {base}/openapi.json", markup=False)
    out.print(f"Transparency log:   {base}/v1/log/checkpoint", markup=False)
    out.print(f"Health:             {base}/readyz", markup=False)
    if not serve:
        return
    from confide.cli.serve import serve as run_server  # noqa: PLC0415

    out.print("\nServing; stop with Ctrl-C.", markup=False)
    run_server(
        host=host, port=port, workers=1, home=settings.home, database_url=settings.database_url
    )
