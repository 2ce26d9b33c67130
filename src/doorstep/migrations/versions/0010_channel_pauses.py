"""channel_pauses: e-mail stopped for the whole installation after a lasting SMTP failure

A wrong SMTP password used to be retried by every queued e-mail job (up to 8 attempts
each): a few hundred invitations made thousands of failed logins, and the providers
lock the account or block the server for hours. After the first refused login (or an
untrusted certificate, or settings that cannot work) e-mail now pauses; the pause must
be seen by every worker process, on every machine, so it lives in the database. One row
per paused channel, none while it runs: nothing to backfill.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 09:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('channel_pauses',
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('step', sa.String(length=16), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('salt', sa.String(length=32), nullable=False),
    sa.Column('server', sa.JSON(), nullable=False),
    sa.Column('paused_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('paused_by', sa.String(length=120), nullable=True),
    sa.Column('failed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('channel', name=op.f('pk_channel_pauses'))
    )


def downgrade() -> None:
    op.drop_table('channel_pauses')
