"""Demo data for two businesses, as rows in the `doorstep import` CSV formats.

Pure and deterministic: no I/O, no database, no clock, no global random state.
The same `seed` and `now` always give the same rows, so a demo, a screenshot
and a test can all rely on them; every time is relative to `now`, so the data
is always "the last `days` days". Another module feeds the rows into the real
import services.

Scores are not drawn independently of the data: each customer's score is their
mood minus what went wrong in their delivery (lateness, stage overruns, spilled
soup, slow support …), and the comment and blamed stage name the worst of it.
A few problems are planted on purpose and listed in `DemoWorkspace.problems`,
so the insight features can be checked against a known truth.
"""

from __future__ import annotations

import datetime as dt
import random

from doorstep.deliveries.records import DELIVERY_COLUMNS
from doorstep.deliveries.records import RESPONSE_COLUMNS as CSV_RESPONSE_COLUMNS
from doorstep.demo import food, saas
from doorstep.demo.model import DemoWorkspace, InjectedProblem, StageSpec

__all__ = [
    "RESPONSE_COLUMNS",
    "DemoWorkspace",
    "InjectedProblem",
    "StageSpec",
    "delivery_columns",
    "generate",
]

FOOD_SHARE = 0.85  # most hand-overs are meals; onboardings are fewer and take weeks

RESPONSE_COLUMNS = (*CSV_RESPONSE_COLUMNS, "source")  # "source" is a response attribute
_DELIVERY_COLUMNS = DELIVERY_COLUMNS
_ATTRIBUTES = {
    "food": ("team", "region", "channel", "restaurant"),
    "saas": ("team", "region", "product", "plan", "arr"),
}


def generate(
    seed: int = 7, *, now: dt.datetime, total_deliveries: int = 20_000, days: int = 180
) -> list[DemoWorkspace]:
    """The food and the SaaS workspace, with `total_deliveries` between them.

    `now` must be timezone-aware: it anchors every timestamp, and the generator
    never reads the clock itself.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    if total_deliveries < 2:
        raise ValueError("total_deliveries must be at least 2 (one per workspace)")
    if days < 1:
        raise ValueError("days must be at least 1")
    master = random.Random(seed)  # noqa: S311 - demo data, not secrets
    # One child stream per workspace: changing one workspace's code keeps the other's rows.
    food_rng = random.Random(master.getrandbits(64))  # noqa: S311
    saas_rng = random.Random(master.getrandbits(64))  # noqa: S311
    food_count = min(total_deliveries - 1, max(1, round(total_deliveries * FOOD_SHARE)))
    now = now.astimezone(dt.UTC)
    return [
        food.build(food_rng, now=now, count=food_count, days=days),
        saas.build(saas_rng, now=now, count=total_deliveries - food_count, days=days),
    ]


def delivery_columns(workspace: DemoWorkspace) -> tuple[str, ...]:
    """The delivery CSV header for `workspace`, in the order every row's keys follow."""
    stages = tuple(f"stage.{stage.key}" for stage in workspace.stages)
    return _DELIVERY_COLUMNS + stages + _ATTRIBUTES[workspace.slug]
