"""Text handling shared by sentiment, themes and clustering: normalise, segment, mark negation.

One pass turns a raw comment into :class:`Clause` objects. A clause is the unit
of negation ("不凉" negates only inside "不凉，很热乎") and of contrast ("骑手很
nice但是汤洒了" is two clauses), so every later step works per clause.

Normalisation is for analysis only; the stored comment is never altered:

* NFKC folds full-width forms (``ＡＢＣ１２３，！``) into ASCII;
* traditional characters become simplified (OpenCC ``t2s``, shipped inside the
  ``opencc`` wheel, nothing is downloaded), so "湯灑了" reads as "汤洒了";
* lower case, English contractions spelled out ("wasn't" → "was not"), so a
  negation is always one of a few words;
* HTML tags and entities become plain text: ``<b>great</b>`` is the word
  "great", a ``<script>`` tag is just noise to skip. SQL-looking text needs no
  care at all: nothing here is ever executed or interpolated;
* a handful of common emoji, and ASCII emoticons (":)", ":-(", "<3"), become a
  word that carries their tone, because the review corpora the sentiment model
  learnt from have almost none, and punctuation is otherwise dropped.

Comments are cut at :data:`MAX_CHARS` characters so that the time per comment
is bounded (the surveys service keeps at most 20,000 anyway).
"""

from __future__ import annotations

import html
import itertools
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

MAX_CHARS = 20_000

# Tone-bearing emoji → a word in both scripts, so the model and the negation logic see them.
EMOJI_WORDS = {
    "👍": " good 赞 ",
    "👌": " good 好 ",
    "😊": " happy 开心 ",
    "😄": " happy 开心 ",
    "😃": " happy 开心 ",
    "🙂": " good 好 ",
    "😍": " love 喜欢 ",
    "❤": " love 喜欢 ",
    "🥰": " love 喜欢 ",
    "🎉": " great 棒 ",
    "💯": " great 棒 ",
    "👏": " great 棒 ",
    "😋": " delicious 好吃 ",
    "😡": " angry 生气 ",
    "😠": " angry 生气 ",
    "🤬": " angry 生气 ",
    "😤": " angry 生气 ",
    "👎": " bad 差 ",
    "💩": " terrible 垃圾 ",
    "🤮": " disgusting 恶心 ",
    "🤢": " disgusting 恶心 ",
    "😞": " disappointed 失望 ",
    "😢": " sad 难过 ",
    "😭": " sad 难过 ",
    "😒": " disappointed 失望 ",
    "🙄": " annoyed 无语 ",
}
_EMOJI_RE = re.compile("|".join(map(re.escape, EMOJI_WORDS)))
# ASCII emoticons (after lower-casing) → an English word of their tone; only where they stand
# alone, so "10:30", "http://" and "(see 1)" are left as they are.
_EMOTICON_RE = re.compile(
    r"(?<![\w:;=)(/<^])(?:(?P<happy>[:;=][-'^o]?[)\]dp*3>}]|\(:|<3|\^_?\^)|(?P<sad>[:;=][-'^o]?[(\[/\\|{]|\):|</3))"
    r"(?![\w)(/:;^])"
)
_TAG_RE = re.compile(r"</?[a-z!][^<>]{0,200}>", re.IGNORECASE)
_CONTRACTIONS = (
    (re.compile(r"\bcan'?t\b"), "can not"),
    (re.compile(r"\bwon'?t\b"), "will not"),
    (re.compile(r"\bain'?t\b"), "is not"),
    (re.compile(r"n't\b"), " not"),
)
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'"})

# Words after which the next few words are read as negated.
ZH_NEGATORS = frozenset(
    [
        "不",
        "没",
        "没有",
        "无",
        "未",
        "别",
        "非",
        "不是",
        "不会",
        "不用",
        "从不",
        "从没",
        "从来不",
        "从来没",
        "并不",
        "并没",
        "并没有",
        "毫不",
        "毫无",
        "绝不",
        "决不",
        "一点也不",
        "一点都不",
        "不太",
        "不怎么",
        "不够",
        "不再",
        "没能",
        "未能",
        "甭",
        "莫",
    ]
)
EN_NEGATORS = frozenset(
    [
        "not",
        "no",
        "never",
        "without",
        "nothing",
        "none",
        "nobody",
        "nowhere",
        "neither",
        "nor",
        "hardly",
        "barely",
        "cannot",
        "zero",
    ]
)
# Characters that negate what follows in Chinese, for cue matching on raw clause text.
ZH_NEGATOR_CHARS = frozenset("不没无未别非莫勿")
# Words that start with a negator character but do not negate what follows.
ZH_NOT_NEGATION = (
    "不错",
    "不仅",
    "不但",
    "不少",
    "不过",
    "不久",
    "不管",
    "不论",
    "不停",
    "不断",
    "不得不",
    "不如",
    "不一会",
    "差不多",
    "无语",
    "无奈",
    "没想到",
    "没准",
    "非常",
    "别人",
    "别的",
    "特别",
    "别提",
    "不知道",
    "没法",
    "动不动",  # "动不动就报错": it errors at every turn, nothing is denied
    "时不时",
    "没完没了",
)
CONTRAST_WORDS = frozenset(
    [
        "但是",
        "但",
        "可是",
        "不过",
        "然而",
        "就是",
        "只是",
        "可惜",
        "but",
        "however",
        "although",
        "though",
        "except",
        "yet",
    ]
)
_CLAUSE_BREAK = frozenset(",.!?;:，。！？；：、\n\r\t~～…()（）[]【】<>《》\"'“”")
NEGATION_SPAN = 3  # a negator reaches this many words forward, within its clause

_HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")

# A fault that was put right is no complaint: "they fixed the problem", "sorted my issue in
# minutes", "问题很快就解决了" read like "no problem". Done deeds only: "please fix the
# problem", "needs to be fixed", "希望尽快解决问题" still ask, "终于/三天才解决" and "finally
# fixed" tell of a wait, "said they fixed it" only reports a claim; those keep their fault.
EN_RESOLVED = frozenset(
    ["resolved", "solved", "fixed", "sorted", "handled", "addressed", "rectified", "corrected", "repaired"]
)
EN_FAULTS = frozenset(
    ["issue", "issues", "problem", "problems", "bug", "bugs", "glitch", "glitches", "error", "errors", "fault",
     "faults", "complaint", "complaints", "concern", "concerns", "crash", "crashes", "outage", "outages",
     "defect", "defects", "mistake", "mistakes"]
)
_EN_NOT_DONE = frozenset(
    ["should", "would", "could", "need", "needs", "must", "hope", "hoping", "hopefully", "wish", "want",
     "wanted", "expect", "expected", "if", "until", "unless", "yet", "finally", "eventually", "still",
     "supposed", "said", "told", "claimed", "supposedly", "apparently", "please", "when", "waiting", "wait",
     "required", "require", "requires"]
)
ZH_FAULTS = frozenset(["问题", "毛病", "故障", "差错", "异常", "投诉", "漏洞", "闪退", "报错"])
# Done, not a method or an ability ("解决问题的办法", "解决问题的能力"): a completion after the
# verb ("解决了", "修好啦"), or "已(经)" or a helper before it ("已经修复", "帮我解决").
_ZH_RESOLVED_RE = re.compile(
    r"(?:解决|修复|修好|处理好|搞定|排除)(?=[了好掉啦完])|(?:已经?|帮我?|帮忙|给)(?:解决|修复|修好|处理好|搞定|排除)"
)
_ZH_FAULT_RE = re.compile("|".join(sorted(ZH_FAULTS)))
_ZH_NOT_DONE_RE = re.compile(r"希望|需要|要求|请|尽快|赶紧|什么时候|何时|应该|终于|才|如果|假如|说是|号称|正在|在解决")
# Numbers are tokens too ("45", "2-3", "1.5"): not words for the sentiment model, but the
# taxonomy's cues read them ("took # minutes").
_WORD_RE = re.compile(
    r"[a-z]+(?:'[a-z]+)?|[0-9]+(?:[.,][0-9]+)?(?:-[0-9]+)?|[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[^\sa-z0-9]"
)
_ASCII_WORD = re.compile(r"[a-z]+")


@lru_cache(maxsize=1)
def _t2s() -> Any:
    import opencc  # the native converter and its dictionaries ship inside the wheel

    return opencc.OpenCC("t2s")


def _has_han(text: str) -> bool:
    return _HAN_RE.search(text) is not None


def normalize(text: str | None) -> str:
    """The comment as the analysis reads it (see the module docstring)."""
    if not text:
        return ""
    text = text[:MAX_CHARS]
    text = unicodedata.normalize("NFKC", text)
    if "<" in text:
        text = _TAG_RE.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    if _has_han(text):
        text = _t2s().convert(text)
    text = text.lower().translate(_APOSTROPHES)
    if "'" in text:
        for pattern, replacement in _CONTRACTIONS:
            text = pattern.sub(replacement, text)
    if not text.isascii():
        text = _EMOJI_RE.sub(lambda m: EMOJI_WORDS[m.group(0)], text)
    if ":" in text or ";" in text or "=" in text or "<3" in text or "^" in text or "(:" in text:
        text = _EMOTICON_RE.sub(lambda m: " happy " if m.group("happy") else " sad ", text)
    return text


@lru_cache(maxsize=1)
def _jieba() -> Any:
    import importlib
    import logging
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # jieba 0.42 imports the deprecated pkg_resources
        jieba = importlib.import_module("jieba")  # untyped; used through one call

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()  # builds (or loads the cached) prefix dictionary once per process
    return jieba


def tokenize(normalized: str) -> list[str]:
    """Words of normalised text: jieba for anything with Chinese in it, a regex for the rest.

    jieba keeps Latin runs together ("骑手很nice" → 骑手/很/nice), so mixed comments
    need no special case; spaces and punctuation come back as their own tokens.
    """
    if not normalized:
        return []
    if _has_han(normalized):
        return [t for t in _jieba().lcut(normalized, HMM=False) if not t.isspace()]
    return _WORD_RE.findall(normalized)


@dataclass(frozen=True, slots=True)
class Clause:
    """Part of a comment between punctuation or a contrast word ("但是", "but")."""

    text: str  # normalised text of the clause (words joined as written)
    words: tuple[str, ...]  # tokens without punctuation
    negated: tuple[bool, ...]  # per word: inside a negator's reach
    question: bool = False  # ended with a question mark
    # The clause with its numbers, for the taxonomy's cues ("took # days", "卡了#天"); the
    # sentiment features never saw numbers and still do not (empty: the same as ``text``).
    numbered: str = ""
    # It says a fault it names was put right ("fixed my issue", "问题解决了"): see EN_RESOLVED.
    resolved: bool = False

    @property
    def cue_text(self) -> str:
        return self.numbered or self.text


# A Chinese clause holding one of these asks something ("请问…", "…吗", "是否…", "有没有…");
# one that opens with a request word asks for something ("建议增加…", "希望…", "please add…").
ZH_QUESTION_WORDS = frozenset(
    ["吗", "请问", "如何", "是否", "能否", "可否", "有无", "是不是", "有没有", "可不可以", "能不能", "要不要", "会不会"]
)
REQUEST_OPENERS = frozenset(["建议", "希望", "请", "please", "pls", "kindly", "suggest", "suggestion"])
# A why-question reports a fault rather than asking ("why is it so slow", "为什么没有筷子").
WHY_WORDS = frozenset(["为什么", "为啥", "凭什么", "干嘛", "why"])


def asks(clause: Clause) -> bool:
    """Whether a clause asks or requests rather than judges: it ends with "?", holds "吗",
    "请问", "是否" or an A-not-A pair ("能 不能"), or opens with "建议", "希望", "please".
    Not a why-question ("为什么没有筷子", "why is it so slow"): that reports a fault."""
    words = clause.words
    if not (
        clause.question
        or words[0] in REQUEST_OPENERS
        or not ZH_QUESTION_WORDS.isdisjoint(words)
        or (("不" in clause.text or "没" in clause.text) and _a_not_a(words))
    ):
        return False
    return WHY_WORDS.isdisjoint(words)


def _a_not_a(words: tuple[str, ...]) -> bool:
    """Whether a word is followed by its own negation, "能 不能", "来 没来": a yes-no question."""
    return any(b[0] in "不没" and b[1:] == a for a, b in itertools.pairwise(words))


def _join(words: list[str]) -> str:
    """Words back into clause text: Chinese runs together, Latin words apart."""
    out: list[str] = []
    prev_ascii = False
    for w in words:
        is_ascii = w.isascii()
        if is_ascii and prev_ascii:
            out.append(" ")
        out.append(w)
        prev_ascii = is_ascii
    return "".join(out)


_BREAK = _CLAUSE_BREAK | CONTRAST_WORDS
_NEGATORS = ZH_NEGATORS | EN_NEGATORS


def clauses(normalized: str, *, segment: bool = True) -> list[Clause]:
    """Split normalised text into clauses and mark which words a negator reaches.

    ``segment=False`` keeps each run of Chinese as one word instead of asking jieba: enough
    for the lexicons (they scan the Chinese text itself) at a fraction of the cost."""
    out: list[Clause] = []
    words: list[str] = []
    negated: list[bool] = []
    shown: list[str] = []  # words and numbers, when the clause has a number
    reach = 0
    for token in tokenize(normalized) if segment else _WORD_RE.findall(normalized):
        if token in _BREAK or (len(token) == 1 and not token.isalnum()):
            if words:
                question = token == "?"  # noqa: S105 (not a password)
                out.append(_clause(words, negated, question, shown))
                words = []
                negated = []
            shown = []
            reach = 0
        elif token in _NEGATORS:
            if words and token[0] in "不没" and words[-1] == token[1:]:
                words[-1] += token  # "会不会", "有没有": an A-not-A question, not a negation
                if shown:
                    shown.append(token)  # Chinese runs join without spaces: the same text
                continue
            words.append(token)
            negated.append(False)
            if shown:
                shown.append(token)
            reach = NEGATION_SPAN
        elif not token[0].isdigit():
            words.append(token)
            negated.append(reach > 0)
            if shown:
                shown.append(token)
            if reach:
                reach -= 1
        else:
            if not shown:
                shown = list(words)
            shown.append(token)
    if words:
        out.append(_clause(words, negated, False, shown))
    return out


def _clause(words: list[str], negated: list[bool], question: bool, shown: list[str]) -> Clause:
    text = _join(words)
    # A fault put right reads as denied to the lexicons and the taxonomy ("problem" like "no
    # problem"), so a comment of such clauses reads positive (``Analyzer._only_denials``). The
    # model's own features stay as trained: a strong "!问题" from "没问题" would outvote the
    # rest of a long review that also mentions a fix.
    resolved = not question and _resolves_fault(text, words, negated)
    return Clause(text, tuple(words), tuple(negated), question, _join(shown) if shown else "", resolved)


def names_fault(phrase: str) -> bool:
    """Whether a phrase (a taxonomy cue as found) names a fault of :data:`EN_FAULTS`/:data:`ZH_FAULTS`."""
    return _holds_zh_fault(phrase) or not EN_FAULTS.isdisjoint(phrase.split())


def _holds_zh_fault(text: str) -> bool:
    # jieba keeps "解决问题" as one word: look inside it.
    return _ZH_FAULT_RE.search(text) is not None


def _resolves_fault(text: str, words: list[str], negated: list[bool]) -> bool:
    """Whether the clause says a fault it names was put right (see :data:`EN_RESOLVED`)."""
    if not text.isascii():
        if not _holds_zh_fault(text) and EN_FAULTS.isdisjoint(words):
            return False
        if words[0] in REQUEST_OPENERS or not ZH_QUESTION_WORDS.isdisjoint(words) or _ZH_NOT_DONE_RE.search(text):
            return False
        for m in _ZH_RESOLVED_RE.finditer(text):
            if text[m.end() : m.end() + 1] not in ("不", "没") and not zh_cue_negated(text, m.start()):
                return True
    if EN_RESOLVED.isdisjoint(words) or EN_FAULTS.isdisjoint(words) or not _EN_NOT_DONE.isdisjoint(words):
        return False
    # "waiting for it to be fixed", "has yet to be resolved": a fix to come, not done.
    return any(
        word in EN_RESOLVED and not neg and words[i - 2 : i] != ["to", "be"]
        for i, (word, neg) in enumerate(zip(words, negated, strict=True))
    )


def clause_features(clause: Clause) -> set[str]:
    """Sparse features of one clause for the linear sentiment model.

    Words (negated ones prefixed with "!"), Chinese character bigrams (robust where
    jieba splits oddly or a word is new; a bigram that is also a word is one
    feature) and English word bigrams. Negators are not features themselves: the
    "!" on the words they reach carries them, and on their own they only learn
    "negative" and drag down "不凉" and "没有洒".
    """
    feats: set[str] = set()
    prev_en = ""
    for word, neg in zip(clause.words, clause.negated, strict=True):
        if word in _NEGATORS:
            prev_en = word if word.isascii() else ""
            continue
        feats.add("!" + word if neg else word)
        if word.isascii():
            if prev_en:
                feats.add(prev_en + "_" + word)
            prev_en = ("!" + word) if neg else word
        else:
            prev_en = ""
    if not clause.text.isascii():
        if True in clause.negated:
            feats.update(_negated_bigrams(clause))
        else:
            for run in _HAN_RE.findall(clause.text):
                feats.update(
                    pair
                    for i in range(len(run) - 1)
                    if (pair := run[i : i + 2])[0] not in ZH_NEGATOR_CHARS and pair[1] not in ZH_NEGATOR_CHARS
                )
    return feats


def _negated_bigrams(clause: Clause) -> set[str]:
    """The Chinese character bigrams of a clause that holds a negation, a bigram that touches a
    negated word marked "!" like the word: "不清楚" gives "!清楚", so "清楚" learns only from
    "很清楚" (before, every "不清楚" taught the bare "清楚" that it was a complaint)."""
    out: set[str] = set()
    run: list[str] = []
    flags: list[bool] = []
    for word, neg in zip(clause.words, clause.negated, strict=True):
        if not word.isascii() and _HAN_RE.fullmatch(word):
            run.append(word)
            flags += [neg] * len(word)
        elif run:
            _add_bigrams(out, "".join(run), flags)
            run = []
            flags = []
    if run:
        _add_bigrams(out, "".join(run), flags)
    return out


def _add_bigrams(out: set[str], run: str, flags: list[bool]) -> None:
    for i in range(len(run) - 1):
        pair = run[i : i + 2]
        if pair[0] not in ZH_NEGATOR_CHARS and pair[1] not in ZH_NEGATOR_CHARS:
            out.add("!" + pair if flags[i] or flags[i + 1] else pair)


def zh_cue_negated(text: str, start: int) -> bool:
    """Whether a Chinese cue at ``text[start:]`` is negated: "不凉", "一点都不凉", "没有洒", "一滴都没洒".

    A negator character within the four characters before the cue negates it,
    unless it belongs to a word that does not negate ("不错", "特别", "非常", "差不多").
    """
    window = text[max(0, start - 6) : start]
    if not any(ch in ZH_NEGATOR_CHARS for ch in window):
        return False
    for phrase in ZH_NOT_NEGATION:
        if phrase in window:
            window = window.replace(phrase, "_" * len(phrase))
    return any(ch in ZH_NEGATOR_CHARS for ch in window[-4:])


def en_cue_negated(text: str, start: int) -> bool:
    """Whether an English cue at ``text[start:]`` is negated: "not late", "was not cold", "never late"."""
    before = _ASCII_WORD.findall(text[max(0, start - 40) : start])
    return any(w in EN_NEGATORS for w in before[-NEGATION_SPAN:])
