"""members' sign-in links and sessions

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import services.store.tables

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "member_signins",
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("club_id", sa.String(length=64), nullable=False),
        sa.Column("member_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", services.store.tables.UtcDateTime(), nullable=False),
        sa.Column("expires_at", services.store.tables.UtcDateTime(), nullable=False),
        sa.Column("used_at", services.store.tables.UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_member_signins_member_id_members")
        ),
        sa.PrimaryKeyConstraint("code_hash", name=op.f("pk_member_signins")),
    )
    op.create_index(op.f("ix_member_signins_member_id"), "member_signins", ["member_id"], unique=False)
    op.create_table(
        "member_sessions",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("member_id", sa.String(length=64), nullable=False),
        sa.Column("club_id", sa.String(length=64), nullable=False),
        sa.Column("csrf", sa.String(length=64), nullable=False),
        sa.Column("created_at", services.store.tables.UtcDateTime(), nullable=False),
        sa.Column("expires_at", services.store.tables.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_member_sessions_member_id_members")
        ),
        sa.PrimaryKeyConstraint("id_hash", name=op.f("pk_member_sessions")),
    )
    op.create_index(op.f("ix_member_sessions_member_id"), "member_sessions", ["member_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_member_sessions_member_id"), table_name="member_sessions")
    op.drop_table("member_sessions")
    op.drop_index(op.f("ix_member_signins_member_id"), table_name="member_signins")
    op.drop_table("member_signins")
