from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from doorstep.db import Base, utcnow

NOTE_STATUSES = ("new", "heard", "acting", "done")


class FrontlineNote(Base):
    __tablename__ = "frontline_notes"
    __table_args__ = (Index("ix_frontline_notes_workspace_created", "workspace_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    stage_id: Mapped[int | None] = mapped_column(ForeignKey("stages.id", ondelete="SET NULL"))
    delivery_id: Mapped[int | None] = mapped_column(ForeignKey("deliveries.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default="new")
    reply: Mapped[str | None] = mapped_column(Text)
    votes: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # The same theme analysis as customer comments (theme keys, sentiment in [-1, 1]).
    themes: Mapped[list[str]] = mapped_column(JSON, default=list)
    sentiment: Mapped[float | None]
    status_changed_at: Mapped[dt.datetime | None]
    status_changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # When its author last corrected the text or stage (only while it was still new).
    edited_at: Mapped[dt.datetime | None]


class NoteVote(Base):
    __tablename__ = "note_votes"
    __table_args__ = (UniqueConstraint("note_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("frontline_notes.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class NotePhoto(Base):
    """A photo attached to a note, kept in the database (so backups carry it).

    The type is sniffed from the bytes (JPEG, PNG, WebP only), never taken from the
    upload's name or header; it is served with that type, ``nosniff`` and a CSP that
    forbids everything, so it can never run as a page or script.
    """

    __tablename__ = "note_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("frontline_notes.id", ondelete="CASCADE"), index=True)
    content_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
