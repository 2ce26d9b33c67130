"""Imports every package's models so the metadata (and Alembic) sees the whole schema."""

from doorstep.accounts.models import ApiKey, AuditEntry, LoginSession, PasswordReset, User, Workspace
from doorstep.briefs.models import Alert, Brief
from doorstep.cases.models import Case, CaseEvent, Escalation
from doorstep.channels.models import (
    ChannelPause,
    InboundRequest,
    OpenLink,
    WebhookCall,
    WebhookSubscription,
    WorkspaceSecret,
)
from doorstep.db import Base
from doorstep.deliveries.models import Customer, Delivery, Journey, Stage, StageDaily, StageEvent
from doorstep.frontline.models import FrontlineNote, NotePhoto, NoteVote
from doorstep.insight.models import ResponseTheme
from doorstep.jobs.models import Job, SentKey
from doorstep.surveys.models import Invitation, Response

__all__ = [
    "Alert",
    "ApiKey",
    "AuditEntry",
    "Base",
    "Brief",
    "Case",
    "CaseEvent",
    "ChannelPause",
    "Customer",
    "Delivery",
    "Escalation",
    "FrontlineNote",
    "InboundRequest",
    "Invitation",
    "Job",
    "Journey",
    "LoginSession",
    "NotePhoto",
    "NoteVote",
    "OpenLink",
    "PasswordReset",
    "Response",
    "ResponseTheme",
    "SentKey",
    "Stage",
    "StageDaily",
    "StageEvent",
    "User",
    "WebhookCall",
    "WebhookSubscription",
    "Workspace",
    "WorkspaceSecret",
]
