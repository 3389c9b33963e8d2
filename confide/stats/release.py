"""Making a statistics release: count, protect, record, publish.

``release(confide, spec)`` reads the spec's records or reports through the policy
(:mod:`confide.stats.extract`), counts them into the declared cells of each table, then
protects every table:

* ``suppression``: small cells (1 to k-1) and their margins are suppressed, with complements
  until no hidden value can be narrowed below k from what is published
  (:mod:`confide.stats.suppression`, audited by linear programming);
* ``dp``: each table's cells get discrete Laplace noise from OpenDP over the fixed keys
  (:mod:`confide.stats.dp`), ε split equally between the tables; margins are sums of the
  published cells (post-processing costs no privacy). The dataset's budget is checked and
  charged in the same transaction as the ``stats.released`` log entry, so it can never be
  exceeded, even by two releases at once.

The true counts never leave this module; :class:`Release` holds only what is published.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
from sqlalchemy import select, update

from confide.errors import ConfideError
from confide.runtime import Confide
from confide.stats.dp import ContributionBound, expected_absolute_error, noisy_counts
from confide.stats.extract import Row, extract
from confide.stats.spec import ReleaseSpec, TableSpec
from confide.stats.suppression import suppress
from confide.stats.tables import stats_budgets, stats_releases
from confide.transparency.store import lock_head

__all__ = ["FORMAT", "BudgetExceeded", "PublishedCounts", "Release", "count", "release"]

FORMAT: Final = "confide-stats-release/1"
_SEP: Final = "\x1f"


class BudgetExceeded(ConfideError):
    """The release would spend more of the dataset's ε budget than is left."""


@dataclass(frozen=True, slots=True)
class PublishedCounts:
    """One table as published: ``None`` where a value is suppressed."""

    name: str
    title: str
    rows: str
    columns: str | None
    row_keys: tuple[str, ...]
    column_keys: tuple[str, ...]
    cells: tuple[tuple[int | None, ...], ...]
    row_totals: tuple[int | None, ...]
    column_totals: tuple[int | None, ...]
    grand_total: int | None
    suppressed: int = 0
    expected_error: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "rows": self.rows,
            "columns": self.columns,
            "row_keys": list(self.row_keys),
            "column_keys": list(self.column_keys),
            "cells": [list(r) for r in self.cells],
            "row_totals": list(self.row_totals),
            "column_totals": list(self.column_totals),
            "grand_total": self.grand_total,
            "suppressed": self.suppressed,
            "expected_absolute_error": self.expected_error,
        }


@dataclass(frozen=True)
class Release:
    spec: ReleaseSpec
    tables: tuple[PublishedCounts, ...]
    created_at: dt.datetime
    policy: str
    records: int
    epsilon: float | None = None
    spent: float | None = None
    budget: float | None = None
    output_hash: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        p = self.spec.protection
        protection: dict[str, Any] = {"method": p.method}
        if p.method == "suppression":
            protection["k"] = p.k
        else:
            protection.update(
                epsilon=self.epsilon,
                epsilon_per_table=(self.epsilon or 0) / len(self.tables),
                dataset_spent=self.spent,
                dataset_budget=self.budget,
                contributions_per_person=p.contributions,
                mechanism="discrete Laplace (OpenDP), fixed keys",
            )
        return {
            "format": FORMAT,
            "release": self.spec.release,
            "title": self.spec.title,
            "dataset": self.spec.dataset,
            "source": self.spec.source,
            "services": list(self.spec.services),
            "period": {
                "from": self.spec.period.start.isoformat(),
                "to": self.spec.period.end.isoformat(),
                "by": self.spec.period.by,
            },
            "protection": protection,
            "created_at": self.created_at.isoformat(),
            "policy": self.policy,
            "spec": self.spec.hash,
            "tables": [t.to_json() for t in self.tables],
        }


def _keys_of(table: TableSpec, keys: dict[str, tuple[str, ...]]) -> tuple[tuple[str, ...], ...]:
    return keys[table.rows], keys[table.columns] if table.columns else ("",)


class _Counter:
    """One table's true counts, filled one row at a time (a release never holds its rows)."""

    def __init__(
        self, table: TableSpec, keys: dict[str, tuple[str, ...]], contributions: int | None
    ) -> None:
        self.table = table
        rows, cols = _keys_of(table, keys)
        self.row_index = {k: i for i, k in enumerate(rows)}
        self.col_index = {k: j for j, k in enumerate(cols)}
        self.counts = np.zeros((len(rows), len(cols)), dtype=np.int64)
        self.bound = ContributionBound(contributions) if contributions else None

    def add(self, row: Row) -> None:
        i = self.row_index.get(row.values[self.table.rows])
        column = self.table.columns
        j = self.col_index.get(row.values[column]) if column else 0
        if i is None or j is None:
            return
        if self.bound is not None and not self.bound.keep(row.person):
            return
        self.counts[i, j] += 1


def count(
    table: TableSpec, rows: Iterable[Row], keys: dict[str, tuple[str, ...]]
) -> np.ndarray[Any, np.dtype[np.int64]]:
    """The true counts of ``table`` over its declared keys (rows × columns)."""
    counter = _Counter(table, keys, None)
    for row in rows:
        counter.add(row)
    return counter.counts


def _suppressed(
    table: TableSpec, counts: np.ndarray[Any, Any], keys: dict[str, tuple[str, ...]], k: int
) -> PublishedCounts:
    """``counts`` with small cells and their complements suppressed (see the module)."""
    done = suppress(counts, k)
    view = done.published()
    return PublishedCounts(
        name=table.name,
        title=table.title or table.name,
        rows=table.rows,
        columns=table.columns,
        row_keys=keys[table.rows],
        column_keys=keys[table.columns] if table.columns else (),
        cells=view.cells,
        row_totals=view.row_totals,
        column_totals=view.column_totals,
        grand_total=view.grand_total,
        suppressed=len(done.suppressed),
    )


def _noisy(
    table: TableSpec,
    counts: np.ndarray[Any, Any],
    keys: dict[str, tuple[str, ...]],
    epsilon: float,
    contributions: int,
) -> PublishedCounts:
    rows, cols = _keys_of(table, keys)
    noisy = noisy_counts(
        [int(c) for c in counts.ravel()], epsilon=epsilon, contributions=contributions
    )
    width = len(cols)
    # Clipping at zero and summing are post-processing: they cost no privacy.
    grid = [
        tuple(max(0, c) for c in noisy.counts[i * width : (i + 1) * width])
        for i in range(len(rows))
    ]
    return PublishedCounts(
        name=table.name,
        title=table.title or table.name,
        rows=table.rows,
        columns=table.columns,
        row_keys=rows,
        column_keys=keys[table.columns] if table.columns else (),
        cells=tuple(grid),
        row_totals=tuple(sum(r) for r in grid),
        column_totals=tuple(sum(r[j] for r in grid) for j in range(width)),
        grand_total=sum(sum(r) for r in grid),
        expected_error=expected_absolute_error(noisy.scale),
    )


def release(confide: Confide, spec: ReleaseSpec, *, now: dt.datetime | None = None) -> Release:
    """Make and record the release ``spec`` describes. Raises :class:`BudgetExceeded` (and
    records nothing) if a DP release would overspend its dataset's budget."""
    now = now or dt.datetime.now(dt.UTC)
    policy = confide.policy
    keys: dict[str, tuple[str, ...]] = {
        dim: spec.keys(dim, policy)
        for t in spec.tables
        for dim in (t.rows, t.columns)
        if dim is not None
    }
    p = spec.protection
    dp_release = p.method == "dp"
    counters = [_Counter(t, keys, p.contributions if dp_release else None) for t in spec.tables]
    seen = 0
    for row in extract(confide, spec):
        seen += 1
        for counter in counters:
            counter.add(row)
    if not dp_release:
        published = tuple(_suppressed(c.table, c.counts, keys, p.k) for c in counters)
    else:
        assert p.epsilon is not None
        share = p.epsilon / len(spec.tables)
        published = tuple(_noisy(c.table, c.counts, keys, share, p.contributions) for c in counters)
    draft = Release(spec, published, now, policy.hash, seen, epsilon=p.epsilon)
    body = json.dumps(draft.to_json(), sort_keys=True, separators=(",", ":"))
    digest = "sha256:" + hashlib.sha256(body.encode("utf-8")).hexdigest()
    spent, budget = _record(confide, spec, digest, now)
    return Release(
        spec,
        published,
        now,
        policy.hash,
        seen,
        epsilon=p.epsilon,
        spent=spent,
        budget=budget,
        output_hash=digest,
    )


def _record(
    confide: Confide, spec: ReleaseSpec, digest: str, now: dt.datetime
) -> tuple[float | None, float | None]:
    p = spec.protection
    spent: float | None = None
    with confide.db.transaction() as conn:
        lock_head(conn)  # one writer at a time: two releases cannot both fit a last ε
        if conn.execute(
            select(stats_releases.c.release).where(stats_releases.c.release == spec.release)
        ).first():
            raise ConfideError(
                f"a release named {spec.release!r} was already made; give this one a new name"
            )
        if p.method == "dp":
            assert p.epsilon is not None
            assert p.budget is not None
            row = conn.execute(
                select(stats_budgets).where(stats_budgets.c.dataset == spec.dataset)
            ).first()
            if row is None:
                conn.execute(
                    stats_budgets.insert().values(dataset=spec.dataset, budget=p.budget, spent=0.0)
                )
                budget, already = p.budget, 0.0
            else:
                budget, already = float(row.budget), float(row.spent)
                if abs(budget - p.budget) > 1e-12:
                    raise BudgetExceeded(
                        f"dataset {spec.dataset!r} has a fixed budget of ε = {budget:g}; the "
                        f"spec says {p.budget:g}"
                    )
            if already + p.epsilon > budget + 1e-12:
                raise BudgetExceeded(
                    f"dataset {spec.dataset!r} has spent ε = {already:g} of its {budget:g}; "
                    f"this release needs {p.epsilon:g}, and only {budget - already:g} is left"
                )
            spent = already + p.epsilon
            conn.execute(
                update(stats_budgets)
                .where(stats_budgets.c.dataset == spec.dataset)
                .values(spent=spent)
            )
        conn.execute(
            stats_releases.insert().values(
                release=spec.release,
                dataset=spec.dataset,
                method=p.method,
                k=p.k if p.method == "suppression" else None,
                epsilon=p.epsilon,
                spec_hash=spec.hash,
                output_hash=digest,
                created_at=now,
            )
        )
        entry: dict[str, Any] = {
            "kind": "stats.released",
            "release": spec.release,
            "dataset": spec.dataset,
            "services": list(spec.services),
            "method": p.method,
            "output": digest,
            "policy": confide.policy.hash,
        }
        if p.method == "suppression":
            entry["k"] = p.k
        else:
            entry.update(epsilon=f"{p.epsilon:g}", spent=f"{spent:g}", budget=f"{p.budget:g}")
        confide.log.append(conn, entry)
    return spent, (p.budget if p.method == "dp" else None)
