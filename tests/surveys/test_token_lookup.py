"""Tokens are not enumerable: a token that never existed and one that expired (or was
revoked) cost the same database work, statement for statement, on every public route.

Counting statements rather than timing requests: timings on a shared machine are noise,
while the same statements against the same index take the same time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, update

from doorstep.accounts.services import get_workspace
from doorstep.surveys.models import Invitation
from doorstep.surveys.open_links import create_link, revoke_link
from doorstep.surveys.services import new_token


@contextmanager
def statements(database) -> Iterator[list[str]]:  # type: ignore[no-untyped-def]
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        seen.append(" ".join(statement.split()))

    event.listen(database.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(database.engine, "before_cursor_execute", record)


def invite(client, workspace, clock, ext: str) -> str:
    body = {"external_id": ext, "customer_id": f"c-{ext}",
            "delivered_at": (clock.now - dt.timedelta(minutes=15)).isoformat()}
    response = client.post("/api/v1/deliveries", json=body, headers=workspace.headers)
    assert response.status_code == 200, response.text
    return str(response.json()["invitations"][0]["token"])


REQUESTS = [
    ("GET", "/s/{t}", None),
    ("GET", "/s/{t}?score=3", None),
    ("HEAD", "/s/{t}", None),
    ("POST", "/s/{t}", {"score": "9", "comment": "ok"}),
    ("POST", "/s/{t}", {"score": "eleven"}),  # a bad form re-reads the survey to show it again
    ("POST", "/s/{t}/why", {"comment": "late"}),
]


def work(client, database, method: str, path: str, data) -> tuple[int, list[str], str]:  # type: ignore[no-untyped-def]
    with statements(database) as seen:
        response = client.request(method, path, data=data)
    return response.status_code, seen, response.text


@pytest.mark.parametrize(("method", "path", "data"), REQUESTS)
def test_an_expired_survey_token_costs_what_an_unknown_one_costs(client, workspace, database, clock, method, path,
                                                                  data):
    expired = invite(client, workspace, clock, "F-1")
    marked = invite(client, workspace, clock, "F-2")
    with database.write() as session:  # the expiry job's mark, before the time is up
        session.execute(update(Invitation).where(Invitation.token == marked).values(status="expired"))
    clock.advance(days=60)
    client.get(f"/s/{new_token()}")  # warm the app once, so the first measured call is not special

    unknown_status, unknown_sql, _ = work(client, database, method, path.format(t=new_token()), data)
    expired_status, expired_sql, closed_page = work(client, database, method, path.format(t=expired), data)
    marked_status, marked_sql, _ = work(client, database, method, path.format(t=marked), data)

    assert unknown_status == 404
    assert expired_status == marked_status == 410
    assert unknown_sql == expired_sql == marked_sql
    assert sum("FROM invitations" in s for s in unknown_sql) >= 1  # the lookup really ran
    if method != "HEAD":
        assert "This survey has closed" in closed_page or "此问卷已关闭" in closed_page


@pytest.mark.parametrize(("method", "suffix", "data"), [
    ("GET", "", None), ("GET", "/card", None), ("GET", "/qr.svg", None),
    ("POST", "", {"reference": "F-1", "score": "8"}), ("POST", "", {"reference": "F-1", "score": "x"}),
])
def test_a_revoked_open_link_costs_what_an_unknown_one_costs(client, workspace, database, clock, method, suffix,
                                                              data):
    invite(client, workspace, clock, "F-1")
    with database.write() as session:
        ws = get_workspace(session=session, slug="default")
        link = create_link(session=session, workspace=ws, label="receipts", now=clock())
        token = link.token
        revoke_link(session=session, workspace=ws, link_id=link.id, now=clock())
    client.get(f"/o/{new_token()}")

    unknown_status, unknown_sql, _ = work(client, database, method, f"/o/{new_token()}{suffix}", data)
    revoked_status, revoked_sql, _ = work(client, database, method, f"/o/{token}{suffix}", data)
    assert (unknown_status, revoked_status) == (404, 410)
    assert unknown_sql == revoked_sql
    assert sum("FROM open_links" in s for s in unknown_sql) >= 1
