"""lifts for members: a lift that carries volunteers to another request, and whose pickup is whose

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("help_requests") as batch:
        batch.add_column(sa.Column("lift_for", sa.String(length=64), nullable=True))
        batch.create_index("ix_help_requests_lift_for", ["lift_for"])
    with op.batch_alter_table("request_pickups") as batch:
        batch.add_column(sa.Column("member_id", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("request_pickups") as batch:
        batch.drop_column("member_id")
    with op.batch_alter_table("help_requests") as batch:
        batch.drop_index("ix_help_requests_lift_for")
        batch.drop_column("lift_for")
