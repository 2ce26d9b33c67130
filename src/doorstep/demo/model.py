"""The demo's value types, shared by the food and SaaS builders.

Kept apart from `generator.py` so the builders can use them without importing
the module that imports them.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class StageSpec:
    """One journey stage, as the importer will create it."""

    key: str
    name: str
    name_zh: str
    target_minutes: float  # from the previous stage's completion (first stage: from order time)


@dataclass(frozen=True)
class InjectedProblem:
    """A problem planted in the data, so insight features can be checked against a known truth."""

    kind: str  # "stage" or "theme"
    key: str
    description: str
    segment: dict[str, str]  # attribute filter where it applies; {} = everywhere


@dataclass(frozen=True)
class DemoWorkspace:
    """One business with its rows in the `doorstep import deliveries|responses` formats."""

    slug: str
    name: str
    timezone: str
    locale: str
    stages: list[StageSpec]
    leads: dict[str, str]
    default_cs_owner: str
    deliveries: list[dict[str, str]]
    responses: list[dict[str, str]]
    problems: list[InjectedProblem]


@dataclass(frozen=True)
class Issue:
    """Something that went wrong in one delivery: a comment topic, the stage it belongs to,
    and how many score points it costs."""

    topic: str
    stage: str
    penalty: float


@dataclass
class Outcome:
    """What one customer experienced; the response generator turns it into a score and words."""

    delivered_at: dt.datetime | None
    locale: str
    customer_key: str
    issues: list[Issue] = field(default_factory=list)
    praise: list[str] = field(default_factory=list)  # positive topics that are true here
    bonus: float = 0.0
    facts: dict[str, dict[str, str]] = field(default_factory=dict)  # language → placeholder values
    source: str = "app"


def iso(moment: dt.datetime, tz: ZoneInfo) -> str:
    """ISO 8601 with the workspace's offset, as a person exporting from that business would."""
    return moment.astimezone(tz).isoformat(timespec="seconds")


def lognormal_minutes(rng: random.Random, median: float, sigma: float, minimum: int = 1) -> int:
    """Durations are right-skewed: mostly near the median, sometimes much longer, never negative."""
    return max(minimum, round(median * math.exp(rng.gauss(0.0, sigma))))


def weighted(rng: random.Random, options: tuple[tuple[str, float], ...]) -> str:
    """One value from (value, weight) pairs; a tuple, so the order is fixed."""
    values = [value for value, _ in options]
    weights = [weight for _, weight in options]
    return rng.choices(values, weights=weights, k=1)[0]
