"""/account: one's own password, language and e-mails, for every role (doorstep.web.account).

Real parts: the forms are posted as a browser posts them (session cookie, CSRF token,
Origin) and the login is the real /login. What the chosen language does to pages and
e-mails: tests/web/test_person_language.py; what turning the note e-mails off does to
them: tests/frontline/test_note_replies.py.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from conftest import TEST_PASSWORD, login, make_person
from doorstep.accounts import people
from doorstep.accounts import sessions as login_sessions
from doorstep.accounts.models import ROLES, AuditEntry, User
from doorstep.db import Database

ORIGIN = {"Origin": "http://testserver"}
NEW = "a brand new secret"
ENGLISH = {"Accept-Language": "en-GB,en;q=0.9"}


def change(client: TestClient, current: str = TEST_PASSWORD, password: str = NEW, confirm: str | None = None,
           **extra: str):
    data = {"current": current, "password": password, "confirm": password if confirm is None else confirm, **extra}
    return client.post("/account/password", data=data, headers=ORIGIN, follow_redirects=False)


def sign_in(client: TestClient, handle: str, password: str):
    return client.post("/login", data={"workspace": "default", "login": handle, "password": password},
                       headers=ORIGIN, follow_redirects=False)


def stored_hash(database: Database, user_id: int) -> str | None:
    with database.read() as session:
        return session.get_one(User, user_id).password_hash


def audit_rows(database: Database, action: str) -> list[AuditEntry]:
    with database.read() as session:
        rows = list(session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))
        session.expunge_all()
    return rows


def other_session(database: Database, user_id: int, now: dt.datetime) -> str:
    """A second browser (a phone) signed in as the same person."""
    with database.write() as session:
        return login_sessions.create_session(session, user=session.get_one(User, user_id), now=now,
                                             lifetime=dt.timedelta(days=7))


def alive(client: TestClient, secret: str) -> bool:
    # An explicit Cookie header goes instead of the client's own cookie (as in the role matrix).
    page = client.get("/account", headers={"Cookie": f"{login_sessions.COOKIE}={secret}"}, follow_redirects=False)
    return page.status_code == 200


# --- who one is ------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_every_role_has_a_page_of_its_own_linked_from_the_top_bar(client, database, workspace, role) -> None:
    uid = make_person(database, "default", role, handle=f"li-{role}", email="li@example.com")
    with database.write() as session:
        session.get_one(User, uid).name = "李<b>娜</b>"
    login(client, database, workspace, user_id=uid)
    overview = client.get("/", headers=ENGLISH)
    assert overview.status_code == 200
    assert re.search(r'<a class="whoami-name" data-role="\w+" href="/account\?lang=en"', overview.text)

    page = client.get("/account", headers=ENGLISH)
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    facts = dict(re.findall(r'<dd data-field="(\w+)">(.*?)</dd>', page.text))
    assert facts["handle"] == f"li-{role}" and facts["email"] == "li@example.com"
    assert facts["name"] == "李&lt;b&gt;娜&lt;/b&gt;"  # escaped like all user text
    assert "default" in facts["workspace"]
    label = {"admin": "admin", "cs": "customer service", "frontline": "frontline", "exec": "executive"}[role]
    assert facts["role"] == label
    assert 'aria-current="page"' in page.text and 'action="/account/password"' in page.text
    zh = client.get("/account", params={"lang": "zh"})
    assert "我的账号" in zh.text and "登录用户名" in zh.text


def test_the_page_needs_a_session(client, database, workspace) -> None:
    assert client.get("/account", follow_redirects=False).headers["location"] == "/login?next=%2Faccount"
    refused = client.post("/account/password", data={"current": TEST_PASSWORD, "password": NEW, "confirm": NEW},
                          headers=ORIGIN, follow_redirects=False)
    assert refused.status_code == 303 and refused.headers["location"].startswith("/login")


# --- the password -------------------------------------------------------------------------


def test_a_changed_password_signs_out_every_other_session_but_this_one(client, database, workspace,
                                                                       clock) -> None:
    uid = make_person(database, "default", "frontline", handle="wang", email="wang@example.com")
    me = login(client, database, workspace, user_id=uid)
    phone = other_session(database, uid, clock.now)
    with database.write() as session:  # a reset link asked for earlier, still unused
        issued = people.request_reset(session, workspace_slug="default", login="wang", now=clock.now, client=None)
        assert issued is not None
        _user, token = issued
    assert alive(client, phone)

    done = change(client, lang="zh")
    assert done.status_code == 303 and done.headers["location"] == "/account?done=password&lang=zh"
    page = client.get(done.headers["location"])
    assert page.status_code == 200 and 'data-notice="password"' in page.text and "密码已修改" in page.text
    assert client.cookies[login_sessions.COOKIE] == me.secret  # this browser: the same session, still in
    assert not alive(client, phone)  # the phone is out
    assert client.get("/account").status_code == 200

    # The new password opens the login, the old one no longer does; the old reset link is spent.
    with TestClient(client.app) as other:
        assert sign_in(other, "wang", TEST_PASSWORD).status_code == 401
        assert sign_in(other, "wang", NEW).status_code == 303
        assert other.get(f"/reset/{token}").status_code == 410
    assert stored_hash(database, uid).startswith("$argon2id$")
    [entry] = audit_rows(database, "password_changed")
    assert (entry.actor, entry.actor_kind, entry.target) == ("wang", "user", f"user:{uid}")
    assert entry.details == {"sessions_ended": 1} and NEW not in str(entry.details)


def test_two_different_new_passwords_change_nothing(client, database, workspace, clock) -> None:
    me = login(client, database, workspace, "cs")
    phone = other_session(database, me.id, clock.now)
    before = stored_hash(database, me.id)
    refused = change(client, confirm="a brand new secreT")
    assert refused.status_code == 422 and 'data-error="mismatch"' in refused.text
    assert "The two passwords differ." in refused.text and "Nothing was changed." in refused.text
    zh = change(client, confirm="a brand new secreT", lang="zh")
    assert "两次输入的密码不一致。" in zh.text and "未做任何更改。" in zh.text
    for page in (refused, zh):  # nothing typed comes back into the page
        assert NEW not in page.text and TEST_PASSWORD not in page.text and "secreT" not in page.text
    weak = change(client, password="short")
    assert weak.status_code == 422 and 'data-error="weak"' in weak.text
    assert stored_hash(database, me.id) == before and alive(client, phone)
    assert audit_rows(database, "login_failed") == [] and audit_rows(database, "password_changed") == []


def test_a_wrong_current_password_is_refused_and_counts_toward_the_login_limit(client, database, workspace,
                                                                                clock) -> None:
    uid = make_person(database, "default", "exec", handle="zhao")
    login(client, database, workspace, user_id=uid)
    phone = other_session(database, uid, clock.now)
    before = stored_hash(database, uid)
    for attempt in range(people.MAX_FAILURES_PER_ACCOUNT):
        wrong = change(client, current=f"guess number {attempt}")
        assert wrong.status_code == 422 and 'data-error="wrong"' in wrong.text
        assert "The current password is wrong." in wrong.text and f"guess number {attempt}" not in wrong.text
    failures = audit_rows(database, "login_failed")
    assert [f.details for f in failures] == [{"reason": "wrong_password", "via": "account"}] * 5
    assert {f.target for f in failures} == {f"user:{uid}"}

    # The limit is the login's: now even the right password is refused, here and at the login.
    locked = change(client)
    assert locked.status_code == 429 and 'data-error="locked"' in locked.text
    with TestClient(client.app) as other:
        assert sign_in(other, "zhao", TEST_PASSWORD).status_code == 401
    assert stored_hash(database, uid) == before and alive(client, phone)

    clock.advance(minutes=16)  # the window has passed
    assert change(client).status_code == 303
    assert stored_hash(database, uid) != before and not alive(client, phone)


def test_the_form_needs_its_csrf_token(client, database, workspace) -> None:
    me = login(client, database, workspace, "cs")
    del client.headers["X-CSRF-Token"]
    before = stored_hash(database, me.id)
    forged = change(client)
    assert forged.status_code == 403 and 'data-refused="csrf"' in forged.text
    elsewhere = client.post("/account/password", headers={"Origin": "https://evil.example"},
                            data={"current": TEST_PASSWORD, "password": NEW, "confirm": NEW, "csrf_token": me.csrf})
    assert elsewhere.status_code == 403
    assert stored_hash(database, me.id) == before
    page = client.get("/account")
    assert page.text.count(f'name="csrf_token" value="{me.csrf}"') == 4  # sign out, language, e-mails, password


# --- the language ---------------------------------------------------------------------------


def choose(client: TestClient, locale: str, **extra: str):
    return client.post("/account/language", data={"locale": locale, **extra}, headers=ORIGIN,
                       follow_redirects=False)


def test_the_chosen_language_is_saved_and_pages_follow_it(client, database, workspace) -> None:
    me = login(client, database, workspace, "cs")
    assert '<html lang="en">' in client.get("/account", headers=ENGLISH).text  # the browser's, before any choice
    assert 'value="auto" checked' in client.get("/account").text

    saved = choose(client, "zh-CN", lang="en")  # chosen on the English page: the answer comes in Chinese
    assert saved.status_code == 303 and saved.headers["location"] == "/account?done=language"
    with database.read() as session:
        assert session.get_one(User, me.id).locale == "zh-CN"
    page = client.get(saved.headers["location"], headers=ENGLISH)
    assert '<html lang="zh-CN">' in page.text and "语言设置已保存。" in page.text
    assert 'value="zh-CN" checked' in page.text
    assert '<html lang="zh-CN">' in client.get("/notes", headers=ENGLISH).text  # every page of theirs
    assert '<html lang="en">' in client.get("/account", params={"lang": "en"}, headers=ENGLISH).text  # ?lang= wins

    assert choose(client, "en").status_code == 303
    assert '<html lang="en">' in client.get("/", headers={"Accept-Language": "zh-CN"}).text
    assert choose(client, "auto").status_code == 303  # back to following the browser
    assert '<html lang="zh-CN">' in client.get("/", headers={"Accept-Language": "zh-TW"}).text
    with database.read() as session:
        assert session.get_one(User, me.id).locale is None


def test_a_language_not_offered_is_refused(client, database, workspace) -> None:
    me = login(client, database, workspace, "frontline")
    refused = choose(client, "fr", lang="zh")
    assert refused.status_code == 422 and "请从列出的语言中选择一种。" in refused.text
    assert choose(client, "").status_code == 422
    with database.read() as session:
        assert session.get_one(User, me.id).locale is None


# --- the e-mails ----------------------------------------------------------------------------


def set_emails(client: TestClient, on: bool, **extra: str):
    data = {**({"note_answer_emails": "on"} if on else {}), **extra}  # unticked: the browser sends no field
    return client.post("/account/emails", data=data, headers=ORIGIN, follow_redirects=False)


def note_answer_emails(database: Database, user_id: int) -> bool:
    with database.read() as session:
        return session.get_one(User, user_id).note_answer_emails


CHECKBOX = re.compile(r'<input type="checkbox" name="note_answer_emails" value="on"( checked)?>')


@pytest.mark.parametrize("role", ROLES)
def test_the_note_e_mails_are_on_by_default_and_can_be_turned_off_and_on(client, database, workspace,
                                                                        role) -> None:
    uid = make_person(database, "default", role, handle=f"chen-{role}", email="chen@example.com")
    login(client, database, workspace, user_id=uid)
    assert note_answer_emails(database, uid) is True
    page = client.get("/account", headers=ENGLISH)
    assert "E-mail me when my notes are answered" in page.text and "no e-mail address" not in page.text
    box = CHECKBOX.search(page.text)
    assert box is not None and box.group(1) == " checked"
    assert "我的一线反馈有回复时给我发邮件" in client.get("/account", params={"lang": "zh"}).text

    off = set_emails(client, False, lang="zh")
    assert off.status_code == 303 and off.headers["location"] == "/account?done=emails&lang=zh"
    assert note_answer_emails(database, uid) is False
    page = client.get(off.headers["location"])
    assert 'data-notice="emails"' in page.text and "不再给您发邮件" in page.text
    box = CHECKBOX.search(page.text)
    assert box is not None and box.group(1) is None

    on = set_emails(client, True, lang="en")
    assert on.headers["location"] == "/account?done=emails&lang=en"
    assert note_answer_emails(database, uid) is True
    page = client.get(on.headers["location"])
    assert "Saved: you will be e-mailed when your notes are answered." in page.text
    box = CHECKBOX.search(page.text)
    assert box is not None and box.group(1) == " checked"


def test_the_e_mail_form_needs_a_session_and_its_csrf_token(client, database, workspace) -> None:
    refused = client.post("/account/emails", headers=ORIGIN, follow_redirects=False)
    assert refused.status_code == 303 and refused.headers["location"].startswith("/login")
    me = login(client, database, workspace, "frontline")
    del client.headers["X-CSRF-Token"]
    forged = set_emails(client, False)  # a forged form that would switch the e-mails off
    assert forged.status_code == 403 and 'data-refused="csrf"' in forged.text
    assert note_answer_emails(database, me.id) is True


def test_a_person_without_an_address_is_told_nothing_is_sent(client, database, workspace) -> None:
    uid = make_person(database, "default", "frontline", handle="no-mail")
    login(client, database, workspace, user_id=uid)
    assert "You have no e-mail address, so nothing is sent." in client.get("/account", headers=ENGLISH).text
