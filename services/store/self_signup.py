"""Which kinds of work a club lets members sign themselves up for: an offer on a free place of such a
kind goes straight in instead of waiting for the next approval (see services/commands/offers.py)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, update

from events import SelfSignupChanged
from services.store import audit
from services.store.outbox import append as append_event
from services.store.tables import clubs


def set_kinds(conn: Connection, club_id: str, kinds: Iterable[str], by: str) -> None:
    """The club's choice, with its event and the audit trail in the same transaction. The caller
    keeps ``kinds`` to known kinds of work (see coord_admin)."""
    chosen = sorted(set(kinds))
    conn.execute(update(clubs).where(clubs.c.id == club_id).values(self_signup_kinds=chosen))
    append_event(conn, SelfSignupChanged(club_id=club_id, kinds=chosen))
    audit.record(conn, club_id, by, "self_signup.change", "club", club_id)
