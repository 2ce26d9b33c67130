"""users.note_answer_emails: a person may turn off the e-mail that says their note was answered

On /account (doorstep.web.account) a person unticks "E-mail me when my notes are
answered"; doorstep.frontline.replies then queues no such e-mail for their notes, and
doorstep.channels.note_mail sends none that was already waiting.

NOT NULL with a server default of true: every existing person keeps getting the e-mail
they got before (the row's value is filled by the default, no backfill to run). On
SQLite a constant default lets ALTER TABLE ADD COLUMN add it in place (no table copy).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 09:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Not in batch mode, like the downgrade: a plain ADD COLUMN on both engines, so SQLite
    # never rebuilds ``users`` (dropping it would cascade to every session, reset and vote).
    op.add_column('users', sa.Column('note_answer_emails', sa.Boolean(), server_default=sa.true(),
                                     nullable=False))


def downgrade() -> None:
    # SQLite 3.35+ drops a plain column in place (see 0012).
    op.drop_column('users', 'note_answer_emails')
