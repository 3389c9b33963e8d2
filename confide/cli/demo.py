"""``confide demo``: the baseline policy deciding the acceptance scenarios, in a table."""

from __future__ import annotations

import typer
from rich.table import Table

from confide.cli.common import load_policy_or_exit, out
from confide.demo.scenarios import SCENARIOS
from confide.policy import baseline_path


def demo() -> None:
    """Replay the acceptance scenarios against the baseline policy and show each decision."""
    engine = load_policy_or_exit(baseline_path())
    if not out.is_terminal or out.width < 140:
        out.width = 160
    out.print(f"[bold]Confide[/] — {engine.policy.name}")
    out.print(f"policy {engine.hash}\n", markup=False)
    table = Table(show_lines=True, expand=True)
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
    if failures:
        out.print(f"[bold red]{failures} scenario(s) did not decide as the firewall promises[/]")
        raise typer.Exit(1)
    out.print(f"[green]All {len(SCENARIOS)} scenarios decided as the firewall promises.[/]")
