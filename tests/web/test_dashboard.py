"""The dashboard: the signed-in person's workspace with its NPS, interval, split and open cases."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient

from conftest import FakeClock, WorkspaceHandle, login, make_workspace
from doorstep.web.pages import WorkspaceCard, axis_x


def answer(client: TestClient, workspace: WorkspaceHandle, clock: FakeClock, scores: list[int]) -> None:
    """One delivery, invitation and answer per score, through the API and the survey page."""
    for i, score in enumerate(scores):
        delivered = clock.now - dt.timedelta(minutes=30 + i)
        created = client.post("/api/v1/deliveries", headers=workspace.headers, json={
            "external_id": f"{workspace.slug}-{i}", "customer_id": f"customer-{i}",
            "delivered_at": delivered.isoformat(),
        })
        [invitation] = created.json()["invitations"]
        done = client.post(f"/s/{invitation['token']}", data={"score": str(score)})
        assert done.status_code == 200, done.text


def metric(html: str, name: str) -> list[str]:
    """The text of every element marked data-metric=name, in page order."""
    return [m.strip() for m in re.findall(rf'data-metric="{name}"[^>]*>([^<]*)<', html)]


def test_the_dashboard_shows_the_signed_in_workspace_only(client, database, workspace, clock):
    other = make_workspace(database, "other", name="Other Shop")
    answer(client, workspace, clock, [10, 9, 7, 3])
    login(client, database, workspace, "exec")

    page = client.get("/")

    assert page.status_code == 200
    assert '<html lang="en">' in page.text
    assert '<meta name="viewport"' in page.text and "/static/style.css" in page.text
    assert "<script" not in page.text.lower() and " style=" not in page.text.lower()
    # One card: another business's figures are not for this person.
    assert re.findall(r'<h2 id="ws-\d+">([^<]*)</h2>', page.text) == ["default"]
    assert "Other Shop" not in page.text and f'"slug">{other.slug}<' not in page.text
    # NPS = 50 % − 25 % with its adjusted-Wald interval (the same numbers as GET /api/v1/metrics/nps).
    api = client.get("/api/v1/metrics/nps", headers=workspace.headers).json()
    assert (api["nps"], api["ci95"]) == (25.0, [-44.2, 72.7])
    assert metric(page.text, "nps") == ["25.0"]
    assert metric(page.text, "ci95") == ["95% interval -44.2 to 72.7"]
    assert metric(page.text, "responses") == ["4"]
    assert metric(page.text, "open_cases") == ["1"]
    assert "Promoters <strong>2</strong>" in page.text and "Passives <strong>1</strong>" in page.text
    assert "Detractors <strong>1</strong>" in page.text
    # The interval drawn on the −100…100 axis, as an image with a text alternative.
    assert 'aria-label="NPS 25.0, 95% interval -44.2 to 72.7, on a scale from −100 to 100"' in page.text
    assert f'<rect class="iv-range" x="{axis_x(-44.2)}"' in page.text
    assert f'<circle class="iv-point" cx="{axis_x(25.0)}"' in page.text
    assert page.text.count('class="interval"') == 1
    # Who is signed in, and a sign-out form that carries the CSRF token.
    assert 'data-role="exec"' in page.text and 'action="/logout"' in page.text


def test_the_dashboard_speaks_chinese(client, database, workspace):
    login(client, database, workspace, "cs")

    by_query = client.get("/", params={"lang": "zh"})
    by_browser = client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"})
    overridden = client.get("/", params={"lang": "en"}, headers={"Accept-Language": "zh-CN"})

    for page in (by_query, by_browser):
        assert '<html lang="zh-CN">' in page.text
        assert metric(page.text, "nps") == ["暂无回答"]
        assert "待处理工单" in page.text and "回答数" in page.text
        assert 'href="?lang=en"' in page.text
    assert '<html lang="en">' in overridden.text and 'href="?lang=zh"' in overridden.text


def test_workspace_names_are_text(client, database):
    evil = make_workspace(database, "evil", name='<script>alert("x")</script>')
    login(client, database, evil, "admin", handle='<b>boss</b>')

    page = client.get("/")

    assert "<script" not in page.text.lower()
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page.text
    assert "&lt;b&gt;boss&lt;/b&gt;" in page.text and "<b>boss" not in page.text


@pytest.mark.usefixtures("database")
def test_without_signing_in_the_dashboard_sends_to_login(client):
    page = client.get("/", follow_redirects=False)

    assert page.status_code == 303 and page.headers["location"] == "/login"
    assert "Sign in" in client.get("/").text


def test_pages_are_not_in_the_api_document(client):
    paths = client.get("/openapi.json").json()["paths"]

    assert "/" not in paths and "/s/{token}" not in paths


# --- the drawing, without a database ---------------------------------------------------


def test_the_axis_maps_minus_100_to_100_and_clamps():
    assert (axis_x(-100), axis_x(0), axis_x(100)) == (0.0, 100.0, 200.0)
    assert axis_x(-250) == 0.0 and axis_x(250) == 200.0


def test_the_split_bar_adds_up():
    card = WorkspaceCard(name="w", slug="w", nps=25.0, ci95=(-44.2, 72.7), responses=4,
                         promoters=2, passives=1, detractors=1, open_cases=1)

    segments = card.split()

    assert [(kind, x, width) for kind, x, width, _ in segments] == [
        ("promoters", 0.0, 50.0), ("passives", 50.0, 25.0), ("detractors", 75.0, 25.0)]
    bar = card.interval()
    assert (bar["x"], bar["point"]) == (axis_x(-44.2), axis_x(25.0))
    assert bar["width"] == pytest.approx(axis_x(72.7) - axis_x(-44.2))


def test_a_narrow_interval_is_still_visible():
    card = WorkspaceCard(name="w", slug="w", nps=100.0, ci95=(100.0, 100.0), responses=10_000,
                         promoters=10_000, passives=0, detractors=0, open_cases=0)

    assert card.interval()["width"] == 1.0
