"""/admin/keys: a key created with a role, its secret shown exactly once, working against the API
with that role; revoked through a confirmation page and refused from then on; audited,
CSRF-guarded, another workspace's key ids 404."""

from __future__ import annotations

import re
from dataclasses import dataclass

from fastapi.testclient import TestClient
from sqlalchemy import select

from conftest import WorkspaceHandle, login, make_workspace
from doorstep.accounts.models import ApiKey, AuditEntry
from doorstep.accounts.services import create_api_key, get_workspace
from doorstep.db import Database
from doorstep.web.keys import NEW_KEY_COOKIE

ORIGIN = {"Origin": "http://testserver"}
SECRET = re.compile(r"dsk_[0-9a-f]{12}_[\w-]{20,}")


@dataclass(frozen=True)
class Entry:
    action: str
    actor_kind: str
    actor: str | None
    target: str | None
    details: dict


def key_log(database: Database) -> list[Entry]:
    with database.read() as session:
        return [Entry(e.action, e.actor_kind, e.actor, e.target, dict(e.details or {})) for e in session.scalars(
            select(AuditEntry).where(AuditEntry.action.in_(["key_created", "key_revoked"])).order_by(AuditEntry.id))]


def create(client: TestClient, name: str = "board", role: str = "exec", **extra: str):  # type: ignore[no-untyped-def]
    return client.post("/admin/keys", data={"name": name, "role": role, "lang": "en"} | extra, headers=ORIGIN,
                       follow_redirects=False)


def test_a_new_key_is_shown_once_and_works_with_its_role(client: TestClient, database: Database,
                                                         workspace: WorkspaceHandle) -> None:
    login(client, database, workspace, "admin", handle="boss")
    page = client.get("/admin/keys", params={"lang": "en"})
    assert page.status_code == 200 and 'action="/admin/keys"' in page.text
    assert 'href="/admin/keys?lang=en" aria-current="page"' in page.text  # the top bar's link, for admins
    before = set(SECRET.findall(page.text))
    assert before == set()

    made = create(client, name='<b>board</b> "metrics"')
    assert made.status_code == 303
    with database.read() as session:
        key = session.scalars(select(ApiKey).order_by(ApiKey.id.desc())).first()
        key_id, prefix, role = key.id, key.prefix, key.role
    assert role == "exec" and made.headers["location"] == f"/admin/keys/{key_id}/created?lang=en"
    cookie = made.headers["set-cookie"]
    assert f"Path=/admin/keys/{key_id}/created" in cookie and "HttpOnly" in cookie
    assert "SameSite=strict" in cookie and "Max-Age=120" in cookie
    assert SECRET.search(made.headers["location"]) is None  # never in an address

    shown = client.get(made.headers["location"])
    assert shown.status_code == 200 and shown.headers["cache-control"] == "no-store"
    [secret] = SECRET.findall(shown.text)
    assert secret.startswith(f"dsk_{prefix}_") and "the only time it is shown" in shown.text
    assert "&lt;b&gt;board&lt;/b&gt;" in shown.text and "<b>board</b>" not in shown.text
    assert "Max-Age=0" in shown.headers["set-cookie"]  # the courier is gone
    again = client.get(made.headers["location"])  # a reload
    assert again.status_code == 200 and secret not in again.text and "cannot be shown again" in again.text
    listed = client.get("/admin/keys").text
    assert secret not in listed and f"dsk_{prefix}_…" in listed and "&lt;b&gt;board&lt;/b&gt;" in listed

    # The key works against the API, with its role and no more.
    client.cookies.clear()
    client.headers.pop("X-CSRF-Token")
    bearer = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/metrics/nps", headers=bearer).status_code == 200
    assert client.post("/api/v1/deliveries", headers=bearer, json={"deliveries": []}).status_code == 403

    [created] = key_log(database)
    assert (created.action, created.actor_kind, created.actor, created.target, created.details) == (
        "key_created", "user", "boss", f"key:{prefix}", {"name": '<b>board</b> "metrics"', "role": "exec"})
    with database.read() as session:
        everything = str([(e.actor, e.target, e.details) for e in session.scalars(select(AuditEntry))])
    assert secret not in everything


def test_the_result_page_shows_only_its_own_keys_secret(client: TestClient, database: Database,
                                                       workspace: WorkspaceHandle) -> None:
    login(client, database, workspace, "admin", handle="boss")
    with database.write() as session:
        key, _secret = create_api_key(session=session, workspace=get_workspace(session=session, slug="default"),
                                      name="older", role="cs")
        key_id = key.id
    planted = f"dsk_{'0' * 12}_{'x' * 43}"  # a cookie is a courier, not a source of truth
    client.cookies.set(NEW_KEY_COOKIE, planted, path=f"/admin/keys/{key_id}/created")
    page = client.get(f"/admin/keys/{key_id}/created")
    assert page.status_code == 200 and planted not in page.text and "cannot be shown again" in page.text


def test_revoking_asks_first_then_the_key_is_refused(client: TestClient, database: Database,
                                                    workspace: WorkspaceHandle) -> None:
    login(client, database, workspace, "admin", handle="boss")
    client.get(create(client).headers["location"])
    with database.read() as session:
        key = session.scalars(select(ApiKey).where(ApiKey.name == "board")).one()
        key_id, prefix = key.id, key.prefix
    listed = client.get("/admin/keys").text
    assert f'href="/admin/keys/{key_id}/revoke?lang=en"' in listed

    confirm = client.get(f"/admin/keys/{key_id}/revoke", params={"lang": "zh"})
    assert confirm.status_code == 200 and "确定吊销此 API 密钥？" in confirm.text
    assert f'action="/admin/keys/{key_id}/revoke"' in confirm.text and "<script" not in confirm.text
    with database.read() as session:
        assert session.get_one(ApiKey, key_id).revoked_at is None  # asking changed nothing

    done = client.post(f"/admin/keys/{key_id}/revoke", data={"lang": "en"}, headers=ORIGIN, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"/admin/keys?lang=en&revoked={key_id}"
    after = client.get(done.headers["location"]).text
    assert f"The key {prefix} is revoked" in after and f'href="/admin/keys/{key_id}/revoke' not in after
    twice = client.post(f"/admin/keys/{key_id}/revoke", headers=ORIGIN)
    assert twice.status_code == 409 and "revoked already" in twice.text
    assert "revoked" in client.get(f"/admin/keys/{key_id}/revoke").text
    assert [(e.action, e.actor, e.target) for e in key_log(database)] == [
        ("key_created", "boss", f"key:{prefix}"), ("key_revoked", "boss", f"key:{prefix}")]


def test_a_revoked_key_is_refused_by_the_api(client: TestClient, database: Database,
                                             workspace: WorkspaceHandle) -> None:
    login(client, database, workspace, "admin", handle="boss")
    secret = SECRET.findall(client.get(create(client).headers["location"]).text)[0]
    with database.read() as session:
        key_id = session.scalars(select(ApiKey.id).where(ApiKey.name == "board")).one()
    assert client.post(f"/admin/keys/{key_id}/revoke", headers=ORIGIN, follow_redirects=False).status_code == 303
    client.cookies.clear()
    client.headers.pop("X-CSRF-Token")
    refused = client.get("/api/v1/metrics/nps", headers={"Authorization": f"Bearer {secret}"})
    assert refused.status_code == 401


def test_a_refused_form_says_why_and_keeps_what_was_typed(client: TestClient, database: Database,
                                                         workspace: WorkspaceHandle) -> None:
    login(client, database, workspace, "admin", handle="boss")
    empty = create(client, name="  ", role="cs", lang="zh")
    assert empty.status_code == 422 and "请填写密钥的用途" in empty.text
    assert '<option value="cs" selected>' in empty.text
    bad_role = create(client, name="crm", role="root")
    assert bad_role.status_code == 422 and "Choose one of the roles listed." in bad_role.text
    assert 'value="crm"' in bad_role.text
    assert key_log(database) == []


def test_forms_without_the_csrf_token_are_refused(client: TestClient, database: Database,
                                                  workspace: WorkspaceHandle) -> None:
    login(client, database, workspace, "admin", handle="boss")
    with database.read() as session:
        key_id = session.scalars(select(ApiKey.id)).one()  # the workspace's own key
    client.headers.pop("X-CSRF-Token")
    assert create(client).status_code == 403
    refused = client.post(f"/admin/keys/{key_id}/revoke", headers=ORIGIN, follow_redirects=False)
    assert refused.status_code == 403 and "did not come from this site" in refused.text
    with database.read() as session:
        assert session.scalars(select(ApiKey.name)).all() == ["default"]
        assert session.get_one(ApiKey, key_id).revoked_at is None
    assert key_log(database) == []


def test_another_workspaces_key_answers_404(client: TestClient, database: Database,
                                            workspace: WorkspaceHandle) -> None:
    other = make_workspace(database, "other", name="Other business")
    with database.read() as session:
        theirs = session.scalars(select(ApiKey).where(ApiKey.workspace_id == other.id)).one()
        theirs_id, theirs_prefix = theirs.id, theirs.prefix
    login(client, database, workspace, "admin", handle="boss")
    for method, path in (("GET", f"/admin/keys/{theirs_id}/created"), ("GET", f"/admin/keys/{theirs_id}/revoke"),
                         ("POST", f"/admin/keys/{theirs_id}/revoke"), ("GET", "/admin/keys/999999/revoke")):
        answer = client.request(method, path, headers=ORIGIN)
        assert answer.status_code == 404 and "This API key is not in your workspace." in answer.text, path
    listed = client.get("/admin/keys", params={"revoked": str(theirs_id)}).text
    assert theirs_prefix not in listed and "Other business" not in listed
    with database.read() as session:
        assert session.get_one(ApiKey, theirs_id).revoked_at is None
    assert client.get("/api/v1/metrics/nps", headers=other.headers).status_code == 200
