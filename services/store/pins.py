"""Pins and removals: coordinators' decisions about who goes where, kept apart from any one roster
so that every later proposal (and every re-solve after a decline) honours them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, delete, insert, select, update

from services.ports import PinRepository, Slot
from services.store.tables import clubs, exclusions, help_requests, pins


class SqlPins(PinRepository):
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def pin(self, club_id: str, slot: Slot, pinned_by: str, despite: str = "") -> None:
        self.unpin(club_id, slot.request_id, slot.member_id)
        self.conn.execute(
            insert(pins).values(
                request_id=slot.request_id,
                member_id=slot.member_id,
                club_id=club_id,
                slot_index=slot.slot_index,
                pinned_by=pinned_by,
                pinned_at=datetime.now(UTC),
                waived=sorted(slot.waived),
                despite=despite,
            )
        )

    def unpin(self, club_id: str, request_id: str, member_id: str) -> bool:
        p = pins.c
        done = self.conn.execute(
            delete(pins).where(p.club_id == club_id, p.request_id == request_id, p.member_id == member_id)
        )
        return done.rowcount == 1

    def lapse_waiver(self, club_id: str, member_id: str, days: frozenset[date], waiver: str) -> list[str]:
        p, r = pins.c, help_requests.c
        tz = ZoneInfo(self.conn.execute(select(clubs.c.timezone).where(clubs.c.id == club_id)).scalar_one())
        forced = self.conn.execute(
            select(p.request_id, p.waived, r.starts_at, r.ends_at)
            .join(help_requests, r.id == p.request_id)
            .where(p.club_id == club_id, p.member_id == member_id)
        ).all()
        lapsed = []
        for row in forced:
            first = row.starts_at.astimezone(tz).date()
            last = (row.ends_at - timedelta(microseconds=1)).astimezone(tz).date()
            if waiver not in row.waived or not any(first <= d <= last for d in days):
                continue
            left = [w for w in row.waived if w != waiver]
            self.conn.execute(
                update(pins)
                .where(p.request_id == row.request_id, p.member_id == member_id)
                .values(waived=left, **({} if left else {"despite": ""}))
            )
            lapsed.append(row.request_id)
        return lapsed

    def exclude(self, club_id: str, request_id: str, member_id: str, excluded_by: str) -> None:
        x = exclusions.c
        held = self.conn.execute(
            select(x.request_id).where(x.request_id == request_id, x.member_id == member_id)
        ).first()
        if held is None:
            self.conn.execute(
                insert(exclusions).values(
                    request_id=request_id,
                    member_id=member_id,
                    club_id=club_id,
                    excluded_by=excluded_by,
                    excluded_at=datetime.now(UTC),
                )
            )

    def undo_exclusion(self, club_id: str, request_id: str, member_id: str) -> bool:
        x = exclusions.c
        done = self.conn.execute(
            delete(exclusions).where(
                x.club_id == club_id, x.request_id == request_id, x.member_id == member_id
            )
        )
        return done.rowcount == 1
