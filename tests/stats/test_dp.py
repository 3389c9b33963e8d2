"""Differentially private counts: OpenDP's accounting, the noise in distribution (OpenDP's
sampler cannot be seeded, so these are bounds wide enough that a correct sampler fails them
with probability far below one in a million), bounded contributions, fixed keys."""

from __future__ import annotations

import math
import statistics

import pytest

from confide.stats.dp import (
    ContributionBound,
    DPError,
    bound_contributions,
    expected_absolute_error,
    noisy_counts,
)

DRAWS = 4000


def _variance(scale: float) -> float:
    r = math.exp(-1.0 / scale)
    return 2 * r / (1 - r) ** 2


@pytest.mark.parametrize(("epsilon", "contributions"), [(1.0, 1), (0.5, 1), (1.0, 3)])
def test_the_noise_is_unbiased_with_the_expected_error(epsilon: float, contributions: int) -> None:
    true = [40, 0, 7]
    draws = [
        noisy_counts(true, epsilon=epsilon, contributions=contributions) for _ in range(DRAWS // 4)
    ]
    scale = contributions / epsilon
    assert all(d.scale == scale and d.epsilon == pytest.approx(epsilon) for d in draws)
    errors = [c - t for d in draws for c, t in zip(d.counts, true, strict=True)]
    sd = math.sqrt(_variance(scale))
    n = len(errors)
    # Mean: within 6 standard errors of zero.
    assert abs(statistics.fmean(errors)) < 6 * sd / math.sqrt(n)
    # Mean absolute error: within 6 standard errors of its closed form.
    mae = statistics.fmean(abs(e) for e in errors)
    assert abs(mae - expected_absolute_error(scale)) < 6 * sd / math.sqrt(n)
    # Variance: within 25 % (the sample variance of n ≥ 3000 draws is far tighter).
    assert statistics.pvariance(errors) == pytest.approx(_variance(scale), rel=0.25)


def test_every_declared_key_is_published_even_if_empty() -> None:
    out = noisy_counts([0] * 50, epsilon=1.0)
    assert len(out.counts) == 50
    assert any(c != 0 for c in out.counts)  # noise on empty cells: the keys say nothing


def test_a_persons_records_count_at_most_the_bound() -> None:
    rows = [("p1", "a")] * 5 + [("p2", "a"), ("p2", "b")]
    assert bound_contributions(rows, 2) == ["a", "a", "a", "b"]
    bound = ContributionBound(1)
    assert [bound.keep(p) for p in ("x", "x", "y")] == [True, False, True]


@pytest.mark.parametrize("epsilon", [0.0, -1.0, 11.0, float("nan")])
def test_epsilon_out_of_range_is_refused(epsilon: float) -> None:
    with pytest.raises(DPError):
        noisy_counts([1, 2], epsilon=epsilon)


def test_no_keys_no_release() -> None:
    with pytest.raises(DPError):
        noisy_counts([], epsilon=1.0)
    with pytest.raises(DPError):
        ContributionBound(0)
