"""Who is asked and when, through the real ingest path: send time, expiry, the send job.

Every delivery goes in through POST /api/v1/deliveries (or the CSV import), as a
customer's system would send it; the invitation and its ``invitation.send`` job are
read back from the database.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from sqlalchemy import func, select
from tests.cases.helpers import answer
from tests.conftest import make_workspace

from doorstep.accounts.models import Workspace
from doorstep.accounts.services import update_settings
from doorstep.deliveries.csv_import import import_deliveries_csv
from doorstep.deliveries.models import Delivery
from doorstep.jobs.models import Job
from doorstep.surveys.models import Invitation
from doorstep.surveys.timing import sampled

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


def configure(database, workspace_id: int, **changes: object) -> None:
    with database.write() as s:
        update_settings(session=s, workspace=s.get_one(Workspace, workspace_id), **changes)


def post(client, workspace, *deliveries: dict) -> dict:
    r = client.post("/api/v1/deliveries", headers=workspace.headers, json={"deliveries": list(deliveries)})
    assert r.status_code == 200, r.text
    return r.json()


def delivery(external_id: str, delivered_at: dt.datetime | None, *, customer: str | None = None,
             **attributes: str) -> dict:
    body: dict = {"external_id": external_id, "customer_id": customer or f"c-{external_id}", "attributes": attributes}
    if delivered_at is not None:
        body["delivered_at"] = delivered_at.isoformat()
    return body


def scheduled(database, workspace_id: int) -> dict[str, tuple[Invitation, list[Job]]]:
    """Each delivery's invitation (by external id) with the send jobs that point at it."""
    with database.read() as s:
        rows = s.execute(
            select(Delivery.external_id, Invitation)
            .join(Invitation, Invitation.delivery_id == Delivery.id)
            .where(Invitation.workspace_id == workspace_id, Invitation.kind == "nps")
        ).all()
        sends = list(s.scalars(select(Job).where(Job.kind == "invitation.send")))
        s.expunge_all()
    return {ext: (inv, [j for j in sends if j.payload == {"invitation_id": inv.id}]) for ext, inv in rows}


def test_send_after_expiry_and_the_job(client, workspace, database, clock) -> None:
    delivered = clock.now - dt.timedelta(minutes=5)
    result = post(client, workspace, delivery("D-1", delivered))
    assert [i["delivery_external_id"] for i in result["invitations"]] == ["D-1"]
    [(invitation, [job])] = scheduled(database, workspace.id).values()
    # Defaults: 30 minutes after the hand-over; answerable for 14 days from then.
    assert invitation.send_after == delivered + dt.timedelta(minutes=30)
    assert invitation.expires_at == invitation.send_after + dt.timedelta(days=14)
    assert (invitation.status, invitation.created_at) == ("pending", clock.now)
    assert (job.kind, job.status, job.run_at) == ("invitation.send", "queued", invitation.send_after)
    assert (job.dedupe_key, job.workspace_id, job.attempts) == (f"invite:{invitation.id}", workspace.id, 0)


def test_an_older_hand_over_is_asked_now(client, workspace, database, clock) -> None:
    """Imported two days late: asked at once, and still has the full 14 days to answer."""
    configure(database, workspace.id, invitation_delay_minutes=1440)
    post(client, workspace, delivery("late", clock.now - dt.timedelta(days=2)),
         delivery("fresh", clock.now - dt.timedelta(hours=1)))
    got = scheduled(database, workspace.id)
    assert got["late"][0].send_after == clock.now
    assert got["late"][0].expires_at == clock.now + dt.timedelta(days=14)
    assert got["fresh"][0].send_after == clock.now + dt.timedelta(hours=23)
    assert got["fresh"][1][0].run_at == clock.now + dt.timedelta(hours=23)
    # Older than an invitation's lifetime: nobody is asked, nothing is queued.
    post(client, workspace, delivery("ancient", clock.now - dt.timedelta(days=15)))
    assert "ancient" not in scheduled(database, workspace.id)


def test_sampling_zero_asks_nobody(client, workspace, database, clock) -> None:
    configure(database, workspace.id, sampling_rate=0)
    result = post(client, workspace, *(delivery(f"D-{i}", clock.now) for i in range(20)))
    assert result["created"] == 20 and result["invitations"] == []
    with database.read() as s:
        assert s.scalar(select(func.count()).select_from(Invitation)) == 0
        assert s.scalar(select(func.count()).select_from(Job)) == 0


def test_sampling_takes_the_deterministic_share(client, workspace, database, clock) -> None:
    configure(database, workspace.id, sampling_rate=0.4)
    ids = [f"S-{i}" for i in range(300)]
    post(client, workspace, *(delivery(ext, clock.now) for ext in ids))
    got = scheduled(database, workspace.id)
    assert set(got) == {ext for ext in ids if sampled(workspace.id, ext, 0.4)}
    assert 90 <= len(got) <= 150  # about 40%
    assert all(len(jobs) == 1 for _, jobs in got.values())


def test_quiet_hours_in_the_workspace_zone(client, database, clock) -> None:
    food = make_workspace(database, "food", timezone="Asia/Shanghai")
    configure(database, food.id, quiet_hours={"start": "21:00", "end": "08:00"})
    # 20:50 in Shanghai + 30 minutes = 21:20: quiet, so 08:00 the next morning.
    clock.now = dt.datetime(2026, 3, 2, 21, 0, tzinfo=SHANGHAI).astimezone(dt.UTC)
    post(client, food, delivery("evening", dt.datetime(2026, 3, 2, 20, 50, tzinfo=SHANGHAI)),
         delivery("noon", dt.datetime(2026, 3, 2, 12, 0, tzinfo=SHANGHAI)))
    got = scheduled(database, food.id)
    morning = dt.datetime(2026, 3, 3, 8, 0, tzinfo=SHANGHAI)
    assert got["evening"][0].send_after == morning
    assert got["evening"][1][0].run_at == morning
    assert got["evening"][0].expires_at == morning + dt.timedelta(days=14)
    # Delivered at noon, imported at 21:00 (now): also waits for the morning.
    assert got["noon"][0].send_after == morning


def test_customer_timezone_attribute_is_honoured(client, database, clock) -> None:
    food = make_workspace(database, "food", timezone="Asia/Shanghai")
    configure(database, food.id, quiet_hours={"start": "21:00", "end": "08:00"}, invitation_delay_minutes=0)
    clock.now = dt.datetime(2026, 3, 2, 13, 30, tzinfo=dt.UTC)  # 21:30 Shanghai, 08:30 New York
    post(client, food,
         delivery("ny", clock.now, customer_timezone="America/New_York"),
         delivery("sh", clock.now),
         delivery("bad-zone", clock.now, customer_timezone="Mars/Olympus_Mons"))
    got = scheduled(database, food.id)
    assert got["ny"][0].send_after == clock.now  # morning in New York: ask now
    assert got["ny"][1][0].run_at == clock.now
    shanghai_morning = dt.datetime(2026, 3, 3, 8, 0, tzinfo=SHANGHAI)
    assert got["sh"][0].send_after == shanghai_morning
    assert got["bad-zone"][0].send_after == shanghai_morning  # an unknown zone: the workspace's


def test_customer_timezone_set_before_delivery_counts(client, database, clock) -> None:
    """The attribute may arrive with an earlier update of the order than the hand-over."""
    food = make_workspace(database, "food", timezone="Asia/Shanghai")
    configure(database, food.id, quiet_hours={"start": "21:00", "end": "08:00"}, invitation_delay_minutes=0)
    clock.now = dt.datetime(2026, 3, 2, 13, 30, tzinfo=dt.UTC)
    post(client, food, delivery("ny", None, customer_timezone="America/New_York"))
    assert scheduled(database, food.id) == {}
    post(client, food, delivery("ny", clock.now))
    assert scheduled(database, food.id)["ny"][0].send_after == clock.now


def test_quiet_period_one_invitation_per_customer(client, workspace, database, clock) -> None:
    post(client, workspace, delivery("first", clock.now, customer="alice"))
    clock.advance(days=3)
    post(client, workspace, delivery("second", clock.now, customer="alice"),
         delivery("other", clock.now, customer="bob"))
    got = scheduled(database, workspace.id)
    assert set(got) == {"first", "other"}
    with database.read() as s:
        assert s.scalar(select(func.count()).select_from(Job).where(Job.kind == "invitation.send")) == 2
    clock.advance(days=31)
    post(client, workspace, delivery("third", clock.now, customer="alice"))
    assert "third" in scheduled(database, workspace.id)


def test_reimport_does_not_enqueue_twice(client, workspace, database, clock, tmp_path) -> None:
    csv = tmp_path / "deliveries.csv"
    rows = [f"D-{i},c-{i},{(clock.now - dt.timedelta(minutes=i)).isoformat()}" for i in range(50)]
    csv.write_text("external_id,customer_id,delivered_at\n" + "\n".join(rows) + "\n", encoding="utf-8")

    def run_import() -> int:
        with database.write() as s, csv.open(encoding="utf-8", newline="") as stream:
            ws = s.get_one(Workspace, workspace.id)
            return len(import_deliveries_csv(session=s, workspace=ws, stream=stream, now=clock.now).invitations)

    assert run_import() == 50
    clock.advance(minutes=10)
    assert run_import() == 0
    # The same deliveries through the API, changed (a new attribute): still nothing new.
    post(client, workspace, *(delivery(f"D-{i}", clock.now - dt.timedelta(minutes=10 + i), team="north")
                              for i in range(50)))
    with database.read() as s:
        assert s.scalar(select(func.count()).select_from(Invitation)) == 50
        jobs = [(j.dedupe_key, j.payload["invitation_id"]) for j in s.scalars(select(Job))]
    assert len(jobs) == 50 and len({key for key, _ in jobs}) == 50
    assert {ref for _, ref in jobs} == {inv.id for inv, _ in scheduled(database, workspace.id).values()}


def test_resurvey_is_queued_at_its_send_after(client, workspace, database, clock) -> None:
    case_id = answer(client, workspace, clock, "D-1", 3)
    for to in ("contacted", "resolved"):
        r = client.post(f"/api/v1/cases/{case_id}/transitions", headers=workspace.headers, json={"to": to})
        assert r.status_code == 200, r.text
    with database.read() as s:
        resurvey = s.scalars(select(Invitation).where(Invitation.kind == "resurvey")).one()
        job = s.scalars(select(Job).where(Job.dedupe_key == f"invite:{resurvey.id}")).one()
        s.expunge_all()
    assert resurvey.send_after == clock.now + dt.timedelta(hours=48)
    assert (job.kind, job.run_at, job.payload, job.workspace_id) == (
        "invitation.send", resurvey.send_after, {"invitation_id": resurvey.id}, workspace.id)
