"""Webhooks over HTTP: the signed inbound endpoint, and outbound subscriptions.

``POST /api/v1/webhooks/deliveries`` is authenticated by its signature (not an API
key): the sender signs the raw body with the workspace's inbound secret
(``doorstep webhooks inbound-secret``). The subscription routes use an API key, like
every other route, and act in the key's workspace. Secrets and chat URLs are never
returned beyond their last four characters.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from doorstep.accounts import audit
from doorstep.api.deps import AdminDep, DbDep, NowDep, SettingsDep, client_address
from doorstep.api.params import RowId
from doorstep.channels import webhooks
from doorstep.channels.inbound import MAX_BODY, receive_deliveries
from doorstep.channels.models import EVENTS, FORMATS
from doorstep.channels.secrets import ensure_inbound_secret
from doorstep.deliveries.schemas import IngestPublic, InvitationLink
from doorstep.web.ratelimit import limit_inbound

router = APIRouter(prefix="/api/v1", tags=["webhooks"])

Format = Literal["json", "feishu", "dingtalk", "wecom", "slack"]
Event = Literal["response.created", "case.opened", "case.escalated", "case.closed", "brief.published",
                "alert.raised"]
assert set(FORMATS) == set(Format.__args__) and set(EVENTS) == set(Event.__args__)  # type: ignore[attr-defined]


class SubscriptionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(max_length=2000, examples=["https://example.com/hooks/doorstep"])
    format: Format = Field(default="json", description="json: Doorstep's signed JSON; else a chat tool's bot format.")
    events: list[Event] = Field(min_length=1)
    secret: str | None = Field(
        default=None, max_length=200,
        description="json: the HMAC key Doorstep signs with; feishu/dingtalk: the bot's signing secret. Write-only.",
    )
    name: str | None = Field(default=None, max_length=120)


class SubscriptionUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    active: bool | None = None
    events: list[Event] | None = Field(default=None, min_length=1)


class SubscriptionPublic(BaseModel):
    id: int
    name: str
    format: str
    url: str = Field(description="Host and last four characters only: a chat webhook URL is a credential.")
    events: list[str]
    active: bool
    secret_last4: str | None
    created_at: str


class SubscriptionList(BaseModel):
    subscriptions: list[SubscriptionPublic]


class CallPublic(BaseModel):
    id: int
    job_id: int | None
    event: str
    event_id: str
    attempt: int
    status_code: int | None
    ok: bool
    error: str | None
    duration_ms: int | None
    created_at: str


class CallList(BaseModel):
    calls: list[CallPublic]


class TestQueued(BaseModel):
    event_id: str


class InboundSecretPublic(BaseModel):
    secret: str | None = Field(description="The whole secret: only in the answer that created or rotated it.")
    last4: str
    created: bool
    created_at: str


async def raw_body(request: Request) -> bytes:
    """The body exactly as sent: the signature covers these bytes, not a re-encoding.
    An announced size over the limit is refused before anything is read."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise HTTPException(413, f"the body is over {MAX_BODY:,} bytes")
    return await request.body()


INBOUND_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing or wrong signature, unknown workspace, a timestamp more than 5 minutes off, or "
                         "a replay. Nothing was stored."},
    413: {"description": "The body is larger than 8 MB."},
    429: {"description": "Too many calls for this workspace from this address; `Retry-After` says when to retry."},
    422: {"description": "Not JSON, or an item that cannot be mapped or is invalid (named by index and field). "
                         "Nothing was stored."},
}


@router.post(
    "/webhooks/deliveries",
    response_model=IngestPublic,
    responses=INBOUND_RESPONSES,
    summary="Receive hand-overs pushed by an order or ticketing system (signed)",
    dependencies=[Depends(limit_inbound)],
    openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": {
        "description": "One object or a list of up to 1,000: the POST /api/v1/deliveries shape, or any shape "
                       "mapped by the workspace setting inbound_mapping."}}}}},
)
def post_inbound_deliveries(
    db: DbDep,
    now: NowDep,
    settings: SettingsDep,
    body: Annotated[bytes, Depends(raw_body)],
    x_doorstep_workspace: Annotated[str | None, Header(description="The workspace's slug.")] = None,
    x_doorstep_timestamp: Annotated[str | None, Header(description="Unix seconds when signed.")] = None,
    x_doorstep_signature: Annotated[
        str | None, Header(description='"sha256=" + hex HMAC-SHA256(secret, "<timestamp>.<raw body>").')
    ] = None,
    workspace: Annotated[str | None, Query(description="The workspace's slug, when the header cannot be set.")] = None,
) -> Any:
    """Deliveries are created or updated by `external_id` exactly as by `POST /api/v1/deliveries`
    (a newly delivered one gets a survey invitation). Sign every request afresh: a
    signature is accepted once."""
    if len(body) > MAX_BODY:
        return JSONResponse({"error": {"type": "TooLarge", "message": f"the body is over {MAX_BODY:,} bytes"}},
                            status_code=413)
    with db.write() as session:
        _ws, result = receive_deliveries(
            session=session, slug=x_doorstep_workspace or workspace, timestamp=x_doorstep_timestamp,
            signature=x_doorstep_signature, body=body, now=now,
        )
    return IngestPublic(
        created=result.created, updated=result.updated, unchanged=result.unchanged,
        invitations=[InvitationLink(delivery_external_id=ext, token=token, url=f"{settings.base_url}/s/{token}")
                     for ext, token in result.invitations],
    )


@router.get("/webhooks/inbound-secret", response_model=InboundSecretPublic,
            summary="The inbound signing secret: its last four characters (created on first use, shown then)")
def get_inbound_secret(caller: AdminDep, db: DbDep, now: NowDep) -> Any:
    with db.write() as session:
        return ensure_inbound_secret(session=session, workspace=caller.workspace, now=now).as_dict()


@router.post("/webhooks/inbound-secret/rotate", response_model=InboundSecretPublic,
             summary="Replace the inbound signing secret; the answer holds the new one, once")
def post_rotate_inbound_secret(caller: AdminDep, db: DbDep, now: NowDep) -> Any:
    """The previous secret keeps working for 24 hours, so the sender can switch over."""
    with db.write() as session:
        return ensure_inbound_secret(session=session, workspace=caller.workspace, now=now, rotate=True).as_dict()


NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such subscription in this workspace."}}


@router.get("/webhooks/subscriptions", response_model=SubscriptionList, summary="The workspace's webhook subscriptions")
def get_subscriptions(caller: AdminDep, db: DbDep) -> Any:
    with db.read() as session:
        subs = webhooks.list_subscriptions(session=session, workspace=caller.workspace)
        return {"subscriptions": [webhooks.subscription_public(s) for s in subs]}


@router.post("/webhooks/subscriptions", response_model=SubscriptionPublic, status_code=201,
             summary="Send events to an HTTP endpoint or a group chat")
def post_subscription(body: SubscriptionCreate, caller: AdminDep, db: DbDep, now: NowDep) -> Any:
    """Formats: `json` (Doorstep's signed JSON), `feishu`, `dingtalk`, `wecom`, `slack` (their
    incoming-webhook bots). The secret is write-only: it is shown back as its last four characters."""
    with db.write() as session:
        sub = webhooks.create_subscription(
            session=session, workspace=caller.workspace, url=body.url, events=list(body.events), format=body.format,
            secret=body.secret, name=body.name, now=now,
        )
        return webhooks.subscription_public(sub)


@router.get("/webhooks/subscriptions/{subscription_id}", response_model=SubscriptionPublic, responses=NOT_FOUND,
            summary="One webhook subscription")
def get_subscription(subscription_id: RowId, caller: AdminDep, db: DbDep) -> Any:
    with db.read() as session:
        sub = webhooks.get_subscription(session=session, workspace=caller.workspace, subscription_id=subscription_id)
        return webhooks.subscription_public(sub)


@router.patch("/webhooks/subscriptions/{subscription_id}", response_model=SubscriptionPublic, responses=NOT_FOUND,
              summary="Pause or resume a subscription, or change its events")
def patch_subscription(subscription_id: RowId, body: SubscriptionUpdate, caller: AdminDep, db: DbDep) -> Any:
    with db.write() as session:
        sub = webhooks.update_subscription(
            session=session, workspace=caller.workspace, subscription_id=subscription_id, active=body.active,
            events=list(body.events) if body.events is not None else None,
        )
        return webhooks.subscription_public(sub)


@router.delete("/webhooks/subscriptions/{subscription_id}", status_code=204, responses=NOT_FOUND,
               summary="Remove a subscription and its delivery log")
def delete_subscription(subscription_id: RowId, request: Request, caller: AdminDep, db: DbDep) -> None:
    with db.write() as session:
        webhooks.delete_subscription(session=session, workspace=caller.workspace, subscription_id=subscription_id)
        audit.record(session, action="deleted", actor_kind=caller.actor_kind, actor=caller.actor,
                     workspace_id=caller.workspace.id, target=f"webhook_subscription:{subscription_id}",
                     client=client_address(request))


@router.get("/webhooks/subscriptions/{subscription_id}/calls", response_model=CallList, responses=NOT_FOUND,
            summary="The delivery log: every attempt with its response code, newest first")
def get_calls(
    subscription_id: RowId, caller: AdminDep, db: DbDep, limit: int = Query(100, ge=1, le=1000)
) -> Any:
    with db.read() as session:
        calls = webhooks.list_calls(session=session, workspace=caller.workspace, subscription_id=subscription_id,
                                    limit=limit)
        return {"calls": [webhooks.call_public(c) for c in calls]}


@router.post("/webhooks/subscriptions/{subscription_id}/test", response_model=TestQueued, status_code=202,
             responses=NOT_FOUND, summary="Queue a test event to one subscription")
def post_test(subscription_id: RowId, caller: AdminDep, db: DbDep, now: NowDep) -> Any:
    """The worker delivers it like any event (event `webhook.test`); see `/calls` for the outcome."""
    with db.write() as session:
        event_id = webhooks.send_test(session=session, workspace=caller.workspace, subscription_id=subscription_id,
                                      now=now)
    return {"event_id": event_id}
