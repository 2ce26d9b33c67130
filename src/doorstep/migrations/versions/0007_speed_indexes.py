"""speed: an index on responses (customer_id, responded_at)

Opening a case asks whether the customer was already a detractor within the repeat
window (doorstep.cases.intake._repeat_unhappiness). Without an index on the customer
that question scanned every answer of the workspace: 72 ms per detractor at 100,000
answers, growing with the table (bench/bench_trust.py, issue 7).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 00:20:00
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.create_index('ix_responses_customer_time', ['customer_id', 'responded_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.drop_index('ix_responses_customer_time')
