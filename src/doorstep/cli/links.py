"""`doorstep links …` and `doorstep qr`: open links and printable QR codes from a terminal.

As thin as the API: parse, one unit of work, one service call, print (a table, or
the API's JSON shape with --json). Survey addresses use DOORSTEP_BASE_URL.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from doorstep.channels.qr import DEFAULT_SCALE, MAX_SCALE, format_for, render
from doorstep.cli.audit import cli_actor
from doorstep.cli.common import State, cli_errors, console, open_database, print_json, say, state, workspace_for
from doorstep.errors import Gone, InvalidInput

# The services are imported inside each command: loading the CLI stays cheap (cli/common.py).
if TYPE_CHECKING:
    from doorstep.surveys.open_links import LinkInfo

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]

links_app = typer.Typer(help="Open survey links for receipts and go-live meetings: create, list, revoke.",
                        no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(links_app, name="links")
    app.command("qr")(qr)


def _as_dict(info: LinkInfo, base_url: str) -> dict[str, Any]:
    # The same shape as GET /api/v1/links.
    api = f"{base_url}/api/v1/links/{info.id}"
    return {
        "id": info.id,
        "label": info.label,
        "url": info.url(base_url),
        "delivery_external_id": info.delivery_external_id,
        "active": info.active,
        "created_at": info.created_at.isoformat(),
        "revoked_at": info.revoked_at.isoformat() if info.revoked_at else None,
        "responses": info.responses,
        "qr_png": f"{api}/qr.png",
        "qr_svg": f"{api}/qr.svg",
    }


def _base(st: State) -> str:
    return st.settings.base_url


@links_app.command("create")
@cli_errors
def create(
    ctx: typer.Context,
    label: Annotated[str, typer.Option("--label", help="What the link is for: 'receipts', 'go-live ACME'.")],
    delivery: Annotated[
        str | None, typer.Option("--delivery", help="Fix the link to this delivery (its external id).")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """A new open link: one answer per device per delivery."""
    from doorstep.db import utcnow
    from doorstep.surveys.open_links import create_link

    st = state(ctx)
    db = open_database(st)
    with db.write() as session:
        workspace = workspace_for(session, st)
        info = create_link(session=session, workspace=workspace, label=label, delivery_external_id=delivery,
                           now=utcnow())
    data = _as_dict(info, _base(st))
    if json_out:
        print_json(data)
        return
    console.print(say("link.created", id=info.id, label=escape(info.label), url=data["url"]), highlight=False,
                  soft_wrap=True)
    console.print(say("link.print_it", command=f"doorstep qr --link {info.id} --out link-{info.id}.png"),
                  highlight=False)


@links_app.command("list")
@cli_errors
def list_(ctx: typer.Context, json_out: JsonOpt = False) -> None:
    """The workspace's open links, revoked ones included."""
    from doorstep.surveys.open_links import list_links

    st = state(ctx)
    db = open_database(st)
    with db.read() as session:
        workspace = workspace_for(session, st)
        links = list_links(session=session, workspace=workspace)
    if json_out:
        print_json({"links": [_as_dict(info, _base(st)) for info in links]})
        return
    table = Table(say("col.id"), say("links.col_label"), say("col.delivery"), say("col.answers"),
                  say("links.col_state"), say("links.col_url"), title=say("links.title", workspace=st.workspace))
    for info in links:
        shown = say("links.active") if info.active else say("links.revoked_on", date=f"{info.revoked_at:%Y-%m-%d}")
        table.add_row(str(info.id), escape(info.label), escape(info.delivery_external_id or say("links.any")),
                      str(info.responses), shown, info.url(_base(st)))
    console.print(table)


@links_app.command("revoke")
@cli_errors
def revoke(
    ctx: typer.Context,
    link_id: Annotated[int, typer.Argument(help="The link's id (see `doorstep links list`).")],
    json_out: JsonOpt = False,
) -> None:
    """Stop a link taking answers; the answers it received are kept."""
    from doorstep.accounts import audit
    from doorstep.db import utcnow
    from doorstep.surveys.open_links import revoke_link

    st = state(ctx)
    db = open_database(st)
    with db.write() as session:
        workspace = workspace_for(session, st)
        info = revoke_link(session=session, workspace=workspace, link_id=link_id, now=utcnow())
        audit.record(session, action="deleted", actor_kind="cli", actor=cli_actor(), workspace_id=workspace.id,
                     target=f"open_link:{link_id}", details={"revoked": True})
    if json_out:
        print_json(_as_dict(info, _base(st)))
        return
    console.print(say("link.revoked", id=info.id, label=escape(info.label)), highlight=False)


@cli_errors
def qr(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="The file to write: FILE.png or FILE.svg.")],
    delivery: Annotated[
        str | None, typer.Option("--delivery", help="A delivery's external id: the QR code of its invitation.")
    ] = None,
    link: Annotated[int | None, typer.Option("--link", help="An open link's id: the QR code of that link.")] = None,
    ref: Annotated[
        str | None, typer.Option("--ref", help="With --link: a delivery reference the page will prefill.")
    ] = None,
    scale: Annotated[
        int, typer.Option(min=1, max=MAX_SCALE, help="Pixels per module (8: ~3.7 cm at 300 dpi).")
    ] = DEFAULT_SCALE,
    json_out: JsonOpt = False,
) -> None:
    """Write a printable QR code: a delivery's survey invitation, or an open link."""
    st = state(ctx)
    if (delivery is None) == (link is None):
        raise InvalidInput("give exactly one of --delivery EXT or --link ID", field="--delivery/--link")
    if ref is not None and link is None:
        raise InvalidInput("--ref goes with --link", field="--ref")
    kind = format_for(out.name)  # before any work: a wrong extension is a typo
    from doorstep.db import utcnow
    from doorstep.surveys.open_links import clean_reference, current_invitation, get_link

    db = open_database(st)
    with db.read() as session:
        workspace = workspace_for(session, st)
        if delivery is not None:
            invitation = current_invitation(session=session, workspace=workspace, external_id=delivery, now=utcnow())
            if invitation.status == "expired":
                raise Gone(f"the invitation of delivery '{delivery[:80]}' has expired")
            url, title = invitation.url(_base(st)), None
        else:
            assert link is not None
            info = get_link(session=session, workspace=workspace, link_id=link)
            if not info.active:
                raise Gone(f"open link {link} is revoked")
            reference = clean_reference(ref, field="--ref") if ref is not None and not info.delivery_external_id \
                else None
            url, title = info.url(_base(st), reference), info.label
    content = render(url, kind, scale=scale, title=title)
    try:
        out.write_bytes(content)
    except OSError as exc:
        raise InvalidInput(f"cannot write {out}: {exc.strerror or exc}", field="--out") from None
    if json_out:
        print_json({"file": str(out), "format": kind, "url": url, "bytes": len(content)})
        return
    console.print(say("qr.wrote", path=escape(str(out)), kind=kind, bytes=f"{len(content):,}", url=url),
                  highlight=False, soft_wrap=True)
