"""leases with an epoch: one relay publishes the outbox, and a paused or cut-off one is fenced

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import services.store.tables

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "leases",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("holder", sa.String(length=128), nullable=False),
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.Column("expires_at", services.store.tables.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_leases")),
    )
    # The row exists from the start, so taking the lease is one conditional UPDATE: no insert race.
    op.bulk_insert(
        table, [{"name": "relay", "holder": "", "epoch": 0, "expires_at": datetime(1970, 1, 1, tzinfo=UTC)}]
    )


def downgrade() -> None:
    op.drop_table("leases")
