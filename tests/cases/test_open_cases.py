"""Every detractor gets exactly one case, owned by the right person, with clocks from the answer."""

import datetime as dt
import io

from sqlalchemy import select

from doorstep.accounts.services import ensure_workspace, set_lead, update_settings
from doorstep.cases.models import Case, CaseEvent
from doorstep.deliveries.csv_import import import_deliveries_csv, import_responses_csv

DELIVERIES = """external_id,customer_id,owner,delivered_at
D1,c1,rider-1,2026-03-01T10:00:00Z
D2,c2,rider-2,2026-03-01T10:00:00Z
D3,c3,,2026-03-01T10:00:00Z
"""
RESPONSES = """delivery_external_id,score,responded_at
D1,2,2026-03-01T11:00:00Z
D2,6,2026-03-01T11:00:00Z
D3,5,2026-03-01T11:00:00Z
D1,9,2026-03-05T11:00:00Z
"""


def test_owner_and_clocks(database, clock, client, workspace) -> None:
    with database.write() as s:
        ws = ensure_workspace(session=s, slug="default")
        set_lead(session=s, workspace_id=ws.id, handle="rider-1", lead_handle="lead-east")
        update_settings(session=s, workspace=ws, default_cs_owner="cs-wang", first_contact_hours=8)
        set_lead(session=s, workspace_id=ws.id, handle="cs-wang", lead_handle=None)
        import_deliveries_csv(session=s, workspace=ws, stream=io.StringIO(DELIVERIES), now=clock())
        import_responses_csv(session=s, workspace=ws, stream=io.StringIO(RESPONSES), now=clock())

    body = client.get("/api/v1/cases", headers=workspace.headers).json()
    assert body["total"] == 3
    by_delivery = {c["delivery_external_id"]: c for c in body["cases"]}
    assert by_delivery["D1"]["owner"] == "lead-east"  # the delivery owner's lead
    assert by_delivery["D2"]["owner"] == "cs-wang"  # rider-2 has no lead: the default CS owner
    assert by_delivery["D3"]["owner"] == "cs-wang"
    assert by_delivery["D1"]["priority"] == "high" and by_delivery["D2"]["priority"] == "normal"
    assert by_delivery["D1"]["first_contact_due"] == "2026-03-01T19:00:00+00:00"  # 11:00 + 8 h
    assert by_delivery["D1"]["resolution_due"] == "2026-03-04T11:00:00+00:00"  # 11:00 + 72 h
    assert all(c["status"] == "open" for c in body["cases"])
    with database.read() as s:
        events = s.scalars(select(CaseEvent.kind)).all()
        assert events == ["opened"] * 3
        opened = s.scalar(select(Case.opened_at).where(Case.id == by_delivery["D1"]["id"]))
        assert opened == dt.datetime(2026, 3, 1, 11, tzinfo=dt.UTC)

    assert client.get("/api/v1/cases?status=open&limit=2", headers=workspace.headers).json()["total"] == 3
    assert len(client.get("/api/v1/cases?limit=2", headers=workspace.headers).json()["cases"]) == 2
    assert client.get("/api/v1/cases?status=resolved", headers=workspace.headers).json()["cases"] == []
    assert client.get("/api/v1/cases?status=bogus", headers=workspace.headers).status_code == 422
