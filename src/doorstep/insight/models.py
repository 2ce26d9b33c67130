from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from doorstep.db import Base


class ResponseTheme(Base):
    """One theme found in one response's comment.

    Score and time are copied from the response so that the drivers table is one
    GROUP BY over a covering index, even at millions of responses.
    """

    __tablename__ = "response_themes"
    __table_args__ = (
        Index("ix_response_themes_workspace_time_theme", "workspace_id", "responded_at", "theme", "score"),
    )

    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True)
    theme: Mapped[str] = mapped_column(String(64), primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    responded_at: Mapped[dt.datetime]
    score: Mapped[int] = mapped_column(SmallInteger)
