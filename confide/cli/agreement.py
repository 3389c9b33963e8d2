"""``confide agreement``: data-sharing agreements made at run time (docs/consent.md).

An agreement is proposed from a YAML file in the policy's shape, checked, and permits
nothing until it is activated, after every invariant is proved again with it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Column, Table

from confide.cli._consent_common import (
    ByOption,
    JsonOption,
    deployment,
    fail_problems,
    fields,
    known_org,
    known_state,
    print_json,
    print_table,
    say,
    when,
)
from confide.cli.common import DatabaseOption, HomeOption, fail, operator
from confide.consent.agreements import Agreements
from confide.consent.model import AGREEMENT_STATES, Agreement
from confide.errors import PolicyError
from confide.policy.source import parse_yaml

__all__ = ["app"]

app = typer.Typer(help="Data-sharing agreements made at run time.", no_args_is_help=True)

#: An agreement is a dozen lines of YAML; refuse anything larger before parsing it.
MAX_AGREEMENT_BYTES = 64 * 1024


def _read_agreement(source: Path) -> dict[str, Any]:
    try:
        with source.open("rb") as handle:
            raw = handle.read(MAX_AGREEMENT_BYTES + 1)
    except OSError as exc:
        fail(f"cannot read {source}: {exc.strerror}")
    if len(raw) > MAX_AGREEMENT_BYTES:
        fail(f"{source} is larger than {MAX_AGREEMENT_BYTES} bytes; is it an agreement?")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        fail(f"{source} is not UTF-8 text")
    try:
        located = parse_yaml(text, str(source))
    except PolicyError as exc:
        fail_problems(f"{source} does not read as an agreement", exc.problems)
    if located.problems:
        fail_problems(f"{source} does not read as an agreement", located.problems)
    if not isinstance(located.data, dict):
        fail(
            f"{source}: an agreement is a YAML mapping with id, from, to, purposes, "
            "categories, owner, expires and review (docs/consent.md)"
        )
    return located.data


def _show_agreement(agreement: Agreement) -> None:
    summary = agreement.summary()
    review = agreement.review.isoformat() + (" (due)" if summary["review_due"] else "")
    rows: list[tuple[str, object]] = [
        ("agreement", agreement.id),
        ("state", summary["state"]),
        ("from", agreement.source),
        ("to", agreement.recipient),
        ("purposes", ", ".join(agreement.purposes)),
        ("categories", ", ".join(agreement.categories)),
        ("roles", ", ".join(agreement.roles) if agreement.roles is not None else "any"),
        ("when", agreement.condition or "always"),
        ("owner", agreement.owner),
        ("expires", agreement.expires.isoformat()),
        ("review", review),
        ("proposed", f"{when(agreement.proposed_at)} by {agreement.proposed_by}"),
    ]
    if agreement.activated_at is not None:
        rows.append(("activated", f"{when(agreement.activated_at)} by {agreement.activated_by}"))
    if agreement.retired_at is not None:
        rows.append(("retired", f"{when(agreement.retired_at)} by {agreement.retired_by}"))
    if agreement.description:
        rows.append(("description", agreement.description))
    fields(rows)


@app.command("propose")
def propose(
    source: Annotated[Path, typer.Argument(help="A YAML file: one agreement, policy shape.")],
    as_json: JsonOption = False,
    by: ByOption = None,
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Record a proposed agreement. It permits nothing until it is activated."""
    spec = _read_agreement(source)
    with deployment(home, database_url) as confide:
        agreement = Agreements(confide).propose(spec, proposed_by=operator(by))
    if as_json:
        print_json(agreement.summary())
        return
    _show_agreement(agreement)
    say(f"Next: `confide agreement check {agreement.id}`, then `activate` it.")


@app.command("list")
def list_agreements(
    org: Annotated[str | None, typer.Option("--org", help="Only where it is a party.")] = None,
    state: Annotated[
        str | None, typer.Option("--state", help=f"Only: {', '.join(AGREEMENT_STATES)}.")
    ] = None,
    as_json: JsonOption = False,
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Agreements made at run time, newest first (the policy file's are in the policy)."""
    with deployment(home, database_url) as confide:
        if org is not None:
            known_org(confide, org)
        found = Agreements(confide).list(org=org, state=known_state(state, AGREEMENT_STATES))
    summaries = [a.summary() for a in found]
    if as_json:
        print_json(summaries)
        return
    widest = max((len(s["id"]) for s in summaries), default=2)
    names = ("from", "to", "purposes", "categories")
    table = Table(
        Column("id", no_wrap=True, min_width=widest),
        *(Column(c, overflow="fold", min_width=6) for c in names),
        *(Column(name, no_wrap=True) for name in ("when", "state", "expires")),
    )
    for s in summaries:
        table.add_row(
            s["id"],
            s["from"],
            s["to"],
            ", ".join(s["purposes"]),
            ", ".join(s["categories"]),
            s["when"] or "always",
            s["state"] + (" (review due)" if s["review_due"] else ""),
            s["expires"],
        )
    print_table(table)


@app.command("show")
def show_agreement(
    agreement_id: Annotated[str, typer.Argument(help="The agreement's id.")],
    as_json: JsonOption = False,
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """One agreement."""
    with deployment(home, database_url) as confide:
        agreement = Agreements(confide).get(agreement_id)
    if as_json:
        print_json(agreement.summary())
    else:
        _show_agreement(agreement)


@app.command("check")
def check(
    agreement_id: Annotated[str, typer.Argument(help="The agreement's id.")],
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """What activating it would break, with the agreements already active. Exit 1 if any."""
    with deployment(home, database_url) as confide:
        registry = Agreements(confide)
        problems = registry.check(agreement_id)
        state = registry.get(agreement_id).state
    if problems:
        fail_problems(f"agreement {agreement_id} cannot be activated", problems)
    if state == "proposed":
        say(f"agreement {agreement_id} can be activated: the invariants hold with it")
    else:
        say(f"agreement {agreement_id} is {state}; the invariants hold with it")


@app.command("activate")
def activate(
    agreement_id: Annotated[str, typer.Argument(help="The agreement's id.")],
    by: ByOption = None,
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Make it permit, after re-proving every invariant; a refusal names rule and path."""
    with deployment(home, database_url) as confide:
        try:
            agreement = Agreements(confide).activate(agreement_id, by=operator(by))
        except PolicyError as exc:
            fail_problems(
                f"agreement {agreement_id} is refused; nothing changed (the refusal is logged)",
                exc.problems,
            )
        policy = confide.policy.hash
    say(f"agreement {agreement.id} is active; the policy in force is {policy}")


@app.command("retire")
def retire(
    agreement_id: Annotated[str, typer.Argument(help="The agreement's id.")],
    org: Annotated[str | None, typer.Option("--org", help="The party retiring it.")] = None,
    by: ByOption = None,
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """End an agreement: it permits nothing from now on."""
    with deployment(home, database_url) as confide:
        if org is not None:
            known_org(confide, org)
        agreement = Agreements(confide).retire(agreement_id, by=operator(by), org=org)
        policy = confide.policy.hash
    say(f"agreement {agreement.id} is retired; the policy in force is {policy}")
