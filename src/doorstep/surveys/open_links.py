"""Open links: one survey address for many answers, and invitations fit for print.

An invitation's link is personal (one customer, one delivery, one answer). An open
link is not: it is printed as a QR code on every receipt a courier hands over, or
shown on the last slide of a SaaS go-live meeting. So each answer says which
delivery it is about (the link may be fixed to one delivery; otherwise the
respondent gives the reference printed on the receipt, which a receipt's QR code
can carry as ``?ref=``), and a device may answer once per delivery.

"Once per device" is enforced by the database, not by a read-then-write: the answer's
``source_key`` is ``open:<link id>:<delivery id>:<device id>``, unique per workspace,
so two submits from the same phone at the same instant store one answer. A device is
a random id the page keeps in a cookie; someone who clears cookies is a new device —
the price of asking nobody to log in.

Decisions:

- a delivery that is not yet marked delivered is answerable: at a go-live meeting the
  hand-over *is* the meeting, and the ops system may record it later;
- the first open-link answer for a delivery closes the delivery's unanswered NPS
  invitation (as an imported answer does), so the customer who answered on the
  receipt is not e-mailed the same question half an hour later;
- the answer is an ordinary NPS response (attributes ``source: open_link`` and the
  link's label, usable as segments) and goes through ``after_responses``: analysis,
  stage attribution, a case for a detractor.
"""

from __future__ import annotations

import datetime as dt
import hmac
import re
import secrets
from dataclasses import dataclass
from urllib.parse import urlencode

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from doorstep.accounts.models import Workspace
from doorstep.cases.intake import ResponseFacts
from doorstep.channels.models import OpenLink
from doorstep.db import table_of
from doorstep.deliveries.models import Customer, Delivery, Journey, Stage
from doorstep.deliveries.services import get_delivery
from doorstep.errors import Gone, InvalidInput, NotFound
from doorstep.insight.language import detect_language
from doorstep.surveys.models import Invitation, Response
from doorstep.surveys.services import OPEN_STATES, after_responses, check_score, clean_comment, new_token

SOURCE = "open_link"
MAX_LABEL = 200
MAX_REFERENCE = 200  # the length of a delivery's external id
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
_DEVICE = re.compile(r"[A-Za-z0-9_-]{16,64}")


# --- managing links --------------------------------------------------------------


@dataclass(frozen=True)
class LinkInfo:
    """An open link as its owners see it (the token is the link: show it only to them)."""

    id: int
    label: str
    token: str
    delivery_external_id: str | None
    created_at: dt.datetime
    revoked_at: dt.datetime | None
    responses: int

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def url(self, base_url: str, reference: str | None = None) -> str:
        return link_url(base_url, self.token, reference)


def link_url(base_url: str, token: str, reference: str | None = None) -> str:
    """The public address of an open link, with a delivery reference baked in if given."""
    url = f"{base_url.rstrip('/')}/o/{token}"
    return f"{url}?{urlencode({'ref': reference})}" if reference else url


def invitation_url(base_url: str, token: str) -> str:
    """The public address of an invitation's survey page."""
    return f"{base_url.rstrip('/')}/s/{token}"


def clean_reference(reference: str | None, *, field: str = "reference") -> str:
    """A delivery reference as typed on a phone or passed in a URL: trimmed, bounded."""
    text = (reference or "").replace("\x00", "").strip()
    if not text:
        raise InvalidInput("please give the delivery reference (the order or project number)", field=field)
    if len(text) > MAX_REFERENCE:
        raise InvalidInput(f"a delivery reference is at most {MAX_REFERENCE} characters", field=field)
    return text


def _info(session: Session, link: OpenLink) -> LinkInfo:
    external_id = session.scalar(select(Delivery.external_id).where(Delivery.id == link.delivery_id)) \
        if link.delivery_id is not None else None
    answers = session.scalar(
        select(func.count())
        .select_from(Response)
        .where(Response.workspace_id == link.workspace_id, Response.source_key.like(f"open:{link.id}:%"))
    )
    return LinkInfo(
        id=link.id,
        label=link.label,
        token=link.token,
        delivery_external_id=external_id,
        created_at=link.created_at,
        revoked_at=link.revoked_at,
        responses=answers or 0,
    )


def create_link(
    *, session: Session, workspace: Workspace, label: str, delivery_external_id: str | None = None, now: dt.datetime
) -> LinkInfo:
    """A new open link, optionally fixed to one delivery (a go-live meeting's)."""
    label = (label or "").replace("\x00", "").strip()
    if not label or len(label) > MAX_LABEL:
        raise InvalidInput(f"a label is 1–{MAX_LABEL} characters", field="label")
    delivery_id = None
    if delivery_external_id is not None:
        ref = clean_reference(delivery_external_id, field="delivery_external_id")
        try:
            delivery_id = get_delivery(session=session, workspace=workspace, external_id=ref).id
        except NotFound:
            raise InvalidInput(f"delivery '{ref[:80]}' does not exist", field="delivery_external_id") from None
    link = OpenLink(workspace_id=workspace.id, token=new_token(), label=label, delivery_id=delivery_id,
                    created_at=now)
    session.add(link)
    session.flush()
    return _info(session, link)


def _owned(session: Session, workspace: Workspace, link_id: int) -> OpenLink:
    link = session.get(OpenLink, link_id)
    if link is None or link.workspace_id != workspace.id:  # another workspace's link does not exist for you
        raise NotFound(f"open link {link_id} not found")
    return link


def get_link(*, session: Session, workspace: Workspace, link_id: int) -> LinkInfo:
    return _info(session, _owned(session, workspace, link_id))


def list_links(*, session: Session, workspace: Workspace) -> list[LinkInfo]:
    """The workspace's open links, oldest first, revoked ones included (their answers stay)."""
    links = session.scalars(select(OpenLink).where(OpenLink.workspace_id == workspace.id).order_by(OpenLink.id))
    return [_info(session, link) for link in links]


def revoke_link(*, session: Session, workspace: Workspace, link_id: int, now: dt.datetime) -> LinkInfo:
    """Stop a link taking answers (a printed QR code cannot be recalled; this is how).
    Revoking twice keeps the first time; answers already given are kept."""
    link = _owned(session, workspace, link_id)
    if link.revoked_at is None:
        link.revoked_at = now
        session.flush()
    return _info(session, link)


# --- answering -------------------------------------------------------------------


@dataclass
class OpenLinkView:
    """What the public page needs (no internal ids beyond the token)."""

    token: str
    label: str
    workspace_name: str
    workspace_locale: str
    fixed_reference: str | None  # the link's own delivery; None: the respondent names it
    stages: list[tuple[str, str, str | None]]  # key, name, name_zh
    reference: str | None = None  # the delivery this view is about, once known
    answered_score: int | None = None  # this device's answer for that delivery
    answered_comment: str | None = None


def new_device_id() -> str:
    """A random device id (128 bits) for the page's cookie."""
    return secrets.token_urlsafe(16)


def valid_device_id(value: str | None) -> bool:
    return value is not None and _DEVICE.fullmatch(value) is not None


def _link(session: Session, token: str) -> OpenLink:
    # Bounded, plain-text tokens: anything else cannot be one of ours, so skip the query.
    if not _TOKEN.fullmatch(token):
        raise NotFound("this survey link is not valid")
    # Unknown and revoked cost the same single SELECT (see surveys.services._invitation).
    link = session.scalar(select(OpenLink).where(OpenLink.token == token))
    if link is None or not hmac.compare_digest(link.token.encode(), token.encode()):
        raise NotFound("this survey link is not valid")
    if link.revoked_at is not None:
        raise Gone("this survey link has been withdrawn")
    return link


def _delivery(session: Session, link: OpenLink, reference: str | None) -> Delivery:
    if link.delivery_id is not None:
        return session.get_one(Delivery, link.delivery_id)  # a fixed link ignores any ?ref=
    ref = clean_reference(reference)
    found = session.scalar(
        select(Delivery).where(Delivery.workspace_id == link.workspace_id, Delivery.external_id == ref)
    )
    if found is None:
        # Typed on a phone: "ab-1234" for "AB-1234" is the same receipt, if only one matches.
        matches = list(
            session.scalars(
                select(Delivery)
                .where(Delivery.workspace_id == link.workspace_id, func.lower(Delivery.external_id) == ref.lower())
                .limit(2)
            )
        )
        found = matches[0] if len(matches) == 1 else None
    if found is None:
        raise InvalidInput(
            f"no delivery has the reference '{ref[:80]}': check the number on your receipt", field="reference"
        )
    return found


def _stages(session: Session, workspace_id: int, delivery: Delivery | None) -> list[tuple[str, str, str | None]]:
    # Before the respondent names a delivery we show the workspace's default journey.
    where = (
        Stage.journey_id == delivery.journey_id
        if delivery is not None
        else Stage.journey_id.in_(
            select(Journey.id).where(Journey.workspace_id == workspace_id, Journey.key == "default")
        )
    )
    return [(s.key, s.name, s.name_zh) for s in session.scalars(select(Stage).where(where).order_by(Stage.position))]


def _source_key(link: OpenLink, delivery: Delivery, device_id: str) -> str:
    return f"open:{link.id}:{delivery.id}:{device_id}"


def _existing(session: Session, link: OpenLink, key: str) -> Response | None:
    return session.scalar(
        select(Response).where(Response.workspace_id == link.workspace_id, Response.source_key == key)
    )


def _view(
    session: Session, link: OpenLink, delivery: Delivery | None = None, answer: Response | None = None
) -> OpenLinkView:
    workspace = session.get_one(Workspace, link.workspace_id)
    fixed = session.get_one(Delivery, link.delivery_id).external_id if link.delivery_id is not None else None
    return OpenLinkView(
        token=link.token,
        label=link.label,
        workspace_name=workspace.name,
        workspace_locale=workspace.locale,
        fixed_reference=fixed,
        stages=_stages(session, link.workspace_id, delivery),
        reference=delivery.external_id if delivery is not None else None,
        answered_score=answer.score if answer is not None else None,
        answered_comment=answer.comment if answer is not None else None,
    )


def open_link(
    *, session: Session, token: str, reference: str | None = None, device_id: str | None = None
) -> OpenLinkView:
    """The page behind an open link. With a delivery (fixed, or a reference that exists)
    and a device that already answered for it, the view carries that answer. A reference
    that does not resolve is not an error here: the form asks again on submit."""
    link = _link(session, token)
    delivery = None
    if link.delivery_id is not None or reference:
        try:
            delivery = _delivery(session, link, reference)
        except InvalidInput:
            delivery = None
    answer = None
    if delivery is not None and valid_device_id(device_id):
        assert device_id is not None
        answer = _existing(session, link, _source_key(link, delivery, device_id))
    return _view(session, link, delivery, answer)


def answer(
    *,
    session: Session,
    token: str,
    delivery_ref: str | None,
    device_id: str,
    score: int | str,
    comment: str | None,
    stage: str | None,
    now: dt.datetime,
) -> tuple[OpenLinkView, bool]:
    """Record a device's answer about one delivery through an open link.

    Returns (view, created). A second answer from the same device for the same delivery
    keeps the first and returns created=False with the first answer in the view.
    Raises NotFound (no such link), Gone (revoked), InvalidInput with field ``score``,
    ``comment``, ``reference`` (missing or unknown delivery), ``stage`` or ``device``.
    """
    score = check_score(score)
    comment = clean_comment(comment)
    link = _link(session, token)
    if not valid_device_id(device_id):
        raise InvalidInput("the device id is 16–64 letters, digits, '-' or '_'", field="device")
    delivery = _delivery(session, link, delivery_ref)
    key = _source_key(link, delivery, device_id)
    first = _existing(session, link, key)
    if first is not None:
        return _view(session, link, delivery, first), False
    stage_id = None
    if stage:
        stage_id = session.scalar(select(Stage.id).where(Stage.journey_id == delivery.journey_id, Stage.key == stage))
        if stage_id is None:
            raise InvalidInput(f"unknown stage '{stage[:64]}'", field="stage")
    try:
        with session.begin_nested():
            response = Response(
                workspace_id=link.workspace_id,
                delivery_id=delivery.id,
                customer_id=delivery.customer_id,
                source_key=key,
                kind="nps",
                score=score,
                comment=comment,
                stage_id=stage_id,
                language=detect_language(comment),
                attributes={"source": SOURCE, "link": link.label},
                responded_at=now,
                created_at=now,
            )
            session.add(response)
            session.flush()
    except IntegrityError:
        # The same device submitted twice at once and the other request won: show its answer.
        first = _existing(session, link, key)
        if first is None:  # not a duplicate after all: let the caller see the real error
            raise
        return _view(session, link, delivery, first), False
    workspace = session.get_one(Workspace, link.workspace_id)
    after_responses(
        session=session,
        workspace=workspace,
        responses=[ResponseFacts(response.id, delivery.id, delivery.customer_id, score, now)],
    )
    # Answered on the receipt: the delivery's own invitation must not ask again.
    session.execute(
        update(table_of(Invitation))
        .where(
            Invitation.delivery_id == delivery.id,
            Invitation.status.in_(OPEN_STATES),
            Invitation.kind == "nps",
        )
        .values(status="responded", responded_at=now)
    )
    return _view(session, link, delivery, response), True


# --- invitations on paper --------------------------------------------------------


@dataclass(frozen=True)
class InvitationInfo:
    """A delivery's current NPS invitation, for a receipt printer."""

    delivery_external_id: str
    token: str
    status: str  # pending | sent | opened | responded | expired
    expires_at: dt.datetime
    customer_locale: str | None

    def url(self, base_url: str) -> str:
        return invitation_url(base_url, self.token)


def current_invitation(*, session: Session, workspace: Workspace, external_id: str, now: dt.datetime) -> InvitationInfo:
    """The newest NPS invitation of a delivery (re-surveys are for the case's customer
    only, never printed). NotFound when the delivery does not exist or has none — e.g.
    it is not delivered yet, was sampled out, or the customer is in their quiet period."""
    delivery = get_delivery(session=session, workspace=workspace, external_id=external_id)
    invitation = session.scalar(
        select(Invitation)
        .where(Invitation.delivery_id == delivery.id, Invitation.kind == "nps")
        .order_by(Invitation.id.desc())
        .limit(1)
    )
    if invitation is None:
        raise NotFound(f"delivery '{external_id[:80]}' has no survey invitation")
    status = invitation.status
    if status in OPEN_STATES and invitation.expires_at <= now:
        status = "expired"
    locale = session.scalar(select(Customer.locale).where(Customer.id == invitation.customer_id))
    return InvitationInfo(
        delivery_external_id=delivery.external_id,
        token=invitation.token,
        status=status,
        expires_at=invitation.expires_at,
        customer_locale=locale,
    )
