"""Members and partners as the commands change them: the SQL behind ``PeopleRepository``."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any, Literal

from sqlalchemy import Connection, delete, insert, select, update

from services.notify.compose import signin_letter
from services.ports import Availability, ErasedMember, MemberContact, NoticePrefs, PeopleRepository
from services.store import notices, writes
from services.store.erasure import erase_member
from services.store.tables import (
    availability_windows,
    blackouts,
    clubs,
    members,
    partners,
    weekly_availability,
)


class SqlPeople(PeopleRepository):
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def register_member(self, club_id: str, values: Mapping[str, Any]) -> tuple[str, str]:
        return writes.register_member(self.conn, club_id, values)

    def add_partner(self, club_id: str, name: str, contact_email: str | None) -> tuple[str, str]:
        return writes.add_partner(self.conn, club_id, name, contact_email)

    def contact(self, club_id: str, member_id: str) -> MemberContact | None:
        m = members.c
        row = self.conn.execute(
            select(m.name, m.email, m.phone, m.active).where(m.id == member_id, m.club_id == club_id)
        ).first()
        return None if row is None else MemberContact(row.name, row.email, row.phone, row.active)

    def queue_invite(self, club_id: str, member_id: str, channel: str, to: str) -> None:
        club_name = self.conn.execute(select(clubs.c.name).where(clubs.c.id == club_id)).scalar_one()
        name = self.conn.execute(select(members.c.name).where(members.c.id == member_id)).scalar_one()
        body = signin_letter(
            name,
            club_name,
            member_id,
            f"{club_name} invites you to help. This link opens your page once, within 3 days:",
            "On your page, tell us when you are free and what you can do.",
        )
        subject = f"You are invited to {club_name}"
        notices.queue_email(
            self.conn, club_id, "invite", secrets.token_hex(8), to, subject, body, channel=channel
        )

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
