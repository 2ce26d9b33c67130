"""Holm's step-down and the exact rate test behind the alerts, against hand and brute force."""

from __future__ import annotations

import math

import pytest

from doorstep.stats import binomial_upper_tail, holm, share_rise


def test_holm_steps_down_and_stops_at_the_first_failure() -> None:
    # α = 0.05, m = 4: thresholds 0.0125, 0.0167, 0.025, 0.05 for the sorted p's.
    assert holm([0.01, 0.04, 0.03, 0.005], 0.05) == [True, False, False, True]
    assert holm([0.01, 0.015, 0.03, 0.005], 0.05) == [True, True, True, True]  # 0.015 ≤ 0.025, 0.03 ≤ 0.05
    assert holm([0.011, 0.016, 0.024, 0.049], 0.05) == [True, True, True, True]
    assert holm([0.03, 0.001], 0.05) == [True, True]  # 0.001 ≤ 0.025, then 0.03 ≤ 0.05
    assert holm([0.03, 0.03], 0.05) == [False, False]  # Bonferroni's first step fails: nothing
    assert holm([], 0.05) == []


def test_holm_is_never_stricter_than_bonferroni() -> None:
    ps = [0.001, 0.004, 0.006, 0.2, 0.012]
    bonferroni = [p <= 0.05 / len(ps) for p in ps]
    assert all(h or not b for h, b in zip(holm(ps, 0.05), bonferroni, strict=True))


@pytest.mark.parametrize(("x", "n", "p"), [(0, 10, 0.3), (3, 10, 0.3), (10, 10, 0.3), (7, 20, 0.1), (30, 60, 0.2)])
def test_binomial_tail_matches_brute_force(x: int, n: int, p: float) -> None:
    exact = sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(x, n + 1))
    assert binomial_upper_tail(x, n, p) == pytest.approx(exact, rel=1e-9, abs=1e-15)


def test_share_rise_reads_a_rise_and_not_a_fall() -> None:
    rise = share_rise(40, 1000, 40, 250)  # 4% → 16%
    assert rise.before == 4.0 and rise.after == 16.0 and rise.ratio == pytest.approx(4.0)
    assert rise.p_value is not None and rise.p_value < 1e-6
    fall = share_rise(160, 1000, 10, 250)  # 16% → 4%
    assert fall.p_value is not None and fall.p_value > 0.99
    new = share_rise(0, 1000, 12, 250)  # never mentioned before
    assert new.ratio is None and new.p_value is not None and new.p_value < 1e-6
    assert share_rise(0, 0, 3, 10).p_value is None
    with pytest.raises(ValueError):
        share_rise(5, 4, 1, 10)
