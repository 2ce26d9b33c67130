"""Which stage of the hand-over an answer is about, and how we know: pure rules, no I/O.

In order of trust:

1. ``picked`` — the customer named the stage on the survey.
2. ``text`` — the comment's themes point to a stage (each theme belongs to one in the taxonomy).
   A complaint about time in general ("arrived three days late", "太慢了": a theme marked
   ``stage_by_timing``) names no step: the timing below goes first, and the theme's stage
   is the fallback when the timing blames none. A parcel held three days at the sorting
   hub whose customer writes "three days late" is the hub's, not the doorstep's.
3. ``timing`` — when the delivery came later than promised, the stage of it that overran
   its baseline the most, *relatively* ((duration − baseline) / baseline, so a 10-minute
   slip on a 5-minute step weighs more than on a 60-minute one), and only if it overran at
   all. A delivery that arrived on time explains nothing by its timing: its customer did
   not wait, whatever its steps did on the way, and blaming a step for every on-time answer
   would drown the stages' NPS in noise. When nothing was promised, the usual is the
   promise: a delivery with a late stage (over its target, else unusually long) blames the
   relatively worst of its late stages; else one that took longer in all than its stages
   usually take together blames its relatively worst overrun, as a late one would; a
   delivery quicker than usual is explained by nothing. (Blaming every answer's worst
   overrun spread the happy customers of quick deliveries over all the stages; blaming
   only late stages found nothing where a step's delays stay inside its usual spread.)
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


def slower_than_usual(timings: Iterable[StageTiming]) -> bool:
    """Whether the timed stages took longer together than their baselines add up to."""
    known = [t for t in timings if t.duration_minutes is not None and t.baseline_minutes is not None]
    return bool(known) and sum(t.duration_minutes or 0.0 for t in known) > sum(t.baseline_minutes or 0.0 for t in known)


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
    text_by_timing: bool = False,
) -> tuple[int | None, Method | None]:
    """(attributed stage id, method) for one answer, by the rules in the module docstring.
    ``lateness_minutes`` is delivered − promised (None: no promise, so the usual is the promise).
    ``text_by_timing``: the text's stage comes from a complaint about time in general ("three
    days late"), which names no step — the timing's stage goes first, the text's is the fallback."""
    if picked_stage_id is not None:
        return picked_stage_id, "picked"
    if text_stage_id is not None and not text_by_timing:
        return text_stage_id, "text"
    stage_id = timing_stage(timings, lateness_minutes)
    if stage_id is not None:
        return stage_id, "timing"
    if text_stage_id is not None:
        return text_stage_id, "text"
    return None, None


def timing_stage(timings: Iterable[StageTiming], lateness_minutes: float | None) -> int | None:
    """The stage the delivery's timing blames (rule 3 of the module docstring), or None."""
    if lateness_minutes is not None and lateness_minutes <= 0:
        return None
    if lateness_minutes is None:
        timings = list(timings)  # read more than once below
        late = [t for t in timings if stage_late(t)]
        if late:
            timings = late
        elif not slower_than_usual(timings):
            return None
    return worst_overrun(timings)
