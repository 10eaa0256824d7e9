"""a club with an urgent change (a member declined work they were given) is re-planned at once

Revision ID: 0022
Revises: 0021
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import services.store.tables

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("schedule_state") as batch:
        batch.add_column(sa.Column("urgent_at", services.store.tables.UtcDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("schedule_state") as batch:
        batch.drop_column("urgent_at")
