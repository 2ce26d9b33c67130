"""System notes as messages: the English the API has always returned, word for word, and
the same note in Chinese from its stored id and values."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from doorstep.cases.messages import ENGLISH, Message, Moment, note_columns, render, say_english
from doorstep.web.i18n import t

DUE = dt.datetime(2026, 3, 2, 13, 0, tzinfo=dt.UTC)

# (message, the English the code wrote before notes had ids) — outside tools parse these.
NOTES = [
    (Message("opened", {"why": Message("route.default"), "priority": Message("priority.normal")}),
     "owner: the default CS owner; priority normal"),
    (Message("opened_because", {
        "why": Message("route.rule_queue", {"rule": 2, "queue": "north-cs", "handle": "cs-a"}),
        "priority": Message("priority.high"),
        "reasons": [Message("reason.score", {"score": 2}),
                    Message("reason.value", {"attribute": "order_value", "value": "1200", "threshold": "1000"}),
                    Message("reason.repeat", {"days": 30})]}),
     "rule 2: queue north-cs, turn of cs-a; priority high (score 2; order_value 1200 ≥ 1000; "
     "unhappy again within 30 days)"),
    (Message("opened", {"why": Message("route.rule_owner", {"rule": 1, "owner": "cs-vip"}),
                        "priority": Message("priority.low")}),
     "rule 1: owner cs-vip; priority low"),
    (Message("opened", {"why": Message("route.lead"), "priority": Message("priority.normal")}),
     "owner: the lead of the delivery's owner; priority normal"),
    (Message("opened", {"why": Message("route.none"), "priority": Message("priority.normal")}),
     "no owner: no rule, lead or default CS owner; priority normal"),
    (Message("escalated", {"clock": Message("clock.first_contact"), "due": Moment.of(DUE), "notified": "lead-east"}),
     "first contact was due 2026-03-02T13:00:00+00:00; escalated to lead-east"),
    (Message("escalated", {"clock": Message("clock.resolution"), "due": Moment.of(DUE),
                           "notified": Message("escalated.nobody")}),
     "resolution was due 2026-03-02T13:00:00+00:00; escalated to nobody (no lead, no escalation contact)"),
    (Message("resurvey.answered_while", {"score": 9, "status": Message("status.closed_unverified")}),
     "re-survey answered 9 while the case was closed_unverified"),
    (Message("resurvey.score", {"score": 9}), "re-survey score 9"),
    (Message("resurvey.unhappy_again", {"score": 3}), "unhappy again after the fix (re-survey score 3)"),
    (Message("resurvey.expired"), "no re-survey answer before it expired"),
    (Message("assigned", {"previous": Message("assigned.nobody"), "owner": "cs-li"}), "nobody → cs-li"),
    (Message("with_note", {"text": Message("assigned.queue", {"previous": "cs-li", "owner": "cs-wu",
                                                               "queue": "north-cs"}),
                           "note": "cs-li is on leave"}),
     "cs-li → cs-wu (queue north-cs): cs-li is on leave"),
]


@pytest.mark.parametrize(("message", "english"), NOTES, ids=[m.key for m, _ in NOTES])
def test_the_stored_english_is_what_it_always_was(message: Message, english: str) -> None:
    assert message.english() == english
    columns = note_columns(message)
    assert columns["note"] == english and columns["note_key"] == message.key
    # What the JSON column gives back says the same.
    stored = json.loads(json.dumps(columns["note_params"]))
    assert render(message.key, stored, say_english) == english


def people_words(params: Any) -> Iterator[str]:
    """The plain values of a note's parameters: handles, queues, a person's note."""
    for value in params.values() if isinstance(params, dict) else params:
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict | list):
            yield from people_words(value.get("params", {}) if isinstance(value, dict) else value)


@pytest.mark.parametrize(("message", "english"), NOTES, ids=[m.key for m, _ in NOTES])
def test_every_system_note_has_a_chinese_text(message: Message, english: str) -> None:
    chinese = render(message.key, message.to_params(), lambda key, **v: t("zh-CN", f"note.{key}", **v),
                     lambda iso: "")
    for words in sorted(people_words(message.to_params()), key=len, reverse=True):
        chinese = chinese.replace(words, "")
    assert not re.search("[A-Za-z]", chinese), chinese  # only what people named stays in Latin letters


def test_chinese_sentences() -> None:
    def zh(message: Message) -> str:
        return render(message.key, message.to_params(), lambda key, **v: t("zh-CN", f"note.{key}", **v),
                      lambda iso: dt.datetime.fromisoformat(iso).strftime("%m-%d %H:%M"))

    assert zh(NOTES[0][0]) == "负责人：默认客服负责人；优先级：普通"
    assert zh(NOTES[1][0]) == ("规则 2：队列 north-cs，轮到 cs-a；优先级：高"
                               "（评分 2；order_value 为 1200，不低于 1000；30 天内再次不满意）")
    assert zh(NOTES[6][0]) == "解决应于 03-02 13:00 完成；已升级给 无人（没有主管，也没有升级联系人）"
    assert zh(NOTES[12][0]) == "由 cs-li 改派给 cs-wu（队列 north-cs）：cs-li is on leave"  # their words, as typed


def test_people_notes_and_typos() -> None:
    assert note_columns("called, no answer") == {"note": "called, no answer", "note_key": None, "note_params": None}
    assert note_columns(None)["note_key"] is None
    with pytest.raises(KeyError):
        Message("route.defualt")
    assert set(ENGLISH) >= {"separator", "opened", "escalated", "assigned"}
