"""``confide stats``: anonymised statistics releases (docs/statistics.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import select

from confide.cli.common import DatabaseOption, HomeOption, fail, opened, out
from confide.errors import ConfideError

__all__ = ["app"]

app = typer.Typer(
    help="Anonymised statistics: suppressed or differentially private counts.",
    no_args_is_help=True,
)


@app.command("release")
def release_command(
    spec_file: Annotated[Path, typer.Argument(help="The release spec (YAML).", metavar="SPEC")],
    out_dir: Annotated[Path, typer.Option("--out", help="The directory to write into.")],
    charts: Annotated[bool, typer.Option(help="Draw PNG and SVG charts too.")] = True,
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Count, protect and publish: release.json, a CSV with HXL hashtags per table, charts."""
    from confide.stats.output import write_release  # noqa: PLC0415 - numpy, scipy, OpenDP
    from confide.stats.release import release  # noqa: PLC0415
    from confide.stats.spec import load_spec  # noqa: PLC0415

    with opened(home, database_url) as confide:
        try:
            spec = load_spec(spec_file, confide.policy)
            made = release(confide, spec)
            written = write_release(made, out_dir, charts=charts)
        except ConfideError as exc:
            fail(str(exc))
        except OSError as exc:
            fail(f"cannot write the release into {out_dir}: {exc.strerror}")
    p = spec.protection
    how = (
        f"small cells under {p.k} suppressed, with complements"
        if p.method == "suppression"
        else f"differential privacy, ε = {p.epsilon:g} (dataset {spec.dataset}: "
        f"{made.spent:g} of {made.budget:g} spent)"
    )
    out.print(f"release {spec.release}: {len(made.tables)} table(s), {how}", markup=False)
    for table in made.tables:
        note = f", {table.suppressed} value(s) suppressed" if p.method == "suppression" else ""
        out.print(f"  {table.name}: total {table.grand_total}{note}", markup=False)
    out.print(
        f"wrote {len(written)} files into {out_dir} (output {made.output_hash})", markup=False
    )


@app.command("budget")
def budget_command(
    dataset: Annotated[str, typer.Argument(help="The dataset named in release specs.")],
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """How much of a dataset's ε budget its differentially private releases have spent."""
    from confide.stats.tables import stats_budgets, stats_releases  # noqa: PLC0415

    with opened(home, database_url) as confide, confide.db.connect() as conn:
        row = conn.execute(select(stats_budgets).where(stats_budgets.c.dataset == dataset)).first()
        releases = conn.execute(
            select(stats_releases)
            .where(stats_releases.c.dataset == dataset)
            .order_by(stats_releases.c.created_at)
        ).all()
    if row is None and not releases:
        fail(f"no release of dataset {dataset!r} yet")
    if row is not None:
        left = row.budget - row.spent
        out.print(
            f"dataset {dataset}: ε spent {row.spent:g} of {row.budget:g} ({left:g} left)",
            markup=False,
        )
    for r in releases:
        what = f"k = {r.k}" if r.method == "suppression" else f"ε = {r.epsilon:g}"
        out.print(f"  {r.release}: {r.method}, {what}, {r.created_at:%Y-%m-%d}", markup=False)
