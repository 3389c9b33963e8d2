"""Small-cell suppression: nothing small is published, and nothing hidden can be worked out.

Every hidden value is checked against an attacker written here, apart from the module's own:
it sees only :meth:`SuppressedTable.published`, keeps every cell and margin as a variable (the
published ones fixed by their bounds, the module instead moves them to the right-hand side)
and builds its sums from the published view's shape. A bug in one formulation should not hide
in the other.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog  # type: ignore[import-untyped]

from confide.errors import ConfideError
from confide.stats import (
    Mask,
    Position,
    PublishedTable,
    SuppressedTable,
    SuppressionError,
    audit,
    feasible_ranges,
    suppress,
)

Counts = npt.NDArray[np.int64]


# -- an attacker of our own ------------------------------------------------------------------


def attacker_ranges(view: PublishedTable) -> dict[Position, tuple[float, float]]:
    """The LP range of every value the view hides, knowing only the view."""
    rows, columns = len(view.cells), len(view.cells[0])
    names: list[Position] = [Position.cell(i, j) for i in range(rows) for j in range(columns)]
    names += [Position.row_total(i) for i in range(rows)]
    names += [Position.column_total(j) for j in range(columns)]
    names += [Position.grand_total()]
    seen: list[int | None] = [v for row in view.cells for v in row]
    seen += [*view.row_totals, *view.column_totals, view.grand_total]
    var = {name: n for n, name in enumerate(names)}

    equations: list[dict[int, float]] = []
    for i in range(rows):
        eq = {var[Position.cell(i, j)]: 1.0 for j in range(columns)}
        eq[var[Position.row_total(i)]] = -1.0
        equations.append(eq)
    for j in range(columns):
        eq = {var[Position.cell(i, j)]: 1.0 for i in range(rows)}
        eq[var[Position.column_total(j)]] = -1.0
        equations.append(eq)
    for margins in (
        [Position.row_total(i) for i in range(rows)],
        [Position.column_total(j) for j in range(columns)],
    ):
        eq = {var[m]: 1.0 for m in margins}
        eq[var[Position.grand_total()]] = -1.0
        equations.append(eq)
    a_eq = np.zeros((len(equations), len(names)))
    for r, eq in enumerate(equations):
        for n, coefficient in eq.items():
            a_eq[r, n] = coefficient
    bounds = [(0.0, None) if v is None else (float(v), float(v)) for v in seen]

    ranges: dict[Position, tuple[float, float]] = {}
    for name, value in zip(names, seen, strict=True):
        if value is not None:
            continue
        found = []
        for sense in (1.0, -1.0):
            c = np.zeros(len(names))
            c[var[name]] = sense
            result = linprog(
                c, A_eq=a_eq, b_eq=np.zeros(len(equations)), bounds=bounds, method="highs-ds"
            )
            if result.status == 3:
                found.append(math.inf)
                continue
            assert result.status == 0, result.message
            found.append(sense * float(result.fun))
        ranges[name] = (found[0], found[1])
    return ranges


def true_values(counts: Counts) -> dict[Position, int]:
    rows, columns = counts.shape
    values = {Position.cell(i, j): int(counts[i, j]) for i in range(rows) for j in range(columns)}
    values |= {Position.row_total(i): int(counts[i].sum()) for i in range(rows)}
    values |= {Position.column_total(j): int(counts[:, j].sum()) for j in range(columns)}
    values[Position.grand_total()] = int(counts.sum())
    return values


def shown(view: PublishedTable) -> dict[Position, int | None]:
    values: dict[Position, int | None] = {}
    for i, row in enumerate(view.cells):
        for j, v in enumerate(row):
            values[Position.cell(i, j)] = v
    values |= {Position.row_total(i): v for i, v in enumerate(view.row_totals)}
    values |= {Position.column_total(j): v for j, v in enumerate(view.column_totals)}
    values[Position.grand_total()] = view.grand_total
    return values


def check_safe(counts: Counts, table: SuppressedTable, k: int, width: int) -> None:
    """The laws: true values published, small ones hidden, hidden ones not recoverable."""
    truth = true_values(counts)
    view = shown(table.published())
    assert set(view) == set(truth)
    for where, value in view.items():
        if value is not None:
            assert value == truth[where], where
        if 1 <= truth[where] < k:
            assert value is None, f"{where} is small but published"
    for where, (low, high) in attacker_ranges(table.published()).items():
        assert low - 1e-6 <= truth[where] <= high + 1e-6, where
        assert high - low > width + 1e-6, f"{where}: range {low}..{high} is not wider than {width}"


# -- strategies ------------------------------------------------------------------------------

small_heavy = st.one_of(
    st.integers(0, 4), st.integers(0, 12), st.integers(0, 40), st.integers(0, 300)
)


@st.composite
def tables(draw: st.DrawFn, max_side: int = 8) -> Counts:
    rows = draw(st.integers(1, max_side))
    columns = draw(st.integers(1, max_side))
    values = draw(st.lists(small_heavy, min_size=rows * columns, max_size=rows * columns))
    return np.array(values, dtype=np.int64).reshape(rows, columns)


# -- acceptance scenario 12 ------------------------------------------------------------------


def test_scenario_12_two_cases_are_hidden_and_the_totals_do_not_give_them_away() -> None:
    # Clients reached, by sex (rows) and region (columns); one region saw 2 women.
    counts = np.array([[41, 2, 37, 19], [55, 23, 48, 30], [12, 9, 15, 8]], dtype=np.int64)
    table = suppress(counts, k=5)
    view = table.published()

    assert view.cells[0][1] is None
    assert table.primary.cells[0, 1]
    assert Position.cell(0, 1) in set(table.primary.positions())
    # The totals are published (the 2 does not make any of them small) ...
    assert view.row_totals[0] == counts[0].sum()
    assert view.column_totals[1] == counts[:, 1].sum()
    assert view.grand_total == counts.sum()
    # ... and yet, from everything published, the 2 lies anywhere in a range wider than k.
    low, high = attacker_ranges(view)[Position.cell(0, 1)]
    assert low <= 2 <= high
    assert high - low > 5
    check_safe(counts, table, 5, 5)
    audit(table, 5)


# -- the laws, on generated tables -----------------------------------------------------------


@given(counts=tables(), k=st.integers(2, 10))
def test_suppression_publishes_truth_hides_small_values_and_protects_them(
    counts: Counts, k: int
) -> None:
    table = suppress(counts, k)
    check_safe(counts, table, k, k)
    audit(table, k)
    # Primary and secondary split the suppressed values.
    assert set(table.primary.positions()) | set(table.secondary.positions()) == set(
        table.suppressed.positions()
    )
    assert not set(table.primary.positions()) & set(table.secondary.positions())


@given(counts=tables(max_side=5), k=st.integers(2, 6), extra=st.integers(0, 8))
def test_a_wider_min_width_is_honoured(counts: Counts, k: int, extra: int) -> None:
    table = suppress(counts, k, min_width=k + extra)
    check_safe(counts, table, k, k + extra)


@given(counts=tables(max_side=6), k=st.integers(2, 10))
def test_the_modules_ranges_agree_with_the_independent_attacker(counts: Counts, k: int) -> None:
    table = suppress(counts, k)
    ours = attacker_ranges(table.published())
    theirs = feasible_ranges(table)
    assert set(ours) == set(theirs)
    for where, (low, high) in ours.items():
        # The LP is totally unimodular: its bounds are whole numbers, the module's included.
        assert theirs[where].low == pytest.approx(low, abs=1e-6), where
        assert theirs[where].high == pytest.approx(high, abs=1e-6), where


@given(counts=tables(), k=st.integers(2, 10))
@settings(max_examples=25)
def test_suppression_is_deterministic(counts: Counts, k: int) -> None:
    first, second = suppress(counts, k), suppress(counts.copy(), k)
    assert first.published() == second.published()
    assert list(first.primary.positions()) == list(second.primary.positions())
    assert list(first.suppressed.positions()) == list(second.suppressed.positions())


# -- edge cases ------------------------------------------------------------------------------


def test_all_zeros_are_published() -> None:
    counts = np.zeros((3, 4), dtype=np.int64)
    table = suppress(counts, k=5)
    assert len(table.suppressed) == 0
    assert table.published().cells == ((0, 0, 0, 0),) * 3
    assert table.published().grand_total == 0
    audit(table, 5)


@pytest.mark.parametrize(("value", "hidden"), [(0, False), (1, True), (4, True), (5, False)])
def test_a_single_cell(value: int, hidden: bool) -> None:
    counts = np.array([[value]], dtype=np.int64)
    table = suppress(counts, k=5)
    view = table.published()
    # The cell, its row and column totals and the grand total are one number.
    assert {view.cells[0][0], view.row_totals[0], view.column_totals[0], view.grand_total} == (
        {None} if hidden else {value}
    )
    check_safe(counts, table, 5, 5)


def test_a_grand_total_below_k_hides_every_non_zero_value() -> None:
    counts = np.array([[1, 0, 2], [0, 1, 0]], dtype=np.int64)
    table = suppress(counts, k=5)
    view = table.published()
    assert view.grand_total is None
    assert view.cells == ((None, 0, None), (0, None, 0))
    assert view.row_totals == (None, None)
    assert view.column_totals == (None, None, None)
    check_safe(counts, table, 5, 5)


def test_a_one_column_table() -> None:
    counts = np.array([2, 10, 10, 10, 0], dtype=np.int64)
    table = suppress(counts, k=5)
    assert table.shape == (5, 1)
    view = table.published()
    assert view.cells[0] == (None,)
    assert view.cells[4] == (0,)
    # Its row totals are its cells: hidden together, never one without the other.
    assert view.row_totals == tuple(row[0] for row in view.cells)
    assert view.column_totals == (view.grand_total,)
    check_safe(counts.reshape(-1, 1), table, 5, 5)


def test_a_one_row_table() -> None:
    counts = np.array([[2, 10, 10, 10]], dtype=np.int64)
    table = suppress(counts, k=5)
    view = table.published()
    assert view.column_totals == view.cells[0]
    assert view.row_totals == (view.grand_total,)
    check_safe(counts, table, 5, 5)


@pytest.mark.parametrize(
    "counts",
    [
        np.array([[2, 3], [3, 1]], dtype=np.int64),  # every cell small; only the total survives
        np.array([[1, 1, 50]], dtype=np.int64),
        np.array([[2, 100], [100, 100]], dtype=np.int64),
        np.array([[1, 5, 5], [5, 1, 5], [5, 5, 1]], dtype=np.int64),
    ],
)
def test_small_tables(counts: Counts) -> None:
    check_safe(counts, suppress(counts, k=5), 5, 5)


# -- the audit -------------------------------------------------------------------------------


def only_primary(counts: Counts, k: int) -> SuppressedTable:
    small = (counts >= 1) & (counts < k)
    rows, columns = counts.shape
    mask = Mask(small, np.zeros(rows, bool), np.zeros(columns, bool), False)
    return SuppressedTable(counts=counts, k=k, min_width=k, suppressed=mask, primary=mask)


def test_audit_names_a_cell_the_margins_give_away() -> None:
    counts = np.array([[41, 3, 47], [55, 26, 48]], dtype=np.int64)
    table = only_primary(counts, 5)
    with pytest.raises(SuppressionError, match=r"cell \(row 0, column 1\)") as caught:
        audit(table, 5)
    assert caught.value.position == Position.cell(0, 1)
    assert isinstance(caught.value, ConfideError)
    assert "3" not in str(caught.value)  # the position and the width, never the hidden value
    assert feasible_ranges(table)[Position.cell(0, 1)] == (3.0, 3.0)


def test_audit_catches_a_one_column_row_total_left_published() -> None:
    # The row totals of a one-column table are its cells: hiding one without the other is no use.
    counts = np.array([[2], [10], [10]], dtype=np.int64)
    cells = np.array([[True], [True], [False]])
    rows = np.array([True, False, False])  # the complement's row total, 10, is left published
    mask = Mask(cells, rows, np.zeros(1, bool), False)
    table = SuppressedTable(counts=counts, k=5, min_width=5, suppressed=mask, primary=mask)
    with pytest.raises(SuppressionError, match="narrowed") as caught:
        audit(table, 5)
    assert caught.value.position == Position.cell(0, 0)


def test_audit_names_a_small_value_that_is_published() -> None:
    counts = np.array([[41, 2, 37], [55, 23, 48]], dtype=np.int64)
    table = only_primary(counts, 5)
    with pytest.raises(SuppressionError, match=r"cell \(row 0, column 2\) is below"):
        audit(table, 40)  # 37 is small under k=40


def test_audit_takes_a_wider_min_width() -> None:
    counts = np.array([[41, 2, 37], [55, 23, 48]], dtype=np.int64)
    table = suppress(counts, 5)
    widest = min(r.width for r in feasible_ranges(table).values())
    audit(table, 5, min_width=int(widest) - 1)
    with pytest.raises(SuppressionError):
        audit(table, 5, min_width=int(widest))


def test_a_range_unbounded_above_passes() -> None:
    counts = np.array([[1, 1], [1, 1]], dtype=np.int64)  # everything small: all hidden
    table = suppress(counts, 5)
    assert all(r.high == math.inf for r in feasible_ranges(table).values())
    audit(table, 5)


# -- input and output ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "counts",
    [
        np.array([[1, -1]]),
        np.array([[1.0, 2.0]]),
        np.zeros((2, 2, 2), dtype=np.int64),
        np.zeros((0, 3), dtype=np.int64),
    ],
)
def test_malformed_tables_are_refused(counts: npt.NDArray[np.generic]) -> None:
    with pytest.raises(ValueError, match="count"):
        suppress(counts)  # type: ignore[arg-type]


def test_thresholds_are_checked() -> None:
    counts = np.ones((2, 2), dtype=np.int64)
    with pytest.raises(ValueError, match="k must be"):
        suppress(counts, 0)
    with pytest.raises(ValueError, match="min_width"):
        suppress(counts, 5, min_width=-1)


def test_the_true_counts_stay_out_of_repr_and_cannot_be_changed() -> None:
    counts = np.array([[41, 2, 37], [55, 23, 48]], dtype=np.int64)
    table = suppress(counts, 5)
    assert "41" not in repr(table)
    assert "suppressed=" in repr(table)
    with pytest.raises(ValueError, match="read-only"):
        table.counts[0, 0] = 0
    with pytest.raises(ValueError, match="read-only"):
        table.suppressed.cells[0, 1] = False
    counts[0, 1] = 99  # the caller's array is not the table's
    assert table.counts[0, 1] == 2
