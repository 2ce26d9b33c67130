"""POST /api/v1/responses: answers another tool collected, stored as survey answers are
(analysis, cases, the invitation closed), idempotent by delivery and time, all or nothing."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from doorstep.cases.models import Case
from doorstep.surveys.models import Invitation, Response

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def deliver(client, workspace, *external_ids: str) -> None:  # type: ignore[no-untyped-def]
    body = {"deliveries": [
        {"external_id": e, "customer_id": f"C-{e}", "delivered_at": "2026-03-01T12:00:00+00:00",
         "stages": {"prepared": "2026-03-01T11:30:00+00:00", "delivered": "2026-03-01T12:00:00+00:00"}}
        for e in external_ids
    ]}
    r = client.post("/api/v1/deliveries", json=body, headers=workspace.headers)
    assert r.status_code == 200, r.text


def post(client, workspace, body):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/responses", json=body, headers=workspace.headers)


def answers(database) -> list:  # type: ignore[no-untyped-def, type-arg]
    with database.read() as s:
        return list(s.execute(select(Response.score, Response.comment, Response.language, Response.attributes,
                                     Response.responded_at, Response.themes).order_by(Response.id)))


def test_an_answer_is_stored_analysed_opens_its_case_and_closes_the_invitation(client, workspace, database) -> None:
    deliver(client, workspace, "F-1")
    answer = {"delivery_external_id": "F-1", "score": 2, "comment": "汤洒了，送了一个多小时",
              "stage": "handover", "responded_at": "2026-03-01T13:00:00+08:00", "attributes": {"channel": "app"}}
    r = post(client, workspace, answer)
    assert r.status_code == 422, r.text  # the journey has no stage "handover": named, nothing stored
    [problem] = r.json()["error"]["problems"]
    assert problem["field"] == "stage" and "prepared, delivered" in problem["message"], problem
    assert answers(database) == []

    r = post(client, workspace, {**answer, "stage": "delivered"})
    assert r.status_code == 200, r.text
    assert r.json() == {"created": 1, "updated": 0, "unchanged": 0, "cases_opened": 1}
    [stored] = answers(database)
    assert (stored.score, stored.language, stored.attributes) == (2, "zh", {"channel": "app"})
    assert stored.responded_at.replace(tzinfo=dt.UTC) == dt.datetime(2026, 3, 1, 5, 0, tzinfo=dt.UTC)
    assert "spillage" in stored.themes, stored.themes  # analysed like a survey answer
    with database.read() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 1
        assert {i.status for i in s.scalars(select(Invitation))} == {"responded"}


def test_a_replay_changes_nothing_and_a_correction_updates(client, workspace, database) -> None:
    deliver(client, workspace, "F-1", "F-2")
    batch = {"responses": [
        {"delivery_external_id": "F-1", "score": 9, "responded_at": "2026-03-01T13:00:00Z"},
        {"delivery_external_id": "F-2", "score": 10, "comment": "Quick and friendly", "responded_at": 1_772_370_000},
    ]}
    assert post(client, workspace, batch).json() == {"created": 2, "updated": 0, "unchanged": 0, "cases_opened": 0}
    assert post(client, workspace, batch).json() == {"created": 0, "updated": 0, "unchanged": 2, "cases_opened": 0}
    batch["responses"][0]["score"] = 3
    assert post(client, workspace, batch).json() == {"created": 0, "updated": 1, "unchanged": 1, "cases_opened": 1}
    assert sorted(a.score for a in answers(database)) == [3, 10]


def test_a_time_without_offset_is_the_workspaces(client, database) -> None:  # type: ignore[no-untyped-def]
    from conftest import make_workspace

    shanghai = make_workspace(database, "sh", timezone="Asia/Shanghai")
    deliver(client, shanghai, "S-1")
    r = post(client, shanghai, {"delivery_external_id": "S-1", "score": 8, "responded_at": "2026-03-01T13:00:00"})
    assert r.status_code == 200, r.text
    [stored] = answers(database)
    assert stored.responded_at.replace(tzinfo=dt.UTC) == dt.datetime(2026, 3, 1, 13, 0, tzinfo=SHANGHAI)


def test_two_answers_to_one_delivery_at_one_instant_are_both_kept(client, workspace, database) -> None:
    deliver(client, workspace, "F-1")
    same = {"delivery_external_id": "F-1", "responded_at": "2026-03-01T13:00:00Z"}
    batch = {"responses": [{**same, "score": 9}, {**same, "score": 4}]}
    assert post(client, workspace, batch).json()["created"] == 2
    assert post(client, workspace, batch).json()["unchanged"] == 2
    assert sorted(a.score for a in answers(database)) == [4, 9]


def test_a_bad_batch_names_its_item_and_stores_nothing(client, workspace, database) -> None:
    deliver(client, workspace, "F-1", "F-2")
    good = {"delivery_external_id": "F-1", "score": 9, "responded_at": "2026-03-01T13:00:00Z"}
    r = post(client, workspace, {"responses": [good, {**good, "delivery_external_id": "F-2"},
                                               {**good, "delivery_external_id": "NOPE"}]})
    assert r.status_code == 422, r.text
    [problem] = r.json()["error"]["problems"]
    assert problem["field"] == "responses[2].delivery_external_id" and "does not exist" in problem["message"]
    assert answers(database) == []
    for score in (11, -1, True, "9", 9.5, None):
        r = post(client, workspace, {**good, "score": score})
        assert r.status_code == 422, (score, r.text)
        assert r.json()["detail"][0]["loc"][:3] == ["body", "response", "score"], r.json()
    r = post(client, workspace, {**good, "responded_at": 5})  # a count that slipped into a time field
    assert r.status_code == 422 and "not a time" in r.json()["detail"][0]["msg"]
    assert post(client, workspace, {"responses": []}).status_code == 422
    assert post(client, workspace, {"responses": [good] * 1001}).status_code == 422
    assert answers(database) == []


def test_a_comment_is_kept_as_written_and_nul_is_dropped(client, workspace, database) -> None:
    deliver(client, workspace, "F-1")
    text = "<script>alert(1)</script> '; DROP TABLE responses; -- 🍜\r\nline two\x00"
    r = post(client, workspace, {"delivery_external_id": "F-1", "score": 7, "comment": text,
                                 "responded_at": "2026-03-01T13:00:00Z"})
    assert r.status_code == 200, r.text
    [stored] = answers(database)
    assert stored.comment == "<script>alert(1)</script> '; DROP TABLE responses; -- 🍜\nline two"


def test_another_workspaces_delivery_does_not_exist_here(client, workspace, database) -> None:
    from conftest import make_workspace

    other = make_workspace(database, "other")
    deliver(client, other, "O-1")
    r = post(client, workspace, {"delivery_external_id": "O-1", "score": 9, "responded_at": "2026-03-01T13:00:00Z"})
    assert r.status_code == 422 and "does not exist" in r.text
    assert answers(database) == []
