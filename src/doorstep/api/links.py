"""Open links and printable QR codes over HTTP.

Open links (`/api/v1/links`): create, list, revoke, and their QR codes, optionally
with a delivery reference baked in (`?ref=`) for a receipt. Invitations on paper
(`/api/v1/deliveries/{external_id}/invitation`): the delivery's current survey link
and its QR code — what a courier's receipt printer calls.

Every route acts inside the caller's workspace: another workspace's link or delivery
is a 404. Images are served with their exact type, ``nosniff`` and a CSP that forbids
everything, so an SVG can never run as a document on our origin.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from doorstep.accounts import audit
from doorstep.accounts.access import check_delivery
from doorstep.api.deps import (
    AdminDep,
    CaseWorkerDep,
    DbDep,
    DeliveryReaderDep,
    NowDep,
    SettingsDep,
    client_address,
)
from doorstep.api.params import RowId
from doorstep.channels.qr import CONTENT_TYPES, DEFAULT_SCALE, MAX_SCALE, render
from doorstep.errors import Gone
from doorstep.surveys.open_links import (
    MAX_LABEL,
    MAX_REFERENCE,
    LinkInfo,
    clean_reference,
    create_link,
    current_invitation,
    get_link,
    list_links,
    revoke_link,
)

router = APIRouter(prefix="/api/v1", tags=["links"])

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such link or delivery in this workspace."}}
IMAGES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/png": {}, "image/svg+xml": {}}, "description": "The QR code."},
    **NOT_FOUND,
}
Kind = Literal["png", "svg"]
ScaleQuery = Query(DEFAULT_SCALE, ge=1, le=MAX_SCALE, description="Pixels per module (8: ~3.7 cm at 300 dpi).")


class LinkCreate(BaseModel):
    label: str = Field(min_length=1, max_length=MAX_LABEL, description="What it is for: 'receipts', 'go-live ACME'.")
    delivery_external_id: str | None = Field(
        None, max_length=MAX_REFERENCE, description="Fix the link to one delivery (a go-live meeting)."
    )


class LinkPublic(BaseModel):
    id: int
    label: str
    url: str = Field(description="The public survey address; give it to respondents (or print its QR code).")
    delivery_external_id: str | None
    active: bool
    created_at: dt.datetime
    revoked_at: dt.datetime | None
    responses: int = Field(description="Answers received through this link.")
    qr_png: str
    qr_svg: str


class LinkList(BaseModel):
    links: list[LinkPublic]


class InvitationPrint(BaseModel):
    delivery_external_id: str
    url: str
    status: str = Field(description="pending | sent | opened | responded | expired")
    expires_at: dt.datetime
    qr_png: str
    qr_svg: str


def _public(info: LinkInfo, base_url: str) -> LinkPublic:
    api = f"{base_url}/api/v1/links/{info.id}"
    return LinkPublic(
        id=info.id, label=info.label, url=info.url(base_url), delivery_external_id=info.delivery_external_id,
        active=info.active, created_at=info.created_at, revoked_at=info.revoked_at, responses=info.responses,
        qr_png=f"{api}/qr.png", qr_svg=f"{api}/qr.svg",
    )


def _safe_name(text: str) -> str:
    # A header value and a file name on every OS: letters, digits, '.', '-', '_'.
    return re.sub(r"[^A-Za-z0-9._-]", "_", text)[:80] or "qr"


def image(content: bytes, kind: Kind, filename: str) -> Response:
    """A QR image response: exact type, shown inline, never sniffed or run."""
    return Response(
        content,
        media_type=CONTENT_TYPES[kind],
        headers={
            "Content-Disposition": f'inline; filename="{_safe_name(filename)}.{kind}"',
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
            "Cache-Control": "private, no-store",  # the survey token is in the picture
        },
    )


@router.post("/links", response_model=LinkPublic, status_code=201, responses=NOT_FOUND,
             summary="Create an open link (one answer per device per delivery)")
def post_link(body: LinkCreate, caller: AdminDep, db: DbDep, now: NowDep, settings: SettingsDep) -> LinkPublic:
    """Without `delivery_external_id` the respondent names the delivery (or a receipt's QR code carries it
    as `?ref=`); with it, every answer is about that delivery."""
    with db.write() as session:
        info = create_link(session=session, workspace=caller.workspace, label=body.label,
                           delivery_external_id=body.delivery_external_id, now=now)
    return _public(info, settings.base_url)


@router.get("/links", response_model=LinkList, summary="The workspace's open links, revoked ones included")
def get_links(caller: CaseWorkerDep, db: DbDep, settings: SettingsDep) -> LinkList:
    with db.read() as session:
        links = list_links(session=session, workspace=caller.workspace)
    return LinkList(links=[_public(info, settings.base_url) for info in links])


@router.get("/links/{link_id}", response_model=LinkPublic, responses=NOT_FOUND, summary="One open link")
def get_one_link(link_id: RowId, caller: CaseWorkerDep, db: DbDep, settings: SettingsDep) -> LinkPublic:
    with db.read() as session:
        info = get_link(session=session, workspace=caller.workspace, link_id=link_id)
    return _public(info, settings.base_url)


@router.delete("/links/{link_id}", response_model=LinkPublic, responses=NOT_FOUND,
               summary="Revoke an open link: it stops taking answers (answers given are kept)")
def delete_link(
    link_id: RowId, request: Request, caller: AdminDep, db: DbDep, now: NowDep, settings: SettingsDep
) -> LinkPublic:
    with db.write() as session:
        info = revoke_link(session=session, workspace=caller.workspace, link_id=link_id, now=now)
        audit.record(session, action="deleted", actor_kind=caller.actor_kind, actor=caller.actor,
                     workspace_id=caller.workspace.id, target=f"open_link:{link_id}", details={"revoked": True},
                     client=client_address(request), at=now)
    return _public(info, settings.base_url)


@router.get("/links/{link_id}/qr.{kind}", response_class=Response,
            responses={**IMAGES, 410: {"description": "The link is revoked."}},
            summary="An open link's QR code (PNG or SVG), optionally carrying a delivery reference")
def get_link_qr(
    link_id: RowId,
    kind: Kind,
    caller: CaseWorkerDep,
    db: DbDep,
    settings: SettingsDep,
    ref: str | None = Query(None, max_length=MAX_REFERENCE,
                            description="A delivery reference the page will prefill (a receipt's own number)."),
    scale: int = ScaleQuery,
) -> Response:
    with db.read() as session:
        info = get_link(session=session, workspace=caller.workspace, link_id=link_id)
    if not info.active:
        raise Gone(f"open link {link_id} is revoked")
    # A link fixed to one delivery takes no reference: printing one would mislead.
    reference = clean_reference(ref, field="ref") if ref is not None and info.delivery_external_id is None else None
    url = info.url(settings.base_url, reference)
    content = render(url, kind, scale=scale, title=info.label)
    return image(content, kind, f"link-{info.id}" + (f"-{reference}" if reference else ""))


@router.get("/deliveries/{external_id}/invitation", response_model=InvitationPrint, responses=NOT_FOUND,
            summary="A delivery's current survey invitation: its link and QR codes, for a receipt")
def get_invitation(external_id: str, caller: DeliveryReaderDep, db: DbDep, now: NowDep,
                   settings: SettingsDep) -> InvitationPrint:
    """404 when the delivery has no NPS invitation (not delivered yet, sampled out, or in the customer's
    quiet period)."""
    with db.read() as session:
        check_delivery(session, workspace=caller.workspace, role=caller.role, user_id=caller.user_id,
                       external_id=external_id)
        info = current_invitation(session=session, workspace=caller.workspace, external_id=external_id, now=now)
    api = f"{settings.base_url}/api/v1/deliveries/{quote(info.delivery_external_id, safe='')}/invitation"
    return InvitationPrint(
        delivery_external_id=info.delivery_external_id, url=info.url(settings.base_url), status=info.status,
        expires_at=info.expires_at, qr_png=f"{api}/qr.png", qr_svg=f"{api}/qr.svg",
    )


@router.get("/deliveries/{external_id}/invitation/qr.{kind}", response_class=Response,
            responses={**IMAGES, 410: {"description": "The invitation has expired."}},
            summary="The QR code of a delivery's current survey invitation (PNG or SVG)")
def get_invitation_qr(
    external_id: str, kind: Kind, caller: DeliveryReaderDep, db: DbDep, now: NowDep, settings: SettingsDep,
    scale: int = ScaleQuery,
) -> Response:
    with db.read() as session:
        check_delivery(session, workspace=caller.workspace, role=caller.role, user_id=caller.user_id,
                       external_id=external_id)
        info = current_invitation(session=session, workspace=caller.workspace, external_id=external_id, now=now)
    if info.status == "expired":
        raise Gone(f"the invitation of delivery '{external_id[:80]}' has expired")  # a dead code is worse than none
    content = render(info.url(settings.base_url), kind, scale=scale)
    return image(content, kind, f"invitation-{info.delivery_external_id}")
