"""The alarm's error rates, measured by simulation on the pure detection (no database).

A *segment-week* is one segment's current week tested against its own previous four
weeks. On stable data (both drawn from the same fixed score distribution) any alert
is a false alarm; with a drop injected, a missed alert is a miss. Volumes run from
the minimum (30 answers a week) up, where the normal approximation is weakest.

Figures (seeded, reproducible; printed with ``pytest -s``): see README "Alerts".
"""

from __future__ import annotations

import random
from collections import Counter

import pytest

from doorstep.briefs.alerts import AlertRules, MentionCounts, SegmentCounts, detect_drops, detect_surges
from doorstep.stats import NpsSummary, summarise

RULES = AlertRules()  # the defaults a workspace gets


def draw(rng: random.Random, promoters: float, detractors: float, n: int) -> NpsSummary:
    counts = Counter(rng.choices((1, 0, -1), weights=(promoters, 1 - promoters - detractors, detractors), k=n))
    return summarise(n, counts[1], counts[-1])


def segment(rng: random.Random, name: str, weekly: int, mix: tuple[float, float],
            after: tuple[float, float] | None = None) -> SegmentCounts:
    return SegmentCounts("team", name, draw(rng, *mix, 4 * weekly), draw(rng, *(after or mix), weekly))


def stable_passes(seed: int, passes: int, segments: int) -> tuple[int, int, int]:
    """(segment-weeks, alerts, passes with any alert) on stable data."""
    rng = random.Random(seed)
    alerts = noisy_passes = 0
    for _ in range(passes):
        family = []
        for i in range(segments):
            mix = (rng.uniform(0.3, 0.6), rng.uniform(0.1, 0.35))
            family.append(segment(rng, f"s{i}", rng.choice((30, 35, 45, 60, 100, 200, 400)), mix))
        found = detect_drops(family, RULES)
        alerts += len(found)
        noisy_passes += bool(found)
    return passes * segments, alerts, noisy_passes


def test_false_alarm_rate_on_stable_data_is_below_alpha() -> None:
    total = alerts = noisy = 0
    for seed in range(5):
        weeks, found, passes_with_alert = stable_passes(seed, passes=100, segments=12)
        total, alerts, noisy = total + weeks, alerts + found, noisy + passes_with_alert
    rate = alerts / total
    print(f"\nNPS drop: {alerts} false alarms in {total} stable segment-weeks ({rate:.4%}); "
          f"{noisy} of 500 passes with any alarm")
    # Holm at α = 0.01 over 12 segments, a one-sided look: the family rate is about α/2.
    assert total == 6000
    assert noisy / 500 <= RULES.alpha
    assert alerts <= 3


def test_tiny_segments_never_alert_however_extreme() -> None:
    rng = random.Random(1)
    everyone_happy, everyone_angry = (1.0, 0.0), (0.0, 1.0)
    family = [SegmentCounts("team", f"s{i}", draw(rng, *everyone_happy, 200), draw(rng, *everyone_angry, n))
              for i, n in enumerate(range(1, 30))]
    assert detect_drops(family, RULES) == []


@pytest.mark.parametrize(("weekly", "least"), [(140, 0.5), (280, 0.9)])
def test_a_25_point_drop_is_caught(weekly: int, least: float) -> None:
    rng = random.Random(weekly)
    caught = 0
    trials = 200
    for _ in range(trials):
        family = [segment(rng, f"s{i}", weekly, (0.55, 0.15)) for i in range(11)]
        family.append(segment(rng, "dropped", weekly, (0.55, 0.15), after=(0.40, 0.25)))
        found = detect_drops(family, RULES)
        caught += any(f.subject == "dropped" for f in found)
    print(f"\n25-point drop at {weekly} answers a week among 12 segments: caught in {caught}/{trials}")
    assert caught / trials >= least


def test_theme_surge_false_alarms_and_power() -> None:
    rng = random.Random(4)
    shares = {"timeliness": 0.2, "food_quality": 0.1, "courier": 0.06, "packaging": 0.04, "price": 0.02}
    false = hits = 0
    trials = 400
    for _ in range(trials):
        weekly = rng.choice((60, 120, 300))
        stable = []
        for theme, p in shares.items():
            before, now = 4 * weekly, weekly
            stable.append(MentionCounts("theme", theme, sum(rng.random() < p for _ in range(before)), before,
                                        sum(rng.random() < p for _ in range(now)), now))
        false += len(detect_surges(stable, RULES))
        surged = [m if m.subject != "packaging" else
                  MentionCounts("theme", "packaging", m.baseline_mentions, m.baseline_total,
                                sum(rng.random() < 0.15 for _ in range(weekly)), weekly) for m in stable]
        hits += any(f.subject == "packaging" for f in detect_surges(surged, RULES))
    print(f"\ntheme surge: {false} false alarms in {trials * len(shares)} theme-weeks; "
          f"4% → 15% caught in {hits}/{trials} (60–300 comments a week)")
    assert false <= 2
    assert hits / trials >= 0.6
