"""NPS and its uncertainty: pure functions, no I/O.

The interval is the adjusted-Wald interval for a difference of two proportions
drawn from one multinomial sample (Rocks 2016): add ¾ of a promoter and ¾ of a
detractor (3 responses in all) before computing it. It keeps its coverage on
the small samples a segment table is full of, where the plain Wald interval
collapses to zero width for "1 response, a promoter".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Z95 = 1.96  # DESIGN.md fixes 1.96, so outside checks reproduce our intervals to the decimal

PROMOTER_MIN = 9
DETRACTOR_MAX = 6


def classify(score: int) -> str:
    """'promoter' (9–10), 'passive' (7–8) or 'detractor' (0–6)."""
    if not 0 <= score <= 10:
        raise ValueError(f"score must be 0–10, got {score}")
    if score >= PROMOTER_MIN:
        return "promoter"
    if score <= DETRACTOR_MAX:
        return "detractor"
    return "passive"


def is_detractor(score: int) -> bool:
    return score <= DETRACTOR_MAX


@dataclass(frozen=True)
class NpsSummary:
    responses: int
    promoters: int
    passives: int
    detractors: int

    @property
    def nps(self) -> float | None:
        return nps(self.promoters, self.detractors, self.responses)

    @property
    def ci95(self) -> tuple[float, float] | None:
        return nps_interval(self.promoters, self.detractors, self.responses)

    def as_dict(self) -> dict[str, object]:
        ci = self.ci95
        return {
            "nps": self.nps,
            "responses": self.responses,
            "promoters": self.promoters,
            "passives": self.passives,
            "detractors": self.detractors,
            "ci95": list(ci) if ci is not None else None,
        }


def summarise(responses: int, promoters: int, detractors: int) -> NpsSummary:
    """Build a summary from counts, checking they are consistent."""
    if min(responses, promoters, detractors) < 0 or promoters + detractors > responses:
        raise ValueError(f"inconsistent counts: {responses} responses, {promoters} promoters, {detractors} detractors")
    return NpsSummary(responses, promoters, responses - promoters - detractors, detractors)


def summarise_scores(scores: list[int]) -> NpsSummary:
    promoters = sum(1 for s in scores if classify(s) == "promoter")
    detractors = sum(1 for s in scores if classify(s) == "detractor")
    return summarise(len(scores), promoters, detractors)


def nps(promoters: int, detractors: int, responses: int) -> float | None:
    """%promoters − %detractors to one decimal; ``None`` without responses."""
    if responses == 0:
        return None
    return _round1(100.0 * (promoters - detractors) / responses)


def nps_interval(promoters: int, detractors: int, responses: int) -> tuple[float, float] | None:
    """Adjusted-Wald 95% interval of the NPS, clamped to [−100, 100], one decimal."""
    if responses == 0:
        return None
    n = responses + 3
    p = (promoters + 0.75) / n
    d = (detractors + 0.75) / n
    centre = p - d
    variance = ((p + d) - centre**2) / n
    half = Z95 * math.sqrt(max(variance, 0.0))
    low = max(-100.0, 100.0 * (centre - half))
    high = min(100.0, 100.0 * (centre + half))
    return _round1(low), _round1(high)


def _round1(value: float) -> float:
    # Round half away from zero, as people do by hand (Python's round() is banker's).
    scaled = abs(value) * 10.0
    rounded = math.floor(scaled + 0.5 + 1e-9) / 10.0
    result = math.copysign(rounded, value)
    return 0.0 if result == 0 else result


# --- comparing NPS: two periods, a segment against the rest ----------------------
#
# An NPS is the mean of per-response scores coded +1 (promoter), 0 (passive) and
# −1 (detractor), times 100. Two independent samples are compared with a Welch-type
# z-test on those means: the difference over the square root of the sum of each
# sample's variance of the mean (unbiased, n − 1). At the sample sizes where the
# normal approximation would mislead, the result is flagged ``small_sample``.

SMALL_SAMPLE = 30  # fewer responses than this and an NPS is shown, but flagged as not to be trusted


def is_small_sample(responses: int) -> bool:
    return responses < SMALL_SAMPLE


def coded_mean(summary: NpsSummary) -> float | None:
    """The mean of the coded scores (NPS / 100), unrounded; None without responses."""
    if summary.responses == 0:
        return None
    return (summary.promoters - summary.detractors) / summary.responses


def coded_variance(summary: NpsSummary) -> float | None:
    """Unbiased sample variance of the coded scores; None below two responses."""
    n = summary.responses
    if n < 2:
        return None
    mean = (summary.promoters - summary.detractors) / n
    second = (summary.promoters + summary.detractors) / n  # mean of the squares: 1 for P and D, 0 for passives
    return max(0.0, n / (n - 1) * (second - mean * mean))


def normal_two_sided_p(z: float) -> float:
    """P(|Z| ≥ |z|) for a standard normal Z."""
    if math.isinf(z):
        return 0.0
    return math.erfc(abs(z) / math.sqrt(2.0))


@dataclass(frozen=True)
class NpsChange:
    """``after`` − ``before`` in NPS points, with its 95% interval and a two-sided test."""

    delta: float | None
    ci95: tuple[float, float] | None
    z: float | None
    p_value: float | None
    significant: bool
    small_sample: bool

    def as_dict(self) -> dict[str, object]:
        return {
            "delta": self.delta,
            "ci95": list(self.ci95) if self.ci95 is not None else None,
            "z": None if self.z is None or math.isinf(self.z) else round(self.z, 2),
            "p_value": None if self.p_value is None else round(self.p_value, 4),
            "significant": self.significant,
            "small_sample": self.small_sample,
        }


def compare_nps(before: NpsSummary, after: NpsSummary) -> NpsChange:
    """Is the change from ``before`` to ``after`` more than noise? (Welch-type z-test, α = 0.05.)

    Below two responses on either side there is no variance to test with: the change
    is reported (when both have an NPS) but never called significant.
    """
    small = is_small_sample(before.responses) or is_small_sample(after.responses)
    mean_before, mean_after = coded_mean(before), coded_mean(after)
    if mean_before is None or mean_after is None:
        return NpsChange(None, None, None, None, False, True)
    delta = mean_after - mean_before
    var_before, var_after = coded_variance(before), coded_variance(after)
    if var_before is None or var_after is None:
        return NpsChange(_round1(100 * delta), None, None, None, False, True)
    se = math.sqrt(var_before / before.responses + var_after / after.responses)
    # se is 0 only when both samples are constant (say, all promoters against all detractors).
    z = delta / se if se > 0 else (0.0 if delta == 0 else math.copysign(math.inf, delta))
    p = normal_two_sided_p(z)
    return NpsChange(
        delta=_round1(100 * delta),
        ci95=_interval(delta, se),
        z=z,
        p_value=p,
        significant=p < 0.05,
        small_sample=small,
    )


def difference_interval(a: NpsSummary, b: NpsSummary) -> tuple[float, float] | None:
    """95% interval of NPS(a) − NPS(b) for two independent samples (Welch), in points."""
    change = compare_nps(b, a)
    return change.ci95


@dataclass(frozen=True)
class Impact:
    """What a group (a segment, a theme's mentioners, a stage's attributed answers) does to
    the overall NPS: overall NPS minus the NPS of everyone else. Negative = it costs points."""

    value: float | None
    ci95: tuple[float, float] | None
    significant: bool
    small_sample: bool

    def as_dict(self) -> dict[str, object]:
        return {
            "nps_impact": self.value,
            "impact_ci95": list(self.ci95) if self.ci95 is not None else None,
            "significant": self.significant,
            "small_sample": self.small_sample,
        }


def rest_of(total: NpsSummary, group: NpsSummary) -> NpsSummary:
    """Everyone in ``total`` who is not in ``group``."""
    return summarise(
        total.responses - group.responses, total.promoters - group.promoters, total.detractors - group.detractors
    )


def impact(total: NpsSummary, group: NpsSummary) -> Impact:
    """Overall NPS − NPS of the rest (DESIGN.md ``nps_impact``), with a 95% interval.

    With p = m/n the group's share, M its coded mean and R the rest's, the impact is
    exactly p·(M − R). Its variance by the delta method, taking p and M − R as
    independent (conditional on m, the two groups are independent samples):

        Var ≈ p²·(s²_M/m + s²_R/(n − m)) + (M − R)²·p(1 − p)/n

    Closed form from six counts, so it costs nothing at a million responses, where a
    bootstrap would cost minutes. The interval is that ± 1.96·√Var; "significant"
    means it excludes 0. A group of everyone (or no one) has impact 0 and no interval.
    """
    n, m = total.responses, group.responses
    small = is_small_sample(m)
    if n == 0:
        return Impact(None, None, False, True)
    rest = rest_of(total, group)
    if m == 0 or rest.responses == 0:
        return Impact(0.0, None, False, small)
    p = m / n
    mean_group, mean_rest = coded_mean(group), coded_mean(rest)
    assert mean_group is not None and mean_rest is not None
    value = p * (mean_group - mean_rest)
    var_group, var_rest = coded_variance(group), coded_variance(rest)
    if var_group is None or var_rest is None:
        return Impact(_round1(100 * value), None, False, True)
    variance = p * p * (var_group / m + var_rest / rest.responses) + (mean_group - mean_rest) ** 2 * p * (1 - p) / n
    se = math.sqrt(max(variance, 0.0))
    ci = _interval(value, se)
    significant = se > 0 and abs(value) > Z95 * se
    return Impact(_round1(100 * value), ci, significant, small)


def _interval(centre: float, se: float) -> tuple[float, float]:
    """centre ± 1.96·se, in NPS points (×100), one decimal."""
    return _round1(100 * (centre - Z95 * se)), _round1(100 * (centre + Z95 * se))


def quantile(sorted_values: list[float], q: float) -> float | None:
    """The q-quantile (0 ≤ q ≤ 1) of already sorted values, linear between the two nearest ranks."""
    if not sorted_values:
        return None
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"q must be within [0, 1], got {q}")
    position = q * (len(sorted_values) - 1)
    low = math.floor(position)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


def round1(value: float | None) -> float | None:
    """One decimal, half away from zero (as every figure we show); None stays None."""
    return None if value is None else _round1(value)


def proportion_interval(successes: int, trials: int) -> tuple[float, float] | None:
    """Wilson score 95% interval of a proportion, in percent, one decimal; ``None`` without trials.

    Used for the recovery rate (recovered / verified cases). Wilson rather than the
    plain Wald interval because a CS team's numbers are small and often extreme
    (3 of 3 recovered): Wald collapses to a zero-width [100, 100] there, Wilson
    keeps an honest width and never leaves [0, 100].
    """
    if trials < 0 or not 0 <= successes <= trials:
        raise ValueError(f"inconsistent counts: {successes} successes in {trials} trials")
    if trials == 0:
        return None
    p = successes / trials
    z2 = Z95 * Z95
    centre = (p + z2 / (2 * trials)) / (1 + z2 / trials)
    half = Z95 * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials)) / (1 + z2 / trials)
    return _round1(100.0 * max(0.0, centre - half)), _round1(100.0 * min(1.0, centre + half))


# --- alarms: many tests at once, and rates of mention ------------------------------


def holm(p_values: list[float], alpha: float) -> list[bool]:
    """Which of several tests to reject so that the chance of *any* false rejection stays
    below ``alpha`` (Holm–Bonferroni step-down), in input order.

    Sorted ascending, the i-th smallest p (from 0) is rejected while p ≤ alpha/(m − i);
    the first that fails stops the walk. It controls the same family-wise error as
    Bonferroni (alpha/m for all) and never rejects less.
    """
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    rejected = [False] * len(p_values)
    m = len(p_values)
    for rank, index in enumerate(order):
        if p_values[index] > alpha / (m - rank):
            break
        rejected[index] = True
    return rejected


@dataclass(frozen=True)
class ShareChange:
    """A share (say, of the comments that mention a theme) before and after, and the
    one-sided p-value of "it rose" from :func:`share_rise`."""

    before: float | None  # share in percent, one decimal
    after: float | None
    ratio: float | None  # after / before; None when before is 0
    p_value: float | None

    def as_dict(self) -> dict[str, object]:
        return {
            "before": self.before,
            "after": self.after,
            "ratio": None if self.ratio is None else round(self.ratio, 2),
            "p_value": None if self.p_value is None else float(f"{self.p_value:.3g}"),
        }


def binomial_upper_tail(successes: int, trials: int, p: float) -> float:
    """P(X ≥ successes) for X ~ Binomial(trials, p), exactly (summed in log space)."""
    if successes <= 0:
        return 1.0
    if successes > trials or p <= 0.0:
        return 0.0
    if p >= 1.0:
        return 1.0
    log_p, log_q = math.log(p), math.log1p(-p)
    lg_n = math.lgamma(trials + 1)
    total = 0.0
    for i in range(successes, trials + 1):
        term = math.exp(lg_n - math.lgamma(i + 1) - math.lgamma(trials - i + 1) + i * log_p + (trials - i) * log_q)
        total += term
        if i > trials * p and term < total * 1e-16:
            break  # past the mode the terms only shrink: the rest cannot change the sum
    return min(1.0, total)


def share_rise(before_hits: int, before_trials: int, after_hits: int, after_trials: int) -> ShareChange:
    """Did the share hits/trials *rise* from ``before`` to ``after``? Exact conditional test.

    Mentions are rare events counted against an exposure (the answers of each window):
    given their total k, under "no change" the number falling in the later window is
    Binomial(k, after_trials / (before_trials + after_trials)); the p-value is that
    binomial's upper tail. Exact, so unlike the normal two-proportion z-test it does not
    over-call the right-skewed counts of a theme mentioned a dozen times a week (the
    z-test's false-alarm rate was twice its level in our simulation at those counts).
    """
    for hits, trials in ((before_hits, before_trials), (after_hits, after_trials)):
        if trials < 0 or not 0 <= hits <= trials:
            raise ValueError(f"inconsistent counts: {hits} of {trials}")
    if before_trials == 0 or after_trials == 0:
        return ShareChange(None, None, None, None)
    p1, p2 = before_hits / before_trials, after_hits / after_trials
    exposure = after_trials / (before_trials + after_trials)
    return ShareChange(
        before=_round1(100 * p1),
        after=_round1(100 * p2),
        ratio=p2 / p1 if p1 > 0 else None,
        p_value=binomial_upper_tail(after_hits, before_hits + after_hits, exposure),
    )
