"""planning failures with back-off, fenced solves, and pins the solver had to release

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import services.store.tables

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("schedule_state") as batch:
        batch.add_column(sa.Column("failed_generation", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("failure", sa.Text(), nullable=True))
        batch.add_column(sa.Column("failures", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("retry_at", services.store.tables.UtcDateTime(), nullable=True))
    op.create_table(
        "released_pins",
        sa.Column("roster_id", sa.String(length=64), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("member_id", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["roster_id"], ["rosters.id"], name=op.f("fk_released_pins_roster_id_rosters")
        ),
        sa.PrimaryKeyConstraint("roster_id", "request_id", "member_id", name=op.f("pk_released_pins")),
    )


def downgrade() -> None:
    op.drop_table("released_pins")
    with op.batch_alter_table("schedule_state") as batch:
        batch.drop_column("retry_at")
        batch.drop_column("failures")
        batch.drop_column("failure")
        batch.drop_column("failed_generation")
