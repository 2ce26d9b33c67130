"""users.locale: the language a person chose for their pages and e-mails

A signed-in person may choose zh-CN or English on /account (doorstep.web.account);
pages then speak it unless ``?lang=`` asks for the other one, and the e-mails sent
to that person (password reset, a note's answer) are written in it. Without a
choice (NULL) nothing changes: pages follow the browser, e-mails the workspace.

A nullable column: nobody has chosen yet, so nothing to backfill, and on SQLite it
is a plain ALTER TABLE ADD COLUMN (no table copy).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 09:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locale', sa.String(length=16), nullable=True))


def downgrade() -> None:
    # Not in batch mode: on SQLite that rebuilds ``users`` (copy, drop, rename), and with
    # foreign keys on, dropping the table would delete every session, reset and vote of
    # its people (ON DELETE CASCADE). SQLite 3.35+ drops a plain column in place.
    op.drop_column('users', 'locale')
