"""an index that answers a partner's quota counts by itself

Revision ID: 0021
Revises: 0018
"""

from __future__ import annotations

from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_help_requests_partner_quota",
        "help_requests",
        ["partner_id", "lift_for", "status", "ends_at", "created_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_help_requests_partner_quota", table_name="help_requests")
