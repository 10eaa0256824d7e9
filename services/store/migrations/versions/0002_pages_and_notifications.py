"""pages and notifications: coordinator accounts, web sessions, notification preferences and log,
partner webhooks

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import services.store.tables

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

Utc = services.store.tables.UtcDateTime


def upgrade() -> None:
    op.create_table(
        "coordinators",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("club_id", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", Utc(), nullable=False),
        sa.ForeignKeyConstraint(["club_id"], ["clubs.id"], name=op.f("fk_coordinators_club_id_clubs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coordinators")),
        sa.UniqueConstraint("email", name=op.f("uq_coordinators_email")),
    )
    op.create_index(op.f("ix_coordinators_club_id"), "coordinators", ["club_id"])
    op.create_table(
        "web_sessions",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("coordinator_id", sa.String(length=64), nullable=False),
        sa.Column("club_id", sa.String(length=64), nullable=False),
        sa.Column("csrf", sa.String(length=64), nullable=False),
        sa.Column("created_at", Utc(), nullable=False),
        sa.Column("expires_at", Utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["coordinator_id"], ["coordinators.id"], name=op.f("fk_web_sessions_coordinator_id_coordinators")
        ),
        sa.PrimaryKeyConstraint("id_hash", name=op.f("pk_web_sessions")),
    )
    op.create_index(op.f("ix_web_sessions_coordinator_id"), "web_sessions", ["coordinator_id"])
    op.create_table(
        "notify_prefs",
        sa.Column("member_id", sa.String(length=64), nullable=False),
        sa.Column("email", sa.Boolean(), nullable=False),
        sa.Column("signal", sa.Boolean(), nullable=False),
        sa.Column("reminders", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_notify_prefs_member_id_members")
        ),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_notify_prefs")),
    )
    op.create_table(
        "notices",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("dedupe_key", sa.String(length=160), nullable=False),
        sa.Column("club_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("address", sa.String(length=500), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", Utc(), nullable=False),
        sa.Column("sent_at", Utc(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_notices_dedupe_key")),
    )
    op.create_index("ix_notices_status", "notices", ["status", "id"])
    op.create_table(
        "partner_webhooks",
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("secret", sa.String(length=100), nullable=False),
        sa.Column("created_at", Utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_partner_webhooks_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("partner_id", name=op.f("pk_partner_webhooks")),
    )


def downgrade() -> None:
    op.drop_table("partner_webhooks")
    op.drop_index("ix_notices_status", table_name="notices")
    op.drop_table("notices")
    op.drop_table("notify_prefs")
    op.drop_index(op.f("ix_web_sessions_coordinator_id"), table_name="web_sessions")
    op.drop_table("web_sessions")
    op.drop_index(op.f("ix_coordinators_club_id"), table_name="coordinators")
    op.drop_table("coordinators")
