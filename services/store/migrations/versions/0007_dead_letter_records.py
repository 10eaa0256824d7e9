"""dead letters also hold Kafka records that are not events at all, with where they were read

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("dead_letters") as batch:
        batch.alter_column("event_id", existing_type=sa.String(length=36), type_=sa.String(length=128))
        batch.add_column(sa.Column("topic", sa.String(length=128), nullable=True))
        batch.add_column(sa.Column("partition", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("offset", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("dead_letters") as batch:
        batch.drop_column("offset")
        batch.drop_column("partition")
        batch.drop_column("topic")
        batch.alter_column("event_id", existing_type=sa.String(length=128), type_=sa.String(length=36))
