"""forgetting: erased members, anonymous assignment counts, per-club retention

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import services.store.tables

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("clubs") as batch:
        batch.add_column(sa.Column("retention_days", sa.Integer(), nullable=False, server_default="30"))
        batch.add_column(sa.Column("high_risk_kinds", sa.JSON(), nullable=False, server_default="[]"))
    with op.batch_alter_table("members") as batch:
        batch.add_column(sa.Column("erased_at", services.store.tables.UtcDateTime(), nullable=True))
    with op.batch_alter_table("help_requests") as batch:
        batch.add_column(sa.Column("scrubbed_at", services.store.tables.UtcDateTime(), nullable=True))
    op.create_table(
        "anonymous_assignments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("club_id", sa.String(length=64), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("starts_at", services.store.tables.UtcDateTime(), nullable=False),
        sa.Column("ends_at", services.store.tables.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["club_id"], ["clubs.id"], name=op.f("fk_anonymous_assignments_club_id_clubs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_anonymous_assignments")),
    )
    op.create_index(op.f("ix_anonymous_assignments_club_id"), "anonymous_assignments", ["club_id"])


def downgrade() -> None:
    op.drop_table("anonymous_assignments")
    with op.batch_alter_table("help_requests") as batch:
        batch.drop_column("scrubbed_at")
    with op.batch_alter_table("members") as batch:
        batch.drop_column("erased_at")
    with op.batch_alter_table("clubs") as batch:
        batch.drop_column("high_risk_kinds")
        batch.drop_column("retention_days")
