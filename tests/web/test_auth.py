"""Signing in and out, sessions, CSRF, lockout, password reset by e-mail (real loopback SMTP)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.cases.helpers import answer
from tests.channels.smtp import SmtpServer, smtp_server  # noqa: F401  (the fixture)

from conftest import TEST_PASSWORD, FakeClock, WorkspaceHandle, login, make_person, make_workspace
from doorstep.accounts import audit, people
from doorstep.accounts import sessions as login_sessions
from doorstep.accounts.models import AuditEntry, LoginSession, PasswordReset, User
from doorstep.api.app import create_app
from doorstep.config import Settings
from doorstep.db import Database
from doorstep.errors import InvalidInput
from doorstep.web.guards import safe_next

ORIGIN = {"Origin": "http://testserver"}


def sign_in(client: TestClient, *, workspace: str = "default", login_as: str = "admin-default",
            password: str = TEST_PASSWORD, next_path: str = "/", headers: dict[str, str] | None = None):
    return client.post("/login", data={"workspace": workspace, "login": login_as, "password": password,
                                       "next": next_path}, headers=headers or ORIGIN, follow_redirects=False)


def actions(database: Database) -> list[str]:
    with database.read() as session:
        return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_login_sets_a_safe_cookie_and_logout_ends_the_session(client, database, workspace, clock) -> None:
    make_person(database, "default", "admin", email="boss@example.com")
    assert client.get("/inbox", follow_redirects=False).headers["location"] == "/login?next=%2Finbox"

    done = sign_in(client, next_path="/inbox?status=open")
    assert done.status_code == 303 and done.headers["location"] == "/inbox?status=open"
    cookie = done.headers["set-cookie"]
    assert cookie.startswith(f"{login_sessions.COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # http base_url: a Secure cookie would never come back
    secret = client.cookies[login_sessions.COOKIE]
    with database.read() as session:
        [row] = session.scalars(select(LoginSession))
        assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest() and secret not in row.token_hash
    assert client.get("/inbox").status_code == 200
    # By e-mail instead of the handle, and with the e-mail's case changed.
    client.cookies.clear()
    assert sign_in(client, login_as="Boss@Example.com").status_code == 303
    second = client.cookies[login_sessions.COOKIE]
    assert second != secret  # every sign-in is a new session

    # Logout is a form with the CSRF token: without it nothing happens.
    page = client.get("/")
    token = re.search(r'name="csrf_token" value="([0-9a-f]{64})"', page.text).group(1)
    assert token == login_sessions.csrf_token(second)
    refused = client.post("/logout", headers=ORIGIN, follow_redirects=False)
    assert refused.status_code == 403 and "did not come from this site" in refused.text
    assert client.get("/").status_code == 200
    out = client.post("/logout", data={"csrf_token": token}, headers=ORIGIN, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/login?done=logout"
    assert "Max-Age=0" in out.headers["set-cookie"]
    # The logged-out session is dead even if a browser (or a thief) kept the cookie.
    client.cookies.set(login_sessions.COOKIE, second)
    assert client.get("/", follow_redirects=False).status_code == 303
    client.cookies.set(login_sessions.COOKIE, secret)
    assert client.get("/").status_code == 200  # the other browser's session lives on
    assert actions(database).count("login") == 2 and "logout" in actions(database)


def test_cookie_is_secure_behind_https(database_url, database, workspace, clock) -> None:
    app = create_app(Settings(database_url=database_url, base_url="https://doorstep.example"), db=database,
                     clock=clock)
    make_person(database, "default", "cs")
    with TestClient(app, base_url="https://doorstep.example") as client:
        done = sign_in(client, login_as="cs-default", headers={"Origin": "https://doorstep.example"})
    assert done.status_code == 303 and "Secure" in done.headers["set-cookie"]


def test_a_failed_login_says_nothing_about_who_exists_and_locks_after_five(client, database, workspace,
                                                                          clock) -> None:
    make_person(database, "default", "cs")
    unknown = sign_in(client, login_as="nobody")
    wrong = sign_in(client, login_as="cs-default", password="not the password")
    no_space = sign_in(client, workspace="nowhere", login_as="cs-default")
    for page in (unknown, wrong, no_space):
        assert page.status_code == 401 and "Sign-in failed." in page.text
    assert login_sessions.COOKIE not in client.cookies
    # Four more wrong passwords (five in all): now even the right one is refused.
    for _ in range(4):
        sign_in(client, login_as="cs-default", password="guess guess guess")
    locked = sign_in(client, login_as="cs-default")
    assert locked.status_code == 401 and login_sessions.COOKIE not in client.cookies
    with database.read() as session:
        reasons = [e.details["reason"] for e in session.scalars(
            select(AuditEntry).where(AuditEntry.action == "login_failed").order_by(AuditEntry.id))]
    assert reasons[:3] == ["unknown", "wrong_password", "unknown"] and reasons[-1] == "account_locked"
    clock.advance(minutes=16)  # the window has passed
    assert sign_in(client, login_as="cs-default").status_code == 303


def test_one_address_guessing_many_accounts_is_stopped(client, database, workspace, clock) -> None:
    make_person(database, "default", "cs")
    sign_in(client, login_as="guess-0")
    with database.write() as session:  # the other failures, as the first one was recorded (argon2 is slow)
        [first] = session.scalars(select(AuditEntry).where(AuditEntry.action == "login_failed"))
        for _ in range(1, people.MAX_FAILURES_PER_ADDRESS):
            audit.record(session, action="login_failed", actor_kind="anonymous", actor=None,
                         workspace_id=first.workspace_id, details={"reason": "unknown"}, client=first.client,
                         at=clock.now)
    assert first.client == "testclient"
    assert sign_in(client, login_as="cs-default").status_code == 401
    clock.advance(minutes=16)
    assert sign_in(client, login_as="cs-default").status_code == 303


def test_login_needs_a_same_origin_post(client, database, workspace) -> None:
    make_person(database, "default", "admin")
    forged = sign_in(client, headers={"Origin": "https://evil.example"})
    assert forged.status_code == 403 and login_sessions.COOKIE not in client.cookies


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example", "/\\evil.example", "javascript:x",
                                    "", "/ok\r\nSet-Cookie: x=1"])
def test_next_never_leaves_the_site(target: str) -> None:
    assert safe_next(target) == "/"


def test_next_keeps_local_paths() -> None:
    assert safe_next("/w/food/verbatims?q=cold") == "/w/food/verbatims?q=cold"


def test_login_redirect_refuses_an_open_redirect(client, database, workspace) -> None:
    make_person(database, "default", "admin")
    assert sign_in(client, next_path="//evil.example/phish").headers["location"] == "/"


def test_sessions_expire_when_idle_and_after_the_maximum(client, database, workspace, clock) -> None:
    login(client, database, workspace, "exec")
    assert client.get("/").status_code == 200
    clock.advance(hours=11)
    assert client.get("/").status_code == 200  # used within the idle time: still alive
    clock.advance(hours=11)
    assert client.get("/").status_code == 200
    clock.advance(hours=12, minutes=1)  # idle for longer than 12 hours
    assert client.get("/", follow_redirects=False).status_code == 303
    # A busy session still ends at the maximum (7 days).
    login(client, database, workspace, "exec")
    start = clock.now
    for _ in range(20):
        clock.advance(hours=11)
        if client.get("/", follow_redirects=False).status_code != 200:
            break
    assert dt.timedelta(days=7) <= clock.now - start < dt.timedelta(days=7, hours=11)


def test_a_deactivated_person_is_signed_out_everywhere(client, database, workspace, clock) -> None:
    me = login(client, database, workspace, "cs")
    assert client.get("/inbox").status_code == 200
    with database.write() as session:
        people.deactivate(session, workspace=_ws(session), handle=me.handle, now=clock.now)
    assert client.get("/inbox", follow_redirects=False).status_code == 303
    assert sign_in(client, login_as=me.handle).status_code == 401
    assert "user_deactivated" in actions(database)


def _ws(session):  # type: ignore[no-untyped-def]
    from doorstep.accounts.services import get_workspace

    return get_workspace(session=session, slug="default")


def test_role_changes_apply_at_once(client, database, workspace, clock) -> None:
    me = login(client, database, workspace, "cs")
    assert client.get("/inbox").status_code == 200
    with database.write() as session:
        people.set_role(session, workspace=_ws(session), handle=me.handle, role="exec", now=clock.now)
    refused = client.get("/inbox")
    assert refused.status_code == 403 and "Your role does not include this page" in refused.text


def test_csrf_refusal_changes_nothing(client, database, workspace, clock) -> None:
    case_id = answer(client, workspace, clock, "D-1", 2, comment="cold")
    me = login(client, database, workspace, "cs")
    del client.headers["X-CSRF-Token"]
    before = client.get(f"/api/v1/cases/{case_id}", headers=workspace.headers).json()
    for data in ({"note": "forged"}, {"note": "forged", "csrf_token": "0" * 64},
                 {"note": "forged", "csrf_token": login_sessions.csrf_token("another session")}):
        refused = client.post(f"/cases/{case_id}/notes", data=data, headers=ORIGIN)
        assert refused.status_code == 403
        assert 'data-refused="csrf"' in refused.text and "Nothing was changed" in refused.text
    moved = client.post(f"/cases/{case_id}/transitions", data={"to": "contacted"}, headers=ORIGIN)
    assert moved.status_code == 403
    after = client.get(f"/api/v1/cases/{case_id}", headers=workspace.headers).json()
    assert after == before
    # The page's own form carries the right token.
    page = client.get(f"/cases/{case_id}").text
    assert page.count(f'name="csrf_token" value="{me.csrf}"') >= 3
    ok = client.post(f"/cases/{case_id}/notes", data={"note": "real", "csrf_token": me.csrf}, headers=ORIGIN)
    assert ok.status_code == 200 and "real" in ok.text


def test_passwords_are_argon2_hashes_and_upgrade_on_login(client, database, workspace) -> None:
    with database.write() as session:
        user = people.add_user(session, workspace=_ws(session), handle="li", role="cs",
                               password="a long enough secret")
        assert user.password_hash.startswith("$argon2id$") and "a long enough secret" not in user.password_hash
        # An old, weaker hash (fewer passes, less memory): upgraded at the next login.
        user.password_hash = PasswordHasher(time_cost=1, memory_cost=8192).hash("a long enough secret")
    assert sign_in(client, login_as="li", password="a long enough secret").status_code == 303
    with database.read() as session:
        stored = session.scalar(select(User.password_hash).where(User.handle == "li"))
    assert stored.startswith("$argon2id$v=19$m=65536,t=3")
    with pytest.raises(InvalidInput, match="at least 10"), database.write() as session:
        people.add_user(session, workspace=_ws(session), handle="short", role="cs", password="short")


def test_foreign_ids_answer_404_not_403(client, database, workspace, clock) -> None:
    case_id = answer(client, workspace, clock, "D-1", 2)
    other = make_workspace(database, "other")
    login(client, database, other, "admin")
    assert client.get(f"/api/v1/cases/{case_id}", headers=other.headers).status_code == 404
    assert client.get(f"/api/v1/cases/{case_id + 1000}", headers=other.headers).status_code == 404
    assert client.get(f"/cases/{case_id}").status_code == 404
    assert client.get("/w/default").status_code == 404


# --- password reset -------------------------------------------------------------------


@pytest.fixture
def mailed(settings: Settings, database: Database, clock: FakeClock,
           smtp_server: SmtpServer) -> TestClient:  # noqa: F811
    app = create_app(smtp_server.settings(settings), db=database, clock=clock)
    with TestClient(app) as client:
        yield client


def test_password_reset_by_email(mailed, database, workspace: WorkspaceHandle, clock, smtp_server) -> None:  # noqa: F811
    uid = make_person(database, "default", "cs", handle="li", email="li@example.com")
    old = login(mailed, database, workspace, user_id=uid)
    mailed.cookies.clear()

    asked = mailed.post("/reset", data={"workspace": "default", "login": "li"}, headers=ORIGIN)
    assert asked.status_code == 200 and "a link is on its way" in asked.text
    nobody = mailed.post("/reset", data={"workspace": "default", "login": "nobody"}, headers=ORIGIN)
    assert nobody.text.replace("nobody", "li") == asked.text.replace("nobody", "li")  # the same answer
    [mail] = smtp_server.messages()
    assert mail["To"] == "li@example.com" and "Reset" in mail["Subject"]
    link = re.search(r"http://testserver(/reset/[\w-]+)", mail.get_content()).group(1)
    token = link.rsplit("/", 1)[1]
    with database.read() as session:
        [row] = session.scalars(select(PasswordReset))
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()  # only the hash is kept

    form = mailed.get(link)
    assert form.status_code == 200 and 'name="password"' in form.text
    assert form.headers["referrer-policy"] == "no-referrer" and form.headers["cache-control"] == "no-store"
    mismatch = mailed.post(link, data={"password": "brand new secret", "confirm": "brand new secreT"})
    assert mismatch.status_code == 422 and "differ" in mismatch.text
    weak = mailed.post(link, data={"password": "short", "confirm": "short"})
    assert weak.status_code == 422
    done = mailed.post(link, data={"password": "brand new secret", "confirm": "brand new secret"},
                       follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].startswith("/login?done=reset")

    assert mailed.post(link, data={"password": "another secret!", "confirm": "another secret!"}).status_code == 410
    assert mailed.get(link).status_code == 410
    assert sign_in(mailed, login_as="li").status_code == 401  # the old password no longer works
    # The session from before the reset has ended.
    mailed.cookies.set(login_sessions.COOKIE, old.secret)
    assert mailed.get("/inbox", follow_redirects=False).status_code == 303
    mailed.cookies.clear()
    assert sign_in(mailed, login_as="li", password="brand new secret").status_code == 303
    assert {"password_reset_requested", "password_reset"} <= set(actions(database))


def test_reset_links_expire(mailed, database, workspace, clock, smtp_server) -> None:  # noqa: F811
    make_person(database, "default", "cs", handle="li", email="li@example.com")
    mailed.post("/reset", data={"workspace": "default", "login": "li"}, headers=ORIGIN)
    link = re.search(r"http://testserver(/reset/[\w-]+)", smtp_server.messages()[0].get_content()).group(1)
    clock.advance(minutes=61)
    assert mailed.get(link).status_code == 410
    assert mailed.post(link, data={"password": "brand new secret", "confirm": "brand new secret"}).status_code == 410


def test_without_email_reset_says_to_ask_an_admin(client, database, workspace) -> None:
    page = client.get("/reset", params={"lang": "zh"})
    assert "此服务器未配置邮件" in page.text and 'action="/reset"' not in page.text


def test_login_pages_speak_both_languages(client) -> None:
    assert "用户名或邮箱" in client.get("/login", params={"lang": "zh"}).text
    assert "Name or e-mail" in client.get("/login").text


def test_key_use_is_audited_at_most_once_an_hour(client, database, workspace, clock) -> None:
    def used() -> int:
        return actions(database).count("key_used")

    client.get("/api/v1/metrics/nps", headers=workspace.headers)
    client.get("/api/v1/metrics/nps", headers=workspace.headers)
    assert used() == 1
    clock.advance(minutes=59)
    client.get("/api/v1/cases", headers=workspace.headers)
    assert used() == 1
    clock.advance(minutes=2)
    client.get("/api/v1/cases", headers=workspace.headers)
    assert used() == 2
    refused = client.get("/api/v1/cases", headers={"Authorization": "Bearer dsk_nope_nope"})
    assert refused.status_code == 401 and used() == 2
