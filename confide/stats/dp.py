"""Differentially private counts over a fixed, declared set of keys, with OpenDP.

The keys (every combination of the release's declared dimension values) are fixed before
the data is looked at, so the set of categories published — including the empty ones —
says nothing about who is in the data. Each count gets discrete Laplace noise calibrated by
OpenDP's own privacy map: one person adds or removes at most ``contributions`` records
(each person's records beyond that are dropped first), which moves the count vector by at
most ``contributions`` in L1, and the measurement is ``epsilon``-DP for that.

OpenDP draws its noise from the operating system's CSPRNG; it cannot be seeded, so tests
check the noise in distribution, with bounds, not value by value.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import opendp.prelude as dp

from confide.errors import ConfideError

__all__ = [
    "MAX_EPSILON",
    "ContributionBound",
    "DPError",
    "NoisyCounts",
    "bound_contributions",
    "expected_absolute_error",
    "noisy_counts",
]

dp.enable_features("contrib")

#: A single release may not spend more than this; budgets are per dataset (stats.budget).
MAX_EPSILON: Final = 10.0


class DPError(ConfideError, ValueError):
    """A differentially private release cannot be made as asked."""


@dataclass(frozen=True, slots=True)
class NoisyCounts:
    counts: tuple[int, ...]  # may be negative: noise; clip for display only
    epsilon: float  # what OpenDP's privacy map says this release spends
    scale: float
    contributions: int


class ContributionBound:
    """Keeps at most ``contributions`` rows per person, in the order seen: the stable
    transformation that bounds one person's influence on a table of counts (each kept row
    adds one to one cell, so a person moves the count vector by at most ``contributions``
    in L1)."""

    def __init__(self, contributions: int) -> None:
        if contributions < 1:
            raise DPError("each person contributes at least one record")
        self.contributions = contributions
        self._seen: dict[str, int] = {}

    def keep(self, person: str) -> bool:
        n = self._seen.get(person, 0)
        if n >= self.contributions:
            return False
        self._seen[person] = n + 1
        return True


def bound_contributions(rows: Iterable[tuple[str, str]], contributions: int) -> list[str]:
    """The keys of ``(person, key)`` rows, at most ``contributions`` per person."""
    bound = ContributionBound(contributions)
    return [key for person, key in rows if bound.keep(person)]


def _measurement(scale: float) -> Any:
    space = dp.vector_domain(dp.atom_domain(T=int)), dp.l1_distance(T=int)
    return space >> dp.m.then_laplace(scale=scale)


def noisy_counts(counts: Sequence[int], *, epsilon: float, contributions: int = 1) -> NoisyCounts:
    """Discrete Laplace noise on a vector of counts over fixed keys, whose rows were bounded
    to ``contributions`` per person (:class:`ContributionBound`). OpenDP's privacy map, not
    this function, says what it spends; a mismatch is refused."""
    if math.isnan(epsilon) or not 0 < epsilon <= MAX_EPSILON:
        raise DPError(f"epsilon must be above 0 and at most {MAX_EPSILON}")
    if not counts:
        raise DPError("a DP release needs its declared keys")
    scale = contributions / epsilon
    measurement = _measurement(scale)
    spent = float(measurement.map(contributions))
    if spent > epsilon * (1 + 1e-9):
        raise DPError(f"OpenDP accounts {spent} for a release asked to spend {epsilon}")
    noisy = measurement([int(c) for c in counts])
    return NoisyCounts(tuple(int(c) for c in noisy), spent, scale, contributions)


def expected_absolute_error(scale: float) -> float:
    """The mean absolute error of discrete Laplace noise with this scale (what a reader of
    a DP table should expect per cell): 2r / (1 - r²) with r = exp(-1/scale)."""
    r = math.exp(-1.0 / scale)
    return 2 * r / (1 - r * r)
