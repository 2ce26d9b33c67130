"""Imports every package's models so the metadata (and Alembic) sees the whole schema."""

from doorstep.accounts.models import ApiKey, User, Workspace
from doorstep.cases.models import Case, CaseEvent
from doorstep.db import Base
from doorstep.deliveries.models import Customer, Delivery, Journey, Stage, StageEvent
from doorstep.frontline.models import FrontlineNote, NoteVote
from doorstep.surveys.models import Invitation, Response

__all__ = [
    "ApiKey",
    "Base",
    "Case",
    "CaseEvent",
    "Customer",
    "Delivery",
    "FrontlineNote",
    "Invitation",
    "Journey",
    "NoteVote",
    "Response",
    "Stage",
    "StageEvent",
    "User",
    "Workspace",
]
