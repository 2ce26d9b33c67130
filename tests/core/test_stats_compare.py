"""Period-over-period change, impact of a group and quantiles, against figures worked out by hand."""

import math

import pytest

from doorstep.stats import (
    coded_variance,
    compare_nps,
    difference_interval,
    impact,
    is_small_sample,
    normal_two_sided_p,
    quantile,
    summarise,
    summarise_scores,
)


def test_coded_variance_by_hand() -> None:
    # Scores coded +1, +1, 0, −1: mean 0.25, squares 1, 1, 0, 1 → Σ(c − mean)² = 0.5625·2 + 0.0625 + 1.5625 = 2.75
    s = summarise_scores([10, 9, 7, 2])
    assert coded_variance(s) == pytest.approx(2.75 / 3)
    assert coded_variance(summarise_scores([10])) is None


def test_significant_improvement_by_hand() -> None:
    before = summarise(100, 30, 42)  # NPS −12
    after = summarise(100, 50, 20)  # NPS +30
    # var(before) = 100/99·(0.72 − 0.12²) = 0.712727…; var(after) = 100/99·(0.70 − 0.30²) = 0.616161…
    # se = √((0.712727 + 0.616161)/100) = 0.1152774; z = 0.42/0.1152774 = 3.6434
    change = compare_nps(before, after)
    assert change.delta == 42.0
    assert change.z == pytest.approx(3.6434, abs=1e-4)
    assert change.p_value == pytest.approx(0.000269, abs=2e-6)
    assert change.significant and not change.small_sample
    # 42 ± 1.96·11.52774 = 42 ± 22.594
    assert change.ci95 == (19.4, 64.6)
    assert change.as_dict()["significant"] is True


def test_small_change_is_not_significant() -> None:
    before = summarise(40, 16, 10)  # NPS 15.0
    after = summarise(40, 18, 9)  # NPS 22.5
    # var(before) = 40/39·(0.65 − 0.0225) = 0.643590; var(after) = 40/39·(0.675 − 0.050625) = 0.640385
    # se = √((0.643590 + 0.640385)/40) = 0.179160; z = 0.075/0.179160 = 0.4186
    change = compare_nps(before, after)
    assert change.delta == 7.5
    assert change.z == pytest.approx(0.4186, abs=1e-4)
    assert change.p_value == pytest.approx(0.6755, abs=1e-3)
    assert not change.significant
    assert change.ci95 == (-27.6, 42.6)  # 7.5 ± 1.96·17.916 = 7.5 ± 35.115


def test_tiny_samples_are_flagged_and_never_significant_without_variance() -> None:
    one = summarise_scores([10])
    other = summarise_scores([0, 1, 2])
    change = compare_nps(other, one)
    assert change.delta == 200.0 and change.ci95 is None and not change.significant and change.small_sample
    assert compare_nps(summarise_scores([]), one).delta is None
    assert is_small_sample(29) and not is_small_sample(30)


def test_constant_samples() -> None:
    same = compare_nps(summarise_scores([10] * 40), summarise_scores([9] * 40))
    assert same.delta == 0.0 and same.p_value == 1.0 and not same.significant
    apart = compare_nps(summarise_scores([0] * 40), summarise_scores([10] * 40))
    assert apart.delta == 200.0 and apart.p_value == 0.0 and apart.significant


def test_difference_interval_is_a_minus_b() -> None:
    a, b = summarise(100, 50, 20), summarise(100, 30, 42)
    assert difference_interval(a, b) == (19.4, 64.6)


def test_normal_p_values() -> None:
    assert normal_two_sided_p(1.959964) == pytest.approx(0.05, abs=1e-6)
    assert normal_two_sided_p(0.0) == 1.0
    assert normal_two_sided_p(math.inf) == 0.0


def test_impact_by_hand() -> None:
    total = summarise(1000, 400, 200)  # NPS 20
    group = summarise(100, 10, 60)  # NPS −50, 10% of the answers
    # rest: 900 answers, 390 P, 140 D → NPS 27.78; impact = 20 − 27.78 = −7.78 = 0.1·(−0.5 − 0.27778)
    result = impact(total, group)
    assert result.value == -7.8
    # var(group) = 100/99·(0.7 − 0.25) = 0.454545; var(rest) = 900/899·(0.588889 − 0.077160) = 0.512298
    # Var = 0.01·(0.454545/100 + 0.512298/900) + 0.604938·0.1·0.9/1000 = 0.0000511 + 0.0000544 = 0.0001056
    # se = 0.010277 → 95%: −0.07778 ± 0.020143
    assert result.ci95 == (-9.8, -5.8)
    assert result.significant and not result.small_sample
    assert result.as_dict()["nps_impact"] == -7.8


def test_impact_of_a_harmless_group_is_not_significant() -> None:
    total = summarise(1000, 400, 200)
    group = summarise(50, 20, 10)  # same mix as everyone
    result = impact(total, group)
    assert result.value == 0.0 and not result.significant
    low, high = result.ci95
    assert low < 0 < high


def test_impact_edges() -> None:
    total = summarise(10, 5, 2)
    assert impact(total, summarise(0, 0, 0)).value == 0.0
    assert impact(total, total).value == 0.0 and impact(total, total).ci95 is None
    assert impact(summarise(0, 0, 0), summarise(0, 0, 0)).value is None
    flagged = impact(total, summarise(3, 0, 2))
    assert flagged.small_sample


def test_quantile() -> None:
    assert quantile([], 0.5) is None
    assert quantile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert quantile([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0], 0.9) == 10.0
    assert quantile([5.0], 0.9) == 5.0
    with pytest.raises(ValueError):
        quantile([1.0], 1.5)
