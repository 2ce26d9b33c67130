"""The inbox pages: filters, escaping, a form per legal move, same-origin POSTs, stale clicks."""

from __future__ import annotations

import re

from tests.cases.helpers import answer
from tests.conftest import login

ORIGIN = {"Origin": "http://testserver"}


def test_inbox_lists_filters_and_escapes(client, database, workspace, clock) -> None:
    login(client, database, workspace, "cs")
    first = answer(client, workspace, clock, "D-1", 2, comment="<script>alert(1)</script> cold")
    answer(client, workspace, clock, "D-2", 5)
    page = client.get("/inbox")
    assert page.status_code == 200
    assert page.text.count('class="case-item') == 2
    assert "<script>alert(1)</script>" not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "<script" not in page.text  # no inline script at all
    high = client.get("/inbox", params={"priority": "high"})
    assert high.text.count('class="case-item') == 1 and f'data-case-id="{first}"' in high.text
    assert client.get("/inbox", params={"status": "resolved"}).text.count('class="case-item') == 0
    zh = client.get("/inbox", params={"lang": "zh"})
    assert 'lang="zh-CN"' in zh.text and "工单收件箱" in zh.text


def test_case_page_moves_with_same_origin_posts_only(client, database, workspace, clock) -> None:
    case_id = answer(client, workspace, clock, "D-1", 3, comment="late")
    me = login(client, database, workspace, "cs", handle="cs-wang")
    page = client.get(f"/cases/{case_id}")
    assert page.status_code == 200
    assert re.findall(r'name="to" value="(\w+)"', page.text) == ["contacted"]

    forged = client.post(f"/cases/{case_id}/transitions", data={"to": "contacted"},
                         headers={"Origin": "https://evil.example"}, follow_redirects=False)
    assert forged.status_code == 403
    bare = client.post(f"/cases/{case_id}/transitions", data={"to": "contacted"}, follow_redirects=False)
    assert bare.status_code == 403
    assert client.get(f"/api/v1/cases/{case_id}", headers=workspace.headers).json()["status"] == "open"

    moved = client.post(f"/cases/{case_id}/transitions", data={"to": "contacted", "expected_version": "1",
                                                               "note": "<b>phoned</b>"},
                        headers=ORIGIN, follow_redirects=False)
    assert moved.status_code == 303 and moved.headers["location"] == f"/cases/{case_id}"
    page = client.get(f"/cases/{case_id}")
    assert "&lt;b&gt;phoned&lt;/b&gt;" in page.text and "<b>phoned</b>" not in page.text
    timeline = client.get(f"/api/v1/cases/{case_id}", headers=workspace.headers).json()["timeline"]
    assert me.handle in {e.get("actor") for e in timeline}  # the timeline names who moved it
    assert re.findall(r'name="to" value="(\w+)"', page.text) == ["resolved"]

    # A second click from the stale page: 409 with the current state, nothing changed.
    stale = client.post(f"/cases/{case_id}/transitions", data={"to": "contacted", "expected_version": "1"},
                        headers={"Referer": f"http://testserver/cases/{case_id}"})
    assert stale.status_code == 409 and "Someone changed this case" in stale.text

    resolved = client.post(f"/cases/{case_id}/transitions", data={"to": "resolved", "expected_version": "2",
                                                                  "resolution": "refund"}, headers=ORIGIN)
    assert resolved.status_code == 200  # followed the redirect
    assert "Re-survey scheduled for 2026-03-04 09:00" in resolved.text

    noted = client.post(f"/cases/{case_id}/notes", data={"note": "x" * 20_001}, headers=ORIGIN)
    assert noted.status_code == 422 and "at most 20,000 characters" in noted.text
    assigned = client.post(f"/cases/{case_id}/assign", data={"owner": "cs-li"}, headers=ORIGIN)
    assert assigned.status_code == 200 and "Owner: cs-li" in assigned.text


def test_unknown_case_page_is_404(client, database, workspace) -> None:
    login(client, database, workspace, "cs")
    assert client.get("/cases/999").status_code == 404
    assert client.post("/cases/999/notes", data={"note": "x"}, headers=ORIGIN).status_code == 404
