"""The one-click score of an invitation e-mail: /s/<token>?score=N records the answer, then asks why."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlparse

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.cases.helpers import answer as answer_case

from conftest import FakeClock, WorkspaceHandle
from doorstep.accounts.services import get_workspace, update_settings
from doorstep.cases.models import Case
from doorstep.db import Database
from doorstep.deliveries.services import add_stage
from doorstep.surveys.models import Invitation, Response


@pytest.fixture
def journey(database: Database, workspace: WorkspaceHandle) -> None:
    with database.write() as session:
        ws = get_workspace(session=session, slug=workspace.slug)
        for key, name, name_zh in (("cooked", "Cooked", "出餐"), ("delivered", "Delivered", "送达")):
            add_stage(session=session, workspace=ws, key=key, name=name, name_zh=name_zh)


def invite(client: TestClient, workspace: WorkspaceHandle, clock: FakeClock, external_id: str = "O-1",
           locale: str = "en") -> str:
    body = {"external_id": external_id, "customer_id": f"c-{external_id}", "customer_locale": locale,
            "delivered_at": (clock.now - dt.timedelta(minutes=5)).isoformat()}
    posted = client.post("/api/v1/deliveries", headers=workspace.headers, json=body)
    assert posted.status_code == 200, posted.text
    return str(posted.json()["invitations"][0]["token"])


def answer(database: Database, token: str) -> Response | None:
    with database.read() as session:
        found = session.scalar(
            select(Response).join(Invitation, Invitation.id == Response.invitation_id).where(Invitation.token == token)
        )
        if found is not None:
            session.expunge(found)  # keep its loaded state: the read session rolls back on exit
        return found


def cases(database: Database) -> int:
    with database.read() as session:
        return int(session.scalar(select(func.count()).select_from(Case)) or 0)


@pytest.mark.usefixtures("journey")
def test_a_click_records_the_score_and_the_why_completes_it_once(client, database, workspace, clock) -> None:
    token = invite(client, workspace, clock)

    page = client.get(f"/s/{token}?score=2&lang=en")
    assert page.status_code == 200 and '<html lang="en">' in page.text
    assert "We have your score: 2." in page.text and f'action="/s/{token}/why"' in page.text
    assert 'name="stage" value="cooked"' in page.text and "<script" not in page.text.lower()
    stored = answer(database, token)
    assert stored is not None and (stored.score, stored.comment) == (2, None)
    assert stored.attributes["source"] == "email-click" and stored.responded_at == clock.now
    assert cases(database) == 1

    clock.advance(hours=3)
    done = client.post(f"/s/{token}/why", data={"comment": "The soup was cold.", "stage": "cooked", "lang": "en"})
    assert done.status_code == 200 and "The soup was cold." in done.text and "Thank you!" in done.text
    stored = answer(database, token)
    assert stored is not None and stored.comment == "The soup was cold." and stored.score == 2
    assert stored.stage_id is not None and stored.attribution == "picked"  # the analysis ran again
    assert stored.sentiment is not None and stored.language == "en"
    assert cases(database) == 1  # the hook ran again and opened nothing twice

    again = client.post(f"/s/{token}/why", data={"comment": "Something else", "lang": "en"})
    assert again.status_code == 409 and "already told us why" in again.text
    assert answer(database, token).comment == "The soup was cold."  # type: ignore[union-attr]


@pytest.mark.usefixtures("journey")
def test_a_second_click_keeps_the_first_score(client, database, workspace, clock) -> None:
    token = invite(client, workspace, clock, locale="zh-CN")
    assert client.get(f"/s/{token}?score=8&lang=zh").status_code == 200
    page = client.get(f"/s/{token}?score=0&lang=zh")
    assert page.status_code == 200 and "已收到您的评分：8。" in page.text  # still asks why, for the first score
    assert answer(database, token).score == 8  # type: ignore[union-attr]
    assert cases(database) == 0


@pytest.mark.parametrize("bad", ["11", "-1", "seven", "9.5", ""])
def test_a_bad_score_shows_the_survey_and_stores_nothing(client, database, workspace, clock, bad) -> None:
    token = invite(client, workspace, clock)
    page = client.get(f"/s/{token}", params={"score": bad, "lang": "en"})
    assert page.status_code == 200 and 'class="survey-form"' in page.text
    assert "The score in that link was not valid" in page.text
    assert answer(database, token) is None


def test_head_requests_never_record(client, database, workspace, clock) -> None:
    token = invite(client, workspace, clock)
    assert client.head(f"/s/{token}?score=0").status_code == 200
    assert answer(database, token) is None
    with database.read() as session:
        assert session.scalar(select(Invitation.opened_at).where(Invitation.token == token)) is None
    assert client.head("/s/not-a-real-token-at-all?score=0").status_code == 404


def test_the_why_is_refused_after_24_hours_and_for_answers_given_on_the_page(client, database, workspace,
                                                                            clock) -> None:
    late = invite(client, workspace, clock, "O-1")
    assert client.get(f"/s/{late}?score=9").status_code == 200
    clock.advance(hours=24)
    page = client.post(f"/s/{late}/why", data={"comment": "great", "lang": "en"})
    assert page.status_code == 409 and "too late" in page.text
    assert answer(database, late).comment is None  # type: ignore[union-attr]
    # Revisiting the link now only shows the answer: no form that would be refused.
    assert "/why" not in client.get(f"/s/{late}?score=9").text

    typed = invite(client, workspace, clock, "O-2")
    assert client.post(f"/s/{typed}", data={"score": "9"}).status_code == 200
    page = client.post(f"/s/{typed}/why", data={"comment": "sneaky", "lang": "en"})
    assert page.status_code == 409 and answer(database, typed).comment is None  # type: ignore[union-attr]

    unanswered = invite(client, workspace, clock, "O-3")
    page = client.post(f"/s/{unanswered}/why", data={"comment": "hello", "lang": "en"})
    assert page.status_code == 409 and 'class="survey-form"' in page.text
    assert answer(database, unanswered) is None


@pytest.mark.usefixtures("journey")
def test_a_bad_why_keeps_the_text_and_changes_nothing(client, database, workspace, clock) -> None:
    token = invite(client, workspace, clock)
    assert client.get(f"/s/{token}?score=5").status_code == 200
    page = client.post(f"/s/{token}/why", data={"comment": "late again", "stage": "teleported", "lang": "en"})
    assert page.status_code == 422 and "late again" in page.text and "Please choose one of the steps" in page.text
    assert answer(database, token).comment is None  # type: ignore[union-attr]
    # Still allowed once it is right.
    assert client.post(f"/s/{token}/why", data={"comment": "late again", "lang": "en"}).status_code == 200


@pytest.mark.usefixtures("journey")
def test_the_completed_answer_can_open_the_case_the_click_alone_did_not(client, database, workspace, clock) -> None:
    with database.write() as session:
        ws = get_workspace(session=session, slug=workspace.slug)
        update_settings(session=session, workspace=ws, case_on_blamed_stage=True)
    token = invite(client, workspace, clock)
    assert client.get(f"/s/{token}?score=8").status_code == 200
    assert cases(database) == 0  # a passive with nothing to say: no case
    assert client.post(f"/s/{token}/why", data={"comment": "the rider got lost", "stage": "delivered",
                                                "lang": "en"}).status_code == 200
    assert cases(database) == 1  # now it blames a stage


def test_a_resurvey_click_verifies_the_case_once_and_the_why_adds_no_second_entry(client, workspace,
                                                                                   clock) -> None:
    case_id = answer_case(client, workspace, clock, "V-1", 4)
    for to in ("contacted", "resolved"):
        moved = client.post(f"/api/v1/cases/{case_id}/transitions", headers=workspace.headers, json={"to": to})
        assert moved.status_code == 200, moved.text
    path = urlparse(moved.json()["resurvey_url"]).path
    clock.advance(days=2, hours=1)

    assert client.get(f"{path}?score=9&lang=en").status_code == 200
    case = client.get(f"/api/v1/cases/{case_id}", headers=workspace.headers).json()
    assert (case["status"], case["resurvey_score"]) == ("verified", 9)
    timeline = len(case["timeline"])

    assert client.post(f"{path}/why", data={"comment": "fixed quickly, thanks", "lang": "en"}).status_code == 200
    case = client.get(f"/api/v1/cases/{case_id}", headers=workspace.headers).json()
    assert (case["status"], case["resurvey_score"], len(case["timeline"])) == ("verified", 9, timeline)
    assert client.get("/api/v1/cases", headers=workspace.headers).json()["total"] == 1
