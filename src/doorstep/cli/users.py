"""People who sign in to the pages: add, list, correct a name or e-mail, change the role, deactivate,
reactivate, their own settings."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from doorstep.cli.common import cli_errors, console, open_database, print_json, say, state
from doorstep.errors import InvalidInput

# The services are imported inside each command: loading the CLI stays cheap (cli/common.py).

ROLE_HELP = "admin (settings, people, keys), cs (cases), frontline (notes, own deliveries) or exec (read-only)."


def register(app: typer.Typer) -> None:
    users = typer.Typer(help="People who sign in to the pages, and their roles.", no_args_is_help=True)
    users.command("add")(user_add)
    users.command("list")(user_list)
    users.command("edit")(user_edit)
    users.command("role")(user_role)
    users.command("password")(user_password)
    users.command("deactivate")(user_deactivate)
    users.command("reactivate")(user_reactivate)
    users.command("prefs")(user_prefs)
    app.add_typer(users, name="user")


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise InvalidInput("no password on standard input", field="--password-stdin")
        return password
    first = typer.prompt(say("user.password"), hide_input=True)
    second = typer.prompt(say("user.password_again"), hide_input=True)
    if first != second:
        raise InvalidInput("the two passwords differ", field="password")
    return str(first)


@cli_errors
def user_add(
    ctx: typer.Context,
    handle: Annotated[str, typer.Argument(help="What the person signs in with, e.g. li.wei.")],
    role: Annotated[str, typer.Option(help=ROLE_HELP)],
    email: Annotated[str | None, typer.Option(help="For password reset e-mails.")] = None,
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from the first line of standard input.")
    ] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Give a person a login in the workspace (asks for the password twice unless --password-stdin)."""
    from doorstep.accounts import people
    from doorstep.accounts.services import get_workspace
    from doorstep.db import utcnow

    st = state(ctx)
    people.check_role(role)
    password = _read_password(password_stdin)
    db = open_database(st)
    with db.write() as session:
        workspace = get_workspace(session=session, slug=st.workspace)
        user = people.add_user(session, workspace=workspace, handle=handle, role=role, password=password,
                               email=email, name=name, now=utcnow())
        row = {"handle": user.handle, "role": user.role, "email": user.email, "name": user.name,
               "workspace": workspace.slug}
    if json_out:
        print_json(row)
        return
    console.print(say("user.added", handle=row["handle"], role=role, workspace=st.workspace), highlight=False)


@cli_errors
def user_list(
    ctx: typer.Context,
    all_people: Annotated[
        bool, typer.Option("--all", help="Also people without a login (frontline owners from imports).")
    ] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The workspace's people with a login: handle, role, e-mail, active."""
    from doorstep.accounts import people
    from doorstep.accounts.services import get_workspace

    st = state(ctx)
    db = open_database(st)
    with db.read() as session:
        workspace = get_workspace(session=session, slug=st.workspace)
        rows = [
            {"handle": u.handle, "role": u.role, "name": u.name, "email": u.email, "active": u.active,
             "login": u.password_hash is not None}
            for u in people.list_people(session, workspace=workspace, logins_only=not all_people)
        ]
    if json_out:
        print_json({"workspace": st.workspace, "users": rows})
        return
    table = Table(say("users.col_handle"), say("users.col_role"), say("users.col_name"), say("users.col_email"),
                  say("users.col_active"), say("users.col_login"), title=say("users.title", workspace=st.workspace))
    yes, no = say("yes"), say("no")
    for r in rows:
        table.add_row(str(r["handle"]), str(r["role"]), str(r["name"] or ""), str(r["email"] or ""),
                      yes if r["active"] else no, yes if r["login"] else no)
    console.print(table)


@cli_errors
def user_edit(
    ctx: typer.Context,
    handle: Annotated[str, typer.Argument(help="The person.")],
    name: Annotated[str | None, typer.Option(help="Their display name; \"\" clears it.")] = None,
    email: Annotated[str | None, typer.Option(help="Their e-mail address; \"\" clears it.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Correct a person's display name or e-mail address, as an admin does on /admin/people.

    An address another person of the workspace has is refused (signing in by e-mail would open
    neither). A new address makes the reset or invitation links sent to the old one stop working;
    someone invited is then sent a new invitation from /admin/people."""
    if name is None and email is None:
        raise InvalidInput("nothing to change: give --name, --email or both", field="--name")
    from doorstep.accounts import people
    from doorstep.accounts.services import get_workspace
    from doorstep.db import utcnow

    st = state(ctx)
    db = open_database(st)
    with db.write() as session:
        workspace = get_workspace(session=session, slug=st.workspace)
        change = people.update_profile(session, workspace=workspace, handle=handle, name=name, email=email,
                                       now=utcnow())
        row = {"handle": change.user.handle, "name": change.user.name, "email": change.user.email,
               "changed": list(change.changed), "links_spent": change.links_spent, "workspace": workspace.slug,
               # Invited, and the link they had went to the old address: they need a new one.
               "invitation_to_resend": change.user.password_hash is None and change.links_spent > 0}
    if json_out:
        print_json(row)
        return
    if not change.changed:
        console.print(say("user.unchanged", handle=handle), highlight=False, markup=False)
        return
    fields = {"name": say("user.field_name"), "email": say("user.field_email")}
    changed = say("user.and").join(fields.get(f, f) for f in change.changed)
    console.print(say("user.saved", handle=handle, changed=changed, name=row["name"] or "—", email=row["email"] or "—"),
                  highlight=False, markup=False)
    if change.links_spent:
        console.print(say("user.links_spent_resend" if row["invitation_to_resend"] else "user.links_spent",
                          count=change.links_spent), highlight=False)


@cli_errors
def user_role(
    ctx: typer.Context,
    handle: Annotated[str, typer.Argument(help="The person.")],
    role: Annotated[str, typer.Argument(help=ROLE_HELP)],
) -> None:
    """Change a person's role (it applies to their next page or call)."""
    from doorstep.accounts import people
    from doorstep.accounts.services import get_workspace
    from doorstep.db import utcnow

    st = state(ctx)
    db = open_database(st)
    with db.write() as session:
        workspace = get_workspace(session=session, slug=st.workspace)
        people.set_role(session, workspace=workspace, handle=handle, role=role, now=utcnow())
    console.print(say("user.role_set", handle=handle, role=role, workspace=st.workspace), highlight=False)


@cli_errors
def user_deactivate(ctx: typer.Context, handle: Annotated[str, typer.Argument(help="The person.")]) -> None:
    """Stop a person signing in; their open sessions end now. Their history stays."""
    from doorstep.accounts import people
    from doorstep.accounts.services import get_workspace
    from doorstep.db import utcnow

    st = state(ctx)
    db = open_database(st)
    with db.write() as session:
        workspace = get_workspace(session=session, slug=st.workspace)
        people.deactivate(session, workspace=workspace, handle=handle, now=utcnow())
    console.print(say("user.deactivated", handle=handle, workspace=st.workspace), highlight=False)


@cli_errors
def user_reactivate(ctx: typer.Context, handle: Annotated[str, typer.Argument(help="The person.")]) -> None:
    """Let a deactivated person sign in again, with the password they had."""
    from doorstep.accounts import people
    from doorstep.accounts.services import get_workspace
    from doorstep.db import utcnow

    st = state(ctx)
    db = open_database(st)
    with db.write() as session:
        workspace = get_workspace(session=session, slug=st.workspace)
        people.reactivate(session, workspace=workspace, handle=handle, now=utcnow())
    console.print(say("user.reactivated", handle=handle, workspace=st.workspace), highlight=False)


@cli_errors
def user_password(
    ctx: typer.Context,
    handle: Annotated[str, typer.Argument(help="The person.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from the first line of standard input.")
    ] = False,
) -> None:
    """Set a new password for a person (when e-mail reset is not an option); their sessions end."""
    from doorstep.accounts import people
    from doorstep.accounts.services import get_workspace
    from doorstep.db import utcnow

    st = state(ctx)
    password = _read_password(password_stdin)
    db = open_database(st)
    with db.write() as session:
        workspace = get_workspace(session=session, slug=st.workspace)
        people.set_password(session, workspace=workspace, handle=handle, password=password, now=utcnow())
    console.print(say("user.password_set", handle=handle), highlight=False)


@cli_errors
def user_prefs(
    ctx: typer.Context,
    handle: Annotated[str, typer.Argument(help="The person.")],
    language: Annotated[
        str | None, typer.Option(help="zh-CN, en, or browser (follow the browser; e-mails: the workspace's).")
    ] = None,
    note_emails: Annotated[
        bool | None,
        typer.Option("--note-emails/--no-note-emails", help="E-mail them when a note of theirs is answered."),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show a person's own settings, or set them as they would on /account: the language of
    their pages and e-mails, and whether answers to their notes are e-mailed to them."""
    from doorstep.accounts import people, profile
    from doorstep.accounts.services import get_workspace

    st = state(ctx)
    locale = None if language in (None, "browser") else profile.check_locale(language)
    db = open_database(st)
    with db.write() as session:
        workspace = get_workspace(session=session, slug=st.workspace)
        user = people.find_user(session, workspace=workspace, handle=handle)
        if language is not None:
            profile.set_locale(session, user_id=user.id, locale=locale)
        if note_emails is not None:
            profile.set_note_answer_emails(session, user_id=user.id, on=note_emails)
        shown = {"handle": user.handle, "language": user.locale or "browser", "note_emails": user.note_answer_emails}
    if json_out:
        print_json(shown)
        return
    console.print(say("user.prefs", handle=handle,
                      language=say("user.browser") if shown["language"] == "browser" else shown["language"],
                      state=say("on") if shown["note_emails"] else say("off")), highlight=False)
