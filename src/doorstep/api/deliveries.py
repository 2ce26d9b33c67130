"""POST /api/v1/deliveries: one delivery or a batch of up to 1,000, idempotent by external_id."""

from __future__ import annotations

from fastapi import APIRouter, Body

from doorstep.accounts.access import check_delivery
from doorstep.api.deps import AdminDep, DbDep, DeliveryReaderDep, NowDep, SettingsDep
from doorstep.api.responses import error
from doorstep.deliveries.schemas import (
    DeliveryBatch,
    DeliveryBody,
    DeliveryPublic,
    IngestPublic,
    InvitationLink,
    StagePublic,
    to_record,
)
from doorstep.deliveries.services import get_delivery, ingest_deliveries, stage_timeline, validate_record
from doorstep.errors import ImportFailed, Problem, in_batch
from doorstep.surveys.services import find_open_invitation
from doorstep.timeutil import zone

router = APIRouter(prefix="/api/v1", tags=["deliveries"])


@router.post(
    "/deliveries",
    response_model=IngestPublic,
    summary="Record hand-overs",
    responses={422: {"description": "A delivery is invalid; nothing of the batch was stored."}},
)
def post_deliveries(
    caller: AdminDep,
    db: DbDep,
    now: NowDep,
    settings: SettingsDep,
    body: DeliveryBody = Body(),
) -> IngestPublic:
    """Create or update deliveries by `external_id`. Replaying a payload changes nothing; a
    later stage time or `delivered_at` updates the record, and a newly delivered one gets a
    survey invitation (unless its customer was asked within the quiet period)."""
    sent = body.root
    batch = isinstance(sent, DeliveryBatch)
    items = sent.deliveries if isinstance(sent, DeliveryBatch) else [sent]
    tz = zone(caller.workspace.timezone)
    records = [to_record(item, tz, i) for i, item in enumerate(items)]
    problems = [_named(p, r.line, batch) for r in records for p in validate_record(r)]
    if problems:
        raise ImportFailed(problems, source="request")
    try:
        with db.write() as session:
            result = ingest_deliveries(session=session, workspace=caller.workspace, records=records, now=now)
    except ImportFailed as exc:  # an unknown stage: named by the delivery that sent it, as above
        raise ImportFailed([_named(p, p.line, batch) for p in exc.problems], source="request") from None
    return IngestPublic(
        created=result.created,
        updated=result.updated,
        unchanged=result.unchanged,
        invitations=[
            InvitationLink(delivery_external_id=ext, token=token, url=f"{settings.base_url}/s/{token}")
            for ext, token in result.invitations
        ],
    )


def _named(problem: Problem, index: int | None, batch: bool) -> Problem:
    return in_batch(problem, "deliveries", index if batch else None)


@router.get("/deliveries/{external_id}", response_model=DeliveryPublic, summary="One delivery and its stages",
            responses={404: error("No such delivery in this workspace.")})
def get_one_delivery(external_id: str, caller: DeliveryReaderDep, db: DbDep, settings: SettingsDep) -> DeliveryPublic:
    from doorstep.accounts.models import User
    from doorstep.deliveries.models import Customer

    with db.read() as session:
        check_delivery(session, workspace=caller.workspace, role=caller.role, user_id=caller.user_id,
                       external_id=external_id)
        delivery = get_delivery(session=session, workspace=caller.workspace, external_id=external_id)
        customer = session.get_one(Customer, delivery.customer_id)
        owner = session.get(User, delivery.owner_id) if delivery.owner_id else None
        invitation = find_open_invitation(session=session, workspace=caller.workspace, delivery_id=delivery.id)
        return DeliveryPublic(
            external_id=delivery.external_id,
            status=delivery.status,
            customer_id=customer.external_id,
            owner=owner.handle if owner else None,
            promised_at=delivery.promised_at,
            delivered_at=delivery.delivered_at,
            attributes=delivery.attributes,
            stages=[
                StagePublic(key=s.key, name=s.name, completed_at=at)
                for s, at in stage_timeline(session=session, delivery=delivery)
            ],
            invitation_url=f"{settings.base_url}/s/{invitation.token}" if invitation else None,
        )
