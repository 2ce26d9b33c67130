"""/api/v1/jobs: the caller's own jobs, counts, one job, and retrying a dead letter."""

from __future__ import annotations

import datetime as dt

from tests.conftest import make_workspace

from doorstep.jobs.models import Job
from doorstep.jobs.services import enqueue


def add(database, clock, kind: str, *, workspace_id: int | None, status: str = "queued",
        error: str | None = None, minutes: float = 0) -> int:
    with database.write() as s:
        job_id, _ = enqueue(s, kind=kind, payload={"k": kind}, run_at=clock.now + dt.timedelta(minutes=minutes),
                            workspace_id=workspace_id)
        job = s.get_one(Job, job_id)
        job.status, job.last_error = status, error
        if status == "dead":
            job.attempts, job.finished_at = job.max_attempts, clock.now
        return job_id


def test_list_filters_and_counts(client, workspace, database, clock) -> None:
    other = make_workspace(database, "other")
    send = add(database, clock, "invitation.send", workspace_id=workspace.id, minutes=30)
    dead = add(database, clock, "webhook.deliver", workspace_id=workspace.id, status="dead",
               error="HTTP 500 from https://example.test/hook")
    done = add(database, clock, "invitation.send", workspace_id=workspace.id, status="done")
    add(database, clock, "invitation.send", workspace_id=other.id)
    add(database, clock, "pass.cases", workspace_id=None)  # the system's, nobody's workspace

    body = client.get("/api/v1/jobs", headers=workspace.headers).json()
    assert [j["id"] for j in body["jobs"]] == [done, dead, send]  # newest first, only ours
    assert body["total"] == 3
    assert body["counts"] == {
        "by_status": {"queued": 1, "running": 0, "done": 1, "dead": 1},
        "by_kind": {"invitation.send": {"queued": 1, "running": 0, "done": 1, "dead": 0},
                    "webhook.deliver": {"queued": 0, "running": 0, "done": 0, "dead": 1}},
    }
    [letter] = client.get("/api/v1/jobs", headers=workspace.headers, params={"status": "dead"}).json()["jobs"]
    assert (letter["id"], letter["kind"], letter["last_error"]) == (dead, "webhook.deliver",
                                                                   "HTTP 500 from https://example.test/hook")
    assert "workspace_id" not in letter
    sends = client.get("/api/v1/jobs", headers=workspace.headers, params={"kind": "invitation.send"}).json()
    assert [j["id"] for j in sends["jobs"]] == [done, send] and sends["total"] == 2
    page = client.get("/api/v1/jobs", headers=workspace.headers, params={"limit": 1, "offset": 1}).json()
    assert [j["id"] for j in page["jobs"]] == [dead] and page["total"] == 3
    assert client.get("/api/v1/jobs", headers=workspace.headers, params={"status": "lost"}).status_code == 422
    assert client.get("/api/v1/jobs", headers=other.headers).json()["total"] == 1


def test_one_job_and_other_workspaces(client, workspace, database, clock) -> None:
    other = make_workspace(database, "other")
    mine = add(database, clock, "invitation.send", workspace_id=workspace.id, minutes=5)
    theirs = add(database, clock, "invitation.send", workspace_id=other.id)
    system = add(database, clock, "pass.cases", workspace_id=None)
    r = client.get(f"/api/v1/jobs/{mine}", headers=workspace.headers)
    assert r.status_code == 200
    job = r.json()
    assert (job["id"], job["status"], job["payload"], job["attempts"]) == (mine, "queued", {"k": "invitation.send"}, 0)
    assert dt.datetime.fromisoformat(job["run_at"]) == clock.now + dt.timedelta(minutes=5)
    for hidden in (theirs, system, 999_999):
        r = client.get(f"/api/v1/jobs/{hidden}", headers=workspace.headers)
        assert r.status_code == 404 and r.json()["error"]["type"] == "NotFound"
    assert client.get(f"/api/v1/jobs/{mine}").status_code == 401
    assert client.get("/api/v1/jobs").status_code == 401


def test_retry_only_a_dead_job(client, workspace, database, clock) -> None:
    other = make_workspace(database, "other")
    dead = add(database, clock, "invitation.send", workspace_id=workspace.id, status="dead", error="550 no such user")
    queued = add(database, clock, "invitation.send", workspace_id=workspace.id)
    theirs = add(database, clock, "invitation.send", workspace_id=other.id, status="dead", error="x")
    clock.advance(hours=2)
    r = client.post(f"/api/v1/jobs/{dead}/retry", headers=workspace.headers)
    assert r.status_code == 200, r.text
    job = r.json()
    assert (job["status"], job["attempts"], job["finished_at"]) == ("queued", 0, None)
    assert dt.datetime.fromisoformat(job["run_at"]) == clock.now
    assert job["last_error"] == "550 no such user"  # kept until the next attempt says otherwise
    again = client.post(f"/api/v1/jobs/{dead}/retry", headers=workspace.headers)
    assert again.status_code == 409 and "only a dead job" in again.json()["error"]["message"]
    assert client.post(f"/api/v1/jobs/{queued}/retry", headers=workspace.headers).status_code == 409
    assert client.post(f"/api/v1/jobs/{theirs}/retry", headers=workspace.headers).status_code == 404
    with database.read() as s:
        assert s.get_one(Job, theirs).status == "dead"  # untouched


def test_the_routes_are_documented(client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path, method in (("/api/v1/jobs", "get"), ("/api/v1/jobs/{job_id}", "get"),
                         ("/api/v1/jobs/{job_id}/retry", "post")):
        assert paths[path][method]["summary"]


def test_ids_and_offsets_past_the_integer_columns_are_422(client, workspace) -> None:
    # Found by the fuzzer: SQLite cannot bind an integer past 64 bits (OverflowError, a 500).
    for huge in (2**31, 2**63):
        assert client.get(f"/api/v1/jobs/{huge}", headers=workspace.headers).status_code == 422
        assert client.post(f"/api/v1/jobs/{huge}/retry", headers=workspace.headers).status_code == 422
        assert client.get("/api/v1/jobs", headers=workspace.headers, params={"offset": huge}).status_code == 422
    assert client.get(f"/api/v1/jobs/{2**31 - 1}", headers=workspace.headers).status_code == 404
    assert client.get("/api/v1/jobs", headers=workspace.headers, params={"offset": 2**31 - 1}).json()["jobs"] == []
