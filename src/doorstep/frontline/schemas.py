"""Frontline notes over HTTP: what a client sends and gets back (doorstep.api.frontline)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from doorstep.frontline.photos import LIMIT_TEXT, MAX_PHOTOS
from doorstep.frontline.services import MAX_TEXT

NoteStatus = Literal["new", "heard", "acting", "done"]
NoteAnswer = Literal["heard", "acting", "done"]


class NoteCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(max_length=MAX_TEXT * 2, description=f"What was seen, in any language; at most {MAX_TEXT:,} "
                      "characters once trimmed. An emoji alone is a note.")
    stage: str | None = Field(None, max_length=64, description="A stage key of the workspace's journey. Without "
                              "one, the stage the words point to (if any) is taken.")
    delivery: str | None = Field(None, max_length=200, description="A delivery's external id (its reference).")


class NoteUpdate(BaseModel):
    """The author's correction of their note, while it is still new. Omitted fields stay."""

    model_config = ConfigDict(extra="forbid")

    text: str | None = Field(None, max_length=MAX_TEXT * 2, description=f"The corrected text, checked as when "
                             f"filed (something to see, at most {MAX_TEXT:,} characters once trimmed). Omitted or "
                             "null: the text stays.")
    stage: str | None = Field(None, max_length=64, description="A stage key of the journey. Omitted: the stage "
                              "stays; null or \"\": not sure (the stage the words point to, if any, as when filed).")


class NoteStatusUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: NoteAnswer = Field(description="heard, acting or done, in any order; never back to new.")
    reply: str | None = Field(None, max_length=MAX_TEXT * 2, description=f"What the author is told (at most "
                              f"{MAX_TEXT:,} characters). Omitted or null: the current reply stays; \"\": removed.")


class PhotoPublic(BaseModel):
    id: int
    content_type: Literal["image/jpeg", "image/png", "image/webp"] = Field(
        description="Sniffed from the bytes, never taken from the upload's name or header.")
    size: int = Field(description="Bytes.")
    sha256: str
    created_at: dt.datetime
    url: str = Field(description="Where to fetch it (same credentials as the API).")


class NotePublic(BaseModel):
    id: int
    text: str
    language: str | None = Field(description="zh, en, or null (an emoji-only note has none).")
    stage: str | None = Field(description="The stage key the note concerns.")
    delivery: str | None = Field(description="The delivery's external id, if one was given.")
    author: str | None = Field(description="The author's handle (null for a note filed with an API key).")
    mine: bool = Field(description="Written by the signed-in person asking.")
    status: NoteStatus
    reply: str | None = Field(description="CS's answer to the author.")
    status_changed_at: dt.datetime | None = Field(description="When the status or reply last changed.")
    status_changed_by: str | None = Field(description="Who changed it (handle).")
    votes: int = Field(description="+1s, one per person.")
    voted: bool = Field(description="The signed-in person asking has +1'd it.")
    themes: list[str] = Field(description="Taxonomy theme keys found in the text (the customers' analysis).")
    sentiment: float | None = Field(description="In [-1, 1].")
    created_at: dt.datetime
    edited_at: dt.datetime | None = Field(description="When its author last corrected the text or stage "
                                          "(null: never).")
    photos: list[PhotoPublic] = Field(description=f"At most {MAX_PHOTOS}, each under {LIMIT_TEXT}.")


class NoteList(BaseModel):
    notes: list[NotePublic]
    total: int
    limit: int
    offset: int
