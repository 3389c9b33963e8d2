"""What ``confide consent``, ``confide referral`` and ``confide agreement`` share.

Staff act for the organisation named by ``--org``. The library shows a consent or a
referral only to a party to it and answers "not found" to anyone else, exactly as for one
that does not exist, so a wrong ``--org`` never confirms that something is there.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Column, Table

from confide.cli.common import err, fail, opened, out
from confide.errors import ConfideError, PolicyError, PolicyProblem
from confide.runtime import Confide
from confide.taxonomy import Taxonomy

OrgOption = Annotated[str, typer.Option("--org", help="The organisation acting (a policy id).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead.")]
ByOption = Annotated[
    str | None, typer.Option("--by", help="Who records this (default: cli:$USER).")
]


def fail_problems(head: str, problems: Sequence[PolicyProblem]) -> NoReturn:
    """``head`` as the error, then each problem on its own line; exit status 1."""
    err.print(f"[bold red]error:[/] {escape(head)}", markup=True, emoji=False)
    for problem in problems:
        err.print(f"  {problem}", markup=False, emoji=False)
    raise typer.Exit(1)


@contextlib.contextmanager
def deployment(home: Path | None, database_url: str | None) -> Iterator[Confide]:
    """:func:`opened`, with policy problems one per line and messages never taken as markup."""
    with opened(home, database_url) as confide:
        try:
            yield confide
        except PolicyError as exc:
            fail_problems("the policy refuses this", exc.problems)
        except ConfideError as exc:
            fail(str(exc))


def known_org(confide: Confide, org: str) -> str:
    """``org``, once it is an organisation in the policy."""
    if org not in confide.policy.policy.organisations:
        fail(f"organisation {org!r} is not in the policy")
    return org


def known_state(value: str | None, states: Sequence[str]) -> str | None:
    """``--state``, once it is one of ``states`` (or not given)."""
    if value is not None and value not in states:
        fail(f"--state is one of {', '.join(states)}, not {value!r}")
    return value


def say(text: str) -> None:
    out.print(text, markup=False, emoji=False)


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


def fields(pairs: Sequence[tuple[str, object]]) -> None:
    """One ``name  value`` line per pair, the values aligned."""
    width = max(len(name) for name, _ in pairs)
    for name, value in pairs:
        say(f"{name:<{width}}  {value}")


def when(moment: dt.datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment is not None else "-"


def brief(tax: Taxonomy, leaves: Sequence[str]) -> str:
    """Leaf categories, a whole top-level group (``identity``) named once."""
    left = list(leaves)
    shown: list[str] = []
    for top in dict.fromkeys(leaf.split(".", 1)[0] for leaf in leaves):
        group = tax.leaves("category", top) if top in tax.categories else ()
        if group and set(group) <= set(left):
            shown.append(top)
            left = [c for c in left if c not in group]
    return ", ".join(shown + left)


def list_table() -> Table:
    """The consent and referral list: nothing cropped, however narrow the terminal."""
    return Table(
        # The id is what the other commands take: never shortened.
        Column("id", no_wrap=True, min_width=36),
        *(Column(c, overflow="fold", min_width=6) for c in ("from", "to", "purpose", "categories")),
        Column("state", no_wrap=True),
        Column("expires", no_wrap=True),
    )


def print_table(table: Table) -> None:
    if out.is_terminal:
        out.print(table)
        return
    # Piped, rich assumes 80 columns and would fold every name: print at the table's width.
    width = out.measure(table, options=out.options.update_width(1000)).maximum
    Console(file=out.file, width=width, highlight=False).print(table)
