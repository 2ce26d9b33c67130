"""The CLI's catalog (doorstep.cli.messages) is complete in both languages, and every message
the commands ask for exists — found by reading the cli package, as tests/web/test_i18n.py
reads the templates."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from doorstep.cli import messages
from doorstep.cli.messages import LANGUAGES, MESSAGES, language_tag, t

CLI = Path(messages.__file__).parent
MARKUP = re.compile(r"\[/?[a-z ]*\]")
CHINESE = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")  # ideographs and CJK punctuation


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def trees() -> list[ast.Module]:
    return [ast.parse(p.read_text(encoding="utf-8")) for p in sorted(CLI.glob("*.py")) if p.name != "messages.py"]


def asked_for() -> set[str]:
    """The first argument of every say(...) and st.say(...) call: the ids a command asks for."""
    ids = set()
    for tree in trees():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and node.args:
                name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
                first = node.args[0]
                # say("a.b") or say("a.b" if … else "a.c")
                options = [first.body, first.orelse] if isinstance(first, ast.IfExp) else [first]
                if name == "say":
                    ids.update(o.value for o in options if isinstance(o, ast.Constant) and isinstance(o.value, str))
    return ids


def literals() -> set[str]:
    return {node.value for tree in trees() for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)}


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_every_message_exists_in_both_languages(key: str) -> None:
    assert set(MESSAGES[key]) == set(LANGUAGES)
    assert all(text.strip() for text in MESSAGES[key].values())


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_placeholders_and_markup_are_the_same_in_both_languages(key: str) -> None:
    en, zh = MESSAGES[key]["en"], MESSAGES[key]["zh-CN"]
    assert placeholders(en) == placeholders(zh)
    assert sorted(MARKUP.findall(en)) == sorted(MARKUP.findall(zh))


def test_chinese_messages_are_chinese() -> None:
    # A copy-pasted English text in the zh-CN column is the usual translation slip.
    assert [key for key, texts in MESSAGES.items() if texts["zh-CN"] == texts["en"]] == []
    assert [key for key, texts in MESSAGES.items() if not CHINESE.search(texts["zh-CN"])] == []


def test_every_message_a_command_asks_for_exists() -> None:
    asked = asked_for()
    assert len(asked) > 50  # the scan itself works
    assert asked - set(MESSAGES) == set()


def test_every_message_is_used() -> None:
    # An id only in the catalog is a leftover of a changed command.
    assert set(MESSAGES) - literals() == set()


def test_language_tags() -> None:
    assert [language_tag(v) for v in ("en", "EN", "zh-CN", "zh_CN", "zh", " zh-cn ")] == \
        ["en", "en", "zh-CN", "zh-CN", "zh-CN", "zh-CN"]
    assert [language_tag(v) for v in ("fr", "", "zh-TW-x", "english")] == [None, None, None, None]


def test_t_formats_and_refuses_an_unknown_id() -> None:
    assert t("zh-CN", "taxonomy.reanalysed", count="1,000") == "已重新分析 1,000 条回答。"
    assert t("en", "taxonomy.reanalysed", count="1,000") == "1,000 answers re-analysed."
    with pytest.raises(KeyError):
        t("en", "no.such.message")
