"""forced pins: the rules a coordinator placed a member despite

Revision ID: 0020
Revises: 0019
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pins") as batch:
        batch.add_column(sa.Column("waived", sa.JSON(), server_default="[]", nullable=False))
        batch.add_column(sa.Column("despite", sa.Text(), server_default="", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("pins") as batch:
        batch.drop_column("despite")
        batch.drop_column("waived")
