"""Members and partners as the commands change them: the SQL behind ``PeopleRepository``."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any, Literal

from sqlalchemy import Connection, delete, insert, select, update

from services.ports import Availability, ErasedMember, NoticePrefs, PeopleRepository
from services.store import notices
from services.store.erasure import erase_member
from services.store.tables import (
    availability_windows,
    blackouts,
    members,
    partners,
    weekly_availability,
)


class SqlPeople(PeopleRepository):
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def member_active(self, club_id: str, member_id: str) -> bool:
        m = members.c
        found = self.conn.execute(
            select(m.id).where(m.id == member_id, m.club_id == club_id, m.active.is_(True))
        ).first()
        return found is not None

    def partner_active(self, club_id: str, partner_id: str) -> bool:
        p = partners.c
        found = self.conn.execute(
            select(p.id).where(p.id == partner_id, p.club_id == club_id, p.active.is_(True))
        ).first()
        return found is not None

    def update_member(self, club_id: str, member_id: str, values: Mapping[str, Any]) -> bool:
        m = members.c
        done = self.conn.execute(
            update(members)
            .where(m.id == member_id, m.club_id == club_id, m.active.is_(True))
            .values(updated_at=datetime.now(UTC), **values)
        )
        return done.rowcount == 1

    def days_off(self, member_id: str) -> frozenset[date]:
        b = blackouts.c
        return frozenset(self.conn.execute(select(b.day).where(b.member_id == member_id)).scalars())

    def declare_availability(self, member_id: str, availability: Availability) -> None:
        for table in (weekly_availability, availability_windows, blackouts):
            self.conn.execute(delete(table).where(table.c.member_id == member_id))
        weekly = [
            {"member_id": member_id, "weekday": d, "start_minute": s, "end_minute": e}
            for d, s, e in availability.weekly
        ]
        windows = [{"member_id": member_id, "starts_at": s, "ends_at": e} for s, e in availability.windows]
        days_off = [{"member_id": member_id, "day": d} for d in availability.days_off]
        for table, rows in (
            (weekly_availability, weekly),
            (availability_windows, windows),
            (blackouts, days_off),
        ):
            if rows:
                self.conn.execute(insert(table), rows)

    def deactivate(self, kind: Literal["member", "partner"], club_id: str, row_id: str) -> bool:
        table = members if kind == "member" else partners
        c = table.c
        done = self.conn.execute(
            update(table).where(c.id == row_id, c.club_id == club_id, c.active.is_(True)).values(active=False)
        )
        return done.rowcount == 1

    def set_notice_prefs(self, member_id: str, prefs: NoticePrefs) -> None:
        notices.set_prefs(self.conn, member_id, prefs.email, prefs.signal, prefs.reminders)

    def erase_member(self, club_id: str | None, member_id: str, now: datetime) -> ErasedMember | None:
        return erase_member(self.conn, member_id, club_id, now)
