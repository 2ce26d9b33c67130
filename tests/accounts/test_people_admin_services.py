"""The services under /admin/people and /admin/keys: the last active admin stays, invitations,
the people overview (last login, invitation state), audited keys. Both engines."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import select

from conftest import FakeClock, WorkspaceHandle, make_person, make_workspace
from doorstep.accounts import people
from doorstep.accounts import sessions as login_sessions
from doorstep.accounts.models import AuditEntry, PasswordReset, User, Workspace
from doorstep.accounts.services import (
    authenticate_key,
    get_api_key,
    issue_api_key,
    list_api_keys,
    revoke_api_key,
)
from doorstep.db import Database
from doorstep.errors import AuthError, Conflict, InvalidInput, NotFound


def _ws(session, slug: str = "default") -> Workspace:  # type: ignore[no-untyped-def]
    return session.scalars(select(Workspace).where(Workspace.slug == slug)).one()


def _log(database: Database) -> list[tuple[str, str | None, dict]]:
    with database.read() as session:
        return [(e.action, e.target, e.details) for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def test_the_last_active_admin_cannot_be_demoted_or_deactivated(database: Database, workspace: WorkspaceHandle,
                                                                clock: FakeClock) -> None:
    make_person(database, "default", "admin", handle="boss")
    with database.write() as s:
        for change in (lambda: people.set_role(s, workspace=_ws(s), handle="boss", role="cs", now=clock.now),
                       lambda: people.deactivate(s, workspace=_ws(s), handle="boss", now=clock.now)):
            with pytest.raises(people.LastAdmin, match="last active admin") as refused:
                change()
            assert isinstance(refused.value, Conflict) and refused.value.http_status == 409
        people.set_role(s, workspace=_ws(s), handle="boss", role="admin", now=clock.now)  # no change: not logged
    # Neither an inactive admin nor an invited one (no password yet) can take over: they do not count.
    make_person(database, "default", "admin", handle="gone")
    with database.write() as s:
        people.deactivate(s, workspace=_ws(s), handle="gone", now=clock.now)
        people.invite_user(s, workspace=_ws(s), handle="new", role="admin", email="new@example.com", now=clock.now)
    with database.write() as s, pytest.raises(people.LastAdmin):
        people.set_role(s, workspace=_ws(s), handle="boss", role="exec", now=clock.now)
    # With a second admin who can sign in, either may step down; then the other is the last.
    make_person(database, "default", "admin", handle="deputy")
    with database.write() as s:
        people.set_role(s, workspace=_ws(s), handle="boss", role="exec", now=clock.now)
    with database.write() as s, pytest.raises(people.LastAdmin):
        people.deactivate(s, workspace=_ws(s), handle="deputy", now=clock.now)
    # Someone who is not an admin is never held back by the rule.
    with database.write() as s:
        people.deactivate(s, workspace=_ws(s), handle="boss", now=clock.now)
    assert [a for a, _, _ in _log(database)] == ["user_deactivated", "user_created", "role_changed",
                                                 "user_deactivated"]


def test_two_admins_demoting_each_other_at_once_leave_one(database: Database, workspace: WorkspaceHandle,
                                                          clock: FakeClock) -> None:
    """Each sees the other as admin when it starts; the admin rows are locked while counting
    (one writer at a time on SQLite), so the second waits, counts again and is refused."""
    make_person(database, "default", "admin", handle="a")
    make_person(database, "default", "admin", handle="b")
    outcome: dict[str, str] = {}

    def demote_a() -> None:
        try:
            with database.write() as s:
                people.set_role(s, workspace=_ws(s), handle="a", role="cs", now=clock.now)
            outcome["a"] = "demoted"
        except people.LastAdmin:
            outcome["a"] = "refused"

    with database.write() as s:
        people.set_role(s, workspace=_ws(s), handle="b", role="cs", now=clock.now)
        other = threading.Thread(target=demote_a)
        other.start()
        other.join(timeout=0.5)
        assert other.is_alive()  # waiting for this transaction
    other.join(timeout=30)
    assert outcome == {"a": "refused"}
    with database.read() as s:
        roles = dict(s.execute(select(User.handle, User.role).where(User.handle.in_(["a", "b"]))).all())
    assert roles == {"a": "admin", "b": "cs"}


def test_reactivation(database: Database, workspace: WorkspaceHandle, clock: FakeClock) -> None:
    make_person(database, "default", "admin", handle="boss")
    make_person(database, "default", "cs", handle="li")
    with database.write() as s:
        people.deactivate(s, workspace=_ws(s), handle="li", now=clock.now)
        people.reactivate(s, workspace=_ws(s), handle="li", now=clock.now, actor="boss", actor_kind="user")
        people.reactivate(s, workspace=_ws(s), handle="li", now=clock.now)  # active already: nothing logged
        assert s.scalars(select(User.active).where(User.handle == "li")).one() is True
    assert [(a, d) for a, _, d in _log(database)][-1] == ("user_reactivated", {"handle": "li"})
    assert [a for a, _, _ in _log(database)].count("user_reactivated") == 1


def test_an_invitation_is_a_reset_link_that_gives_a_first_password(database: Database, workspace: WorkspaceHandle,
                                                                    clock: FakeClock) -> None:
    with database.write() as s:
        with pytest.raises(InvalidInput, match="e-mail"):
            people.invite_user(s, workspace=_ws(s), handle="li", role="cs", email=" ", now=clock.now)
        user, first = people.invite_user(s, workspace=_ws(s), handle="li", role="cs", email="li@example.com",
                                         name="李伟", now=clock.now, actor="boss", actor_kind="user")
        assert user.password_hash is None and user.active
    # Invited again before choosing a password: the earlier link is spent.
    with database.write() as s:
        _user, second = people.invite_user(s, workspace=_ws(s), handle="li", role="exec", email="li@example.com",
                                           now=clock.now)
    with database.read() as s:
        with pytest.raises(Exception, match="used or has expired"):
            people.check_reset(s, token=first, now=clock.now)
        assert people.check_reset(s, token=second, now=clock.now + dt.timedelta(days=2)).handle == "li"
        [row] = [r for r in s.scalars(select(PasswordReset)) if r.used_at is None]
        assert row.expires_at.replace(tzinfo=dt.UTC) == clock.now + people.INVITE_LIFETIME
    with database.write() as s:
        people.reset_password(s, token=second, password="li's own long secret", now=clock.now, client=None)
    with database.write() as s:
        signed = people.authenticate(s, workspace_slug="default", login="li", password="li's own long secret",
                                     now=clock.now, client=None)
        assert signed.user is not None and signed.user.role == "exec"
        with pytest.raises(Conflict, match="can already sign in"):
            people.invite_user(s, workspace=_ws(s), handle="li", role="cs", email="li@example.com", now=clock.now)
    created = [d for a, _, d in _log(database) if a == "user_created"]
    assert created == [{"handle": "li", "role": "cs", "invited": True}, {"handle": "li", "role": "exec",
                                                                          "invited": True}]


def test_the_people_overview(database: Database, workspace: WorkspaceHandle, clock: FakeClock) -> None:
    make_workspace(database, "other")
    boss = make_person(database, "default", "admin", handle="boss")
    make_person(database, "other", "admin", handle="theirs")
    with database.write() as s:
        ws = _ws(s)
        people.invite_user(s, workspace=ws, handle="fresh", role="cs", email="fresh@example.com", now=clock.now)
        people.invite_user(s, workspace=ws, handle="late", role="cs", email="late@example.com",
                           now=clock.now - dt.timedelta(days=4))
        s.add(User(workspace_id=ws.id, handle="rider-7", role="frontline"))  # named in an import, no login
        login_sessions.create_session(s, user=s.get_one(User, boss), now=clock.now - dt.timedelta(days=2),
                                      lifetime=dt.timedelta(days=1))
        login_sessions.create_session(s, user=s.get_one(User, boss), now=clock.now - dt.timedelta(hours=1),
                                      lifetime=dt.timedelta(days=1))
    with database.read() as s:
        rows = people.people_overview(s, workspace=_ws(s), now=clock.now)
        everyone = people.people_overview(s, workspace=_ws(s), now=clock.now, everyone=True)
    assert [(r.handle, r.can_sign_in, r.invitation) for r in rows] == [
        ("boss", True, None), ("fresh", False, "pending"), ("late", False, "expired")]
    assert rows[0].last_login == clock.now - dt.timedelta(hours=1) and rows[1].last_login is None
    assert [r.handle for r in everyone] == ["boss", "fresh", "late", "rider-7"]


def test_keys_are_audited_listed_and_revoked_once(database: Database, workspace: WorkspaceHandle,
                                                  clock: FakeClock) -> None:
    make_workspace(database, "other")
    with database.write() as s:
        with pytest.raises(InvalidInput, match="name"):
            issue_api_key(session=s, workspace=_ws(s), name="  ", role="exec")
        key, secret = issue_api_key(session=s, workspace=_ws(s), name="board", role="exec", actor="boss",
                                    actor_kind="user", client="10.0.0.1", now=clock.now)
        key_id, prefix = key.id, key.prefix
        assert list_api_keys(session=s, workspace=_ws(s))[0].name == "board"
        with pytest.raises(NotFound):
            get_api_key(session=s, workspace=_ws(s, "other"), key_id=key_id)
        with pytest.raises(NotFound):
            revoke_api_key(session=s, workspace=_ws(s, "other"), key_id=key_id)
    with database.read() as s:
        assert authenticate_key(session=s, secret=secret)[0].role == "exec"
    with database.write() as s:
        revoke_api_key(session=s, workspace=_ws(s), key_id=key_id, actor="boss", actor_kind="user", now=clock.now)
    with database.write() as s, pytest.raises(Conflict, match="revoked already"):
        revoke_api_key(session=s, workspace=_ws(s), prefix=prefix)
    with database.read() as s, pytest.raises(AuthError):
        authenticate_key(session=s, secret=secret)
    log = [(a, t, d) for a, t, d in _log(database) if a.startswith("key_")]
    assert log == [("key_created", f"key:{prefix}", {"name": "board", "role": "exec"}),
                   ("key_revoked", f"key:{prefix}", {})]
    assert secret not in str(_log(database))


def test_an_admin_corrects_a_name_and_an_email(database: Database, workspace: WorkspaceHandle,
                                               clock: FakeClock) -> None:
    make_person(database, "default", "cs", handle="li", email="li@exmaple.com")
    make_person(database, "default", "cs", handle="wang", email="Wang@Example.com")
    with database.write() as s:
        change = people.update_profile(s, workspace=_ws(s), handle="li", name="  李伟 ", email=" li@example.com ",
                                       now=clock.now, actor="boss", actor_kind="user", client="10.0.0.1")
        assert (change.changed, change.links_spent) == (("name", "email"), 0)
        assert (change.user.name, change.user.email) == ("李伟", "li@example.com")
        # The same values again, or nothing given: no change, nothing logged.
        assert people.update_profile(s, workspace=_ws(s), handle="li", name="李伟", email="li@example.com",
                                     now=clock.now).changed == ()
        assert people.update_profile(s, workspace=_ws(s), handle="li", now=clock.now).changed == ()
    with database.write() as s:
        for bad, field in (({"email": "li@example"}, "email"), ({"name": "x" * (people.MAX_NAME + 1)}, "name")):
            with pytest.raises(InvalidInput) as refused:
                people.update_profile(s, workspace=_ws(s), handle="li", now=clock.now, **bad)
            assert refused.value.problem.field == field
        # Another person's address, whatever its case: signing in by it would open neither.
        with pytest.raises(people.EmailTaken) as taken:
            people.update_profile(s, workspace=_ws(s), handle="li", email="wang@EXAMPLE.com", now=clock.now)
        assert taken.value.http_status == 409
        with pytest.raises(NotFound):
            people.update_profile(s, workspace=_ws(s), handle="nobody", name="x", now=clock.now)
    with database.write() as s:  # an empty field clears it
        assert people.update_profile(s, workspace=_ws(s), handle="li", name="", now=clock.now).user.name is None
    with database.read() as s:
        assert s.scalars(select(User.email).where(User.handle == "li")).one() == "li@example.com"
    assert [(a, t, d) for a, t, d in _log(database)] == [
        ("user_updated", f"user:{_id(database, 'li')}", {"handle": "li", "changed": ["name", "email"],
                                                          "links_spent": 0}),
        ("user_updated", f"user:{_id(database, 'li')}", {"handle": "li", "changed": ["name"], "links_spent": 0})]
    assert "example.com" not in str(_log(database))  # the log holds no addresses


def _id(database: Database, handle: str) -> int:
    with database.read() as s:
        return s.scalars(select(User.id).where(User.handle == handle)).one()


def test_a_new_address_spends_the_links_sent_to_the_old_one(database: Database, workspace: WorkspaceHandle,
                                                            clock: FakeClock) -> None:
    with database.write() as s:
        _user, token = people.invite_user(s, workspace=_ws(s), handle="li", role="cs", email="li@exmaple.com",
                                          now=clock.now)
    with database.write() as s:  # the name alone: the link still works
        people.update_profile(s, workspace=_ws(s), handle="li", name="Li Wei", now=clock.now)
    with database.read() as s:
        assert people.check_reset(s, token=token, now=clock.now).handle == "li"
    with database.write() as s:
        change = people.update_profile(s, workspace=_ws(s), handle="li", email="li@example.com", now=clock.now)
        assert (change.changed, change.links_spent) == (("email",), 1)
    with database.read() as s, pytest.raises(Exception, match="used or has expired"):
        people.check_reset(s, token=token, now=clock.now)


def test_an_invitation_sent_again(database: Database, workspace: WorkspaceHandle, clock: FakeClock) -> None:
    make_person(database, "default", "cs", handle="signed", email="signed@example.com")
    with database.write() as s:
        ws = _ws(s)
        _user, first = people.invite_user(s, workspace=ws, handle="li", role="exec", email="li@example.com",
                                          now=clock.now - dt.timedelta(days=5))  # expired by now
        people.invite_user(s, workspace=ws, handle="gone", role="cs", email="gone@example.com", now=clock.now)
        people.deactivate(s, workspace=ws, handle="gone", now=clock.now)
        s.add(User(workspace_id=ws.id, handle="rider-7", role="frontline", email="r7@example.com"))
    with database.write() as s:
        user, second = people.resend_invitation(s, workspace=_ws(s), handle="li", now=clock.now, actor="boss",
                                                actor_kind="user", client="10.0.0.1")
        assert (user.role, user.email) == ("exec", "li@example.com")  # the role stays as invited
    with database.write() as s:
        _user, third = people.resend_invitation(s, workspace=_ws(s), handle="li", now=clock.now)
    with database.read() as s:
        for spent in (first, second):
            with pytest.raises(Exception, match="used or has expired"):
                people.check_reset(s, token=spent, now=clock.now)
        assert people.check_reset(s, token=third, now=clock.now + dt.timedelta(days=2)).handle == "li"
    with database.write() as s:
        for handle, reason in (("signed", "can_sign_in"), ("gone", "inactive"), ("rider-7", "never_invited")):
            with pytest.raises(people.NotInvited) as refused:
                people.resend_invitation(s, workspace=_ws(s), handle=handle, now=clock.now)
            assert (refused.value.reason, refused.value.http_status) == (reason, 409)
    with database.write() as s:  # no address left to send it to
        people.update_profile(s, workspace=_ws(s), handle="li", email="", now=clock.now)
    with database.write() as s, pytest.raises(people.NotInvited) as refused:
        people.resend_invitation(s, workspace=_ws(s), handle="li", now=clock.now)
    assert refused.value.reason == "no_email"
    resent = [(t, d) for a, t, d in _log(database) if a == "invitation_resent"]
    assert resent == [(f"user:{_id(database, 'li')}", {"handle": "li", "links_spent": 0}),
                      (f"user:{_id(database, 'li')}", {"handle": "li", "links_spent": 1})]
    assert third not in str(_log(database)) and second not in str(_log(database))
