"""`doorstep user add|list|edit|role|deactivate` and `doorstep key create|revoke`, as a person runs them
(through the real Typer app in this process: tests/cli/test_cli.py has the real processes)."""

import json

from sqlalchemy import select
from tests.conftest import CliRun, run_cli

from doorstep.accounts.models import AuditEntry, User
from doorstep.db import Database


def doorstep(*args: str, db: str, stdin: str | None = None, check: bool = True) -> CliRun:
    proc = run_cli(*args, "--db", db, stdin=stdin)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def test_people_from_the_command_line(database_url: str) -> None:
    doorstep("init", db=database_url)
    added = doorstep("user", "add", "li.wei", "--role", "cs", "--email", "li@example.com", "--name", "李伟",
                     "--password-stdin", "--json", db=database_url, stdin="a long enough secret\n")
    assert json.loads(added.stdout) == {"handle": "li.wei", "role": "cs", "email": "li@example.com", "name": "李伟",
                                        "workspace": "default"}
    assert "a long enough secret" not in added.stdout + added.stderr
    doorstep("user", "add", "boss", "--role", "exec", "--password-stdin", db=database_url,
             stdin="another long secret\n")

    again = doorstep("user", "add", "li.wei", "--role", "cs", "--password-stdin", db=database_url,
                     stdin="a long enough secret\n", check=False)
    assert again.returncode == 4 and "can already sign in" in again.stderr
    bad_role = doorstep("user", "add", "x", "--role", "god", "--password-stdin", db=database_url, stdin="p" * 12,
                        check=False)
    assert bad_role.returncode == 2 and "role must be one of admin, cs, frontline, exec" in bad_role.stderr
    weak = doorstep("user", "add", "x", "--role", "cs", "--password-stdin", db=database_url, stdin="short\n",
                    check=False)
    assert weak.returncode == 2 and "at least 10 characters" in weak.stderr

    listed = json.loads(doorstep("user", "list", "--json", db=database_url).stdout)
    assert [(u["handle"], u["role"], u["active"]) for u in listed["users"]] == [("boss", "exec", True),
                                                                             ("li.wei", "cs", True)]
    assert "password" not in json.dumps(listed)

    doorstep("user", "role", "li.wei", "admin", db=database_url)
    doorstep("user", "password", "li.wei", "--password-stdin", db=database_url, stdin="a brand new secret\n")
    doorstep("user", "deactivate", "boss", db=database_url)
    listed = json.loads(doorstep("user", "list", "--json", db=database_url).stdout)
    assert [(u["handle"], u["role"], u["active"]) for u in listed["users"]] == [("boss", "exec", False),
                                                                             ("li.wei", "admin", True)]
    missing = doorstep("user", "role", "nobody", "cs", db=database_url, check=False)
    assert missing.returncode == 3 and "no person 'nobody'" in missing.stderr

    key = doorstep("key", "create", "--name", "board", "--role", "exec", db=database_url)
    prefix = key.stdout.strip().split("_")[1]
    doorstep("key", "revoke", prefix, db=database_url)

    db = Database(database_url)
    try:
        with db.read() as session:
            hashes = list(session.scalars(select(User.password_hash).where(User.handle == "li.wei")))
            log = [(e.action, e.target, e.details) for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    finally:
        db.dispose()
    assert hashes[0].startswith("$argon2id$")
    assert [a for a, _, _ in log] == ["key_created", "user_created", "user_created", "role_changed",
                                      "password_reset", "user_deactivated", "key_created", "key_revoked"]
    assert log[3][2] == {"handle": "li.wei", "from": "cs", "to": "admin"}
    assert log[7][1] == f"key:{prefix}"


def test_user_commands_have_help() -> None:
    from typer.testing import CliRunner

    from doorstep.cli.main import app

    for args in (["user", "--help"], ["user", "add", "--help"], ["user", "list", "--help"],
                 ["user", "role", "--help"], ["user", "password", "--help"], ["user", "deactivate", "--help"],
                 ["user", "reactivate", "--help"], ["user", "prefs", "--help"], ["user", "edit", "--help"]):
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0 and "Usage" in result.output, (args, result.output)


def test_the_last_admin_stays_and_a_deactivated_person_comes_back(database_url: str) -> None:
    doorstep("init", db=database_url)
    doorstep("user", "add", "boss", "--role", "admin", "--password-stdin", db=database_url,
             stdin="a long enough secret\n")
    for args in (("user", "role", "boss", "cs"), ("user", "deactivate", "boss")):
        refused = doorstep(*args, db=database_url, check=False)
        assert refused.returncode == 4 and "last active admin" in refused.stderr
    doorstep("user", "add", "li", "--role", "cs", "--password-stdin", db=database_url, stdin="another secret!\n")
    doorstep("user", "deactivate", "li", db=database_url)
    back = doorstep("user", "reactivate", "li", db=database_url)
    assert "can sign in to default again" in back.stdout
    listed = json.loads(doorstep("user", "list", "--json", db=database_url).stdout)
    assert [(u["handle"], u["role"], u["active"]) for u in listed["users"]] == [("boss", "admin", True),
                                                                             ("li", "cs", True)]


def test_a_persons_own_settings_from_the_command_line(database_url: str) -> None:
    doorstep("init", db=database_url)
    doorstep("user", "add", "wang", "--role", "frontline", "--password-stdin", db=database_url,
             stdin="a long enough secret\n")
    shown = json.loads(doorstep("user", "prefs", "wang", "--json", db=database_url).stdout)
    assert shown == {"handle": "wang", "language": "browser", "note_emails": True}
    changed = doorstep("user", "prefs", "wang", "--language", "zh-CN", "--no-note-emails", "--json", db=database_url)
    assert json.loads(changed.stdout) == {"handle": "wang", "language": "zh-CN", "note_emails": False}
    with Database(database_url).read() as s:
        user = s.scalars(select(User).where(User.handle == "wang")).one()
        assert (user.locale, user.note_answer_emails) == ("zh-CN", False)
    back = json.loads(doorstep("user", "prefs", "wang", "--language", "browser", "--note-emails", "--json",
                               db=database_url).stdout)
    assert back == {"handle": "wang", "language": "browser", "note_emails": True}
    bad = doorstep("user", "prefs", "wang", "--language", "fr", db=database_url, check=False)
    assert bad.returncode == 2 and "zh-CN, en" in bad.stderr
    nobody = doorstep("user", "prefs", "nobody", db=database_url, check=False)
    assert nobody.returncode != 0 and "no person 'nobody'" in nobody.stderr


def test_a_name_and_an_email_corrected_from_the_command_line(database_url: str) -> None:
    doorstep("init", db=database_url)
    doorstep("user", "add", "li.wei", "--role", "cs", "--email", "li@exmaple.com", "--password-stdin",
             db=database_url, stdin="a long enough secret\n")
    doorstep("user", "add", "wang", "--role", "cs", "--email", "wang@example.com", "--password-stdin",
             db=database_url, stdin="another long secret\n")
    fixed = doorstep("user", "edit", "li.wei", "--name", "李伟", "--email", "li@example.com", "--json",
                     db=database_url)
    assert json.loads(fixed.stdout) == {"handle": "li.wei", "name": "李伟", "email": "li@example.com",
                                        "changed": ["name", "email"], "links_spent": 0, "workspace": "default",
                                        "invitation_to_resend": False}
    same = doorstep("user", "edit", "li.wei", "--email", "li@example.com", db=database_url)
    assert "nothing changed" in same.stdout
    cleared = json.loads(doorstep("user", "edit", "li.wei", "--name", "", "--json", db=database_url).stdout)
    assert (cleared["name"], cleared["email"], cleared["changed"]) == (None, "li@example.com", ["name"])
    taken = doorstep("user", "edit", "li.wei", "--email", "WANG@example.com", db=database_url, check=False)
    assert taken.returncode == 4 and "has the e-mail address" in taken.stderr
    bad = doorstep("user", "edit", "li.wei", "--email", "li at example", db=database_url, check=False)
    assert bad.returncode == 2 and "is not an e-mail address" in bad.stderr
    nothing = doorstep("user", "edit", "li.wei", db=database_url, check=False)
    assert nothing.returncode == 2 and "nothing to change" in nothing.stderr
    nobody = doorstep("user", "edit", "nobody", "--name", "x", db=database_url, check=False)
    assert nobody.returncode == 3 and "no person 'nobody'" in nobody.stderr
    with Database(database_url).read() as s:
        assert s.scalars(select(User.email).where(User.handle == "li.wei")).one() == "li@example.com"
        updated = [(e.actor_kind, e.details) for e in s.scalars(
            select(AuditEntry).where(AuditEntry.action == "user_updated").order_by(AuditEntry.id))]
    assert updated == [("cli", {"handle": "li.wei", "changed": ["name", "email"], "links_spent": 0}),
                       ("cli", {"handle": "li.wei", "changed": ["name"], "links_spent": 0})]
