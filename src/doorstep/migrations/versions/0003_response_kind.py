"""responses.kind: re-survey answers are kept apart from the NPS they would flatter

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 16:15:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=8), server_default="nps", nullable=False))
        batch_op.drop_index("ix_responses_workspace_time_score")
        batch_op.drop_index("ix_responses_workspace_time_stage_score")
        batch_op.create_index(
            "ix_responses_workspace_kind_time_score", ["workspace_id", "kind", "responded_at", "score"], unique=False
        )
        batch_op.create_index(
            "ix_responses_workspace_kind_time_stage_score",
            ["workspace_id", "kind", "responded_at", "attributed_stage_id", "score"],
            unique=False,
        )
    # Answers given to a re-survey invitation before this column existed.
    op.execute(
        "UPDATE responses SET kind = 'resurvey' WHERE invitation_id IN "
        "(SELECT id FROM invitations WHERE kind = 'resurvey')"
    )
    op.execute(
        "DELETE FROM response_themes WHERE response_id IN (SELECT id FROM responses WHERE kind = 'resurvey')"
    )


def downgrade() -> None:
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.drop_index("ix_responses_workspace_kind_time_stage_score")
        batch_op.drop_index("ix_responses_workspace_kind_time_score")
        batch_op.create_index(
            "ix_responses_workspace_time_stage_score",
            ["workspace_id", "responded_at", "attributed_stage_id", "score"],
            unique=False,
        )
        batch_op.create_index("ix_responses_workspace_time_score", ["workspace_id", "responded_at", "score"], unique=False)
        batch_op.drop_column("kind")
