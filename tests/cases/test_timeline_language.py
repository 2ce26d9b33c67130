"""The case page says the system's timeline notes in its reader's language; the API keeps
the English text outside tools read; people's words and names are never translated and
always escaped."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

from sqlalchemy import insert, update
from tests.cases.helpers import answer
from tests.conftest import login

from doorstep.accounts.models import Workspace
from doorstep.accounts.services import get_workspace, update_settings
from doorstep.cases.escalation import run_escalation_pass
from doorstep.cases.models import CaseEvent

ORIGIN = {"Origin": "http://testserver"}


def configure(database, **changes) -> None:
    with database.write() as s:
        update_settings(session=s, workspace=get_workspace(session=s, slug="default"), **changes)


def api_notes(client, workspace, case_id: int) -> list[str | None]:
    detail = client.get(f"/api/v1/cases/{case_id}", headers=workspace.headers).json()
    assert all(set(e) == {"at", "actor", "kind", "from", "to", "note"} for e in detail["timeline"])
    return [e["note"] for e in detail["timeline"]]


def test_an_opened_case_reads_in_chinese_and_the_api_stays_english(client, database, workspace, clock) -> None:
    configure(database, default_cs_owner="cs-wang")
    case_id = answer(client, workspace, clock, "D-1", 2, comment="cold")
    login(client, database, workspace, "cs")

    zh = client.get(f"/cases/{case_id}", params={"lang": "zh"})
    assert zh.status_code == 200
    assert "负责人：默认客服负责人；优先级：高（评分 2）" in zh.text
    assert "owner: the default CS owner" not in zh.text and "priority high" not in zh.text
    en = client.get(f"/cases/{case_id}", params={"lang": "en"})
    assert "owner: the default CS owner; priority high (score 2)" in en.text
    assert api_notes(client, workspace, case_id) == ["owner: the default CS owner; priority high (score 2)"]


def test_names_and_notes_people_wrote_stay_as_written_and_escaped(client, database, workspace, clock) -> None:
    queue, member = "<b>north</b>", "<i>amy</i>"
    configure(database, routing_rules=[{"when": {"region": "north"}, "queue": queue}], queues={queue: [member]})
    case_id = answer(client, workspace, clock, "D-1", 5, attributes={"region": "north"})
    login(client, database, workspace, "cs")
    moved = client.post(f"/cases/{case_id}/assign", data={"owner": "cs-li", "lang": "zh"}, headers=ORIGIN)
    assert moved.status_code == 200
    noted = client.post(f"/api/v1/cases/{case_id}/assign", headers=workspace.headers,
                        json={"owner": "cs-wu", "note": "<script>x</script> 请假"})
    assert noted.status_code == 200

    page = client.get(f"/cases/{case_id}", params={"lang": "zh"}).text
    assert "规则 1：队列 &lt;b&gt;north&lt;/b&gt;，轮到 &lt;i&gt;amy&lt;/i&gt;；优先级：普通" in page
    assert "由 &lt;i&gt;amy&lt;/i&gt; 改派给 cs-li" in page
    assert "由 cs-li 改派给 cs-wu：&lt;script&gt;x&lt;/script&gt; 请假" in page  # their words, untranslated
    assert "<b>north" not in page and "<i>amy" not in page and "<script>x" not in page
    assert api_notes(client, workspace, case_id) == [
        "rule 1: queue <b>north</b>, turn of <i>amy</i>; priority normal",
        "<i>amy</i> → cs-li",
        "cs-li → cs-wu: <script>x</script> 请假",
    ]


def test_an_escalation_shows_its_due_time_in_the_workspace_zone(client, database, workspace, clock) -> None:
    with database.write() as s:
        s.execute(update(Workspace).where(Workspace.id == workspace.id).values(timezone="Asia/Shanghai"))
    configure(database, escalation_contact="ops-duty")
    case_id = answer(client, workspace, clock, "D-1", 2)
    due = dt.datetime.fromisoformat(
        client.get(f"/api/v1/cases/{case_id}", headers=workspace.headers).json()["first_contact_due"])
    clock.advance(seconds=(due - clock()).total_seconds() + 60)  # the first-contact clock only
    with database.write() as s:
        assert run_escalation_pass(s, clock()) == 1
    local = due.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")
    assert local != due.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M")

    login(client, database, workspace, "cs")
    zh = client.get(f"/cases/{case_id}", params={"lang": "zh"}).text
    assert f"首次联系应于 {local} 完成；已升级给 ops-duty" in zh
    assert "was due" not in zh
    en = client.get(f"/cases/{case_id}", params={"lang": "en"}).text
    assert f"first contact was due {local}; escalated to ops-duty" in en
    assert api_notes(client, workspace, case_id)[-1] == (
        f"first contact was due {due.isoformat()}; escalated to ops-duty")


def test_notes_without_an_id_this_version_knows_show_as_stored(client, database, workspace, clock) -> None:
    case_id = answer(client, workspace, clock, "D-1", 2)
    with database.write() as s:
        s.execute(insert(CaseEvent), [
            # Written before system notes had ids (revision 0011): English, as stored.
            {"case_id": case_id, "at": clock(), "actor": "doorstep", "kind": "escalated",
             "note": "first contact was due 2026-03-02T13:00:00+00:00; escalated to ops-duty"},
            # Written by a newer version, with an id this one does not have.
            {"case_id": case_id, "at": clock(), "actor": "doorstep", "kind": "note",
             "note": "something new happened", "note_key": "something.new", "note_params": {"x": 1}},
        ])
    login(client, database, workspace, "cs")
    zh = client.get(f"/cases/{case_id}", params={"lang": "zh"})
    assert zh.status_code == 200
    assert "first contact was due 2026-03-02T13:00:00+00:00; escalated to ops-duty" in zh.text
    assert "something new happened" in zh.text


def test_the_re_survey_outcome_reads_in_chinese(client, database, workspace, clock) -> None:
    case_id = answer(client, workspace, clock, "D-1", 4)
    for to in ("contacted", "resolved"):
        moved = client.post(f"/api/v1/cases/{case_id}/transitions", headers=workspace.headers, json={"to": to})
        assert moved.status_code == 200, moved.text
    clock.advance(days=2, hours=1)
    assert client.post(urlparse(moved.json()["resurvey_url"]).path, data={"score": "3"}).status_code == 200
    assert api_notes(client, workspace, case_id)[-2:] == [
        "re-survey score 3", "unhappy again after the fix (re-survey score 3)"]
    login(client, database, workspace, "cs")
    zh = client.get(f"/cases/{case_id}", params={"lang": "zh"}).text
    assert "回访评分 3" in zh and "处理后客户仍不满意（回访评分 3）" in zh and "re-survey" not in zh
