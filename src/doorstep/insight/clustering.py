"""Emerging topics: what the comments that fit no theme are about, so nothing vanishes into "other".

Spherical k-means over TF-IDF vectors of content words (jieba words and
English words, minus the stopword lists shipped in ``data/``), in pure Python
over sparse dictionaries:

* seeds are chosen deterministically, not at random: the most frequent term
  among the comments no seed covers yet, so the same comments always give the
  same topics and the biggest topic is found first;
* a few rounds of assign-to-nearest-centroid / recompute, with centroids cut
  to their heaviest terms, keep the cost at O(comments × topics × words)
  (10,000 comments: well under a second);
* comments too far from every centroid stay unclustered rather than
  padding a topic.

A topic is reported with its top terms, its size and up to three verbatim
example comments, the ones closest to its centre.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

from doorstep.insight.text import clauses, normalize

ROUNDS = 4
SEEDS_PER_TOPIC = 2  # try more seeds than topics wanted; small clusters are dropped at the end
CENTROID_TERMS = 40
MIN_SIMILARITY = 0.12


@dataclass(frozen=True)
class EmergingTopic:
    terms: tuple[str, ...]  # top terms
    size: int
    examples: tuple[str, ...]  # up to 3 example comments (verbatim)


@cache
def stopwords() -> frozenset[str]:
    """The zh and en stopword lists shipped with the package."""
    words: set[str] = set()
    for name in ("data/stopwords_zh.txt", "data/stopwords_en.txt"):
        words.update(resources.files("doorstep.insight").joinpath(name).read_text(encoding="utf-8").split())
    return frozenset(words)


def content_terms(text: str) -> set[str]:
    """Words that can name a topic: no stopwords, no single Latin letters or lone Han characters."""
    stop = stopwords()
    terms: set[str] = set()
    for clause in clauses(normalize(text)):
        for word in clause.words:
            if word in stop or len(word) < 2 or (word.isascii() and len(word) < 3) or word.isdigit():
                continue
            terms.add(word)
    return terms


def _normalise(vector: dict[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(v * v for v in vector.values()))
    return {k: v / norm for k, v in vector.items()} if norm else {}


def _dot(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(k, 0.0) for k, v in a.items())


def _centroid(members: list[dict[str, float]]) -> dict[str, float]:
    total: Counter[str] = Counter()
    for vector in members:
        total.update(vector)
    return _normalise(dict(total.most_common(CENTROID_TERMS)))


def emerging_topics(texts: Sequence[str], *, max_topics: int = 5, min_size: int = 3) -> list[EmergingTopic]:
    """The biggest groups of similar comments, largest first; at most ``max_topics``."""
    docs = [content_terms(t) if t else set() for t in texts]
    df: Counter[str] = Counter()
    for terms in docs:
        df.update(terms)
    n = len(docs)
    # No upper bound on document frequency: among theme-less comments the commonest
    # word is the topic; stopwords and idf keep filler words down.
    usable = {t for t, c in df.items() if c >= 2}
    idf = {t: math.log(n / df[t]) + 1.0 for t in usable}
    vectors = [_normalise({t: idf[t] for t in terms if t in usable}) for terms in docs]
    indexed = [i for i, v in enumerate(vectors) if v]
    if len(indexed) < min_size or max_topics < 1:
        return []

    # Deterministic seeds: the commonest term among the not-yet-covered comments.
    centroids: list[dict[str, float]] = []
    uncovered = set(indexed)
    while uncovered and len(centroids) < max_topics * SEEDS_PER_TOPIC:
        counts: Counter[str] = Counter()
        for i in uncovered:
            counts.update(vectors[i].keys())
        term, count = max(counts.items(), key=lambda kv: (kv[1], kv[0]))
        if count < min_size:
            break
        members = [i for i in uncovered if term in vectors[i]]
        centroids.append(_centroid([vectors[i] for i in members]))
        uncovered.difference_update(members)

    assignment: dict[int, int] = {}
    for _ in range(ROUNDS):
        groups: dict[int, list[int]] = {}
        assignment = {}
        for i in indexed:
            best, best_sim = -1, MIN_SIMILARITY
            for c, centroid in enumerate(centroids):
                sim = _dot(vectors[i], centroid)
                if sim > best_sim:
                    best, best_sim = c, sim
            if best >= 0:
                assignment[i] = best
                groups.setdefault(best, []).append(i)
        centroids = [_centroid([vectors[i] for i in groups.get(c, [])]) for c in range(len(centroids))]

    topics: list[tuple[int, dict[str, float], list[int]]] = []
    for c, centroid in enumerate(centroids):
        members = [i for i, a in assignment.items() if a == c]
        if len(members) >= min_size and centroid:
            topics.append((len(members), centroid, members))
    topics.sort(key=lambda t: (-t[0], min(t[2])))
    out: list[EmergingTopic] = []
    for size, centroid, members in topics[:max_topics]:
        top = tuple(t for t, _ in sorted(centroid.items(), key=lambda kv: (-kv[1], kv[0]))[:5])
        examples: list[str] = []
        for i in sorted(members, key=lambda i: (-_dot(vectors[i], centroid), i)):
            if texts[i] not in examples:
                examples.append(texts[i])
                if len(examples) == 3:
                    break
        out.append(EmergingTopic(terms=top, size=size, examples=tuple(examples)))
    return out
