"""coordinators' alert choices: channels, immediate alerts, digest hour, quiet hours

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "coordinator_alerts",
        sa.Column("coordinator_id", sa.String(length=64), nullable=False),
        sa.Column("email", sa.Boolean(), nullable=False),
        sa.Column("signal_number", sa.String(length=64), nullable=True),
        sa.Column("immediate", sa.Boolean(), nullable=False),
        sa.Column("digest_hour", sa.Integer(), nullable=True),
        sa.Column("quiet_start", sa.Integer(), nullable=True),
        sa.Column("quiet_end", sa.Integer(), nullable=True),
        sa.Column("unanswered_hours", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["coordinator_id"],
            ["coordinators.id"],
            name=op.f("fk_coordinator_alerts_coordinator_id_coordinators"),
        ),
        sa.PrimaryKeyConstraint("coordinator_id", name=op.f("pk_coordinator_alerts")),
    )


def downgrade() -> None:
    op.drop_table("coordinator_alerts")
