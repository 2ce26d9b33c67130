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
