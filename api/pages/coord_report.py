"""Monthly activity per member and members inactive for N weeks, as a page and as CSV; recording
no-shows for the month's ended assignments."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import ReadConn, WriteConn, run_in
from api.pages import forms
from api.pages.render import local, page
from api.pages.security import CoordinatorPost, CoordinatorView, PageDenied
from services.commands import MarkNoShow
from services.store import attendance, audit, board, writes

router = APIRouter(prefix="/c", include_in_schema=False)


def _month(raw: str, today: date) -> date:
    parsed = forms.parse_date(f"{raw}-01") if raw else None
    return parsed or today.replace(day=1)


def _report(conn: Any, club_id: str, tz: str, month: date, weeks: int) -> dict[str, Any]:
    now = datetime.now(UTC)
    after = (month + timedelta(days=32)).replace(day=1)
    start, end = (
        forms.at_local(month, datetime.min.time(), tz),
        forms.at_local(after, datetime.min.time(), tz),
    )
    rows = board.activity(conn, club_id, start, end, now)
    last = board.last_active(conn, club_id)
    cutoff = now - timedelta(weeks=weeks)
    inactive = [
        r | {"last": last.get(r["id"])} for r in rows if r["active"] and last.get(r["id"], cutoff) <= cutoff
    ]
    ended = attendance.ended_assignments(conn, club_id, start, end, now)
    return {"rows": rows, "inactive": inactive, "month": month, "weeks": weeks, "ended": ended}


@router.get("/report", response_class=HTMLResponse)
def report_page(
    request: Request, viewer: CoordinatorView, conn: ReadConn, month: str = "", weeks: int = 4
) -> Response:
    chosen = _month(month, local(datetime.now(UTC), viewer.tz).date())
    content = _report(conn, viewer.who.club_id, viewer.tz, chosen, max(1, min(weeks, 52)))
    return page(request, "coord_report.html", {"v": viewer, **content})


def _cell(value: object) -> str:
    """Spreadsheet programs run cells that start with = + - @ as formulas: neutralise them."""
    text = str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@router.get("/report.csv")
def report_csv(viewer: CoordinatorView, conn: WriteConn, month: str = "") -> Response:
    """An export leaves the club's hands: the trail says who made it."""
    chosen = _month(month, local(datetime.now(UTC), viewer.tz).date())
    audit.record(
        conn, viewer.who.club_id, viewer.who.subject_id, "report.export", "report", chosen.isoformat()
    )
    content = _report(conn, viewer.who.club_id, viewer.tz, chosen, 4)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["member", "active", "assignments_done", "hours", "declines", "no_shows", "upcoming"])
    for r in content["rows"]:
        writer.writerow(
            [
                _cell(r["name"]),
                r["active"],
                r["done"],
                round(r["minutes"] / 60, 2),
                r["declined"],
                r["no_shows"],
                r["upcoming"],
            ]
        )
    name = f"activity-{chosen.strftime('%Y-%m')}.csv"
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.post("/assignments/{assignment_id}/no-show")
async def no_show(request: Request, assignment_id: str, viewer: CoordinatorPost, conn: WriteConn) -> Response:
    try:
        run_in(conn, MarkNoShow(viewer.who.club_id, assignment_id, viewer.who.subject_id))
    except writes.NotFound as exc:
        raise PageDenied(404, "No such assignment.") from exc
    except writes.Conflict as exc:
        raise PageDenied(409, str(exc)) from exc
    month = str((await request.form()).get("month", ""))[:7]
    return RedirectResponse(f"/c/report?month={month}#attendance", status_code=303)
