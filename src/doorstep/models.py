"""Imports every package's models so the metadata (and Alembic) sees the whole schema."""

from doorstep.accounts.models import ApiKey, AuditEntry, LoginSession, PasswordReset, User, Workspace
from doorstep.cases.models import Case, CaseEvent, Escalation
from doorstep.channels.models import InboundRequest, OpenLink, WebhookCall, WebhookSubscription, WorkspaceSecret
from doorstep.db import Base
from doorstep.deliveries.models import Customer, Delivery, Journey, Stage, StageEvent
from doorstep.frontline.models import FrontlineNote, NoteVote
from doorstep.insight.models import ResponseTheme
from doorstep.jobs.models import Job, SentKey
from doorstep.surveys.models import Invitation, Response

__all__ = [
    "ApiKey",
    "AuditEntry",
    "Base",
    "Case",
    "CaseEvent",
    "Customer",
    "Delivery",
    "Escalation",
    "FrontlineNote",
    "InboundRequest",
    "Invitation",
    "Job",
    "Journey",
    "LoginSession",
    "NoteVote",
    "OpenLink",
    "PasswordReset",
    "Response",
    "ResponseTheme",
    "SentKey",
    "Stage",
    "StageEvent",
    "User",
    "WebhookCall",
    "WebhookSubscription",
    "Workspace",
    "WorkspaceSecret",
]
