"""case_events.note_key, note_params: system notes as a message id and its values

The notes the system writes on a case's timeline (who the case was routed to and
why, an escalation, the re-survey's outcome, a reassignment) were stored only as
English sentences, and zh-CN pages showed them in English. They are now also
stored as a message id with parameters (doorstep.cases.messages), which pages
say in their reader's language; ``note`` keeps the English text the API returns.

Two nullable columns: notes written before this revision keep their English text
and no id (pages show them as they are), so nothing to backfill, and on SQLite it
is a plain ALTER TABLE ADD COLUMN (no table copy).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 09:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('note_key', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('note_params', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.drop_column('note_params')
        batch_op.drop_column('note_key')
