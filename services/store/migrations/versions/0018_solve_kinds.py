"""which kind of solve made a proposal; the fingerprint of the inputs a club was last solved with

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("rosters") as batch:
        batch.add_column(sa.Column("solve_kind", sa.String(length=16), server_default="full", nullable=False))
    with op.batch_alter_table("schedule_state") as batch:
        batch.add_column(sa.Column("solved_fingerprint", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("schedule_state") as batch:
        batch.drop_column("solved_fingerprint")
    with op.batch_alter_table("rosters") as batch:
        batch.drop_column("solve_kind")
