"""The member's calendar feed (RFC 5545) behind its own read-only token: a calendar service that
subscribes learns the member's coming assignments and nothing else, and the member can cut it off
by making a new link."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import APIRouter
from fastapi.responses import Response

from api.deps import ReadConn
from api.pages.ical import calendar_bytes
from api.pages.security import CalendarView
from services.store import views

router = APIRouter(prefix="/cal/{token}", include_in_schema=False)
FEED_HISTORY = timedelta(days=7)
"""Live, future and the last week's assignments only: a synced calendar never holds the history."""


@router.get("/feed.ics", name="calendar_feed")
def feed(viewer: CalendarView, conn: ReadConn) -> Response:
    recent = datetime.now(UTC) - FEED_HISTORY
    rows = views.member_assignments(conn, viewer.who.club_id, viewer.who.subject_id, ending_after=recent)
    return Response(
        calendar_bytes(rows, viewer.club_name, viewer.tz),
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": 'inline; filename="mechanic.ics"'},
    )
