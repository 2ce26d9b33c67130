"""Text analysis speed: the full analysis against the raw segmenter, same comments, same run.

The issue's bar: theme/sentiment analysis of 100,000 new comments runs at no
less than one third of the raw throughput of the segmenter alone (jieba.lcut on
the Chinese comments, str.split on the others). Both are timed in this process
on the same list, best of ``--repeat`` rounds each, so the ratio holds on a
noisy machine. Comments come from the demo generator (Chinese, English and
mixed, with the HTML/emoji/SQL rows it plants), repeated to the size asked.

    python -m bench.bench_analysis [--comments 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from bench.machine import describe  # noqa: E402
from doorstep.demo.generator import generate  # noqa: E402
from doorstep.insight.analysis import Analyzer  # noqa: E402
from doorstep.insight.taxonomy import default_taxonomy  # noqa: E402
from doorstep.insight.text import _jieba  # noqa: E402

HAN = re.compile(r"[\u4e00-\u9fff]")
TARGET = 1 / 3


def demo_comments(count: int) -> list[str]:
    """Demo comments (about one delivery in five has one), cycled up to ``count``."""
    workspaces = generate(7, now=dt.datetime(2026, 3, 1, tzinfo=dt.UTC), total_deliveries=min(200_000, count * 2))
    pool = [r["comment"] for w in workspaces for r in w.responses if r.get("comment")]
    return [pool[i % len(pool)] for i in range(count)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    texts = demo_comments(args.comments)
    chinese = [HAN.search(t) is not None for t in texts]
    jieba = _jieba()
    analyzer = Analyzer(default_taxonomy(), ("ordered", "prepared", "dispatched", "picked_up", "delivered"))
    analyzer.analyze_many(texts[:1000])  # load the model, compile the cues

    def segment() -> None:
        lcut = jieba.lcut
        for text, zh in zip(texts, chinese, strict=True):
            lcut(text) if zh else text.split()

    best_segment = best_analysis = float("inf")
    for _ in range(args.repeat):
        started = time.perf_counter()
        segment()
        best_segment = min(best_segment, time.perf_counter() - started)
        started = time.perf_counter()
        results = analyzer.analyze_many(texts)
        best_analysis = min(best_analysis, time.perf_counter() - started)

    n = len(texts)
    ratio = best_segment / best_analysis
    themed = sum(bool(r.themes) for r in results)
    print(f"machine: {describe()}")
    print(f"comments: {n:,} ({sum(chinese) / n:.0%} with Chinese, {themed / n:.0%} with a theme)")
    print("| step | seconds | comments/s |")
    print("|---|---|---|")
    print(f"| raw segmenter (jieba.lcut / str.split) | {best_segment:.2f} | {n / best_segment:,.0f} |")
    print(f"| full analysis (Analyzer.analyze_many) | {best_analysis:.2f} | {n / best_analysis:,.0f} |")
    verdict = "meets" if ratio >= TARGET else "MISSES"
    print(f"analysis runs at {ratio:.2f}× the raw segmenter's throughput ({verdict} the ≥ 0.33× target)")


if __name__ == "__main__":
    main()
