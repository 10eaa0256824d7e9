"""A club's own settings as the commands change them: how long it keeps personal details, and which
kinds of work members may sign themselves up for. The SQL behind ``ClubRepository``."""

from __future__ import annotations

from sqlalchemy import Connection, select, update

from services.ports import ClubRepository
from services.store import writes
from services.store.tables import clubs


class SqlClubs(ClubRepository):
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def create(self, club_id: str, name: str, timezone: str) -> None:
        writes.create_club(self.conn, club_id, name, timezone)

    def exists(self, club_id: str) -> bool:
        return self.conn.execute(select(clubs.c.id).where(clubs.c.id == club_id)).first() is not None

    def set_retention(self, club_id: str, days: int, high_risk_kinds: list[str]) -> None:
        self.conn.execute(
            update(clubs)
            .where(clubs.c.id == club_id)
            .values(retention_days=days, high_risk_kinds=high_risk_kinds)
        )

    def set_self_signup(self, club_id: str, kinds: list[str]) -> None:
        self.conn.execute(update(clubs).where(clubs.c.id == club_id).values(self_signup_kinds=kinds))
