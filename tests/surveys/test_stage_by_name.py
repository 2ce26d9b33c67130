"""A survey answer may name the stage it blames ("Data migration", "数据迁移") as well as key it:
a vendor's own survey, posting to /s/<token>, shows its customers the names."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from doorstep.deliveries.models import Stage
from doorstep.surveys.models import Response

STAGES = {"signed": "2026-02-01T10:00:00Z", "data_migration": "2026-02-20T10:00:00Z",
          "training": "2026-02-27T10:00:00Z"}


def invite(client, workspace, clock, ext: str) -> str:  # type: ignore[no-untyped-def]
    body = {"external_id": ext, "customer_id": f"c-{ext}", "stages": STAGES,
            "delivered_at": (clock.now - dt.timedelta(hours=1)).isoformat()}
    r = client.post("/api/v1/deliveries", json=body, headers=workspace.headers)
    assert r.status_code == 200, r.text
    return str(r.json()["invitations"][0]["token"])


def blamed(database) -> list[str | None]:  # type: ignore[no-untyped-def]
    with database.read() as s:
        keys = dict(s.execute(select(Stage.id, Stage.key)).all())
        return [keys.get(sid) for sid in s.scalars(select(Response.stage_id).order_by(Response.id))]


@pytest.mark.parametrize("named", ["Data migration", "data MIGRATION ", "数据迁移", "data_migration"])
def test_the_stage_by_its_name_or_key(client, database, workspace, clock, named) -> None:
    token = invite(client, workspace, clock, "ONB-1")
    r = client.post(f"/s/{token}", data={"score": "3", "comment": "Lost half our records", "stage": named})
    assert r.status_code == 200, r.text
    assert blamed(database) == ["data_migration"]


def test_an_unknown_name_is_still_refused(client, database, workspace, clock) -> None:
    token = invite(client, workspace, clock, "ONB-2")
    r = client.post(f"/s/{token}", data={"score": "3", "stage": "Migrations"})
    assert r.status_code == 422
    assert blamed(database) == []


def test_the_why_after_a_click_takes_the_name_too(client, database, workspace, clock) -> None:
    token = invite(client, workspace, clock, "ONB-3")
    assert client.get(f"/s/{token}?score=4").status_code == 200
    r = client.post(f"/s/{token}/why", data={"comment": "The trainer rushed", "stage": "Training"})
    assert r.status_code == 200, r.text
    assert blamed(database) == ["training"]
