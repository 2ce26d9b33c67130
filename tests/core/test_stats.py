"""NPS and its interval against cases computed by hand (DESIGN.md formula)."""

import math

import pytest

from doorstep.stats import classify, nps, nps_interval, summarise, summarise_scores


def hand_interval(p: int, d: int, n: int) -> tuple[float, float]:
    n2 = n + 3
    pp, dd = (p + 0.75) / n2, (d + 0.75) / n2
    half = 1.96 * math.sqrt(((pp + dd) - (pp - dd) ** 2) / n2)
    low, high = max(-1.0, pp - dd - half), min(1.0, pp - dd + half)
    return round(100 * low, 1), round(100 * high, 1)


def test_design_md_example() -> None:
    s = summarise(100, 30, 42)
    assert s.as_dict() == {
        "nps": -12.0,
        "responses": 100,
        "promoters": 30,
        "passives": 28,
        "detractors": 42,
        "ci95": [-27.8, 4.5],
    }


def test_all_promoters() -> None:
    s = summarise_scores([9, 10, 10, 9, 10])
    assert s.nps == 100.0
    # n'=8, p'=5.75/8, d'=0.75/8: centre 62.5, half = 1.96*sqrt((0.8125-0.390625)/8)=45.0 → [17.5, 100]
    assert s.ci95 == (17.5, 100.0)


def test_all_detractors() -> None:
    s = summarise_scores([0, 3, 6, 6, 1])
    assert s.nps == -100.0
    assert s.ci95 == (-100.0, -17.5)


def test_one_response() -> None:
    s = summarise_scores([10])
    assert (s.nps, s.promoters, s.passives, s.detractors) == (100.0, 1, 0, 0)
    # n'=4, p'=0.4375, d'=0.1875: centre 25, half=1.96*sqrt((0.625-0.0625)/4)=73.5 → [-48.5, 98.5]
    assert s.ci95 == (-48.5, 98.5)


def test_no_responses() -> None:
    s = summarise_scores([])
    assert s.nps is None and s.ci95 is None
    assert s.as_dict()["ci95"] is None and s.as_dict()["responses"] == 0


def test_passives_only_is_zero_with_symmetric_interval() -> None:
    s = summarise_scores([7, 8, 7, 8])
    assert s.nps == 0.0
    low, high = s.ci95
    assert low == -high and high > 0


@pytest.mark.parametrize(("p", "d", "n"), [(1, 0, 1), (3, 2, 7), (50, 10, 80), (0, 0, 9), (400, 300, 1000)])
def test_interval_matches_hand_formula(p: int, d: int, n: int) -> None:
    assert nps_interval(p, d, n) == hand_interval(p, d, n)
    assert nps(p, d, n) == round(100 * (p - d) / n, 1)


def test_rounding_is_half_away_from_zero() -> None:
    # 1/8 = 12.5% exactly: banker's rounding would give 12.0 for 12.25 style cases; we round like people.
    assert nps(1, 0, 16) == 6.3  # 6.25 → 6.3
    assert nps(0, 1, 16) == -6.3


def test_classify_boundaries() -> None:
    assert [classify(s) for s in (0, 6, 7, 8, 9, 10)] == [
        "detractor",
        "detractor",
        "passive",
        "passive",
        "promoter",
        "promoter",
    ]
    with pytest.raises(ValueError):
        classify(11)


def test_inconsistent_counts_refused() -> None:
    with pytest.raises(ValueError):
        summarise(3, 2, 2)
