"""Factories for case tests: a delivery answered through the survey page, as a customer would."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlparse


def answer(client, workspace, clock, external_id: str, score: int, *, comment: str | None = None,
           customer: str | None = None, attributes: dict | None = None, owner: str | None = None,
           stage: str | None = None) -> int | None:
    """Post a delivery, answer its survey; returns the case id it opened (or None)."""
    body = {"external_id": external_id, "customer_id": customer or f"c-{external_id}",
            "delivered_at": (clock.now - dt.timedelta(minutes=5)).isoformat(), "attributes": attributes or {}}
    if owner:
        body["owner"] = owner
    posted = client.post("/api/v1/deliveries", headers=workspace.headers, json=body)
    assert posted.status_code == 200, posted.text
    [invitation] = posted.json()["invitations"]
    form = {"score": str(score)}
    if comment:
        form["comment"] = comment
    if stage:
        form["stage"] = stage
    page = client.post(urlparse(invitation["url"]).path, data=form)
    assert page.status_code == 200, page.text
    cases = client.get("/api/v1/cases", headers=workspace.headers, params={"limit": 1000}).json()["cases"]
    return next((c["id"] for c in cases if c["delivery_external_id"] == external_id), None)
