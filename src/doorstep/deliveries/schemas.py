"""JSON shapes of the deliveries API."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    FiniteFloat,
    RootModel,
    Tag,
)

from doorstep.deliveries.records import DeliveryRecord
from doorstep.timeutil import check_range

# Finite: JSON has no NaN or Infinity (Python's parser takes them; the database and our answers do not).
AttributeValue = str | int | FiniteFloat | bool | None


# A number where a time goes is Unix seconds (docs/webhooks.md: order systems push them), but
# one below 10⁹ (2001-09-09) is a duration or a count that slipped into the field: Pydantic
# alone reads 5 as 1970-01-01T00:00:05Z, stored as a stage completed in 1970 that skewed
# every duration after it.
MIN_UNIX_SECONDS = 1_000_000_000


def _plausible_number(value: object) -> object:
    if isinstance(value, bool):
        raise ValueError(f"{value} is not a time: send ISO 8601 text (2026-03-01T12:20:00+08:00) or Unix seconds")
    number: float | None = None
    if isinstance(value, int | float):
        number = value
    elif isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            number = None
    if number is not None and abs(number) < MIN_UNIX_SECONDS:
        raise ValueError(
            f"{value} is not a time: send ISO 8601 text (2026-03-01T12:20:00+08:00) or Unix seconds"
        )
    return value


# A time as a client sends it: ISO 8601 text or Unix seconds, years 1900–2999, so the shift to UTC cannot overflow.
Instant = Annotated[dt.datetime, BeforeValidator(_plausible_number), AfterValidator(check_range)]


class DeliveryCreate(BaseModel):
    """One hand-over. Times without an offset are read in the workspace's timezone."""

    model_config = ConfigDict(extra="forbid")

    external_id: str = Field(min_length=1, max_length=200, examples=["F-000123"])
    customer_id: str = Field(min_length=1, max_length=200)
    customer_name: str | None = Field(default=None, max_length=200)
    customer_email: str | None = Field(default=None, max_length=320)
    customer_locale: str | None = Field(default=None, max_length=16, examples=["zh-CN"])
    owner: str | None = Field(default=None, max_length=120, description="The frontline person responsible.")
    promised_at: Instant | None = None
    delivered_at: Instant | None = None
    status: Literal["cancelled"] | None = Field(
        default=None, description="Only 'cancelled' is set by hand; other states follow from the times."
    )
    stages: dict[str, Instant] = Field(
        default_factory=dict,
        description="Completion time by stage key.",
        examples=[{"picked_up": "2026-03-01T12:20:00+08:00"}],
    )
    attributes: dict[str, AttributeValue] = Field(
        default_factory=dict, description="Segments such as team, region, product.", examples=[{"team": "north"}]
    )


def _aware(value: dt.datetime | None, tz: dt.tzinfo) -> dt.datetime | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=tz)).astimezone(dt.UTC)


def to_record(item: DeliveryCreate, tz: dt.tzinfo, index: int | None = None) -> DeliveryRecord:
    """The service's record of a posted delivery (API or inbound webhook); times without an
    offset are in the workspace's timezone ``tz``."""
    return DeliveryRecord(
        external_id=item.external_id.strip(),
        customer_id=item.customer_id.strip(),
        customer_name=item.customer_name,
        customer_email=item.customer_email,
        customer_locale=item.customer_locale,
        owner=item.owner,
        promised_at=_aware(item.promised_at, tz),
        delivered_at=_aware(item.delivered_at, tz),
        status=item.status,
        stages={k: v for k, at in item.stages.items() if (v := _aware(at, tz)) is not None},
        attributes={k: v for k, v in item.attributes.items() if v is not None},
        line=index,
    )


class DeliveryBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    deliveries: list[DeliveryCreate] = Field(min_length=1, max_length=1000)


def _body_kind(value: Any) -> str:
    if isinstance(value, dict):
        return "batch" if "deliveries" in value else "delivery"
    return "batch" if isinstance(value, DeliveryBatch) else "delivery"


# The body of POST /api/v1/deliveries: one delivery, or {"deliveries": [...]}. Told apart by
# the "deliveries" key before validation, so a refusal names the one field that is wrong
# (``batch.deliveries.2.customer_id``) instead of listing what both shapes would have wanted.
class DeliveryBody(
    RootModel[
        Annotated[
            Annotated[DeliveryCreate, Tag("delivery")] | Annotated[DeliveryBatch, Tag("batch")],
            Discriminator(_body_kind),
        ]
    ]
):
    # A model, not an alias: FastAPI drops the discriminator of a body's annotation.
    """One delivery, or up to 1,000 as {"deliveries": [...]}."""


class InvitationLink(BaseModel):
    delivery_external_id: str
    token: str
    url: str


class IngestPublic(BaseModel):
    created: int
    updated: int
    unchanged: int
    invitations: list[InvitationLink]


class StagePublic(BaseModel):
    key: str
    name: str
    completed_at: dt.datetime | None


class DeliveryPublic(BaseModel):
    external_id: str
    status: str
    customer_id: str
    owner: str | None
    promised_at: dt.datetime | None
    delivered_at: dt.datetime | None
    attributes: dict[str, AttributeValue]
    stages: list[StagePublic]
    invitation_url: str | None = Field(description="The open survey link, while there is one.")
