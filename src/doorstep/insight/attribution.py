"""Which stage of the hand-over an answer is about, and how we know: pure rules, no I/O.

In order of trust:

1. ``picked`` — the customer named the stage on the survey.
2. ``text`` — the comment's themes point to a stage (each theme belongs to one in the taxonomy).
3. ``timing`` — when the delivery came later than promised, the stage of it that overran
   its baseline the most, *relatively* ((duration − baseline) / baseline, so a 10-minute
   slip on a 5-minute step weighs more than on a 60-minute one), and only if it overran at
   all. A delivery that arrived on time explains nothing by its timing: its customer did
   not wait, whatever its steps did on the way, and blaming a step for every on-time answer
   would drown the stages' NPS in noise. When nothing was promised, "late" is the stages'
   own: only a stage that was late (over its target, else unusually long) is blamed, the
   relatively worst of them. Half of any delivery's steps run over their median; blaming
   the worst of those for every answer spread the happy customers over all the stages.
4. Nothing: the answer is not attributed (``None``); it still counts in every NPS.

The baseline of a stage is its target duration; a stage without a target is measured
against its usual duration (see :mod:`doorstep.insight.ops`). The first stage of a
journey has no duration (nothing before it is timed), so it is never blamed by timing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Method = Literal["picked", "text", "timing"]
METHODS: tuple[Method, ...] = ("picked", "text", "timing")


@dataclass(frozen=True)
class StageTiming:
    """How long one delivery spent in one stage, against what that stage should take."""

    stage_id: int
    duration_minutes: float | None
    baseline_minutes: float | None
    late_over_minutes: float | None = None  # late above this: the target, else unusually long


def stage_late(timing: StageTiming) -> bool:
    """Whether the stage took longer than it may (its target, else its unusual duration)."""
    return (
        timing.duration_minutes is not None
        and timing.late_over_minutes is not None
        and timing.duration_minutes > timing.late_over_minutes
    )


def relative_overrun(timing: StageTiming) -> float | None:
    """(duration − baseline) / baseline; None when either is unknown or the baseline is not positive."""
    if timing.duration_minutes is None or timing.baseline_minutes is None or timing.baseline_minutes <= 0:
        return None
    return (timing.duration_minutes - timing.baseline_minutes) / timing.baseline_minutes


def worst_overrun(timings: Iterable[StageTiming]) -> int | None:
    """The stage that overran the most, relatively; None if none overran. Ties go to the
    earlier stage in the given order (a late start delays everything after it)."""
    best: tuple[float, int] | None = None
    for timing in timings:
        overrun = relative_overrun(timing)
        if overrun is None or overrun <= 0:
            continue
        if best is None or overrun > best[0]:
            best = (overrun, timing.stage_id)
    return None if best is None else best[1]


def attribute(
    *,
    picked_stage_id: int | None,
    text_stage_id: int | None,
    timings: Iterable[StageTiming] = (),
    lateness_minutes: float | None = None,
) -> tuple[int | None, Method | None]:
    """(attributed stage id, method) for one answer, by the rules in the module docstring.
    ``lateness_minutes`` is delivered − promised (None: no promise, so only a late stage counts)."""
    if picked_stage_id is not None:
        return picked_stage_id, "picked"
    if text_stage_id is not None:
        return text_stage_id, "text"
    if lateness_minutes is not None and lateness_minutes <= 0:
        return None, None
    stage_id = worst_overrun(timings if lateness_minutes is not None else [t for t in timings if stage_late(t)])
    if stage_id is not None:
        return stage_id, "timing"
    return None, None
