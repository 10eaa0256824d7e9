"""The coordinator's map of the coming week's requests: where, when, and how many of the people asked
for are sent. A list of the same requests, by day, is the page without JavaScript or Leaflet."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import groupby

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import ReadConn
from api.pages.render import local, page
from api.pages.security import CoordinatorView
from services.store import board

router = APIRouter(prefix="/c", include_in_schema=False)
DAYS = 7


@router.get("/map", response_class=HTMLResponse)
def week_map(request: Request, viewer: CoordinatorView, conn: ReadConn) -> Response:
    now = datetime.now(UTC)
    rows = board.week_map(conn, viewer.who.club_id, now, now + timedelta(days=DAYS))
    days = [
        (day, list(found))
        for day, found in groupby(rows, key=lambda r: local(r["starts_at"], viewer.tz).date())
    ]
    return page(request, "coord_map.html", {"v": viewer, "days": days, "count": len(rows), "span": DAYS})
