"""homes kept to about 500 m unless the member chose exact pickup planning; existing homes coarsened

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from services.homes import coarse

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("members") as batch:
        batch.add_column(sa.Column("exact_home", sa.Boolean(), nullable=False, server_default=sa.false()))
    members = sa.table("members", sa.column("id"), sa.column("home_lat"), sa.column("home_lon"))
    conn = op.get_bind()
    for row in conn.execute(sa.select(members.c.id, members.c.home_lat, members.c.home_lon)).all():
        lat, lon = coarse(row.home_lat, row.home_lon)
        conn.execute(sa.update(members).where(members.c.id == row.id).values(home_lat=lat, home_lon=lon))


def downgrade() -> None:
    with op.batch_alter_table("members") as batch:
        batch.drop_column("exact_home")
