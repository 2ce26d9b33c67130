"""frontline_notes.edited_at: when the author last corrected a note

A note's author may correct its text and stage while it is still new
(doorstep.frontline.services.edit_note); readers see that it was edited and when.
No existing column can hold that time: status_changed_at is CS's answer, which
comes after the last edit and would overwrite it. A nullable column: existing
notes were never edited, so nothing to backfill, and on SQLite it is a plain
ALTER TABLE ADD COLUMN (no table copy).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 09:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('frontline_notes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('frontline_notes', schema=None) as batch_op:
        batch_op.drop_column('edited_at')
