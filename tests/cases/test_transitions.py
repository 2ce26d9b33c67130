"""Moving cases over the API: legal moves, 404 across workspaces, 409 with the current state,
bounded notes, reassignment history, and two people resolving at once."""

from __future__ import annotations

import threading

from sqlalchemy import func, select
from tests.cases.helpers import answer
from tests.conftest import login, make_workspace

from doorstep.accounts.services import get_workspace
from doorstep.cases.models import CaseEvent
from doorstep.cases.services import transition_case
from doorstep.cases.workflow import TransitionRefused
from doorstep.surveys.models import Invitation


def move(client, workspace, case_id, to, **extra):
    return client.post(f"/api/v1/cases/{case_id}/transitions", headers=workspace.headers, json={"to": to, **extra})


def test_illegal_and_stale_moves_are_409_with_the_current_state(client, workspace, clock) -> None:
    case_id = answer(client, workspace, clock, "D-1", 1)
    illegal = move(client, workspace, case_id, "resolved")
    assert illegal.status_code == 409
    error = illegal.json()["error"]
    assert error["type"] == "Conflict" and "case" in error
    assert error["case"] == {"id": case_id, "status": "open", "version": 1, "allowed": ["contacted"]}
    assert "is open; it can move to: contacted" in error["message"]
    assert move(client, workspace, case_id, "contacted", expected_version=1).status_code == 200
    stale = move(client, workspace, case_id, "resolved", expected_version=1)
    assert stale.status_code == 409 and stale.json()["error"]["case"]["status"] == "contacted"
    assert move(client, workspace, case_id, "nonsense").status_code == 422  # not a state at all
    # Nothing of the refused moves reached the timeline.
    kinds = [e["to"] for e in client.get(f"/api/v1/cases/{case_id}", headers=workspace.headers).json()["timeline"]]
    assert kinds == ["open", "contacted"]


def test_another_workspaces_case_is_not_found(client, workspace, database, clock) -> None:
    case_id = answer(client, workspace, clock, "D-1", 1)
    other = make_workspace(database, "other")
    assert client.get(f"/api/v1/cases/{case_id}", headers=other.headers).status_code == 404
    assert move(client, other, case_id, "contacted").status_code == 404
    assert client.post(f"/api/v1/cases/{case_id}/notes", headers=other.headers, json={"note": "x"}).status_code == 404
    assert client.get("/api/v1/cases/424242", headers=workspace.headers).status_code == 404
    assert client.get("/api/v1/cases", headers=other.headers).json()["total"] == 0


def test_notes_are_bounded_and_kept_verbatim(client, database, workspace, clock) -> None:
    case_id = answer(client, workspace, clock, "D-1", 4)
    huge = client.post(f"/api/v1/cases/{case_id}/notes", headers=workspace.headers, json={"note": "x" * 1_048_576})
    assert huge.status_code == 422
    message = huge.json()["error"]["message"]
    assert message == "field 'note': a note is at most 20,000 characters; this one has 1,048,576"
    empty = client.post(f"/api/v1/cases/{case_id}/notes", headers=workspace.headers, json={"note": "  "})
    assert empty.status_code == 422
    html = "<img src=x onerror=alert(1)> 客户说<b>太慢</b>"
    ok = client.post(f"/api/v1/cases/{case_id}/notes", headers=workspace.headers, json={"note": html})
    assert ok.status_code == 200 and ok.json()["timeline"][-1]["note"] == html  # JSON carries it as text
    login(client, database, workspace, "cs")
    page = client.get(f"/cases/{case_id}")
    assert "&lt;img src=x onerror=alert(1)&gt;" in page.text and "<img src=x" not in page.text
    too_long = move(client, workspace, case_id, "contacted", note="y" * 20_001)
    assert too_long.status_code == 422


def test_root_cause_resolution_and_reassignment_history(client, workspace, clock) -> None:
    client.post("/api/v1/deliveries", headers=workspace.headers,
                json={"external_id": "S", "customer_id": "s", "stages": {"cooked": clock.now.isoformat()}})
    case_id = answer(client, workspace, clock, "D-1", 3, owner="rider-1")
    assert move(client, workspace, case_id, "contacted").status_code == 200
    bad = move(client, workspace, case_id, "resolved", root_cause_stage="nope")
    assert bad.status_code == 422 and "unknown stage 'nope'" in bad.json()["error"]["message"]
    done = move(client, workspace, case_id, "resolved", resolution="re-sent the order", root_cause_stage="cooked",
                root_cause_theme="temperature")
    assert done.status_code == 200
    body = done.json()
    assert body["root_cause"] == {"stage": "cooked", "theme": "temperature"}
    assert body["resolution"] == "re-sent the order"
    first = client.post(f"/api/v1/cases/{case_id}/assign", headers=workspace.headers, json={"owner": "cs-li"})
    second = client.post(f"/api/v1/cases/{case_id}/assign", headers=workspace.headers,
                         json={"owner": "cs-wu", "note": "cs-li is on leave"})
    assert first.status_code == second.status_code == 200
    assigned = [e["note"] for e in second.json()["timeline"] if e["kind"] == "assigned"]
    assert assigned == ["nobody → cs-li", "cs-li → cs-wu: cs-li is on leave"]
    assert second.json()["owner"] == "cs-wu"
    assert client.get("/api/v1/cases", headers=workspace.headers, params={"owner": "cs-wu"}).json()["total"] == 1
    bad_queue = client.post(f"/api/v1/cases/{case_id}/assign", headers=workspace.headers, json={"queue": "none"})
    assert bad_queue.status_code == 422


def test_reopen_restarts_the_resolution_clock_and_withdraws_the_resurvey(client, workspace, clock, database) -> None:
    case_id = answer(client, workspace, clock, "D-1", 5)
    move(client, workspace, case_id, "contacted")
    resolved = move(client, workspace, case_id, "resolved").json()
    clock.advance(hours=5)
    reopened = move(client, workspace, case_id, "reopened", note="customer called again")
    assert reopened.status_code == 200
    body = reopened.json()
    assert body["status"] == "reopened" and body["resolved_at"] is None
    assert body["resolution_due"] > resolved["resolution_due"]
    assert body["resurvey"]["status"] == "expired"
    assert body["allowed"] == ["contacted", "resolved"]
    again = move(client, workspace, case_id, "resolved").json()
    assert again["resurvey"]["status"] == "pending" and again["resurvey_url"] != resolved["resurvey_url"]
    with database.read() as s:
        assert s.scalar(select(func.count()).select_from(Invitation).where(Invitation.kind == "resurvey")) == 2


def test_list_filters(client, workspace, clock) -> None:
    a = answer(client, workspace, clock, "D-1", 2)
    b = answer(client, workspace, clock, "D-2", 6)
    move(client, workspace, b, "contacted")
    h = workspace.headers
    assert [c["id"] for c in client.get("/api/v1/cases", headers=h, params={"status": "open"}).json()["cases"]] == [a]
    assert client.get("/api/v1/cases", headers=h, params={"priority": "high"}).json()["total"] == 1
    assert client.get("/api/v1/cases", headers=h, params={"breached": "true"}).json()["total"] == 0
    clock.advance(hours=25)
    breached = client.get("/api/v1/cases", headers=h, params={"breached": "true"}).json()
    assert [c["id"] for c in breached["cases"]] == [a]  # b was contacted in time
    assert breached["cases"][0]["breached"] == ["first_contact"]
    clock.advance(hours=48)
    assert client.get("/api/v1/cases", headers=h, params={"breached": "true"}).json()["total"] == 2
    assert client.get("/api/v1/cases", headers=h, params={"owner": "-"}).json()["total"] == 2  # nobody to route to
    page = client.get("/api/v1/cases", headers=h, params={"limit": 1, "offset": 1}).json()
    assert (page["total"], [c["id"] for c in page["cases"]]) == (2, [a])


def test_two_people_resolve_at_once_one_wins(client, workspace, database, clock) -> None:
    case_id = answer(client, workspace, clock, "D-1", 2)
    move(client, workspace, case_id, "contacted")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def resolve(who: str) -> None:
        try:
            barrier.wait()
            with database.write() as session:
                ws = get_workspace(session=session, slug="default")
                transition_case(session=session, workspace=ws, case_id=case_id, to="resolved", actor=who,
                                now=clock(), note=f"fixed by {who}")
            outcomes.append("won")
        except TransitionRefused as exc:
            outcomes.append(f"refused:{exc.status}")
        except BaseException as exc:  # a thread's failure must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=resolve, args=(who,)) for who in ("ann", "bob")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sorted(outcomes) == ["refused:resolved", "won"]
    with database.read() as s:
        resolved = s.scalar(select(func.count()).select_from(CaseEvent).where(
            CaseEvent.case_id == case_id, CaseEvent.to_status == "resolved"))
        assert resolved == 1
        assert s.scalar(select(func.count()).select_from(Invitation).where(Invitation.kind == "resurvey")) == 1


def test_two_concurrent_http_requests_with_the_same_version(client, workspace, clock) -> None:
    case_id = answer(client, workspace, clock, "D-1", 2)
    move(client, workspace, case_id, "contacted")
    barrier = threading.Barrier(2)
    codes: list[int] = []
    bodies: list[dict] = []

    def post() -> None:
        barrier.wait()
        response = move(client, workspace, case_id, "resolved", expected_version=2)
        codes.append(response.status_code)
        bodies.append(response.json())

    threads = [threading.Thread(target=post) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(codes) == [200, 409]
    refused = next(b for b, c in zip(bodies, codes, strict=True) if c == 409)
    assert refused["error"]["case"]["status"] == "resolved" and refused["error"]["case"]["version"] == 3
