"""coordinators' accounts: last sign-in, sign-in throttling, password resets, the audit trail

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import services.store.tables

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("coordinators") as batch:
        batch.add_column(sa.Column("last_login_at", services.store.tables.UtcDateTime(), nullable=True))
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("at", services.store.tables.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_attempts")),
    )
    op.create_index("ix_login_attempts_key", "login_attempts", ["key_hash", "kind", "at"])
    op.create_table(
        "password_resets",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("coordinator_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", services.store.tables.UtcDateTime(), nullable=False),
        sa.Column("expires_at", services.store.tables.UtcDateTime(), nullable=False),
        sa.Column("used_at", services.store.tables.UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["coordinator_id"],
            ["coordinators.id"],
            name=op.f("fk_password_resets_coordinator_id_coordinators"),
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_password_resets")),
    )
    op.create_index(
        op.f("ix_password_resets_coordinator_id"), "password_resets", ["coordinator_id"], unique=False
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("club_id", sa.String(length=64), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("object_kind", sa.String(length=16), nullable=False),
        sa.Column("object_id", sa.String(length=64), nullable=False),
        sa.Column("related_id", sa.String(length=64), nullable=True),
        sa.Column("at", services.store.tables.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index("ix_audit_log_club", "audit_log", ["club_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_audit_log_club", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_index(op.f("ix_password_resets_coordinator_id"), table_name="password_resets")
    op.drop_table("password_resets")
    op.drop_index("ix_login_attempts_key", table_name="login_attempts")
    op.drop_table("login_attempts")
    with op.batch_alter_table("coordinators") as batch:
        batch.drop_column("last_login_at")
