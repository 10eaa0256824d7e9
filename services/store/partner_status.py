"""What a partner's status page needs from the newest roster: per request, how many places the
proposal waiting for approval fills, and why a place stays empty (the solver's reason code only;
the partner never sees who was considered)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import Connection, func, select

from services.store.tables import roster_entries, rosters, unfilled_slots


def newest_plan(conn: Connection, club_id: str, request_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Per request: ``proposed`` (places the waiting proposal fills, or 0 without one) and
    ``empty_codes`` (reason codes of its empty places in the newest proposal or approved roster)."""
    ro = rosters.c
    out: dict[str, dict[str, Any]] = {rid: {"proposed": 0, "empty_codes": []} for rid in request_ids}
    if not request_ids:
        return out
    newest = conn.execute(
        select(ro.id, ro.status)
        .where(ro.club_id == club_id, ro.status.in_(("proposed", "approved")))
        .order_by(ro.created_at.desc())
        .limit(1)
    ).first()
    if newest is None:
        return out
    if newest.status == "proposed":
        e = roster_entries.c
        for request_id, count in conn.execute(
            select(e.request_id, func.count())
            .where(e.roster_id == newest.id, e.request_id.in_(request_ids))
            .group_by(e.request_id)
        ):
            out[request_id]["proposed"] = int(count)
    u = unfilled_slots.c
    codes: dict[str, Counter[str]] = {}
    for row in conn.execute(
        select(u.request_id, u.code).where(u.roster_id == newest.id, u.request_id.in_(request_ids))
    ):
        codes.setdefault(row.request_id, Counter())[row.code] += 1
    for request_id, counted in codes.items():
        out[request_id]["empty_codes"] = [code for code, _ in counted.most_common()]
    return out
