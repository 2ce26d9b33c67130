"""JSON shapes of POST /api/v1/responses: answers collected by another tool (an app's own
NPS prompt, a call centre, a survey service), the API twin of `doorstep import responses`."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Discriminator, Field, RootModel, StrictInt, Tag

from doorstep.deliveries.records import ResponseRecord
from doorstep.deliveries.schemas import AttributeValue, Instant
from doorstep.errors import InvalidInput
from doorstep.surveys.services import MAX_COMMENT, clean_comment


class ResponseCreate(BaseModel):
    """One answer, as DESIGN.md's responses CSV has it. A time without an offset is read in the
    workspace's timezone."""

    model_config = ConfigDict(extra="forbid")

    delivery_external_id: str = Field(min_length=1, max_length=200, examples=["F-000123"])
    # Strict: true is no score, and "9" is a CSV's way, not JSON's.
    score: StrictInt = Field(ge=0, le=10, examples=[9])
    comment: str | None = Field(default=None, max_length=MAX_COMMENT, examples=["准时送达，汤还是热的"])
    stage: str | None = Field(
        default=None, min_length=1, max_length=64, description="The stage key (or name) the customer blamed."
    )
    responded_at: Instant
    attributes: dict[str, AttributeValue] = Field(
        default_factory=dict, description="Segments of the answer (channel, campaign …).", examples=[{"channel": "app"}]
    )


class ResponseBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    responses: list[ResponseCreate] = Field(min_length=1, max_length=1000)


def _body_kind(value: Any) -> str:
    if isinstance(value, dict):
        return "batch" if "responses" in value else "response"
    return "batch" if isinstance(value, ResponseBatch) else "response"


class ResponseBody(
    RootModel[
        Annotated[
            Annotated[ResponseCreate, Tag("response")] | Annotated[ResponseBatch, Tag("batch")],
            Discriminator(_body_kind),
        ]
    ]
):
    """One answer, or up to 1,000 as {"responses": [...]}."""


class ResponsesStored(BaseModel):
    created: int = Field(description="New answers.")
    updated: int = Field(description="Answers sent before with another score, comment, stage or attributes.")
    unchanged: int = Field(description="Answers sent before as they are: a replay changes nothing.")
    cases_opened: int = Field(description="Cases the new and corrected answers opened.")


def to_records(items: list[ResponseCreate], tz: dt.tzinfo) -> list[ResponseRecord]:
    """The service's records, numbered as a file's rows are: two answers to one delivery at
    one instant are both kept (``occurrence``), and a replay finds each again.

    ``line`` is the item's place in the body (0-based), for naming a refusal."""
    records: list[ResponseRecord] = []
    seen: dict[tuple[str, dt.datetime], int] = {}
    for index, item in enumerate(items):
        at = item.responded_at if item.responded_at.tzinfo else item.responded_at.replace(tzinfo=tz)
        record = ResponseRecord(
            delivery_external_id=item.delivery_external_id.strip(),
            score=item.score,
            responded_at=at.astimezone(dt.UTC),
            comment=_comment(item.comment, index),
            stage=item.stage.strip() if item.stage and item.stage.strip() else None,
            attributes={k: v for k, v in item.attributes.items() if v is not None},
            line=index,
        )
        identity = (record.delivery_external_id, record.responded_at)
        record.occurrence = seen[identity] = seen.get(identity, 0) + 1
        records.append(record)
    return records


def _comment(text: str | None, index: int) -> str | None:
    try:
        return clean_comment(text)
    except InvalidInput as exc:
        raise InvalidInput(exc.problem.message, line=index, field="comment") from None
