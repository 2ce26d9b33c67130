"""/admin/people: add a person (typed password or e-mailed link), correct a name and e-mail, send an
invitation again, change a role, deactivate and reactivate — audited, CSRF-guarded, the last
active admin kept, another workspace's ids 404."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.channels.smtp import SmtpServer, smtp_server  # noqa: F401  (the fixture)

from conftest import FakeClock, WorkspaceHandle, login, make_person, make_workspace
from doorstep.accounts import people
from doorstep.accounts.models import AuditEntry, User, Workspace
from doorstep.api.app import create_app
from doorstep.config import Settings
from doorstep.db import Database

ORIGIN = {"Origin": "http://testserver"}
PASSWORD = "li wei's first secret"
HOSTILE = '<script>alert("x")</script>'


@dataclass(frozen=True)
class Entry:
    actor_kind: str
    actor: str | None
    target: str | None
    details: dict


def audit(database: Database, action: str) -> list[Entry]:
    with database.read() as session:
        return [Entry(e.actor_kind, e.actor, e.target, dict(e.details or {})) for e in session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))]


@dataclass(frozen=True)
class Seen:
    id: int
    role: str
    active: bool


def person(database: Database, handle: str, workspace_id: int | None = None) -> Seen:
    with database.read() as session:
        query = select(User).where(User.handle == handle)
        if workspace_id is not None:
            query = query.where(User.workspace_id == workspace_id)
        user = session.scalars(query).one()
        return Seen(user.id, user.role, user.active)


def email_of(database: Database, handle: str) -> str | None:
    with database.read() as session:
        return session.scalars(select(User.email).where(User.handle == handle)).one()


def row_of(page: str, uid: int) -> str:
    """The table row of one person."""
    row = page[page.index(f'id="person-{uid}"'):]
    return row[:row.index("</tr>")]


def edit(client: TestClient, uid: int, **fields: str):  # type: ignore[no-untyped-def]
    return client.post(f"/admin/people/{uid}/profile", data={"lang": "en"} | fields, headers=ORIGIN,
                       follow_redirects=False)


def resend(client: TestClient, uid: int, **fields: str):  # type: ignore[no-untyped-def]
    return client.post(f"/admin/people/{uid}/invitation", data={"lang": "en"} | fields, headers=ORIGIN,
                       follow_redirects=False)


def add(client: TestClient, **fields: str):  # type: ignore[no-untyped-def]
    form = {"handle": "li.wei", "name": "", "email": "", "role": "cs", "how": "password", "password": PASSWORD,
            "confirm": PASSWORD, "lang": "en"} | fields
    return client.post("/admin/people", data=form, headers=ORIGIN, follow_redirects=False)


def sign_in(client: TestClient, handle: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    client.cookies.clear()
    client.headers.pop("X-CSRF-Token", None)
    return client.post("/login", data={"workspace": "default", "login": handle, "password": password},
                       headers=ORIGIN, follow_redirects=False)


def test_add_a_person_and_sign_in_as_them(client: TestClient, database: Database, workspace: WorkspaceHandle) -> None:
    boss = login(client, database, workspace, "admin", handle="boss")
    page = client.get("/admin/people", params={"lang": "en"})
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert 'data-handle="boss"' in page.text and 'href="/admin/people?lang=en" aria-current="page"' in page.text
    assert 'name="csrf_token" value="' + boss.csrf + '"' in page.text
    # Without e-mail set up, only a typed password is offered.
    assert 'value="email"' not in page.text and "E-mail is not set up" in page.text

    added = add(client, name=HOSTILE, email="li@example.com")
    assert added.status_code == 303
    uid = person(database, "li.wei").id
    assert added.headers["location"] == f"/admin/people?lang=en&done=added&who={uid}"
    listed = client.get(added.headers["location"]).text
    assert "li.wei can now sign in." in listed and f'data-person-id="{uid}"' in listed
    assert HOSTILE not in listed and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in listed
    assert PASSWORD not in listed
    [created] = audit(database, "user_created")
    assert (created.actor_kind, created.actor, created.target, created.details) == (
        "user", "boss", f"user:{uid}", {"handle": "li.wei", "role": "cs"})

    assert sign_in(client, "li.wei").status_code == 303
    assert client.get("/inbox").status_code == 200  # cs
    assert client.get("/admin/people").status_code == 403  # not an admin
    assert "/admin/people" not in client.get("/").text  # no link in a non-admin's top bar


def test_a_refused_form_says_why_and_keeps_what_was_typed(client: TestClient, database: Database,
                                                         workspace: WorkspaceHandle) -> None:
    login(client, database, workspace, "admin", handle="boss")
    bad = add(client, email="not-an-address", name="李伟", role="exec", lang="zh")
    assert bad.status_code == 422 and "邮箱地址格式不正确" in bad.text
    assert 'value="not-an-address"' in bad.text and 'value="李伟"' in bad.text
    assert '<option value="exec" selected>' in bad.text and PASSWORD not in bad.text
    mismatch = add(client, confirm="something else!")
    assert mismatch.status_code == 422 and "The two passwords differ." in mismatch.text
    weak = add(client, password="short", confirm="short")
    assert weak.status_code == 422 and "too short" in weak.text
    spaced = add(client, handle="li wei")
    assert spaced.status_code == 422 and "without spaces" in spaced.text
    no_mail = add(client, how="email", email="li@example.com")
    assert no_mail.status_code == 422 and "E-mail is not set up" in no_mail.text
    assert add(client, handle="boss").status_code == 409
    assert "boss can already sign in" in add(client, handle="boss").text
    with database.read() as session:
        assert session.scalars(select(User.handle).order_by(User.handle)).all() == ["boss"]


def test_a_role_change_is_visible_applies_at_once_and_is_audited(client: TestClient, database: Database,
                                                                workspace: WorkspaceHandle) -> None:
    li = make_person(database, "default", "cs", handle="li")
    other = TestClient(client.app)
    login(other, database, workspace, user_id=li)
    assert other.get("/inbox").status_code == 200
    login(client, database, workspace, "admin", handle="boss")
    done = client.post(f"/admin/people/{li}/role", data={"role": "exec", "lang": "zh"}, headers=ORIGIN,
                       follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"/admin/people?lang=zh&done=role&who={li}"
    page = client.get(done.headers["location"]).text
    assert "已修改 li 的角色" in page
    row = page[page.index(f'id="person-{li}"'):]
    row = row[:row.index("</tr>")]
    assert 'data-role="exec"' in row and '<option value="exec" selected>' in row
    assert other.get("/inbox").status_code == 403  # their very next page
    [changed] = audit(database, "role_changed")
    assert (changed.actor, changed.target, changed.details) == ("boss", f"user:{li}",
                                                                {"handle": "li", "from": "cs", "to": "exec"})
    bad = client.post(f"/admin/people/{li}/role", data={"role": "god"}, headers=ORIGIN)
    assert bad.status_code == 422 and "Choose one of the roles listed." in bad.text


def test_the_last_active_admin_cannot_demote_or_deactivate_themselves(client: TestClient, database: Database,
                                                                      workspace: WorkspaceHandle) -> None:
    boss = login(client, database, workspace, "admin", handle="boss")
    for action, data in (("role", {"role": "cs"}), ("deactivate", {})):
        en = client.post(f"/admin/people/{boss.id}/{action}", data=data | {"lang": "en"}, headers=ORIGIN)
        assert en.status_code == 409 and "boss is the last active admin of this workspace" in en.text
        zh = client.post(f"/admin/people/{boss.id}/{action}", data=data | {"lang": "zh"}, headers=ORIGIN)
        assert zh.status_code == 409 and "boss 是本工作区最后一位在用的管理员" in zh.text
    me = person(database, "boss")
    assert (me.role, me.active) == ("admin", True)
    assert audit(database, "role_changed") == [] and audit(database, "user_deactivated") == []
    # A second admin who can sign in: now stepping down is fine.
    make_person(database, "default", "admin", handle="deputy")
    done = client.post(f"/admin/people/{boss.id}/role", data={"role": "cs"}, headers=ORIGIN, follow_redirects=False)
    assert done.status_code == 303
    assert client.get("/admin/people").status_code == 403  # the role applies at once, to oneself too


def test_deactivate_and_reactivate(client: TestClient, database: Database, workspace: WorkspaceHandle) -> None:
    login(client, database, workspace, "admin", handle="boss")
    assert add(client).status_code == 303
    uid = person(database, "li.wei").id
    admin_cookies = dict(client.cookies)
    admin_token = client.headers["X-CSRF-Token"]
    gone = client.post(f"/admin/people/{uid}/deactivate", headers=ORIGIN, follow_redirects=False)
    assert gone.status_code == 303
    page = client.get(gone.headers["location"]).text
    assert "li.wei can no longer sign in" in page and f'action="/admin/people/{uid}/reactivate"' in page
    assert sign_in(client, "li.wei").status_code == 401
    client.cookies.update(admin_cookies)
    client.headers["X-CSRF-Token"] = admin_token
    back = client.post(f"/admin/people/{uid}/reactivate", headers=ORIGIN, follow_redirects=False)
    assert back.status_code == 303 and "li.wei can sign in again" in client.get(back.headers["location"]).text
    assert sign_in(client, "li.wei").status_code == 303
    assert [e.details["handle"] for e in audit(database, "user_deactivated")] == ["li.wei"]
    [again] = audit(database, "user_reactivated")
    assert (again.actor, again.target) == ("boss", f"user:{uid}")


def test_forms_without_the_csrf_token_or_from_elsewhere_are_refused(client: TestClient, database: Database,
                                                                    workspace: WorkspaceHandle) -> None:
    li = make_person(database, "default", "cs", handle="li")
    boss = login(client, database, workspace, "admin", handle="boss")
    client.headers.pop("X-CSRF-Token")
    attempts = [("/admin/people", {"handle": "x.y", "role": "admin", "password": PASSWORD, "confirm": PASSWORD}),
                (f"/admin/people/{li}/role", {"role": "admin"}), (f"/admin/people/{li}/deactivate", {}),
                (f"/admin/people/{li}/profile", {"name": "Forged", "email": "evil@example.com"}),
                (f"/admin/people/{li}/invitation", {})]
    for path, data in attempts:
        missing = client.post(path, data=data, headers=ORIGIN, follow_redirects=False)
        assert missing.status_code == 403 and "did not come from this site" in missing.text
        forged = client.post(path, data=data | {"csrf_token": "0" * 64}, headers=ORIGIN, follow_redirects=False)
        assert forged.status_code == 403
        elsewhere = client.post(path, data=data | {"csrf_token": boss.csrf}, follow_redirects=False,
                                headers={"Origin": "https://evil.example"})
        assert elsewhere.status_code == 403
    me = person(database, "li")
    assert (me.role, me.active) == ("cs", True)
    with database.read() as session:
        assert session.scalars(select(User.handle).where(User.handle == "x.y")).all() == []
    assert audit(database, "user_created") == [] and audit(database, "role_changed") == []
    assert audit(database, "user_updated") == [] and email_of(database, "li") is None


def test_another_workspaces_person_answers_404(client: TestClient, database: Database,
                                               workspace: WorkspaceHandle) -> None:
    other = make_workspace(database, "other", name="Other business")
    theirs = make_person(database, "other", "cs", handle="theirs")
    login(client, database, workspace, "admin", handle="boss")
    for action, data in (("role", {"role": "exec"}), ("deactivate", {}), ("reactivate", {}),
                         ("profile", {"name": "Taken over", "email": "boss@example.com"}), ("invitation", {})):
        refused = client.post(f"/admin/people/{theirs}/{action}", data=data, headers=ORIGIN)
        assert refused.status_code == 404 and "This person is not in your workspace." in refused.text
    assert client.post("/admin/people/999999/role", data={"role": "exec"}, headers=ORIGIN).status_code == 404
    page = client.get("/admin/people", params={"all": "1", "done": "role", "who": str(theirs)}).text
    assert "theirs" not in page and "Other business" not in page  # not listed, not named by a notice
    them = person(database, "theirs", other.id)
    assert (them.role, them.active) == ("cs", True)
    assert email_of(database, "theirs") is None and audit(database, "user_updated") == []


# --- correcting a name and an e-mail address ---------------------------------------------


def test_an_admin_corrects_a_name_and_an_email(client: TestClient, database: Database,
                                               workspace: WorkspaceHandle) -> None:
    login(client, database, workspace, "admin", handle="boss")
    make_person(database, "default", "cs", handle="wang", email="Wang@Example.com")
    assert add(client, name="Li Wie", email="li@exmaple.com").status_code == 303
    uid = person(database, "li.wei").id
    row = row_of(client.get("/admin/people", params={"lang": "en"}).text, uid)
    assert f'action="/admin/people/{uid}/profile"' in row and 'value="li@exmaple.com"' in row
    assert "Edit the name and e-mail of li.wei" in row and "<details class=\"people-edit\">" in row
    assert "/invitation" not in row  # they can sign in: nothing to send again

    done = edit(client, uid, name=HOSTILE, email=" li@example.com ", lang="zh")
    assert done.status_code == 303 and done.headers["location"] == f"/admin/people?lang=zh&done=profile&who={uid}"
    page = client.get(done.headers["location"]).text
    assert "已保存 li.wei 的姓名和邮箱。" in page and HOSTILE not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in row_of(page, uid)
    assert email_of(database, "li.wei") == "li@example.com"
    [updated] = audit(database, "user_updated")
    assert (updated.actor_kind, updated.actor, updated.target, updated.details) == (
        "user", "boss", f"user:{uid}", {"handle": "li.wei", "changed": ["name", "email"], "links_spent": 0})
    assert "example.com" not in str(updated.details)  # the log holds no addresses
    again = edit(client, uid, name=HOSTILE, email="li@example.com")
    assert again.status_code == 303 and "done=unchanged" in again.headers["location"]
    assert "nothing was changed" in client.get(again.headers["location"]).text
    assert len(audit(database, "user_updated")) == 1

    # Refused: the reason in the reader's language, the form open again with what was typed.
    bad = edit(client, uid, name="李伟", email="li@example", lang="zh")
    assert bad.status_code == 422 and "邮箱地址格式不正确" in bad.text
    refused_row = row_of(bad.text, uid)
    assert '<details class="people-edit" open>' in refused_row and 'value="li@example"' in refused_row
    assert 'value="李伟"' in refused_row
    taken = edit(client, uid, name="Li Wei", email="wang@EXAMPLE.com")
    assert taken.status_code == 409 and "Another person of this workspace has this e-mail address" in taken.text
    zh = edit(client, uid, name="Li Wei", email="wang@example.com", lang="zh")
    assert zh.status_code == 409 and "本工作区已有其他人员使用此邮箱地址" in zh.text
    long = edit(client, uid, name="x" * (people.MAX_NAME + 1), email="li@example.com")
    assert long.status_code == 422 and f"at most {people.MAX_NAME} characters" in long.text
    assert email_of(database, "li.wei") == "li@example.com" and len(audit(database, "user_updated")) == 1

    # The corrected address is the one they sign in with.
    assert sign_in(client, "li@example.com").status_code == 303


def test_an_invitation_without_email_set_up_says_what_to_do_instead(client: TestClient, database: Database,
                                                                    workspace: WorkspaceHandle,
                                                                    clock: FakeClock) -> None:
    login(client, database, workspace, "admin", handle="boss")
    with database.write() as session:  # invited while e-mail still worked
        ws = session.scalars(select(Workspace).where(Workspace.slug == "default")).one()
        people.invite_user(session, workspace=ws, handle="li.wei", role="exec", email="li@example.com",
                           name="Li Wei", now=clock.now)
    uid = person(database, "li.wei").id
    row = row_of(client.get("/admin/people", params={"lang": "en"}).text, uid)
    assert f'action="/admin/people/{uid}/invitation"' in row and "Send the invitation to li.wei again" in row
    assert "A new e-mail address stops the invitation link" in row

    refused = resend(client, uid)
    assert refused.status_code == 422
    assert "E-mail is not set up on this server, so no invitation can be sent. Give li.wei a first password" \
        in refused.text
    # The add form is filled in for them, to type a first password.
    form = refused.text[refused.text.index('id="add-person"'):]
    assert 'id="person-handle" name="handle" value="li.wei"' in form and 'value="li@example.com"' in form
    assert '<option value="exec" selected>' in form and 'value="Li Wei"' in form
    zh = resend(client, uid, lang="zh")
    assert zh.status_code == 422 and "此服务器未配置邮件，无法发送邀请" in zh.text
    assert audit(database, "invitation_resent") == []
    assert add(client, role="exec", email="li@example.com", name="Li Wei").status_code == 303
    assert sign_in(client, "li.wei").status_code == 303


def test_no_invitation_for_who_can_sign_in_or_is_deactivated(client: TestClient, database: Database,
                                                             workspace: WorkspaceHandle, clock: FakeClock) -> None:
    login(client, database, workspace, "admin", handle="boss")
    li = make_person(database, "default", "cs", handle="li", email="li@example.com")
    with database.write() as session:
        ws = session.scalars(select(Workspace).where(Workspace.slug == "default")).one()
        people.invite_user(session, workspace=ws, handle="gone", role="cs", email="gone@example.com", now=clock.now)
        people.deactivate(session, workspace=ws, handle="gone", now=clock.now)
    gone = person(database, "gone").id
    signed = resend(client, li)
    assert signed.status_code == 409 and "li has chosen a password already and can sign in" in signed.text
    inactive = resend(client, gone, lang="zh")
    assert inactive.status_code == 409 and "gone 已被停用：请先恢复，再重新发送邀请。" in inactive.text
    page = client.get("/admin/people").text
    assert "/invitation" not in row_of(page, li) and "/invitation" not in row_of(page, gone)


# --- an invitation by e-mail ---------------------------------------------------------


@pytest.fixture
def mailed(settings: Settings, database: Database, clock: FakeClock,
           smtp_server: SmtpServer) -> TestClient:  # noqa: F811
    app = create_app(smtp_server.settings(settings), db=database, clock=clock)
    with TestClient(app) as client:
        yield client


def test_an_invitation_by_email_lets_them_choose_a_password(mailed: TestClient, database: Database,
                                                            workspace: WorkspaceHandle, clock: FakeClock,
                                                            smtp_server: SmtpServer) -> None:  # noqa: F811
    login(mailed, database, workspace, "admin", handle="boss")
    page = mailed.get("/admin/people", params={"lang": "en"}).text
    assert 'name="how" value="email" checked' in page  # e-mail set up: the link is the default
    invited = add(mailed, how="email", email="li@example.com", name="Li Wei", password="", confirm="")
    assert invited.status_code == 303 and "done=invited" in invited.headers["location"]
    listed = mailed.get(invited.headers["location"]).text
    assert "an e-mail to li@example.com has a link" in listed and "invited, no password yet" in listed
    [mail] = smtp_server.messages()
    body = mail.get_content()
    assert mail["To"] == "li@example.com" and "Your Doorstep sign-in" in mail["Subject"]
    assert "boss has given you a sign-in" in body and "name: li.wei" in body and "workspace: default" in body
    link = re.search(r"http://testserver(/reset/[\w-]+)", body).group(1)
    [created] = audit(database, "user_created")
    assert created.details == {"handle": "li.wei", "role": "cs", "invited": True}
    assert link.rsplit("/", 1)[1] not in str(created.details)

    assert sign_in(mailed, "li.wei", "anything at all!").status_code == 401  # no password yet
    assert mailed.get(link).status_code == 200
    chose = mailed.post(link, data={"password": "li's own secret", "confirm": "li's own secret"},
                        follow_redirects=False)
    assert chose.status_code == 303
    assert sign_in(mailed, "li.wei", "li's own secret").status_code == 303
    assert mailed.get(link).status_code == 410  # once only


def test_an_invitation_that_cannot_be_sent_says_so(mailed: TestClient, database: Database,
                                                   workspace: WorkspaceHandle,
                                                   smtp_server: SmtpServer) -> None:  # noqa: F811
    login(mailed, database, workspace, "admin", handle="boss")
    smtp_server.refuse_rcpt = (550, "5.1.1 no such mailbox")
    invited = add(mailed, how="email", email="li@example.com", password="", confirm="")
    assert invited.status_code == 303 and "done=invite_failed" in invited.headers["location"]
    assert "the invitation e-mail could not be sent" in mailed.get(invited.headers["location"]).text
    smtp_server.refuse_rcpt = None
    again = add(mailed, how="email", email="li@example.com", password="", confirm="")  # a new link
    assert again.status_code == 303 and "done=invited" in again.headers["location"]
    assert len(smtp_server.messages()) == 1


def test_an_invitation_sent_again(mailed: TestClient, database: Database, workspace: WorkspaceHandle,
                                  clock: FakeClock, smtp_server: SmtpServer) -> None:  # noqa: F811
    boss = login(mailed, database, workspace, "admin", handle="boss")
    assert add(mailed, how="email", email="li@example.com", name="Li Wei", password="", confirm="").status_code == 303
    uid = person(database, "li.wei").id
    clock.now += dt.timedelta(days=4)  # they never opened it: expired (and the admin signs in anew)
    login(mailed, database, workspace, user_id=boss.id)
    row = row_of(mailed.get("/admin/people", params={"lang": "en"}).text, uid)
    assert "invitation expired" in row and f'action="/admin/people/{uid}/invitation"' in row

    done = resend(mailed, uid)
    assert done.status_code == 303 and done.headers["location"] == f"/admin/people?lang=en&done=reinvited&who={uid}"
    listed = mailed.get(done.headers["location"]).text
    assert "A new invitation is on its way to li@example.com" in listed
    assert "invited, no password yet" in row_of(listed, uid)
    first, second = smtp_server.messages()
    assert second["To"] == "li@example.com" and "boss has given you a sign-in" in second.get_content()
    links = [re.search(r"http://testserver(/reset/[\w-]+)", m.get_content()).group(1) for m in (first, second)]
    assert links[0] != links[1]

    # Sent again while the second is still pending: only the newest link works.
    assert resend(mailed, uid, lang="zh").status_code == 303
    third = smtp_server.messages()[2]
    newest = re.search(r"http://testserver(/reset/[\w-]+)", third.get_content()).group(1)
    assert "Choose your password" in third.get_content()  # li chose no language: the workspace's, not the page's
    assert mailed.get(links[1]).status_code == 410
    resent = audit(database, "invitation_resent")
    assert [(e.actor, e.target, e.details) for e in resent] == [
        ("boss", f"user:{uid}", {"handle": "li.wei", "links_spent": 0}),
        ("boss", f"user:{uid}", {"handle": "li.wei", "links_spent": 1})]
    assert newest.rsplit("/", 1)[1] not in str([e.details for e in resent])

    chose = mailed.post(newest, data={"password": "li's own secret", "confirm": "li's own secret"},
                        follow_redirects=False)
    assert chose.status_code == 303
    assert sign_in(mailed, "li.wei", "li's own secret").status_code == 303


def test_a_corrected_address_gets_the_invitation_the_old_one_had(mailed: TestClient, database: Database,
                                                                 workspace: WorkspaceHandle,
                                                                 smtp_server: SmtpServer) -> None:  # noqa: F811
    login(mailed, database, workspace, "admin", handle="boss")
    assert add(mailed, how="email", email="li@exmaple.com", password="", confirm="").status_code == 303
    uid = person(database, "li.wei").id
    [typo] = smtp_server.messages()
    old_link = re.search(r"http://testserver(/reset/[\w-]+)", typo.get_content()).group(1)
    fixed = edit(mailed, uid, name="Li Wei", email="li@example.com")
    assert fixed.status_code == 303 and "done=profile_relink" in fixed.headers["location"]
    notice = mailed.get(fixed.headers["location"]).text
    assert "The e-mail of li.wei is now li@example.com. The invitation link sent to the old address no longer works" \
        in notice
    assert mailed.get(old_link).status_code == 410  # a stranger at the typo address cannot use it
    [updated] = audit(database, "user_updated")
    assert updated.details == {"handle": "li.wei", "changed": ["name", "email"], "links_spent": 1}
    assert resend(mailed, uid).status_code == 303
    assert smtp_server.messages()[1]["To"] == "li@example.com"


def test_an_invitation_that_cannot_be_sent_again_says_so(mailed: TestClient, database: Database,
                                                         workspace: WorkspaceHandle,
                                                         smtp_server: SmtpServer) -> None:  # noqa: F811
    login(mailed, database, workspace, "admin", handle="boss")
    assert add(mailed, how="email", email="li@example.com", password="", confirm="").status_code == 303
    uid = person(database, "li.wei").id
    smtp_server.refuse_rcpt = (550, "5.1.1 no such mailbox")
    failed = resend(mailed, uid)
    assert failed.status_code == 303 and "done=reinvite_failed" in failed.headers["location"]
    page = mailed.get(failed.headers["location"]).text
    assert 'data-notice="reinvite_failed"' in page and 'class="alert alert-info"' not in page
    assert "The new invitation to li@example.com could not be sent" in page
    assert "type a first password for li.wei with the add form below" in page
    assert len(smtp_server.messages()) == 1  # the first invitation only
    smtp_server.refuse_rcpt = None
    assert "done=reinvited" in resend(mailed, uid).headers["location"]
    assert len(smtp_server.messages()) == 2
