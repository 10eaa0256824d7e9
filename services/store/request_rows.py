"""The SQL side of partners' requests for the request commands: read one or a series as entered,
replace the editable fields, cancel, and the shared submit function of ``writes``."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from services.domain import PartnerQuota, RequestStatus
from services.ports import RequestRepository, StoredRequest
from services.store import lifts, writes
from services.store.tables import help_requests, request_pickups

EDITABLE = (
    "kind",
    "title",
    "notes",
    "place_name",
    "lat",
    "lon",
    "starts_at",
    "ends_at",
    "headcount",
    "skills",
    "lead_skills",
    "passengers",
    "priority",
)
PICKUP_FIELDS = ("place_name", "lat", "lon", "people", "contact_name", "contact_phone")


class SqlRequests(RequestRepository):
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def submit(
        self, club_id: str, partner_id: str, values: Mapping[str, object], quota: PartnerQuota | None
    ) -> str:
        return writes.submit_request(self.conn, club_id, partner_id, values, quota)

    def _read(self, *where: Any) -> list[StoredRequest]:
        r = help_requests.c
        rows = self.conn.execute(
            select(r.id, r.partner_id, r.status, r.series_id, *(r[f] for f in EDITABLE))
            .where(r.lift_for.is_(None), *where)
            .order_by(r.starts_at, r.id)
        ).all()
        p = request_pickups.c
        pickups: dict[str, list[dict[str, object]]] = {}
        if rows:
            found = self.conn.execute(
                select(p.request_id, *(p[f] for f in PICKUP_FIELDS))
                .where(p.request_id.in_([row.id for row in rows]), p.member_id.is_(None))
                .order_by(p.request_id, p.position)
            )
            for pick in found:
                pickups.setdefault(pick.request_id, []).append({f: pick._mapping[f] for f in PICKUP_FIELDS})
        return [
            StoredRequest(
                id=row.id,
                partner_id=row.partner_id,
                status=row.status,
                series_id=row.series_id,
                fields={f: row._mapping[f] for f in EDITABLE},
                pickups=tuple(pickups.get(row.id, ())),
            )
            for row in rows
        ]

    def get(self, club_id: str, request_id: str) -> StoredRequest | None:
        r = help_requests.c
        found = self._read(r.club_id == club_id, r.id == request_id)
        return found[0] if found else None

    def series(self, club_id: str, series_id: str) -> list[StoredRequest]:
        r = help_requests.c
        return self._read(r.club_id == club_id, r.series_id == series_id)

    def update(self, request_id: str, values: Mapping[str, object]) -> None:
        values = dict(values)
        pickups = values.pop("pickups", None)
        fields = {f: values[f] for f in EDITABLE if f in values}
        self.conn.execute(update(help_requests).where(help_requests.c.id == request_id).values(**fields))
        if pickups is None:
            return
        p = request_pickups.c
        # Members' own pickups (the lifts they asked for) stay; the partner's rows are replaced.
        self.conn.execute(delete(request_pickups).where(p.request_id == request_id, p.member_id.is_(None)))
        taken = self.conn.execute(select(p.position).where(p.request_id == request_id)).scalars().all()
        first = max(taken, default=-1) + 1
        given: list[Mapping[str, object]] = list(pickups)  # type: ignore[call-overload]
        rows = [{**pick, "request_id": request_id, "position": first + i} for i, pick in enumerate(given)]
        if rows:
            self.conn.execute(insert(request_pickups), rows)

    def open_of(self, club_id: str, partner_id: str, now: datetime) -> list[str]:
        r = help_requests.c
        return list(
            self.conn.execute(
                select(r.id).where(
                    r.club_id == club_id,
                    r.partner_id == partner_id,
                    r.status == RequestStatus.OPEN,
                    r.ends_at > now,
                    r.lift_for.is_(None),
                )
            ).scalars()
        )

    def ask_lift(self, club_id: str, member_id: str, work_id: str) -> str | None:
        return lifts.ask_for_lift(self.conn, club_id, member_id, work_id)

    def cancel(self, request_id: str) -> None:
        """Only an open request changes, so the partner's count of open ones (``writes``) drops
        once however often the cancel is asked for, even by two transactions at once."""
        r = help_requests.c
        cancelled = self.conn.execute(
            update(help_requests)
            .where(r.id == request_id, r.status == RequestStatus.OPEN)
            .values(status=RequestStatus.CANCELLED)
            .returning(r.partner_id, r.lift_for)
        ).first()
        if cancelled is not None and cancelled.lift_for is None:
            writes.uncount_cancelled(self.conn, cancelled.partner_id)
