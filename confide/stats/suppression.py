"""Small-cell suppression for published tables, with an audit that nothing hidden can be recovered.

A release table is a matrix of counts (rows x columns; a one-dimensional table is a single
column) published with its margins: a total for every row, every column and the whole table.
No published number may point at a person, so:

* **primary suppression** hides every cell and margin with a value from 1 to k - 1. Zeros are
  published: they count nobody.
* **secondary (complementary) suppression** hides more values until an attacker who knows every
  published number, that each margin is the sum of its cells and that no count is negative,
  still cannot narrow any hidden value to a range of width ``min_width`` (default k) or less.

The attacker's knowledge is a linear programme, and :func:`feasible_ranges` solves it (HiGHS,
at most one minimisation and one maximisation per hidden value, over one constraint matrix
whose variables are the hidden values). Its constraint matrix is the node-arc
incidence matrix of a circulation (grand total -> row totals -> cells -> column totals -> grand
total), so it is totally unimodular and the LP ranges are exactly the ranges over integer tables.
Each bound is still rounded inward to an integer, which can only make the attacker stronger.

Hiding one more value removes one fixed value from the attacker's programme, so every feasible
range can only widen. :func:`suppress` relies on this while it works: a value that passed once
stays safe, so only new or failing values are checked again; the final set of suppressions is
still audited as a whole before it is returned.

Values that are the same number by construction share one fate: the row totals of a
one-column table are its cells, the column totals of a one-row table are its cells, and the
grand total of such a table is its single column (or row) total.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal, NamedTuple

import numpy as np
import numpy.typing as npt
from scipy.optimize import linprog  # type: ignore[import-untyped]

from confide.errors import ConfideError

__all__ = [
    "FeasibleRange",
    "Mask",
    "Position",
    "PublishedTable",
    "SuppressedTable",
    "SuppressionError",
    "audit",
    "feasible_ranges",
    "suppress",
]

Counts = npt.NDArray[np.int64]
Flags = npt.NDArray[np.bool_]
PositionKind = Literal["cell", "row_total", "column_total", "grand_total"]

# HiGHS's feasibility tolerance is 1e-7; an LP bound within this of an integer is that integer.
_TOLERANCE = 1e-6


class SuppressionError(ConfideError):
    """A table would reveal a small count, or a hidden value could be narrowed too far.

    ``position`` names the offending cell or margin (``None`` if the check itself failed).
    Messages name positions and range widths, never a hidden value.
    """

    def __init__(self, message: str, position: Position | None = None) -> None:
        super().__init__(message)
        self.position = position


@dataclass(frozen=True, slots=True)
class Position:
    """A cell (``row``, ``column``) or a margin of a table; indices count from 0."""

    kind: PositionKind
    row: int | None = None
    column: int | None = None

    @classmethod
    def cell(cls, row: int, column: int) -> Position:
        return cls("cell", row, column)

    @classmethod
    def row_total(cls, row: int) -> Position:
        return cls("row_total", row=row)

    @classmethod
    def column_total(cls, column: int) -> Position:
        return cls("column_total", column=column)

    @classmethod
    def grand_total(cls) -> Position:
        return cls("grand_total")

    def __str__(self) -> str:
        if self.kind == "cell":
            return f"cell (row {self.row}, column {self.column})"
        if self.kind == "row_total":
            return f"row total (row {self.row})"
        if self.kind == "column_total":
            return f"column total (column {self.column})"
        return "grand total"


class FeasibleRange(NamedTuple):
    """What an attacker can learn of a hidden value: ``low <= value <= high``.

    Both bounds are whole numbers; ``high`` is ``math.inf`` when nothing published caps it.
    """

    low: float
    high: float

    @property
    def width(self) -> float:
        return self.high - self.low


@dataclass(frozen=True, slots=True, eq=False)
class Mask:
    """One flag per cell and per margin of a table (arrays are read-only)."""

    cells: Flags
    row_totals: Flags
    column_totals: Flags
    grand_total: bool

    def positions(self) -> Iterator[Position]:
        """The flagged positions: cells row by row, then row, column and grand totals."""
        for row, column in zip(*np.nonzero(self.cells), strict=True):
            yield Position.cell(int(row), int(column))
        for row in np.flatnonzero(self.row_totals):
            yield Position.row_total(int(row))
        for column in np.flatnonzero(self.column_totals):
            yield Position.column_total(int(column))
        if self.grand_total:
            yield Position.grand_total()

    def __len__(self) -> int:
        return int(self.cells.sum() + self.row_totals.sum() + self.column_totals.sum()) + int(
            self.grand_total
        )


@dataclass(frozen=True, slots=True)
class PublishedTable:
    """What may leave Confide: every value, or ``None`` where it is suppressed.

    For a one-column table ``row_totals`` repeat the cells (and are suppressed with them);
    a renderer shows them or not, it leaks nothing either way.
    """

    cells: tuple[tuple[int | None, ...], ...]
    row_totals: tuple[int | None, ...]
    column_totals: tuple[int | None, ...]
    grand_total: int | None


@dataclass(frozen=True, eq=False, repr=False)
class SuppressedTable:
    """A table of true counts and the values that must not be published.

    ``counts`` are the true counts and never leave Confide; :meth:`published` is the view that
    may. ``primary`` flags the values hidden because they are small (1 to k - 1), ``secondary``
    the complements hidden so that the primary ones cannot be worked out.
    """

    counts: Counts
    k: int
    min_width: int
    suppressed: Mask
    primary: Mask

    def __post_init__(self) -> None:
        counts = _as_counts(self.counts)
        counts.setflags(write=False)
        object.__setattr__(self, "counts", counts)
        rows, columns = counts.shape
        for name in ("suppressed", "primary"):
            mask: Mask = getattr(self, name)
            frozen = _freeze_mask(mask, rows, columns)
            object.__setattr__(self, name, frozen)

    @property
    def shape(self) -> tuple[int, int]:
        rows, columns = self.counts.shape
        return rows, columns

    @property
    def secondary(self) -> Mask:
        s, p = self.suppressed, self.primary
        return _freeze_mask(
            Mask(
                s.cells & ~p.cells,
                s.row_totals & ~p.row_totals,
                s.column_totals & ~p.column_totals,
                s.grand_total and not p.grand_total,
            ),
            *self.shape,
        )

    def published(self) -> PublishedTable:
        """The values that may be released, with ``None`` for every suppressed one."""
        counts, hidden = self.counts, self.suppressed

        def show(values: Counts, flags: Flags) -> tuple[int | None, ...]:
            return tuple(None if f else int(v) for v, f in zip(values, flags, strict=True))

        return PublishedTable(
            cells=tuple(show(counts[i], hidden.cells[i]) for i in range(counts.shape[0])),
            row_totals=show(counts.sum(axis=1), hidden.row_totals),
            column_totals=show(counts.sum(axis=0), hidden.column_totals),
            grand_total=None if hidden.grand_total else int(counts.sum()),
        )

    def __repr__(self) -> str:
        # The true counts stay out of repr: a repr ends up in logs and tracebacks.
        rows, columns = self.shape
        return (
            f"SuppressedTable(shape=({rows}, {columns}), k={self.k}, min_width={self.min_width},"
            f" suppressed={len(self.suppressed)}, primary={len(self.primary)})"
        )


def suppress(
    counts: npt.NDArray[np.integer], k: int = 5, *, min_width: int | None = None
) -> SuppressedTable:
    """Suppress the small values of ``counts`` and enough complements to protect them.

    Every cell and margin from 1 to ``k - 1`` is hidden; then complements are hidden until every
    hidden value's feasible range (:func:`feasible_ranges`) is wider than ``min_width`` (default
    ``k``). Deterministic, and it always ends: in the worst case every non-zero value is hidden.
    """
    table = _as_counts(counts)
    width = _check_threshold(k, min_width)
    layout = _layout(*table.shape)
    values = _values(table)
    group_values = values[layout.representative]
    hidden = (group_values >= 1) & (group_values < k)
    primary = hidden.copy()
    planner = _Planner(layout, group_values, width)

    pending = set(np.flatnonzero(hidden).tolist())
    while True:
        pending.update(planner.close_lines(hidden))
        attacker = _Attacker(layout, values, hidden[layout.group])
        failing = _narrowed(attacker, layout, sorted(pending), width)
        if not failing:
            # Values that passed before can only have widened; check them all the same, so
            # that what is returned has passed the audit as a whole.
            settled = sorted(set(np.flatnonzero(hidden).tolist()) - pending)
            failing = _narrowed(attacker, layout, settled, width)
            if not failing:
                break
        pending = {group for group, _ in failing}
        touched: set[int] = set()
        for group, got in failing:
            if touched & planner.neighbours(group):
                continue  # a complement next to it was just hidden; check it again first
            added = planner.complement(hidden, group, deficit=width + 1 - got)
            if added is None:  # pragma: no cover - everything non-zero is hidden: then safe
                raise SuppressionError("no complement left to hide", _position(layout, group))
            touched.add(added)
            pending.add(added)

    return SuppressedTable(
        counts=table,
        k=k,
        min_width=width,
        suppressed=_mask(layout, hidden[layout.group]),
        primary=_mask(layout, primary[layout.group]),
    )


def _narrowed(
    attacker: _Attacker, layout: _Layout, groups: list[int], width: int
) -> list[tuple[int, float]]:
    failing: list[tuple[int, float]] = []
    for group in groups:
        got = attacker.narrowed(int(layout.representative[group]), width)
        if got is not None:
            failing.append((group, got))
    return failing


def feasible_ranges(table: SuppressedTable) -> dict[Position, FeasibleRange]:
    """For every suppressed cell and margin, the range an attacker can narrow it to.

    The attacker knows the published values, that margins are sums of cells and that counts
    are not negative; a suppressed margin is unknown and unbounded unless other sums bound it.
    """
    layout = _layout(*table.shape)
    hidden = _flat(table.suppressed)
    attacker = _Attacker(layout, _values(table.counts), hidden)
    by_group: dict[int, FeasibleRange] = {}
    ranges: dict[Position, FeasibleRange] = {}
    for index in np.flatnonzero(hidden).tolist():
        group = int(layout.group[index])  # values equal by construction share one range
        if group not in by_group:
            by_group[group] = attacker.range(index)
        ranges[_position(layout, index)] = by_group[group]
    return ranges


def audit(table: SuppressedTable, k: int, *, min_width: int | None = None) -> None:
    """Check that ``table`` may be published under threshold ``k``; raise if it may not.

    Raises :class:`SuppressionError` naming the first position (cells row by row, then
    margins) that is published although it is from 1 to ``k - 1``, or whose feasible range
    is ``min_width`` (default ``k``) wide or narrower.
    """
    width = _check_threshold(k, min_width)
    layout = _layout(*table.shape)
    values = _values(table.counts)
    hidden = _flat(table.suppressed)
    exposed = (values >= 1) & (values < k) & ~hidden
    if exposed.any():
        where = _position(layout, int(np.flatnonzero(exposed)[0]))
        raise SuppressionError(
            f"{where} is below the threshold k={k} but is published; suppress it", where
        )
    attacker = _Attacker(layout, values, hidden)
    for index in np.flatnonzero(hidden).tolist():
        got = attacker.narrowed(index, width)
        if got is not None:
            where = _position(layout, index)
            raise SuppressionError(
                f"{where} can be narrowed to a range of width {got:g} from the published values;"
                f" it must be wider than {width}: suppress more complements (see suppress())",
                where,
            )


# -- the attacker ---------------------------------------------------------------------------


class _Attacker:
    """The attacker's linear programme over the hidden values, built once per set of them.

    Published values move to the right-hand side, so the variables are the hidden values
    only and every solve shares one constraint matrix; only the objective changes.

    Every solution is a table the attacker cannot rule out, and so is the true one: the
    smallest and largest value of each variable seen in them bound its range from inside.
    When those alone are at least width + 1 apart, the audit needs no programme of its own.
    """

    def __init__(self, layout: _Layout, values: Counts, hidden: Flags) -> None:
        self.layout = layout
        self.column = {int(p): i for i, p in enumerate(np.flatnonzero(hidden))}
        a = layout.matrix[:, hidden]
        b = -(layout.matrix[:, ~hidden] @ values[~hidden].astype(np.float64))
        used = np.any(a != 0, axis=1)
        self.a_eq: npt.NDArray[np.float64] | None = a[used] if used.any() else None
        self.b_eq: npt.NDArray[np.float64] | None = b[used] if used.any() else None
        self.seen_low = values[hidden].astype(np.float64)
        self.seen_high = self.seen_low.copy()

    def _bound(self, index: int, sense: float) -> float:
        objective = np.zeros(len(self.column))
        objective[self.column[index]] = sense
        result = linprog(
            objective, A_eq=self.a_eq, b_eq=self.b_eq, bounds=(0, None), method="highs"
        )
        if result.status == 3:  # unbounded: only a maximisation can be
            return math.inf
        if result.status != 0:  # fail closed: an unsolved check is a failed check
            where = _position(self.layout, index)
            raise SuppressionError(
                f"the feasible range of {where} could not be computed ({result.message});"
                " do not publish this table",
                where,
            )
        np.minimum(self.seen_low, result.x, out=self.seen_low)
        np.maximum(self.seen_high, result.x, out=self.seen_high)
        bound = sense * float(result.fun)
        slack = _TOLERANCE * max(1.0, abs(bound))
        # Round inward: the integer range lies within; a narrower range is the safer estimate.
        return float(math.ceil(bound - slack) if sense > 0 else math.floor(bound + slack))

    def range(self, index: int) -> FeasibleRange:
        high = self._bound(index, -1.0)
        if self.seen_low[self.column[index]] <= _TOLERANCE:
            return FeasibleRange(0.0, high)  # a solution already sits on the floor of 0
        return FeasibleRange(self._bound(index, 1.0), high)

    def narrowed(self, index: int, width: int) -> float | None:
        """The width of ``index``'s range if it is ``width`` or less, else ``None``."""
        if self._certified(index, width):
            return None
        high = self._bound(index, -1.0)
        if high == math.inf or self._certified(index, width):
            return None
        got = high - self._bound(index, 1.0)
        return got if got <= width else None

    def _certified(self, index: int, width: int) -> bool:
        # Two tables the attacker cannot rule out differ here by at least width + 1 (up to
        # the solver's tolerance): the range is at least that wide, whatever its ends are.
        column = self.column[index]
        low, high = float(self.seen_low[column]), float(self.seen_high[column])
        return high - low >= width + 1 - _TOLERANCE * max(1.0, high)


# -- the heuristic ---------------------------------------------------------------------------


class _Planner:
    """Chooses complements, over groups of values that are equal by construction.

    The line rule is the classic one: in a sum whose total is published, the hidden parts
    are none, or at least two whose values add up to more than the width (each lies between
    0 and their sum, so no less would do). A hidden total needs a hidden part.
    """

    def __init__(self, layout: _Layout, values: Counts, width: int) -> None:
        self.layout = layout
        self.values = values
        self.width = width

    def neighbours(self, group: int) -> set[int]:
        out: set[int] = set()
        for r in self.layout.relations_of[group]:
            total, parts = self.layout.relations[r]
            out.add(total)
            out.update(parts)
        return out

    def close_lines(self, hidden: Flags) -> list[int]:
        """Hide complements until every sum satisfies the line rule; return what was hidden."""
        added: list[int] = []
        changed = True
        while changed:
            changed = False
            for r, (total, parts) in enumerate(self.layout.relations):
                while (choice := self._line_complement(hidden, r, total, parts)) is not None:
                    hidden[choice] = True
                    added.append(choice)
                    changed = True
        return added

    def _line_complement(
        self, hidden: Flags, relation: int, total: int, parts: tuple[int, ...]
    ) -> int | None:
        hidden_parts = [p for p in parts if hidden[p]]
        if hidden[total]:
            if hidden_parts or self.values[total] == 0:
                return None
            return self._best(hidden, parts, self.width + 1, relation)
        if not hidden_parts:
            return None
        covered = int(self.values[hidden_parts].sum())
        if len(hidden_parts) >= 2 and covered > self.width:
            return None
        choice = self._best(hidden, parts, self.width + 1 - covered, relation)
        return total if choice is None else choice

    def complement(self, hidden: Flags, group: int, deficit: float) -> int | None:
        """Hide one more value near ``group``, whose range is ``deficit`` too narrow."""
        seen = {group}
        layer = [group]
        while layer:
            ring = sorted({n for g in layer for n in self.neighbours(g)} - seen)
            seen.update(ring)
            cells = [g for g in ring if not self.layout.is_margin[g]]
            choice = self._best(hidden, cells, deficit, None)
            if choice is None:
                choice = self._best(hidden, ring, deficit, None)
            if choice is not None:
                hidden[choice] = True
                return choice
            layer = ring
        return None

    def _best(
        self,
        hidden: Flags,
        candidates: list[int] | tuple[int, ...],
        need: float,
        relation: int | None,
    ) -> int | None:
        """The smallest non-zero value that covers ``need``, else the largest; ties by index.

        Values whose other sums already hold a hidden value come first: hiding one of them
        closes a cycle instead of opening a new line that needs complements of its own.
        """
        best: tuple[int, int, int, int] | None = None
        for c in candidates:
            value = int(self.values[c])
            if hidden[c] or value == 0:
                continue
            opens = any(
                not self._has_hidden(hidden, r)
                for r in self.layout.relations_of[c]
                if r != relation
            )
            covers = value >= need
            key = (int(opens), int(not covers), value if covers else -value, c)
            if best is None or key < best:
                best = key
        return None if best is None else best[3]

    def _has_hidden(self, hidden: Flags, relation: int) -> bool:
        total, parts = self.layout.relations[relation]
        return bool(hidden[total]) or any(hidden[p] for p in parts)


# -- the table's layout ----------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Layout:
    """Positions of an R x C table: cells row by row, row totals, column totals, grand total.

    ``matrix`` has one row per sum (total minus parts) over all positions. ``group`` maps each
    position to its group of values equal by construction; ``relations`` are the sums between
    groups, without the trivial and repeated ones.
    """

    rows: int
    columns: int
    matrix: npt.NDArray[np.float64]
    group: npt.NDArray[np.intp]
    representative: npt.NDArray[np.intp]
    is_margin: Flags
    relations: tuple[tuple[int, tuple[int, ...]], ...]
    relations_of: tuple[tuple[int, ...], ...]


@lru_cache(maxsize=64)
def _layout(rows: int, columns: int) -> _Layout:
    cells = rows * columns
    size = cells + rows + columns + 1
    grand = size - 1
    sums = [(cells + i, tuple(range(i * columns, (i + 1) * columns))) for i in range(rows)]
    sums += [(cells + rows + j, tuple(range(j, cells, columns))) for j in range(columns)]
    sums += [(grand, tuple(range(cells, cells + rows)))]
    sums += [(grand, tuple(range(cells + rows, grand)))]

    matrix = np.zeros((len(sums), size))
    parent = list(range(size))

    def root(p: int) -> int:
        while parent[p] != p:
            p = parent[p]
        return p

    for r, (total, parts) in enumerate(sums):
        matrix[r, total] = 1.0
        matrix[r, list(parts)] = -1.0
        if len(parts) == 1:  # a sum of one value is that value
            a, b = sorted((root(total), root(parts[0])))
            parent[b] = a
    roots = sorted({root(p) for p in range(size)})
    number = {p: g for g, p in enumerate(roots)}
    group = np.array([number[root(p)] for p in range(size)], dtype=np.intp)

    relations: list[tuple[int, tuple[int, ...]]] = []
    for total, parts in sums:
        relation = (int(group[total]), tuple(sorted({int(group[p]) for p in parts})))
        if relation[1] != (relation[0],) and relation not in relations:
            relations.append(relation)
    relations_of: list[list[int]] = [[] for _ in roots]
    for r, (total, parts) in enumerate(relations):
        for g in (total, *parts):
            relations_of[g].append(r)

    matrix.setflags(write=False)
    return _Layout(
        rows=rows,
        columns=columns,
        matrix=matrix,
        group=group,
        representative=np.array(roots, dtype=np.intp),
        is_margin=np.array(roots, dtype=np.intp) >= cells,
        relations=tuple(relations),
        relations_of=tuple(tuple(r) for r in relations_of),
    )


def _position(layout: _Layout, index: int) -> Position:
    rows, columns = layout.rows, layout.columns
    cells = rows * columns
    if index < cells:
        return Position.cell(index // columns, index % columns)
    if index < cells + rows:
        return Position.row_total(index - cells)
    if index < cells + rows + columns:
        return Position.column_total(index - cells - rows)
    return Position.grand_total()


def _values(counts: Counts) -> Counts:
    return np.concatenate(
        [counts.ravel(), counts.sum(axis=1), counts.sum(axis=0), [counts.sum()]]
    ).astype(np.int64)


def _flat(mask: Mask) -> Flags:
    return np.concatenate(
        [mask.cells.ravel(), mask.row_totals, mask.column_totals, [mask.grand_total]]
    ).astype(np.bool_)


def _mask(layout: _Layout, flat: Flags) -> Mask:
    rows, columns = layout.rows, layout.columns
    cells = rows * columns
    return Mask(
        cells=flat[:cells].reshape(rows, columns).copy(),
        row_totals=flat[cells : cells + rows].copy(),
        column_totals=flat[cells + rows : cells + rows + columns].copy(),
        grand_total=bool(flat[-1]),
    )


def _freeze_mask(mask: Mask, rows: int, columns: int) -> Mask:
    arrays = []
    for name, shape in (
        ("cells", (rows, columns)),
        ("row_totals", (rows,)),
        ("column_totals", (columns,)),
    ):
        array = np.array(getattr(mask, name), dtype=np.bool_)
        if array.shape != shape:
            raise ValueError(f"the {name} mask has shape {array.shape}, the table needs {shape}")
        array.setflags(write=False)
        arrays.append(array)
    return Mask(arrays[0], arrays[1], arrays[2], bool(mask.grand_total))


def _as_counts(counts: npt.ArrayLike) -> Counts:
    array = np.asarray(counts)
    if array.ndim == 1:
        array = array.reshape(-1, 1)
    if array.ndim != 2 or array.size == 0:
        raise ValueError(
            f"a table is a non-empty 1-D or 2-D array of counts, not shape {array.shape}"
        )
    if array.dtype.kind not in "iu":
        raise ValueError(f"counts must be integers, not {array.dtype}")
    if (array < 0).any():
        raise ValueError("counts cannot be negative")
    return array.astype(np.int64, copy=True)


def _check_threshold(k: int, min_width: int | None) -> int:
    if k < 1:
        raise ValueError(f"the threshold k must be at least 1, not {k}")
    width = k if min_width is None else min_width
    if width < 0:
        raise ValueError(f"min_width cannot be negative, not {width}")
    return width
