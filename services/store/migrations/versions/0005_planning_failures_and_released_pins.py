"""planning failures with back-off, fenced solves, pins and removals kept apart from rosters, and
pins the solver had to release

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import services.store.tables

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("schedule_state") as batch:
        batch.add_column(sa.Column("failed_generation", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("failure", sa.Text(), nullable=True))
        batch.add_column(sa.Column("failures", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("retry_at", services.store.tables.UtcDateTime(), nullable=True))
    for name, by, at in (("pins", "pinned_by", "pinned_at"), ("exclusions", "excluded_by", "excluded_at")):
        extra = [sa.Column("slot_index", sa.Integer(), nullable=False)] if name == "pins" else []
        op.create_table(
            name,
            sa.Column("request_id", sa.String(length=64), nullable=False),
            sa.Column("member_id", sa.String(length=64), nullable=False),
            sa.Column("club_id", sa.String(length=64), nullable=False),
            *extra,
            sa.Column(by, sa.String(length=64), nullable=False),
            sa.Column(at, services.store.tables.UtcDateTime(), nullable=False),
            sa.ForeignKeyConstraint(["club_id"], ["clubs.id"], name=op.f(f"fk_{name}_club_id_clubs")),
            sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f(f"fk_{name}_member_id_members")),
            sa.ForeignKeyConstraint(
                ["request_id"], ["help_requests.id"], name=op.f(f"fk_{name}_request_id_help_requests")
            ),
            sa.PrimaryKeyConstraint("request_id", "member_id", name=op.f(f"pk_{name}")),
        )
        op.create_index(op.f(f"ix_{name}_club_id"), name, ["club_id"])
    # Pins used to live on the approved roster's entries: carry them over.
    op.execute(
        "INSERT INTO pins (request_id, member_id, club_id, slot_index, pinned_by, pinned_at) "
        "SELECT e.request_id, e.member_id, r.club_id, e.slot_index, COALESCE(r.approved_by, 'coordinator'), "
        "COALESCE(r.approved_at, r.created_at) FROM roster_entries e JOIN rosters r ON r.id = e.roster_id "
        "WHERE r.status = 'approved' AND e.pinned"
    )
    op.create_table(
        "released_pins",
        sa.Column("roster_id", sa.String(length=64), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("member_id", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["roster_id"], ["rosters.id"], name=op.f("fk_released_pins_roster_id_rosters")
        ),
        sa.PrimaryKeyConstraint("roster_id", "request_id", "member_id", name=op.f("pk_released_pins")),
    )


def downgrade() -> None:
    op.drop_table("released_pins")
    op.drop_table("exclusions")
    op.drop_table("pins")
    with op.batch_alter_table("schedule_state") as batch:
        batch.drop_column("retry_at")
        batch.drop_column("failures")
        batch.drop_column("failure")
        batch.drop_column("failed_generation")
