"""The jobs admin page: counts, dead letters (escaped) with a same-origin retry, what runs next."""

from __future__ import annotations

import datetime as dt
import re

from tests.conftest import login, make_workspace

from doorstep.jobs.models import Job
from doorstep.jobs.services import enqueue

ORIGIN = {"Origin": "http://testserver"}
HOSTILE = '<script>alert("x")</script> 550 <b>mailbox</b> & unavailable'


def add(database, clock, kind: str, *, workspace_id: int | None, status: str = "queued",
        error: str | None = None, minutes: float = 0) -> int:
    with database.write() as s:
        job_id, _ = enqueue(s, kind=kind, payload={}, run_at=clock.now + dt.timedelta(minutes=minutes),
                            workspace_id=workspace_id)
        job = s.get_one(Job, job_id)
        job.status, job.last_error = status, error
        if status == "dead":
            job.attempts, job.finished_at = job.max_attempts, clock.now
        return job_id


def count(html: str, status: str) -> int:
    found = re.search(rf'data-status="{status}">.*?kpi-value">(\d+)<', html, re.S)
    assert found, status
    return int(found.group(1))


def test_the_queue_at_a_glance_and_escaped_errors(client, workspace, database, clock) -> None:
    other = make_workspace(database, "other", name="Other business")
    dead = add(database, clock, "invitation.send", workspace_id=workspace.id, status="dead", error=HOSTILE)
    soon = add(database, clock, "invitation.send", workspace_id=workspace.id, minutes=10)
    later = add(database, clock, "webhook.deliver", workspace_id=workspace.id, minutes=60)
    add(database, clock, "invitation.send", workspace_id=workspace.id, status="done")
    theirs = add(database, clock, "invitation.send", workspace_id=other.id, status="dead", error="theirs")
    login(client, database, workspace, "admin")

    r = client.get("/admin/jobs", params={"workspace": "default", "lang": "en"})
    assert r.status_code == 200
    html = r.text
    assert (count(html, "queued"), count(html, "running"), count(html, "done"), count(html, "dead")) == (2, 0, 1, 1)
    assert 'data-kind="webhook.deliver"' in html and 'data-kind="invitation.send"' in html
    # The dead letter, its error as text, never as markup.
    assert "<script>alert" not in html and "<b>mailbox</b>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; 550 &lt;b&gt;mailbox&lt;/b&gt; &amp; unavailable" in html
    assert f'action="/admin/jobs/{dead}/retry"' in html
    assert f'data-job-id="{theirs}"' not in html and "theirs" not in html  # another workspace's
    # Due next, soonest first.
    due = html[html.index('id="due-next"'):html.index('id="latest"')]
    assert due.index(f'data-job-id="{soon}"') < due.index(f'data-job-id="{later}"')
    assert "Retry" in html and "Due next" in html

    zh = client.get("/admin/jobs", params={"workspace": "default", "lang": "zh"}).text
    assert "后台任务" in zh and "重试" in zh and "即将执行" in zh
    assert "失败的任务（1）" in client.get("/admin/jobs", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).text
    # Another workspace by slug: not reachable, the page stays on the signed-in workspace.
    theirs_page = client.get("/admin/jobs", params={"workspace": "other", "status": "dead"}).text
    assert f'data-job-id="{theirs}"' not in theirs_page and "Other business" not in theirs_page
    login(client, database, other, "admin")
    theirs_page = client.get("/admin/jobs", params={"status": "dead"}).text
    assert f'data-job-id="{theirs}"' in theirs_page and "Other business" in theirs_page
    login(client, database, workspace, "admin")
    filtered = client.get("/admin/jobs", params={"workspace": "default", "kind": "webhook.deliver"}).text
    latest = filtered[filtered.index('id="latest"'):]
    assert f'data-job-id="{later}"' in latest and f'data-job-id="{soon}"' not in latest


def test_retry_needs_a_same_origin_post(client, workspace, database, clock) -> None:
    dead = add(database, clock, "invitation.send", workspace_id=workspace.id, status="dead", error="smtp down")
    me = login(client, database, workspace, "admin")
    for headers in ({}, {"Origin": "https://evil.example"}, {"Referer": "https://evil.example/page"}):
        r = client.post(f"/admin/jobs/{dead}/retry", data={"workspace": "default"}, headers=headers,
                        follow_redirects=False)
        assert r.status_code == 403
        assert "did not come from this site" in r.text
    # The right origin without the CSRF token is refused too.
    del client.headers["X-CSRF-Token"]
    r = client.post(f"/admin/jobs/{dead}/retry", data={"csrf_token": "forged"}, headers=ORIGIN)
    assert r.status_code == 403 and 'data-refused="csrf"' in r.text
    client.headers["X-CSRF-Token"] = me.csrf
    with database.read() as s:
        assert s.get_one(Job, dead).status == "dead"
    clock.advance(minutes=7)
    r = client.post(f"/admin/jobs/{dead}/retry", data={"workspace": "default", "lang": "zh"}, headers=ORIGIN,
                    follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == f"/admin/jobs?lang=zh&retried={dead}"
    with database.read() as s:
        job = s.get_one(Job, dead)
        assert (job.status, job.attempts, job.run_at) == ("queued", 0, clock.now)
    page = client.get(r.headers["location"]).text
    assert f"任务 {dead} 已重新排队" in page
    # Again: it is no longer dead.
    again = client.post(f"/admin/jobs/{dead}/retry", data={"workspace": "default"}, headers=ORIGIN)
    assert again.status_code == 409 and "nothing to retry" in again.text


def test_retry_stays_inside_the_workspace(client, workspace, database, clock) -> None:
    other = make_workspace(database, "other")
    theirs = add(database, clock, "invitation.send", workspace_id=other.id, status="dead", error="x")
    login(client, database, workspace, "admin")
    r = client.post(f"/admin/jobs/{theirs}/retry", data={"workspace": "other"}, headers=ORIGIN)
    assert r.status_code == 404 and "does not exist in this workspace" in r.text
    with database.read() as s:
        assert s.get_one(Job, theirs).status == "dead"


def test_empty_states(client, database) -> None:
    assert client.get("/admin/jobs", follow_redirects=False).headers["location"] == "/login?next=%2Fadmin%2Fjobs"
    login(client, database, make_workspace(database, "default"), "admin")
    html = client.get("/admin/jobs", params={"lang": "en"}).text
    assert "No failed jobs." in html and "Nothing is waiting." in html and "No jobs match" in html
    assert client.get("/admin/jobs", params={"status": "bogus", "retried": "x"}).status_code == 200
