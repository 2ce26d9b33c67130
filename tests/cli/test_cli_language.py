"""The CLI speaks English or Simplified Chinese: --lang, else DOORSTEP_LANG, else the locale
(LC_ALL, LC_MESSAGES, LANG). Only what a person reads changes; --json is byte-identical."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import CliRun, run_cli

from doorstep.config import Settings, locale_language

DELIVERIES = """external_id,customer_id,promised_at,delivered_at,stage.ordered,stage.delivered,team
O1,c1,2026-03-01T12:30:00,2026-03-01T12:50:00,2026-03-01T12:00:00,2026-03-01T12:50:00,north
O2,c2,2026-03-01T12:30:00,2026-03-01T12:20:00,2026-03-01T12:00:00,2026-03-01T12:20:00,south
O3,c3,2026-03-01T18:30:00,2026-03-01T18:20:00,2026-03-01T18:00:00,2026-03-01T18:20:00,north
"""
RESPONSES = """delivery_external_id,score,comment,stage,responded_at
O1,4,送得太慢了，饭都凉了,delivered,2026-03-01T13:30:00
O2,9,"On time, thanks!",,2026-03-01T13:00:00
O3,8,不凉，挺好,,2026-03-01T19:00:00
"""
ZH_LOCALE = {"LANG": "zh_CN.UTF-8"}
# The reports, and the Chinese words each must show.
REPORTS = [
    (("nps", "--by", "team"), ("回答数", "推荐者", "中立者", "贬损者", "影响", "95% 置信区间")),
    (("stages",), ("环节", "晚到率", "回答数", "中位超时")),
    (("drivers",), ("驱动因素", "提及数", "影响")),
    (("lateness",), ("晚到时长", "准时", "损失分数")),
    (("trend", "--every", "month"), ("每月 NPS", "起始")),
    (("cases",), ("工单", "负责人", "优先级")),
    (("loop",), ("闭环", "工作区")),
    (("jobs",), ("后台任务", "合计", "最新的在前")),
    (("user", "list"), ("人员", "用户名", "可登录")),
    (("audit",), ("审计日志", "操作人")),
    (("workspace", "list"), ("标识", "时区")),
    (("links", "list"), ("开放链接", "标签")),
    (("webhooks", "list"), ("Webhook 订阅", "密钥")),
    (("briefs", "list"), ("简报", "周期", "还没有存储的简报")),
    (("alerts",), ("没有预警",)),
    (("taxonomy", "show"), ("主题分类", "线索词", "中文名")),
    (("journey", "show"), ("旅程环节", "目标（分钟）")),
]


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    # Rich fixes the width when COLUMNS is set at import (pytest-xdist sets 80): a wide table
    # here, so no header is wrapped or cut short by the layout.
    from doorstep.cli.common import console

    monkeypatch.setattr(console, "_width", 200)


@pytest.fixture
def db(database_url: str, tmp_path: Path) -> str:
    d, r = tmp_path / "d.csv", tmp_path / "r.csv"
    d.write_text(DELIVERIES, encoding="utf-8")
    r.write_text(RESPONSES, encoding="utf-8")
    for args in (("init", "--timezone", "Asia/Shanghai"), ("import", "deliveries", str(d)),
                 ("import", "responses", str(r))):
        assert run_cli(*args, "--db", database_url).returncode == 0
    return database_url


def doorstep(*args: str, db: str, env: dict[str, str] | None = None) -> CliRun:
    proc = run_cli(*args, "--db", db, env=env)
    assert proc.returncode == 0, proc.stderr
    return proc


@pytest.mark.parametrize(("args", "words"), REPORTS, ids=[" ".join(a) for a, _ in REPORTS])
def test_reports_in_chinese_by_option_and_by_locale(db: str, args: tuple[str, ...], words: tuple[str, ...]) -> None:
    by_option = doorstep(*args, "--lang", "zh-CN", db=db).stdout
    by_locale = doorstep(*args, db=db, env=ZH_LOCALE).stdout
    english = doorstep(*args, db=db).stdout
    for word in words:
        assert word in by_option, (word, by_option)
        assert word not in english
    assert by_locale == by_option


@pytest.mark.parametrize("args", [a for a, _ in REPORTS], ids=[" ".join(a) for a, _ in REPORTS])
def test_json_is_the_same_in_every_language(db: str, args: tuple[str, ...]) -> None:
    english = doorstep(*args, "--json", db=db).stdout
    assert doorstep(*args, "--json", "--lang", "zh-CN", db=db).stdout == english
    assert doorstep(*args, "--json", db=db, env=ZH_LOCALE).stdout == english


def test_analyze_and_files_written(db: str, tmp_path: Path) -> None:
    comments = tmp_path / "c.csv"
    comments.write_text("comment\n送得太慢了，饭都凉了\nGreat, on time\n", encoding="utf-8")
    table = doorstep("analyze", str(comments), "-c", "comment", "--lang", "zh-CN", db=db).stdout
    assert all(word in table for word in ("已分析 2 行", "情感", "负面", "正面", "前 2 行")), table
    english = doorstep("analyze", str(comments), "-c", "comment", "--json", db=db).stdout
    assert doorstep("analyze", str(comments), "-c", "comment", "--json", "--lang", "zh-CN", db=db).stdout == english
    link = doorstep("links", "create", "--label", "收据", "--lang", "zh-CN", db=db).stdout
    assert "开放链接 1（收据）：" in link and "打印二维码：" in link
    qr = doorstep("qr", "--link", "1", "--out", str(tmp_path / "q.svg"), "--lang", "zh-CN", db=db).stdout
    assert qr.startswith("已写入 ") and "字节" in qr


def test_the_option_beats_the_setting_which_beats_the_locale(db: str) -> None:
    assert "Lateness" in doorstep("lateness", "--lang", "en", db=db, env=ZH_LOCALE).stdout
    assert "Lateness" in doorstep("lateness", db=db, env={"DOORSTEP_LANG": "en", **ZH_LOCALE}).stdout
    assert "晚到与评分" in doorstep("lateness", db=db, env={"DOORSTEP_LANG": "zh-CN"}).stdout
    assert "晚到与评分" in doorstep("lateness", "--lang", "zh", db=db, env={"DOORSTEP_LANG": "en"}).stdout
    # LC_ALL outranks LANG, as in every POSIX program; C means English.
    assert "Lateness" in doorstep("lateness", db=db, env={"LC_ALL": "C", **ZH_LOCALE}).stdout


def test_an_unknown_language_is_refused(db: str) -> None:
    proc = run_cli("--lang", "fr", "nps", "--db", db, env={"COLUMNS": "200"})  # Typer's box: its own width
    assert proc.returncode == 2
    assert "'fr' is not a language we speak: use en or zh-CN" in proc.stderr
    assert run_cli("nps", "--lang", "klingon", "--db", db).returncode == 2  # after the command, too


def test_errors_say_error_in_the_language(db: str) -> None:
    proc = run_cli("nps", "--workspace", "nope", "--lang", "zh-CN", "--db", db)
    assert proc.returncode == 3
    assert "错误：" in proc.stderr and "workspace 'nope' does not exist" in proc.stderr  # the service's text
    assert "error:" in run_cli("nps", "--workspace", "nope", "--db", db).stderr


def test_the_locale_decides_without_a_choice() -> None:
    assert locale_language({}) == "en"
    assert locale_language({"LANG": "zh_CN.UTF-8"}) == "zh-CN"
    assert locale_language({"LANG": "zh_TW.Big5"}) == "zh-CN"  # our only Chinese
    assert locale_language({"LANG": "C"}) == "en"
    assert locale_language({"LANG": "POSIX"}) == "en"
    assert locale_language({"LANG": "de_DE.UTF-8"}) == "en"
    assert locale_language({"LC_MESSAGES": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}) == "zh-CN"
    assert locale_language({"LC_ALL": "en_US.UTF-8", "LC_MESSAGES": "zh_CN.UTF-8"}) == "en"
    assert locale_language({"LC_ALL": "", "LANG": "zh_CN.UTF-8"}) == "zh-CN"  # empty: not set


def test_the_setting_takes_the_usual_spellings() -> None:
    assert Settings(lang="zh_CN").lang == "zh-CN"
    assert Settings(lang="zh").lang == "zh-CN"
    assert Settings(lang="en").lang == "en"
    assert Settings(lang="").lang is None
    assert Settings().lang is None
    with pytest.raises(ValueError, match="lang"):
        Settings(lang="fr")
