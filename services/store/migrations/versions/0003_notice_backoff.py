"""notice back-off: a failed message (email, Signal, partner webhook) waits before its next attempt

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import services.store.tables

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

Utc = services.store.tables.UtcDateTime


def upgrade() -> None:
    with op.batch_alter_table("notices") as batch:
        batch.add_column(sa.Column("next_attempt_at", Utc(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notices") as batch:
        batch.drop_column("next_attempt_at")
