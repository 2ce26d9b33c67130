"""The message catalog is complete in both languages, and language negotiation follows the rules."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from doorstep.cases.messages import ENGLISH as NOTE_ENGLISH
from doorstep.jobs.worker import default_handlers, default_passes
from doorstep.web import i18n
from doorstep.web.i18n import LANGUAGES, MESSAGES, negotiate, normalise, parse_accept_language, t

WEB = Path(i18n.__file__).parent
# Message ids the templates build from a variable: "error." ~ kind ~ ".title", "dashboard." ~ kind.
COMPUTED = {f"error.{kind}.{part}" for kind in ("404", "410", "other", "page") for part in ("title", "body")} | {
    f"dashboard.{kind}" for kind in ("promoters", "passives", "detractors")} | {
    # The timeline's system notes: "note." ~ the id stored with the event (doorstep.cases.messages).
    f"note.{key}" for key in NOTE_ENGLISH} | {
    # The jobs page's names of job kinds: "jobs.kind." ~ the kind (doorstep.web.admin.kind_name).
    f"jobs.kind.{kind}" for kind in {*default_handlers(), *(p.kind for p in default_passes())}}
# "<id>.one": what t() says instead of "<id>" when the count is 1 ("1 case", not "1 cases").
SINGULARS = {key for key in MESSAGES if key.endswith(".one") and key.removesuffix(".one") in MESSAGES}


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def used_ids() -> set[str]:
    # Pages and e-mails: every template, and the Python that renders them.
    files = [*(WEB / "templates").rglob("*.html"), *(WEB / "templates").rglob("*.txt"), *WEB.glob("*.py"),
             *(WEB.parent / "channels").glob("*.py")]
    sources = [p.read_text(encoding="utf-8") for p in sorted(files) if p.name != "i18n.py"]
    pattern = re.compile(r"""\bt(?:_other)?\((?:lang,\s*)?["']([a-z0-9_.]+)["']\s*[,)]""")
    return {key for source in sources for key in pattern.findall(source)}


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_every_message_exists_in_both_languages(key):
    assert set(MESSAGES[key]) == set(LANGUAGES)
    assert all(text.strip() for text in MESSAGES[key].values())


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_placeholders_are_the_same_in_both_languages(key):
    assert placeholders(MESSAGES[key]["en"]) == placeholders(MESSAGES[key]["zh-CN"])


def test_chinese_messages_are_chinese():
    # A copy-pasted English text in the zh-CN column is the usual translation slip.
    untranslated = [key for key, texts in MESSAGES.items()
                    if texts["zh-CN"] == texts["en"] and not key.startswith("lang.")]
    assert untranslated == []


def test_every_message_the_pages_ask_for_exists():
    missing = used_ids() - set(MESSAGES)
    assert missing == set()
    assert len(used_ids()) > 20  # the scan itself works


def test_every_message_is_used():
    assert set(MESSAGES) - used_ids() - COMPUTED - SINGULARS == set()
    assert {key.removesuffix(".one") for key in SINGULARS} <= used_ids()


def test_counts_are_grouped_and_one_is_singular():
    assert t("en", "inbox.count", count=1) == "1 case"
    assert t("en", "inbox.count", count=0) == "0 cases"
    assert t("en", "inbox.count", count=1_000_000) == "1,000,000 cases"
    assert t("zh-CN", "inbox.count", count=1427) == "共 1,427 个工单"
    assert t("en", "case.title", id=12345) == "Case 12345"  # an id is not a count: never grouped


def test_t_formats_and_refuses_unknown_ids():
    assert t("en", "survey.question", workspace="Acme") == "How likely are you to recommend Acme to a friend?"
    assert t("zh-CN", "survey.question", workspace="老王面馆") == "您有多大可能向朋友推荐老王面馆？"
    with pytest.raises(KeyError):
        t("en", "survey.no_such_message")
    with pytest.raises(KeyError):
        t("en", "survey.question")  # a placeholder without its value is a bug, not a message


@pytest.mark.parametrize(
    ("tag", "expected"),
    [("zh", "zh-CN"), ("zh-CN", "zh-CN"), ("zh_TW", "zh-CN"), ("ZH-Hant-HK", "zh-CN"), ("en", "en"),
     ("en-GB", "en"), (" EN_us ", "en"), ("fr", None), ("", None), (None, None), ("zhx", None)],
)
def test_normalise(tag, expected):
    assert normalise(tag) == expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", ["zh-CN", "zh", "en"]),
        ("en;q=0.5, fr, zh;q=0.7", ["fr", "zh", "en"]),
        ("da, en-gb;q=0.8, en;q=0.8", ["da", "en-gb", "en"]),  # equal weights keep their order
        ("zh;q=0, en", ["en"]),  # q=0: not acceptable
        ("zh;q=abc, en;q=0.1", ["en"]),  # a malformed weight is dropped, not trusted
        ("zh;q=2, en;q=0.1", ["en"]),  # out of range
        (" , ;q=1, en ", ["en"]),
        ("", []),
        (None, []),
    ],
)
def test_parse_accept_language(header, expected):
    assert parse_accept_language(header) == expected


@pytest.mark.parametrize(
    ("accept", "preferred", "default", "expected"),
    [
        (None, None, "en", "en"),
        (None, None, "zh-CN", "zh-CN"),
        (None, None, "fr", "en"),  # a default we do not speak
        ("zh-CN", None, "en", "zh-CN"),
        ("zh-TW,zh;q=0.9", None, "en", "zh-CN"),
        ("fr-FR,fr;q=0.9,zh;q=0.8,en;q=0.7", None, "en", "zh-CN"),
        ("en-US,en;q=0.9,zh;q=0.8", None, "zh-CN", "en"),
        ("de, fr", None, "zh-CN", "zh-CN"),
        ("*", None, "zh-CN", "zh-CN"),
        ("zh-CN", "en", "zh-CN", "en"),  # preferred beats the browser
        ("en", "zh", "en", "zh-CN"),
        ("zh-CN", "fr", "en", "zh-CN"),  # a preference we cannot honour falls through
        ("x" * 5000, None, "en", "en"),
    ],
)
def test_negotiate(accept, preferred, default, expected):
    assert negotiate(accept, preferred, default) == expected
