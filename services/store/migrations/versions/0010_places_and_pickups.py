"""places and lifts: pickups, drivers' routes, lift notes, geocoder cache

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import services.store.tables

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_when = services.store.tables.UtcDateTime


def upgrade() -> None:
    op.create_table(
        "request_pickups",
        sa.Column("request_id", sa.String(length=64), sa.ForeignKey("help_requests.id"), primary_key=True),
        sa.Column("position", sa.Integer(), primary_key=True),
        sa.Column("place_name", sa.String(length=200), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("contact_name", sa.String(length=100), nullable=True),
        sa.Column("contact_phone", sa.String(length=64), nullable=True),
    )
    op.create_table(
        "geocode_cache",
        sa.Column("provider", sa.String(length=32), primary_key=True),
        sa.Column("query", sa.String(length=200), primary_key=True),
        sa.Column("results", sa.JSON(), nullable=False),
        sa.Column("fetched_at", _when(), nullable=False),
    )
    op.create_table(
        "lift_routes",
        sa.Column("roster_id", sa.String(length=64), sa.ForeignKey("rosters.id"), primary_key=True),
        sa.Column("request_id", sa.String(length=64), sa.ForeignKey("help_requests.id"), primary_key=True),
        sa.Column("member_id", sa.String(length=64), sa.ForeignKey("members.id"), primary_key=True),
        sa.Column("leave_at", _when(), nullable=False),
        sa.Column("metres", sa.Integer(), nullable=False),
        sa.Column("detour_minutes", sa.Integer(), nullable=False),
    )
    op.create_table(
        "route_stops",
        sa.Column("roster_id", sa.String(length=64), sa.ForeignKey("rosters.id"), primary_key=True),
        sa.Column("request_id", sa.String(length=64), sa.ForeignKey("help_requests.id"), primary_key=True),
        sa.Column("member_id", sa.String(length=64), sa.ForeignKey("members.id"), primary_key=True),
        sa.Column("position", sa.Integer(), primary_key=True),
        sa.Column("pickup_position", sa.Integer(), nullable=True),
        sa.Column("arrive_at", _when(), nullable=False),
        sa.Column("load", sa.Integer(), nullable=False),
    )
    op.create_table(
        "lift_notes",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("roster_id", sa.String(length=64), sa.ForeignKey("rosters.id"), nullable=False),
        sa.Column("request_id", sa.String(length=64), sa.ForeignKey("help_requests.id"), nullable=False),
        sa.Column("pickup_position", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
    )
    op.create_index("ix_lift_notes_roster_id", "lift_notes", ["roster_id"])


def downgrade() -> None:
    op.drop_index("ix_lift_notes_roster_id", table_name="lift_notes")
    for name in ("lift_notes", "route_stops", "lift_routes", "geocode_cache", "request_pickups"):
        op.drop_table(name)
