"""Who may do what, for EVERY route of the app: each role × own/other workspace, plus anonymous.

The routes are enumerated from the app itself, so a route added later without a line in
RULES fails ``test_every_route_is_classified`` (and the matrix) until someone decides who
may use it. For each classified route and each cell one real request is made (a person
signed in with a session cookie, as the pages and their scripts are) and the answer is
checked:

* anonymous: the API answers 401, a page sends the browser to /login;
* a role the route does not allow: 403;
* an allowed role, own workspace: the route works (no 401/403/404, no 5xx);
* an allowed role, signed in to ANOTHER workspace, with the first workspace's ids:
  404 — exactly as for an id that does not exist, so ids cannot be probed; a route
  without ids works on the caller's own workspace and must not show the first one's data.

Frontline people see their own deliveries only: the seeded delivery of the own workspace
is theirs (the other workspace's is not, so they get 404 there like everyone).

Some routes act on the caller's own note only (correct it, delete it): for those, each
cell gets a new note of the own workspace written by the person making the request, so
an allowed role is tested on what it may touch (the refusals of someone else's note are
tests/frontline's), and a deletion does not take the shared note from the later cells.
The app is built once per engine; one request per cell.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from conftest import FakeClock, _truncate_all, make_person, make_workspace
from doorstep.accounts import sessions as login_sessions
from doorstep.accounts.models import ROLES, User, Workspace
from doorstep.accounts.services import create_api_key
from doorstep.api.app import create_app
from doorstep.briefs.models import Alert, Brief
from doorstep.config import Settings
from doorstep.db import Database
from doorstep.frontline.photos import attach_photo
from doorstep.frontline.services import create_note
from doorstep.jobs.models import Job
from doorstep.jobs.services import enqueue

ADMIN = frozenset({"admin"})
CS = frozenset({"admin", "cs"})
READ = frozenset({"admin", "cs", "exec"})  # dashboards, metrics, answers
DELIVERY = frozenset({"admin", "cs", "frontline"})  # frontline: own deliveries (and their cases) only
EVERYONE = frozenset(ROLES)
PUBLIC = "public"  # no login: a token in the URL is the capability, or nothing to protect
SIGNED = "signed"  # no login: an HMAC signature over the body is the credential

# (method, path) → who may use it. HEAD is GET's twin and not listed.
RULES: dict[tuple[str, str], frozenset[str] | str] = {
    # --- the JSON API -----------------------------------------------------------------
    ("POST", "/api/v1/deliveries"): ADMIN,
    ("GET", "/api/v1/deliveries/{external_id}"): DELIVERY,
    ("GET", "/api/v1/deliveries/{external_id}/invitation"): DELIVERY,
    ("GET", "/api/v1/deliveries/{external_id}/invitation/qr.{kind}"): DELIVERY,
    ("GET", "/api/v1/metrics/nps"): READ,
    ("GET", "/api/v1/metrics/stages"): READ,
    ("GET", "/api/v1/metrics/drivers"): READ,
    ("GET", "/api/v1/metrics/trend"): READ,
    ("GET", "/api/v1/metrics/lateness"): READ,
    ("GET", "/api/v1/metrics/compare"): READ,
    ("GET", "/api/v1/metrics/loop"): READ,
    ("GET", "/api/v1/responses"): READ,
    ("POST", "/api/v1/responses"): ADMIN,  # answers collected by another tool, with an admin's key
    ("GET", "/api/v1/cases"): CS,
    ("GET", "/api/v1/cases/{case_id}"): DELIVERY,
    ("POST", "/api/v1/cases/{case_id}/transitions"): CS,
    ("POST", "/api/v1/cases/{case_id}/notes"): DELIVERY,
    ("POST", "/api/v1/cases/{case_id}/assign"): CS,
    ("POST", "/api/v1/webhooks/deliveries"): SIGNED,
    ("GET", "/api/v1/webhooks/inbound-secret"): ADMIN,
    ("POST", "/api/v1/webhooks/inbound-secret/rotate"): ADMIN,
    ("GET", "/api/v1/webhooks/subscriptions"): ADMIN,
    ("POST", "/api/v1/webhooks/subscriptions"): ADMIN,
    ("GET", "/api/v1/webhooks/subscriptions/{subscription_id}"): ADMIN,
    ("PATCH", "/api/v1/webhooks/subscriptions/{subscription_id}"): ADMIN,
    ("DELETE", "/api/v1/webhooks/subscriptions/{subscription_id}"): ADMIN,
    ("GET", "/api/v1/webhooks/subscriptions/{subscription_id}/calls"): ADMIN,
    ("POST", "/api/v1/webhooks/subscriptions/{subscription_id}/test"): ADMIN,
    ("POST", "/api/v1/links"): ADMIN,
    ("GET", "/api/v1/links"): CS,
    ("GET", "/api/v1/links/{link_id}"): CS,
    ("DELETE", "/api/v1/links/{link_id}"): ADMIN,
    ("GET", "/api/v1/links/{link_id}/qr.{kind}"): CS,
    ("GET", "/api/v1/jobs"): ADMIN,
    ("GET", "/api/v1/jobs/{job_id}"): ADMIN,
    ("POST", "/api/v1/jobs/{job_id}/retry"): ADMIN,
    ("GET", "/api/v1/email"): ADMIN,  # e-mail's pause: any workspace's admin sees and lifts it
    ("POST", "/api/v1/email/resume"): ADMIN,
    ("GET", "/api/v1/audit"): ADMIN,
    ("GET", "/api/v1/settings"): ADMIN,
    ("PATCH", "/api/v1/settings"): ADMIN,  # audited
    ("GET", "/api/v1/customers/{external_id}/export"): ADMIN,
    ("POST", "/api/v1/customers/{external_id}/erase"): ADMIN,
    ("GET", "/api/v1/exports/responses.csv"): ADMIN,
    ("GET", "/api/v1/alerts"): READ,
    ("POST", "/api/v1/alerts/{alert_id}/acknowledge"): CS,
    ("GET", "/api/v1/briefs"): READ,
    ("GET", "/api/v1/briefs/{brief_id}"): READ,
    ("GET", "/api/v1/notes"): EVERYONE,
    ("POST", "/api/v1/notes"): DELIVERY,  # frontline people write notes; so do CS (support agents see it too)
    ("GET", "/api/v1/notes/{note_id}"): EVERYONE,
    ("POST", "/api/v1/notes/{note_id}/votes"): DELIVERY,
    ("DELETE", "/api/v1/notes/{note_id}/votes"): DELIVERY,  # one's own +1 back
    ("PATCH", "/api/v1/notes/{note_id}"): DELIVERY,  # the author, while the note is new
    ("DELETE", "/api/v1/notes/{note_id}"): DELIVERY,  # the author while new; an admin, any note
    ("POST", "/api/v1/notes/{note_id}/status"): CS,
    ("POST", "/api/v1/notes/{note_id}/photos"): DELIVERY,  # frontline: their own notes only
    ("GET", "/api/v1/notes/{note_id}/photos/{photo_id}"): EVERYONE,
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", "/docs"): PUBLIC,
    ("GET", "/redoc"): PUBLIC,
    ("GET", "/docs-static"): PUBLIC,  # the mount: Swagger UI's and ReDoc's files, from an installed package
    ("GET", "/healthz"): PUBLIC,
    # --- pages ------------------------------------------------------------------------
    ("GET", "/"): EVERYONE,
    ("GET", "/inbox"): CS,
    ("GET", "/cases/{case_id}"): DELIVERY,
    ("POST", "/cases/{case_id}/transitions"): CS,
    ("POST", "/cases/{case_id}/notes"): DELIVERY,
    ("POST", "/cases/{case_id}/assign"): CS,
    ("GET", "/admin/jobs"): ADMIN,
    ("GET", "/alerts"): READ,
    ("POST", "/alerts/{alert_id}/acknowledge"): CS,
    ("POST", "/admin/jobs/{job_id}/retry"): ADMIN,
    ("POST", "/admin/jobs/email/resume"): ADMIN,  # the installation's e-mail pause; audited
    ("GET", "/admin/people"): ADMIN,
    ("POST", "/admin/people"): ADMIN,  # add a person (a typed password or an e-mailed link); audited
    ("POST", "/admin/people/{user_id}/role"): ADMIN,
    ("POST", "/admin/people/{user_id}/deactivate"): ADMIN,
    ("POST", "/admin/people/{user_id}/reactivate"): ADMIN,
    ("POST", "/admin/people/{user_id}/profile"): ADMIN,  # correct the name and e-mail; audited
    ("POST", "/admin/people/{user_id}/invitation"): ADMIN,  # send an invitation again (the seeded person: 409)
    ("GET", "/admin/keys"): ADMIN,
    ("POST", "/admin/keys"): ADMIN,
    ("GET", "/admin/keys/{key_id}/created"): ADMIN,  # the new key's secret, once
    ("GET", "/admin/keys/{key_id}/revoke"): ADMIN,  # the confirmation
    ("POST", "/admin/keys/{key_id}/revoke"): ADMIN,
    ("GET", "/w/{slug}"): READ,
    ("GET", "/w/{slug}/verbatims"): READ,
    ("GET", "/brief/{period}"): READ,
    ("GET", "/briefs"): READ,
    ("GET", "/briefs/{brief_id}"): READ,
    ("GET", "/notes"): EVERYONE,
    ("GET", "/notes/{note_id}"): EVERYONE,  # a lasting link: the list page the note is on
    ("POST", "/notes"): DELIVERY,
    ("POST", "/notes/{note_id}/votes"): DELIVERY,
    ("POST", "/notes/{note_id}/unvote"): DELIVERY,
    ("POST", "/notes/{note_id}/edit"): DELIVERY,  # the author, while the note is new
    ("GET", "/notes/{note_id}/delete"): DELIVERY,  # the confirmation: the author while new; an admin, any note
    ("POST", "/notes/{note_id}/delete"): DELIVERY,
    ("POST", "/notes/{note_id}/status"): CS,
    ("GET", "/account"): EVERYONE,  # one's own page: who one is, password, language
    ("POST", "/account/password"): EVERYONE,  # one's own password (the matrix's form is refused: no current)
    ("POST", "/account/language"): EVERYONE,  # one's own language
    ("POST", "/account/emails"): EVERYONE,  # one's own e-mails (a note answered)
    ("GET", "/s/{token}"): PUBLIC,
    ("POST", "/s/{token}"): PUBLIC,
    ("POST", "/s/{token}/why"): PUBLIC,
    ("GET", "/o/{token}"): PUBLIC,
    ("POST", "/o/{token}"): PUBLIC,
    ("GET", "/o/{token}/qr.{kind}"): PUBLIC,
    ("GET", "/o/{token}/card"): PUBLIC,
    ("GET", "/static/vendor/plotly.min.js"): PUBLIC,
    ("GET", "/static"): PUBLIC,  # the mount: CSS, icons, charts.js
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("POST", "/logout"): PUBLIC,  # without a session it only clears the cookie
    ("GET", "/reset"): PUBLIC,
    ("POST", "/reset"): PUBLIC,
    ("GET", "/reset/{token}"): PUBLIC,
    ("POST", "/reset/{token}"): PUBLIC,
}

# Bodies that pass validation, so the answer shows what the route decided (a 422 would
# hide a missing 404). Routes not listed get none.
JSON_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/api/v1/cases/{case_id}/transitions"): {"to": "contacted"},
    ("POST", "/api/v1/cases/{case_id}/notes"): {"note": "matrix"},
    ("POST", "/api/v1/cases/{case_id}/assign"): {"owner": "cs-matrix"},
    ("PATCH", "/api/v1/webhooks/subscriptions/{subscription_id}"): {"active": True},
    ("POST", "/api/v1/links"): {"label": "matrix"},
    ("POST", "/api/v1/webhooks/subscriptions"): {"url": "https://example.com/matrix", "events": ["case.opened"]},
    ("POST", "/api/v1/notes"): {"text": "matrix note"},
    ("POST", "/api/v1/notes/{note_id}/status"): {"status": "heard", "reply": "matrix"},
    ("PATCH", "/api/v1/notes/{note_id}"): {"text": "matrix correction"},
}
FORMS: dict[tuple[str, str], dict[str, str]] = {
    ("POST", "/cases/{case_id}/transitions"): {"to": "contacted"},
    ("POST", "/cases/{case_id}/notes"): {"note": "matrix"},
    ("POST", "/cases/{case_id}/assign"): {"owner": "cs-matrix"},
    ("POST", "/notes"): {"text": "matrix note"},
    ("POST", "/notes/{note_id}/status"): {"status": "acting", "reply": "matrix"},
    ("POST", "/notes/{note_id}/edit"): {"text": "matrix correction"},
    ("POST", "/admin/people"): {"handle": "matrix-added", "role": "exec", "password": "matrix password 1",
                                "confirm": "matrix password 1"},
    ("POST", "/admin/people/{user_id}/role"): {"role": "exec"},
    ("POST", "/admin/people/{user_id}/profile"): {"name": "Matrix person", "email": ""},
    ("POST", "/admin/keys"): {"name": "matrix", "role": "exec"},
    # A new password typed twice the same, without the current one: refused as a wrong password
    # (which counts toward the login's limit of the matrix's people; they never sign in by password).
    ("POST", "/account/password"): {"password": "matrix new secret", "confirm": "matrix new secret"},
    ("POST", "/account/language"): {"locale": "auto"},
    ("POST", "/account/emails"): {"note_answer_emails": "on"},
}
# Routes on the caller's own (new) note: each cell gets a fresh note written by the caller's
# person of the own workspace (see the module docstring).
OWN_NOTE = {("PATCH", "/api/v1/notes/{note_id}"), ("DELETE", "/api/v1/notes/{note_id}"),
            ("POST", "/notes/{note_id}/edit"), ("GET", "/notes/{note_id}/delete"), ("POST", "/notes/{note_id}/delete")}
# Multipart uploads: a real (tiny) PNG, so the answer is the route's decision.
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415408d763f8cf"
                    "c0000003010100c9fe92ef0000000049454e44ae426082")
FILES: dict[tuple[str, str], dict[str, tuple[str, bytes, str]]] = {
    ("POST", "/api/v1/notes/{note_id}/photos"): {"photo": ("matrix.png", PNG, "image/png")},
}
# Path parameters that name an object of a workspace: from another workspace they answer 404.
SCOPED = {"external_id", "case_id", "link_id", "subscription_id", "job_id", "slug", "alert_id", "brief_id", "note_id",
          "photo_id", "user_id", "key_id"}
MARK = "zqalpha"  # in every external id and comment of the own workspace: must not leak to the other


@dataclass
class Seeded:
    slug: str
    key: str
    ids: dict[str, str] = field(default_factory=dict)  # path parameter → value
    secrets: dict[str, str] = field(default_factory=dict)  # role → session secret
    people: dict[str, int] = field(default_factory=dict)  # role → user id


@dataclass
class World:
    client: TestClient
    app: FastAPI
    own: Seeded
    other: Seeded


def routes(app: FastAPI) -> Iterator[tuple[str, str, Any]]:
    """(method, path, route context or None) of every route, the included routers' too."""
    for route in app.routes:
        contexts = getattr(route, "effective_route_contexts", None)
        if contexts is not None:
            for ctx in contexts():
                for method in sorted(ctx.methods - {"HEAD"}):
                    yield method, ctx.path, ctx
            continue
        methods = getattr(route, "methods", None) or {"GET"}  # a Mount serves GET
        for method in sorted(set(methods) - {"HEAD"}):
            yield method, route.path, getattr(route, "dependant", None) and route


def declared_roles(ctx: Any) -> frozenset[str] | None:
    """The roles a route's require()/require_page() dependency allows, if it has one."""
    dependant = getattr(ctx, "dependant", None)
    stack = list(dependant.dependencies) if dependant is not None else []
    while stack:
        dep = stack.pop()
        roles = getattr(dep.call, "roles", None)
        if roles is not None:
            return frozenset(roles)
        stack.extend(dep.dependencies)
    return None


def _seed(database: Database, client: TestClient, clock: FakeClock, slug: str) -> Seeded:
    handle = make_workspace(database, slug)
    world = Seeded(slug, handle.key)
    headers = {"Authorization": f"Bearer {handle.key}"}
    tag = MARK if slug == "alpha" else "beta"
    delivery, customer = f"{tag}-d1", f"{tag}-c1"
    posted = client.post("/api/v1/deliveries", headers=headers, json={
        "external_id": delivery, "customer_id": customer, "owner": f"fl-{slug}",
        "delivered_at": (clock.now - dt.timedelta(minutes=5)).isoformat()})
    assert posted.status_code == 200, posted.text
    [invitation] = posted.json()["invitations"]
    token = invitation["url"].rsplit("/", 1)[1]
    assert client.post(f"/s/{token}", data={"score": "2", "comment": f"{tag} cold"}).status_code == 200
    [case] = client.get("/api/v1/cases", headers=headers).json()["cases"]
    link = client.post("/api/v1/links", headers=headers, json={"label": f"{tag}-link"}).json()
    sub = client.post("/api/v1/webhooks/subscriptions", headers=headers,
                      json={"url": "https://example.com/hook", "events": ["case.opened"]})
    assert sub.status_code == 201, sub.text
    with database.write() as session:
        job_id, _ = enqueue(session, kind="invitation.send", payload={}, run_at=clock.now, workspace_id=handle.id)
        job = session.get_one(Job, job_id)
        job.status, job.attempts, job.finished_at = "dead", job.max_attempts, clock.now
        alert = Alert(workspace_id=handle.id, kind="nps_drop", subject_kind="team", subject=f"{tag}-team",
                      dedupe_key=f"matrix-{slug}", window_start=clock.now - dt.timedelta(days=7),
                      window_end=clock.now, evidence={}, raised_at=clock.now)
        session.add(alert)
        session.flush()
        alert_id = alert.id
        brief = Brief(workspace_id=handle.id, period="week", period_start=dt.date(2026, 1, 5),
                      period_end=dt.date(2026, 1, 12), locale="en", html=f"<p>{tag}</p>",
                      content={"nps": {}, "locale": "en", "workspace": {"name": tag, "slug": slug, "timezone": "UTC"},
                               "period": {"kind": "week", "start": "2026-01-05", "last_day": "2026-01-11"}},
                      created_at=clock.now)
        session.add(brief)
        session.flush()
        brief_id = brief.id
    world.ids = {"alert_id": str(alert_id), "brief_id": str(brief_id), "period": "week",
                 "case_id": str(case["id"]), "link_id": str(link["id"]), "subscription_id": str(sub.json()["id"]),
                 "job_id": str(job_id), "slug": slug, "external_id": delivery, "customer_id": customer}
    # A person and a key for /admin/people and /admin/keys to change (not the seeded key: it is used later).
    world.ids["user_id"] = str(make_person(database, slug, "cs", handle=f"person-{tag}"))
    with database.write() as session:
        key, _secret = create_api_key(session=session, workspace=session.get_one(Workspace, handle.id),
                                      name=f"{tag}-key", role="exec")
        world.ids["key_id"] = str(key.id)
    for role in ROLES:
        uid = make_person(database, slug, role, handle=f"fl-{slug}" if role == "frontline" else None)
        world.people[role] = uid
        with database.write() as session:
            user = session.get_one(User, uid)
            world.secrets[role] = login_sessions.create_session(
                session, user=user, now=clock.now, lifetime=dt.timedelta(days=1))
            if role == "frontline":  # a note of the frontline person's own, with a photo
                note = create_note(session=session, workspace=session.get_one(Workspace, handle.id),
                                   text=f"{tag} riders wait at the counter", author_id=uid, now=clock.now)
                photo = attach_photo(session=session, note=note, stream=io.BytesIO(PNG), now=clock.now)
                world.ids |= {"note_id": str(note.id), "photo_id": str(photo.id)}
    return world


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("matrix") / "matrix.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("pg_ready")
        db = Database(url)
        _truncate_all(db)
        db.dispose()
    database = Database(url)
    clock = FakeClock(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC))
    app = create_app(Settings(database_url=url, base_url="http://testserver"), db=database, clock=clock)
    with TestClient(app) as client:
        own = _seed(database, client, clock, "alpha")
        other = _seed(database, client, clock, "beta")
        yield World(client, app, own, other)
    database.dispose()


def _path(template: str, ids: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "kind":
            return "svg"
        if name == "token":
            return "not-a-real-token-000000000000"
        if name == "external_id" and template.startswith("/api/v1/customers/"):
            return ids["customer_id"]
        assert name in ids, f"{template}: no test value for the path parameter {{{name}}} — add one to _seed"
        return ids[name]

    path = re.sub(r"\{(\w+)\}", value, template)
    mounts = {"/static": "/static/style.css", "/docs-static": "/docs-static/swagger-ui.css"}
    return mounts.get(path, path)


def _order(item: tuple[str, str, Any]) -> tuple[int, str]:
    # Reads first, then writes, then what deletes or erases: a deleted object would turn
    # every later cell of its routes into a 404.
    method, path, _ = item
    destructive = method == "DELETE" or path.endswith("/erase")
    return (2 if destructive else 0 if method == "GET" else 1, path)


def _own_note(world: World, role: str) -> dict[str, str]:
    """The own workspace's ids with a new note written by its person of ``role``."""
    db: Database = world.app.state.db
    with db.write() as session:
        workspace = session.scalars(select(Workspace).where(Workspace.slug == world.own.slug)).one()
        note = create_note(session=session, workspace=workspace, text=f"{MARK} matrix note of {role}",
                           author_id=world.own.people[role])
        return {**world.own.ids, "note_id": str(note.id)}


def _call(world: World, method: str, template: str, ids: dict[str, str], secret: str | None):
    client = world.client
    client.cookies.clear()
    headers = {"Origin": "http://testserver"}
    if secret is not None:
        headers["Cookie"] = f"{login_sessions.COOKIE}={secret}"
        headers["X-CSRF-Token"] = login_sessions.csrf_token(secret)
    key = (method, template)
    path = _path(template, ids)
    if key in FILES:
        return client.request(method, path, files=FILES[key], headers=headers, follow_redirects=False)
    if key in FORMS or (method == "POST" and not template.startswith("/api/")):
        data = dict(FORMS.get(key, {}))
        if secret is not None:
            data["csrf_token"] = login_sessions.csrf_token(secret)
        return client.request(method, path, data=data, headers=headers, follow_redirects=False)
    return client.request(method, path, json=JSON_BODIES.get(key), headers=headers, follow_redirects=False)


def _to_login(response: Any) -> bool:
    return response.status_code == 303 and response.headers.get("location", "").startswith("/login")


def _sent_to_login(response: Any) -> bool:
    """Redirected to sign in first (logout's own redirect to /login?done=logout is not that)."""
    return _to_login(response) and not response.headers["location"].startswith("/login?done=")


WRONG_PASSWORD = {("POST", "/login")}  # public, and its answer to an empty form is 401


def test_every_route_is_classified(world: World) -> None:
    found = {(method, path) for method, path, _ in routes(world.app)}
    unclassified = sorted(found - RULES.keys())
    assert unclassified == [], f"classify these routes in RULES (who may use them?): {unclassified}"
    assert sorted(RULES.keys() - found) == [], "RULES names routes that no longer exist"


def test_declared_roles_match_the_table(world: World) -> None:
    """The require(...) on each route says the same as RULES (admin is always included)."""
    mismatched = []
    for method, path, ctx in routes(world.app):
        rule = RULES.get((method, path))
        declared = declared_roles(ctx) if ctx is not None else None
        if isinstance(rule, frozenset) and declared != rule:
            mismatched.append((method, path, sorted(declared or ()), sorted(rule)))
        if isinstance(rule, str) and declared is not None:
            mismatched.append((method, path, sorted(declared), rule))
    assert mismatched == []


def test_the_matrix(world: World) -> None:
    own, other = world.own, world.other
    wrong: list[str] = []
    cells = 0
    for method, template, _ctx in sorted(routes(world.app), key=_order):
        rule = RULES.get((method, template))
        if rule is None:
            wrong.append(f"{method} {template}: not classified")
            continue
        api = template.startswith("/api/")
        anonymous = _call(world, method, template, own.ids, None)
        cells += 1
        if rule in (PUBLIC, SIGNED):
            refused = anonymous.status_code == 403 or (anonymous.status_code == 401 and (method, template) not in
                                                       WRONG_PASSWORD) or _sent_to_login(anonymous)
            if anonymous.status_code >= 500 or (rule == PUBLIC and refused):
                wrong.append(f"{method} {template} anonymous: {anonymous.status_code} for a public route")
            continue
        if (api and anonymous.status_code != 401) or (not api and not _to_login(anonymous)):
            wrong.append(f"{method} {template} anonymous: {anonymous.status_code}, expected "
                         f"{'401' if api else 'a redirect to /login'}")
        scoped = any(f"{{{p}}}" in template for p in SCOPED)
        assert isinstance(rule, frozenset)
        # The other workspace first (it must change nothing of ours), then the own one.
        for where, caller in (("other", other), ("own", own)):
            for role in ROLES:
                cells += 1
                ids = _own_note(world, role) if (method, template) in OWN_NOTE else own.ids
                got = _call(world, method, template, ids, caller.secrets[role])
                status = got.status_code
                cell = f"{method} {template} {role}@{where}: {status}"
                if role not in rule:
                    if status != 403:
                        wrong.append(f"{cell}, expected 403")
                elif status >= 500 or status in (401, 403) or _to_login(got):
                    wrong.append(f"{cell}, expected it to be allowed")
                elif where == "other" and scoped:
                    if status != 404:
                        wrong.append(f"{cell}, expected 404 for another workspace's id")
                elif where == "own" and status == 404:
                    wrong.append(f"{cell}, expected the own workspace's object")
                elif where == "other" and MARK in got.text:
                    wrong.append(f"{cell}: shows the other workspace's data")
    assert wrong == [], "\n".join(wrong)
    assert cells > 400  # the matrix ran, not a sample


def test_frontline_sees_only_their_own_deliveries(world: World) -> None:
    """Same workspace, a delivery someone else owns: 404, as if it did not exist."""
    own = world.own
    headers = {"Authorization": f"Bearer {own.key}"}
    client = world.client
    client.cookies.clear()
    posted = client.post("/api/v1/deliveries", headers=headers, json={
        "external_id": f"{MARK}-d2", "customer_id": f"{MARK}-c2", "owner": "fl-someone-else"})
    assert posted.status_code == 200, posted.text
    frontline = {"Cookie": f"{login_sessions.COOKIE}={own.secrets['frontline']}"}
    cs = {"Cookie": f"{login_sessions.COOKIE}={own.secrets['cs']}"}
    assert client.get(f"/api/v1/deliveries/{MARK}-d1", headers=frontline).status_code == 200
    assert client.get(f"/api/v1/deliveries/{MARK}-d2", headers=frontline).status_code == 404
    assert client.get(f"/api/v1/deliveries/{MARK}-d2", headers=cs).status_code == 200


def test_api_keys_carry_their_role(world: World, tmp_path: Path) -> None:
    from doorstep.accounts.services import create_api_key, get_workspace

    db: Database = world.app.state.db
    with db.write() as session:
        _key, secret = create_api_key(session=session, workspace=get_workspace(session=session, slug="alpha"),
                                      name="board", role="exec")
    client = world.client
    client.cookies.clear()
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/metrics/nps", headers=headers).status_code == 200
    refused = client.post("/api/v1/deliveries", headers=headers, json={"deliveries": []})
    assert refused.status_code == 403 and "exec" in refused.json()["error"]["message"]
    assert client.get("/api/v1/cases", headers=headers).status_code == 403


def test_a_browser_session_needs_the_csrf_header_for_api_writes(world: World) -> None:
    own = world.own
    client = world.client
    client.cookies.clear()
    cookie = {"Cookie": f"{login_sessions.COOKIE}={own.secrets['cs']}"}
    case_id = own.ids["case_id"]
    refused = client.post(f"/api/v1/cases/{case_id}/notes", headers=cookie, json={"note": "no token"})
    assert refused.status_code == 403
    forged = client.post(f"/api/v1/cases/{case_id}/notes", json={"note": "no token"},
                         headers={**cookie, "X-CSRF-Token": "0" * 64})
    assert forged.status_code == 403
    token = login_sessions.csrf_token(own.secrets["cs"])
    ok = client.post(f"/api/v1/cases/{case_id}/notes", json={"note": "with token"},
                     headers={**cookie, "X-CSRF-Token": token})
    assert ok.status_code == 200
    notes = [e for e in ok.json()["timeline"] if e.get("kind") == "note"]
    assert "no token" not in str(notes) and "with token" in str(notes)

