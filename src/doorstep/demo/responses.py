"""Survey responses that follow from what happened to each delivery.

The score is a customer's mood minus what went wrong, so lateness and the
injected problems show up in NPS the way they would in a real business; the
comment and the blamed stage name the worst thing that happened.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from doorstep.demo.comments import TRICKY, PhraseBank, compose, polarity
from doorstep.demo.model import Issue, Outcome, iso

COMMENT_RATE = {"neg": 0.8, "mid": 0.45, "pos": 0.5}  # unhappy customers explain themselves more
BLAME_RATE = {"neg": 0.6, "mid": 0.15, "pos": 0.0}
MOOD_SD = 0.6  # some customers are harsher graders than others, on every order
TRICKY_PER_WORKSPACE = 5


@dataclass(frozen=True)
class ResponsePlan:
    """How one workspace's customers answer: how often, how soon, how generously."""

    bank: PhraseBank
    score_mean: float
    score_sd: float
    base_rate: float
    issue_rate_boost: float  # people with a complaint answer surveys more often
    delay: Callable[[random.Random, dt.datetime], dt.datetime]  # delivered_at → responded_at


def build_responses(
    rng: random.Random,
    *,
    now: dt.datetime,
    tz: ZoneInfo,
    deliveries: list[dict[str, str]],
    outcomes: list[Outcome],
    plan: ResponsePlan,
) -> list[dict[str, str]]:
    """One response row for each delivery whose customer answered before `now`."""
    moods: dict[str, float] = {}
    rows: list[dict[str, str]] = []
    for delivery, outcome in zip(deliveries, outcomes, strict=True):
        if outcome.delivered_at is None:
            continue
        rate = plan.base_rate + (plan.issue_rate_boost if outcome.issues else 0.0)
        if rng.random() >= rate:
            continue
        responded_at = plan.delay(rng, outcome.delivered_at)
        if responded_at >= now:
            continue  # not answered yet
        if outcome.customer_key not in moods:
            moods[outcome.customer_key] = rng.gauss(0.0, MOOD_SD)
        issues = sorted(outcome.issues, key=lambda issue: -issue.penalty)
        raw = rng.gauss(plan.score_mean + moods[outcome.customer_key], plan.score_sd)
        score = min(10, max(0, round(raw + outcome.bonus - _penalty(issues))))
        tone = polarity(score)
        comment = ""
        if rng.random() < COMMENT_RATE[tone]:
            comment = _comment(rng, plan.bank, outcome, issues, tone)
        stage = issues[0].stage if issues and rng.random() < BLAME_RATE[tone] else ""
        rows.append(
            {
                "delivery_external_id": delivery["external_id"],
                "score": str(score),
                "comment": comment,
                "stage": stage,
                "responded_at": iso(responded_at, tz),
                "source": outcome.source,
            }
        )
    _inject_tricky(rng, rows)
    return rows


def _penalty(issues: list[Issue]) -> float:
    """The worst problem costs in full, further ones half: a bad evening is not additive."""
    if not issues:
        return 0.0
    return issues[0].penalty + 0.5 * sum(issue.penalty for issue in issues[1:])


def _comment(
    rng: random.Random, bank: PhraseBank, outcome: Outcome, issues: list[Issue], tone: str
) -> str:
    language = "zh" if outcome.locale.startswith("zh") else "en"
    if issues:
        topics = [issues[0].topic]
        if len(issues) > 1 and rng.random() < 0.5:
            topics.append(issues[1].topic)
        tone = "neg" if tone == "neg" else "mid"
    elif tone == "pos":
        topics = rng.sample(outcome.praise, k=min(len(outcome.praise), rng.choice((1, 1, 2))))
    elif tone == "mid":
        topics = ["neutral"]
    else:
        topics = ["neg_general"]
    return compose(rng, bank, language=language, topics=topics, tone=tone, facts=outcome.facts)


def _inject_tricky(rng: random.Random, rows: list[dict[str, str]]) -> None:
    """Swap a few comments for HTML, emoji, SQL and line breaks of the same tone."""
    used: list[int] = []
    for tone, text in rng.sample(TRICKY, k=TRICKY_PER_WORKSPACE):
        candidates = [
            index
            for index, row in enumerate(rows)
            if row["comment"] and polarity(int(row["score"])) == tone and index not in used
        ]
        if candidates:
            index = rng.choice(candidates)
            used.append(index)
            rows[index]["comment"] = text
