"""Re-survey after the fix: verified with the new score, reopened when unhappy again,
closed unverified when nobody answers; never a second case."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlparse

from sqlalchemy import select
from tests.cases.helpers import answer

from doorstep.accounts.services import get_workspace, update_settings
from doorstep.cases.escalation import scheduler_pass
from doorstep.surveys.models import Invitation


def resolve(client, workspace, case_id) -> dict:
    for to in ("contacted", "resolved"):
        r = client.post(f"/api/v1/cases/{case_id}/transitions", headers=workspace.headers, json={"to": to})
        assert r.status_code == 200, r.text
    return r.json()


def test_unhappy_again_reopens_the_same_case(client, workspace, clock) -> None:
    case_id = answer(client, workspace, clock, "D-1", 4)
    path = urlparse(resolve(client, workspace, case_id)["resurvey_url"]).path
    clock.advance(days=2, hours=1)
    assert client.post(path, data={"score": "3", "comment": "still broken"}).status_code == 200
    body = client.get(f"/api/v1/cases/{case_id}", headers=workspace.headers).json()
    assert (body["status"], body["resurvey_score"]) == ("reopened", 3)
    assert [e["to"] for e in body["timeline"] if e["kind"] == "transition"] == [
        "contacted", "resolved", "verified", "reopened"]
    assert [e["actor"] for e in body["timeline"]][-2:] == ["customer", "customer"]
    assert body["resolved_at"] is None and body["allowed"] == ["contacted", "resolved"]
    assert client.get("/api/v1/cases", headers=workspace.headers).json()["total"] == 1  # no second case
    loop = client.get("/api/v1/metrics/loop", headers=workspace.headers).json()
    assert (loop["verified"], loop["recovered"], loop["recovery_rate"]) == (1, 0, 0.0)
    # Fixed again, asked again: this time the customer is happy.
    r = client.post(f"/api/v1/cases/{case_id}/transitions", headers=workspace.headers, json={"to": "resolved"})
    clock.advance(days=3)
    assert client.post(urlparse(r.json()["resurvey_url"]).path, data={"score": "10"}).status_code == 200
    final = client.get(f"/api/v1/cases/{case_id}", headers=workspace.headers).json()
    assert (final["status"], final["resurvey_score"]) == ("verified", 10)
    assert client.get("/api/v1/metrics/loop", headers=workspace.headers).json()["recovered"] == 1


def test_no_answer_by_expiry_closes_unverified(client, workspace, database, clock) -> None:
    with database.write() as s:
        update_settings(session=s, workspace=get_workspace(session=s, slug="default"), resurvey_delay_hours=1,
                        resurvey_expiry_days=3)
    case_id = answer(client, workspace, clock, "D-1", 6)
    detail = resolve(client, workspace, case_id)
    assert detail["resurvey"]["send_after"] == clock.now.replace(hour=clock.now.hour + 1).isoformat()
    clock.advance(days=2)
    with database.write() as s:
        assert scheduler_pass(s, clock())["closed_unverified"] == 0
    clock.advance(days=2)
    with database.write() as s:
        assert scheduler_pass(s, clock())["closed_unverified"] == 1
    with database.write() as s:
        assert scheduler_pass(s, clock())["closed_unverified"] == 0
    body = client.get(f"/api/v1/cases/{case_id}", headers=workspace.headers).json()
    assert body["status"] == "closed_unverified" and body["resurvey"]["status"] == "expired"
    assert client.get(urlparse(detail["resurvey_url"]).path).status_code == 410
    # A customer who calls back later reopens it by hand.
    r = client.post(f"/api/v1/cases/{case_id}/transitions", headers=workspace.headers, json={"to": "reopened"})
    assert r.status_code == 200


def test_the_quiet_period_does_not_hold_back_a_resurvey(client, workspace, database, clock) -> None:
    case_id = answer(client, workspace, clock, "D-1", 2, customer="loyal")
    resolve(client, workspace, case_id)
    with database.read() as s:
        kinds = sorted(k for (k,) in s.execute(select(Invitation.kind).where(Invitation.customer_id.is_not(None))))
    assert kinds == ["nps", "resurvey"]  # asked again within days, not after the 30-day quiet period


def test_an_answer_after_a_manual_reopen_moves_nothing(client, workspace, clock) -> None:
    case_id = answer(client, workspace, clock, "D-1", 2)
    path = urlparse(resolve(client, workspace, case_id)["resurvey_url"]).path
    client.post(f"/api/v1/cases/{case_id}/transitions", headers=workspace.headers, json={"to": "reopened"})
    # The withdrawn re-survey is closed to the customer.
    assert client.post(path, data={"score": "9"}).status_code == 410


def test_a_resurvey_waits_for_the_end_of_the_customers_night(client, workspace, database, clock) -> None:
    """Resolved at 03:00 in New York, re-asked 48 h later: not at 03:00 but when the quiet hours end there."""
    with database.write() as s:
        update_settings(session=s, workspace=get_workspace(session=s, slug="default"), resurvey_delay_hours=48,
                        quiet_hours={"start": "21:00", "end": "08:00"})
    clock.now = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)  # 03:00 EST
    night = answer(client, workspace, clock, "D-NY", 3, attributes={"customer_timezone": "America/New_York"})
    assert resolve(client, workspace, night)["resurvey"]["send_after"] == "2026-03-04T13:00:00+00:00"  # 08:00 EST
    # Resolved in New York's afternoon: 48 h later is outside the quiet hours, so nothing moves.
    clock.now = dt.datetime(2026, 3, 2, 19, 0, tzinfo=dt.UTC)  # 14:00 EST
    day = answer(client, workspace, clock, "D-NY2", 3, attributes={"customer_timezone": "America/New_York"})
    assert resolve(client, workspace, day)["resurvey"]["send_after"] == "2026-03-04T19:00:00+00:00"
