"""requests remember the weekly series they were submitted in, so a series can be edited or
cancelled as one ("this one", "this and the following", "the whole series")

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("help_requests") as batch:
        batch.add_column(sa.Column("series_id", sa.String(64), nullable=True))
        batch.create_index("ix_help_requests_series_id", ["series_id"])


def downgrade() -> None:
    with op.batch_alter_table("help_requests") as batch:
        batch.drop_index("ix_help_requests_series_id")
        batch.drop_column("series_id")
