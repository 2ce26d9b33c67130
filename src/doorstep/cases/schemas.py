"""The shapes of cases on the wire (API), named by role."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

CaseStatus = Literal["open", "contacted", "resolved", "verified", "closed_unverified", "reopened"]
CasePriority = Literal["high", "normal", "low"]


class CasePublic(BaseModel):
    id: int
    delivery_external_id: str
    score: int
    comment: str | None
    status: str
    priority: str
    owner: str | None
    queue: str | None
    opened_at: str
    first_contact_due: str
    resolution_due: str
    contacted_at: str | None
    resolved_at: str | None
    closed_at: str | None
    breached: list[str] = Field(description="Clocks run out now: first_contact and/or resolution.")
    resurvey_score: int | None
    version: int = Field(description="Send it back as expected_version to refuse a stale change.")


class CaseList(BaseModel):
    cases: list[CasePublic]
    total: int
    limit: int
    offset: int


class TimelineEntry(BaseModel):
    at: str
    actor: str
    kind: str = Field(description="opened | transition | note | assigned | escalated")
    from_: str | None = Field(alias="from")
    to: str | None
    note: str | None


class EscalationPublic(BaseModel):
    kind: str
    due_at: str
    escalated_at: str
    notified: str | None


class ResurveyPublic(BaseModel):
    url: str
    status: str
    send_after: str | None
    expires_at: str
    score: int | None


class CaseDetail(CasePublic):
    allowed: list[str] = Field(description="States a person may move this case to now.")
    customer: dict[str, Any]
    answer: dict[str, Any]
    delivery: dict[str, Any] = Field(description="With its stages: completion, minutes taken, lateness vs target.")
    root_cause: dict[str, str | None]
    resolution: str | None
    timeline: list[TimelineEntry]
    escalations: list[EscalationPublic]
    resurvey: ResurveyPublic | None
    resurvey_url: str | None = Field(description="The re-survey link of a resolved case (to send to the customer).")


class TransitionCreate(BaseModel):
    to: CaseStatus
    note: str | None = None
    expected_version: int | None = Field(default=None, description="Refuse (409) if the case changed since.")
    resolution: str | None = Field(default=None, description="What was done, in free text.")
    root_cause_stage: str | None = Field(default=None, description="Stage key the problem came from.")
    root_cause_theme: str | None = Field(default=None, description="Theme key of the problem.")


class NoteCreate(BaseModel):
    note: str


class AssignmentCreate(BaseModel):
    owner: str | None = Field(default=None, description="A person's handle.")
    queue: str | None = Field(default=None, description="Or a queue: its next member gets the case.")
    note: str | None = None
    expected_version: int | None = None


class LoopFigures(BaseModel):
    cases_opened: int
    contacted: int
    contact_sla_decided: int
    contacted_within_sla: int
    contacted_within_sla_pct: float | None
    resolved: int
    resolution_sla_decided: int
    resolved_within_sla: int
    resolved_within_sla_pct: float | None
    median_hours_to_first_contact: float | None
    median_hours_to_resolution: float | None
    breached_now: int
    escalated: int
    verified: int
    recovered: int
    recovery_rate: float | None = Field(description="recovered / verified, percent, one decimal.")
    recovery_ci95: list[float] | None = Field(description="Wilson 95% interval of the recovery rate, percent.")


class LoopPublic(LoopFigures):
    business_hours: bool


class LoopGroup(LoopFigures):
    key: str | None


class LoopByPublic(BaseModel):
    by: str
    business_hours: bool
    groups: list[LoopGroup]
