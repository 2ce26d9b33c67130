"""Turns what happened to a customer into the comment they would write.

A comment is an opener, one or two topic phrases and a closer, each drawn from
the seeded RNG, so the same seed gives the same words and text analysis still
sees thousands of distinct sentences.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

MIXED_SHARE = 0.05  # code-switching ("骑手很nice但是汤洒了") is common in Chinese reviews


@dataclass(frozen=True)
class PhraseBank:
    """One workspace's phrases: topic → templates, per language."""

    zh: dict[str, tuple[str, ...]]
    en: dict[str, tuple[str, ...]]
    mixed: dict[str, tuple[str, ...]]
    closers: dict[str, dict[str, tuple[str, ...]]]  # language → tone → endings


OPENERS = {
    "zh": {
        "neg": ("", "", "", "差评。", "太失望了，", "说实话，", "无语，"),
        "mid": ("还行，就是", "总体可以，但是", "一般吧，", "其他都好，就是"),
        "pos": ("", "", "", "好评！", "五星！"),
    },
    "en": {
        "neg": ("", "", "", "Very disappointed. ", "Honestly, ", "Ugh. "),
        "mid": ("Mostly ok, but ", "Fine overall, except ", "Not bad, but "),
        "pos": ("", "", "", "Excellent! ", "Five stars. "),
    },
}
# Topics that are already a whole verdict ("还行吧", "Too salty") read oddly after "还行，就是".
PLAIN_TOPICS = ("neutral", "neg_general")
JOINERS = {"zh": ("，", "，而且", "，还有"), "en": (", and ", ". Also ", "; plus ")}

# Rows that make every layer escape properly: HTML, emoji, SQL, quotes, a line break.
TRICKY: tuple[tuple[str, str], ...] = (
    ("pos", "<b>great</b> service 👍"),
    ("pos", "👍👍 很满意"),
    ("pos", "Thanks!! 😊 <i>fast</i> & friendly"),
    ("neg", "'; DROP TABLE responses; --"),
    ("neg", "<script>alert('x')</script> not happy"),
    ("neg", "差评 & 不满意 <br> 😡"),
    ("mid", 'He said "ok" & left'),
    ("mid", "ok\nbut could be better"),
)


def polarity(score: int) -> str:
    """NPS classes in the words a comment would have: neg (0–6), mid (7–8), pos (9–10)."""
    if score >= 9:
        return "pos"
    if score >= 7:
        return "mid"
    return "neg"


def compose(
    rng: random.Random,
    bank: PhraseBank,
    *,
    language: str,
    topics: list[str],
    tone: str,
    facts: dict[str, dict[str, str]],
) -> str:
    """A comment about `topics` (most important first) in `language` ("zh" or "en")."""
    if rng.random() < MIXED_SHARE and topics[0] in bank.mixed:
        return rng.choice(bank.mixed[topics[0]]).format(**facts["zh"])
    phrases = bank.zh if language == "zh" else bank.en
    parts = [rng.choice(phrases[topic]).format(**facts[language]) for topic in topics]
    body = parts[0]
    for extra in parts[1:]:
        body += rng.choice(JOINERS[language]) + (
            extra[:1].lower() + extra[1:] if language == "en" else extra
        )
    if topics[0] in PLAIN_TOPICS:
        return body
    opener = rng.choice(OPENERS[language][tone])
    if language == "en" and opener.endswith((", ", "but ", "except ")):
        body = body[:1].lower() + body[1:]
    elif language == "en" and opener:
        body = body[:1].upper() + body[1:]  # after "Ugh. ", a new sentence
    closer = rng.choice(bank.closers[language][tone])
    if closer and not body.endswith((".", "!", "?", "。", "！", "？")):
        body += "." if language == "en" else "。"
    return opener + body + closer


def zh_duration_minutes(minutes: int) -> str:
    """“四十分钟” style waits, as customers round them."""
    if minutes >= 60:
        return "一个多小时"
    if minutes >= 55:
        return "快一个小时"
    return f"{minutes}分钟"


def en_duration_minutes(minutes: int) -> str:
    if minutes >= 60:
        return "over an hour"
    if minutes >= 55:
        return "almost an hour"
    return f"{minutes} minutes"


def zh_duration_days(days: float) -> str:
    """How long a project stage slipped, in the units a customer would use."""
    if days >= 30:
        return "一个多月"
    if days >= 7:
        return ("一周", "两周", "三周", "四周")[min(3, int(days // 7) - 1)]
    return f"{max(1, round(days))}天"


def en_duration_days(days: float) -> str:
    if days >= 30:
        return "over a month"
    if days >= 7:
        return ("a week", "two weeks", "three weeks", "four weeks")[min(3, int(days // 7) - 1)]
    count = max(1, round(days))
    return "a day" if count == 1 else f"{count} days"
