"""Alerts between briefs: which segments broke from their own past. Pure: counts in, findings out.

Two alarms, each over a *current* window (the last ``current_days``) against the
*baseline* just before it (the ``baseline_days`` before the current window) of the
same subject:

* ``nps_drop`` — a segment (the whole workspace, each team, each region …) whose NPS
  fell. The test is the Welch-type z-test on the per-response scores (+1/0/−1) of
  :func:`doorstep.stats.compare_nps`; an alarm needs all of: both windows hold at least
  ``min_answers`` answers (below that the normal approximation and the NPS itself are
  noise), the drop is at least ``min_drop_points`` (a "significant" 2-point dip in a
  huge segment is not worth a page), and the p-value survives the correction for the
  number of segments tested.
* ``theme_surge`` — a theme whose share of the commented answers (or a stage whose share
  of the blame) rose: exact conditional test of two rates (:func:`doorstep.stats.share_rise`),
  at least ``min_mentions`` mentions now, at least ``min_surge_ratio`` times the
  baseline share, and the same correction.

Why Holm (family-wise error) and not Benjamini–Hochberg (false discovery rate): most
passes run on a workspace where nothing is wrong, and there every alarm is a false
one — BH then gives no more protection than the family-wise rate, and once one real
drop is found it loosens the bar for every other segment in the same pass, which is
exactly when people are reading. An alarm that cries wolf gets muted; we would rather
miss a marginal drop for a week than page on noise. Holm controls the same error as
Bonferroni (the chance of *any* false alarm in a pass stays below ``alpha``) and never
rejects less. Only subjects that meet the minimum counts are tested, so a long tail of
tiny segments does not dilute the test of the big ones. Each kind is its own family.

The pass runs every few minutes over sliding windows, so the same drop is found on
every run while it lasts; :func:`is_repeat` is the rule that keeps it to one alert.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from doorstep.stats import NpsSummary, compare_nps, holm, share_rise

DROP = "nps_drop"
SURGE = "theme_surge"
WORKSPACE_SUBJECT = ("workspace", "all")  # the whole workspace is a segment too


@dataclass(frozen=True)
class AlertRules:
    """The thresholds of one workspace (its ``alert_*`` settings)."""

    current_days: int = 7
    baseline_days: int = 28
    alpha: float = 0.01
    min_answers: int = 30
    min_drop_points: float = 10.0
    min_mentions: int = 10
    min_surge_ratio: float = 1.5
    repeat_days: int = 35

    def windows(self, now: dt.datetime) -> tuple[dt.datetime, dt.datetime, dt.datetime]:
        """(baseline start, current start = baseline end, current end = now)."""
        split = now - dt.timedelta(days=self.current_days)
        return split - dt.timedelta(days=self.baseline_days), split, now


@dataclass(frozen=True)
class SegmentCounts:
    """One segment's answers in the baseline and the current window."""

    subject_kind: str  # workspace, team, region, owner, …
    subject: str
    baseline: NpsSummary
    current: NpsSummary


@dataclass(frozen=True)
class MentionCounts:
    """How many answers mention a theme (or blame a stage), out of how many, in each window."""

    subject_kind: str  # theme | stage
    subject: str
    baseline_mentions: int
    baseline_total: int
    current_mentions: int
    current_total: int


@dataclass(frozen=True)
class Finding:
    """A change that passed every bar: what becomes an alert (unless it is a repeat)."""

    kind: str
    subject_kind: str
    subject: str
    p_value: float
    evidence: dict[str, Any] = field(default_factory=dict)


def _summary(s: NpsSummary) -> dict[str, Any]:
    return s.as_dict()


def detect_drops(segments: Sequence[SegmentCounts], rules: AlertRules) -> list[Finding]:
    """Segments whose NPS fell significantly from their own baseline, worst p first."""
    tested: list[tuple[SegmentCounts, Any]] = []
    for seg in segments:
        if min(seg.baseline.responses, seg.current.responses) < rules.min_answers:
            continue  # too few to test: not tested, so not counted in the correction either
        change = compare_nps(seg.baseline, seg.current)
        if change.p_value is None or change.delta is None:
            continue
        tested.append((seg, change))
    rejected = holm([change.p_value for _, change in tested], rules.alpha)
    findings = []
    for (seg, change), significant in zip(tested, rejected, strict=True):
        if not significant or change.delta > -rules.min_drop_points:
            continue
        findings.append(
            Finding(
                kind=DROP,
                subject_kind=seg.subject_kind,
                subject=seg.subject,
                p_value=change.p_value,
                evidence={
                    "test": "welch_z_holm",
                    "alpha": rules.alpha,
                    "tested": len(tested),
                    "baseline": _summary(seg.baseline),
                    "current": _summary(seg.current),
                    "change": change.as_dict() | {"p_value": float(f"{change.p_value:.3g}")},
                    "min_answers": rules.min_answers,
                    "min_drop_points": rules.min_drop_points,
                },
            )
        )
    return sorted(findings, key=lambda f: (f.p_value, f.subject_kind, f.subject))


def detect_surges(mentions: Sequence[MentionCounts], rules: AlertRules) -> list[Finding]:
    """Themes (and blamed stages) whose share rose significantly, worst p first."""
    tested: list[tuple[MentionCounts, Any]] = []
    for m in mentions:
        if m.current_mentions < rules.min_mentions or m.baseline_total < rules.min_answers:
            continue
        if m.current_total < rules.min_answers:
            continue
        change = share_rise(m.baseline_mentions, m.baseline_total, m.current_mentions, m.current_total)
        if change.p_value is None:
            continue
        tested.append((m, change))
    # One-sided: only a rise is an alarm (fewer complaints is good news, not a page).
    rejected = holm([change.p_value for _, change in tested], rules.alpha)
    findings = []
    for (m, change), significant in zip(tested, rejected, strict=True):
        rose_enough = change.ratio is None or change.ratio >= rules.min_surge_ratio
        if not significant or not rose_enough:
            continue
        findings.append(
            Finding(
                kind=SURGE,
                subject_kind=m.subject_kind,
                subject=m.subject,
                p_value=change.p_value,
                evidence={
                    "test": "exact_rate_holm",
                    "alpha": rules.alpha,
                    "tested": len(tested),
                    "baseline": {"mentions": m.baseline_mentions, "answers": m.baseline_total},
                    "current": {"mentions": m.current_mentions, "answers": m.current_total},
                    "share": change.as_dict(),
                    "min_mentions": rules.min_mentions,
                    "min_surge_ratio": rules.min_surge_ratio,
                },
            )
        )
    return sorted(findings, key=lambda f: (f.p_value, f.subject_kind, f.subject))


def dedupe_key(finding: Finding, window_end: dt.datetime) -> str:
    """kind, subject and the day the current window ended: two passes racing on the same
    day (a worker and `doorstep alerts check`) collide on the unique key, not double-raise."""
    subject = finding.subject if len(finding.subject) <= 120 else hashlib.sha256(finding.subject.encode()).hexdigest()
    return f"{finding.kind}|{finding.subject_kind}|{subject}|{window_end.date().isoformat()}"


def is_repeat(last_raised: dt.datetime | None, now: dt.datetime, rules: AlertRules) -> bool:
    """Does an alert raised at ``last_raised`` for the same kind and subject cover this finding?

    A drop that lasts is found again on every pass until the baseline has absorbed it,
    i.e. for up to ``current_days + baseline_days``. So one alert per subject per
    ``repeat_days`` (default that same span): after it, the baseline is made of the new
    normal, and a finding is a new fall. Acknowledging does not re-arm the alarm —
    "seen" is not "fixed", and re-arming would page again on the next pass.
    """
    return last_raised is not None and now - last_raised < dt.timedelta(days=rules.repeat_days)
