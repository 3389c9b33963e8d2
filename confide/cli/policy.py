"""``confide policy``: check, explain and start a policy."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from confide.cli.common import err, fail, load_policy_or_exit, out, read_request
from confide.errors import RequestError
from confide.policy import baseline_path, explain

app = typer.Typer(help="Check, explain and start policies.", no_args_is_help=True)


@app.command("check")
def check(path: Annotated[Path, typer.Argument(help="The policy file to check.")]) -> None:
    """Validate, verify the invariants and compile a policy. Exit 0 if it loads, 1 if not."""
    engine = load_policy_or_exit(path)
    policy = engine.policy
    rules = sum(1 for g in policy.grants if g.kind == "rule")
    agreements = len(policy.grants) - rules
    out.print(f"[green]ok[/] {path}: {policy.name}")
    out.print(
        f"  {len(policy.organisations)} organisations, {rules} rules, {agreements} agreements, "
        f"{len(engine.table)} table cells"
    )
    out.print("  invariants I1-I4, I7 and I10 hold for every request")
    out.print(f"  policy {engine.hash}")


@app.command("explain")
def explain_command(
    request: Annotated[str, typer.Argument(help="A JSON request file, or - for standard input.")],
    policy: Annotated[Path, typer.Option("--policy", help="The policy file to decide under.")],
) -> None:
    """Decide one request and explain the answer for a person: rules matched, invariants."""
    engine = load_policy_or_exit(policy)
    try:
        data = read_request(request)
    except RequestError as exc:
        err.print(f"note: {exc}", markup=False)
        data = {}
    result = explain(engine, data)
    d = result.decision
    colour = "green" if d.permitted else "red"
    out.print(f"Decision: [bold {colour}]{d.decision.upper()}[/]")
    if result.request is not None:
        r = result.request
        out.print(
            f"Request: {r.requester_org} ({r.role}) wants to {r.action} "
            f"{', '.join(r.fields)} held by {r.holder}, for {r.purpose}",
            markup=False,
        )
    out.print(f"Released: {', '.join(d.fields) or 'nothing'}", markup=False)
    if result.withheld:
        out.print(f"Withheld: {', '.join(result.withheld)}", markup=False)
    out.print("Why:")
    for reason in d.reasons:
        out.print(f"  - {reason}", markup=False)
    if result.matched:
        table = Table(title="Rules that matched this request", title_justify="left")
        for column in ("rule", "effect", "line", "covers", "what it says"):
            table.add_column(column)
        for m in result.matched:
            table.add_row(m.id, m.effect, str(m.line or ""), ", ".join(m.categories), m.description)
        out.print(table)
    else:
        out.print("No rule in the policy matched this request.")
    for number, text in result.invariants:
        out.print(f"Invariant {number}: {text}", markup=False)
    out.print(f"Policy: {d.policy}", markup=False)


@app.command("init")
def init(directory: Annotated[Path, typer.Argument(help="Where to write policy.yaml.")]) -> None:
    """Write the baseline policy (a synthetic city) to DIR/policy.yaml to start from."""
    target = directory / "policy.yaml"
    if target.exists():
        fail(f"{target} already exists; move it away or choose another directory")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(baseline_path(), target)
    except OSError as exc:
        fail(f"cannot write {target}: {exc.strerror}")
    out.print(f"wrote {target}; edit it, then run: confide policy check {target}", markup=False)
