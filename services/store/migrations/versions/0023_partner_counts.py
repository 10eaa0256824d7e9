"""a partner's quota counts kept on its row, so a submission no longer counts its requests

Revision ID: 0023
Revises: 0022
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

import services.store.tables

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

COUNTS = ("open_requests", "sent_day", "sent_today", "sent_yesterday")


def upgrade() -> None:
    with op.batch_alter_table("partners") as batch:
        for name in COUNTS:
            batch.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default="0"))
    partners = sa.table("partners", *(sa.column(name, sa.Integer()) for name in ("id", *COUNTS)))
    requests = sa.table(
        "help_requests",
        sa.column("partner_id"),
        sa.column("status"),
        sa.column("lift_for"),
        sa.column("created_at", services.store.tables.UtcDateTime()),
    )
    own = sa.and_(requests.c.partner_id == partners.c.id, requests.c.lift_for.is_(None))
    now = datetime.now(UTC)
    # Those sent in the last 24 hours all count as today's: the window then lies within today and
    # tomorrow's yesterday, so the counts overstate it, never understate it.
    op.get_bind().execute(
        sa.update(partners).values(
            open_requests=sa.select(sa.func.count())
            .where(own, requests.c.status == "open")
            .scalar_subquery(),
            sent_day=now.toordinal(),
            sent_today=sa.select(sa.func.count())
            .where(own, requests.c.created_at > now - timedelta(days=1))
            .scalar_subquery(),
        )
    )
    op.drop_index("ix_help_requests_partner_quota", table_name="help_requests")
    op.create_index(
        "ix_help_requests_partner_open", "help_requests", ["partner_id", "lift_for", "status", "ends_at"]
    )
    op.create_index(
        "ix_help_requests_partner_sent", "help_requests", ["partner_id", "lift_for", "created_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_help_requests_partner_sent", table_name="help_requests")
    op.drop_index("ix_help_requests_partner_open", table_name="help_requests")
    op.create_index(
        "ix_help_requests_partner_quota",
        "help_requests",
        ["partner_id", "lift_for", "status", "ends_at", "created_at"],
    )
    with op.batch_alter_table("partners") as batch:
        for name in COUNTS:
            batch.drop_column(name)
