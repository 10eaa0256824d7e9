"""Member pages, reached through the member's private link: the week ahead, answers, calendar feed."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import EngineDep, ReadConn, WriteConn, run_in
from api.pages import cookies
from api.pages.confirm import confirmation
from api.pages.render import local, page, when
from api.pages.security import MEMBER_COOKIE, MEMBER_SESSION, MemberPost, MemberView, PageDenied, Viewer
from services.commands import AnswerAssignment, AskForLift, RotateCalendarLink
from services.store import member_signin, tokens, views, writes
from services.store.db import Connection
from services.text import printable

router = APIRouter(prefix="/m/{token}", include_in_schema=False)
SHOWN = ("issued", "accepted", "withdrawn")


def week_of(rows: list[dict[str, Any]], tz: str, today: date) -> list[tuple[date, list[dict[str, Any]]]]:
    """The next seven local days, each with the member's assignments on it (empty days included,
    so the week reads at a glance)."""
    by_day: dict[date, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_day[local(row["starts_at"], tz).date()].append(row)
    return [(today + timedelta(days=i), by_day.get(today + timedelta(days=i), [])) for i in range(7)]


SETUP_SEEN = "mechanic_setup_seen"
"""Set when the first-visit setup is shown, so "Skip for now" is not asked again on this device."""


def has_availability(conn: Connection, member_id: str) -> bool:
    declared = views.member_availability(conn, member_id)
    return bool(declared["weekly"] or declared["windows"])


@router.get("/", response_class=HTMLResponse)
def week(request: Request, viewer: MemberView, conn: ReadConn) -> Response:
    now = datetime.now(UTC)
    mine = views.member_assignments(conn, viewer.who.club_id, viewer.who.subject_id)
    rows = [r for r in mine if r["ends_at"] > now and r["status"] in SHOWN]
    available = has_availability(conn, viewer.who.subject_id)
    first_visit = not (
        available or mine or "setup" in request.query_params or cookies.read(request, SETUP_SEEN)
    )
    if first_visit:  # never asked, nothing declared: say when you can help, then about you
        return RedirectResponse(f"{viewer.base}/availability?setup=1", status_code=303)
    profile = views.member_profile(conn, viewer.who.club_id, viewer.who.subject_id) or {}
    today = local(now, viewer.tz).date()
    horizon = [r for r in rows if local(r["starts_at"], viewer.tz).date() < today + timedelta(days=7)]
    later = [r for r in rows if r not in horizon]
    return page(
        request,
        "member_week.html",
        {
            "v": viewer,
            "name": profile.get("name", ""),
            "days": week_of(horizon, viewer.tz, today),
            "later": later,
            "waiting": sum(r["status"] == "issued" for r in rows),
            "drives": any(r.get("route") for r in rows),
            "answered": request.query_params.get("answered"),
            "set_up": request.query_params.get("setup") == "done",
            "calendar_since": tokens.issued_at(conn, "calendar", viewer.who.club_id, viewer.who.subject_id),
            "available": available,
            "signed_in": viewer.base == f"/m/{MEMBER_SESSION}",
        },
    )


@router.post("/assignments/{assignment_id}/lift")
def ask_for_lift(assignment_id: str, viewer: MemberPost, conn: WriteConn) -> Response:
    """Declared before the answers' route, which would take "lift" for an answer."""
    try:
        run_in(conn, AskForLift(viewer.who.club_id, viewer.who.subject_id, assignment_id))
    except writes.NotFound as exc:
        raise PageDenied(404, "No such assignment.") from exc
    except writes.Conflict:
        return RedirectResponse(f"{viewer.base}/?answered=stale", status_code=303)
    return RedirectResponse(f"{viewer.base}/?answered=lift", status_code=303)


def _cancel_confirmation(viewer: Viewer, held: dict[str, Any], reason: str) -> dict[str, Any]:
    return confirmation(
        viewer,
        "Cancel your place?",
        [
            f"You said you would go to {held['title']} "
            f"({when(held['starts_at'], held['ends_at'], viewer.tz)}).",
            "If you cancel, your place is given to someone else and the coordinators are told."
            " You cannot take it back from here.",
        ],
        f"{viewer.base}/assignments/{held['id']}/decline",
        "Yes, cancel my place",
        f"{viewer.base}/#a-{held['id']}",
        [("reason", reason)],
        nav="member_nav.html",
        danger=True,
    )


@router.post("/assignments/{assignment_id}/{answer}", response_class=HTMLResponse)
async def answer(
    request: Request, assignment_id: str, answer: str, viewer: MemberPost, conn: WriteConn
) -> Response:
    if answer not in ("accept", "decline"):
        raise PageDenied(404, "No such page.")
    form = await request.form()
    # a decline must never fail over its optional reason: odd characters are blanked, not refused
    reason = printable(str(form.get("reason", "")))[:1000] or None
    if answer == "decline" and form.get("confirm") != "1":
        mine = views.member_assignments(conn, viewer.who.club_id, viewer.who.subject_id)
        held = next((a for a in mine if a["id"] == assignment_id and a["status"] == "accepted"), None)
        if held is not None:  # giving up a place already accepted: ask first
            return page(request, "confirm.html", _cancel_confirmation(viewer, held, reason or ""))
    try:
        who = viewer.who
        run_in(conn, AnswerAssignment(who.club_id, who.subject_id, assignment_id, answer == "accept", reason))
    except writes.NotFound as exc:
        raise PageDenied(404, "No such assignment.") from exc
    except writes.Conflict:
        return RedirectResponse(f"{viewer.base}/?answered=stale", status_code=303)
    return RedirectResponse(f"{viewer.base}/?answered={answer}", status_code=303)


@router.post("/signout")
def sign_out(request: Request, viewer: MemberPost, engine: EngineDep) -> Response:
    """End the session a sign-in link opened (a private link has no session to end)."""
    if viewer.base != f"/m/{MEMBER_SESSION}":
        raise PageDenied(404, "No such page.")
    with engine.begin() as conn:
        member_signin.close_session(conn, cookies.read(request, MEMBER_COOKIE) or "")
    response = RedirectResponse("/m/signin?signed_out=1", status_code=303)
    cookies.drop(response, request, MEMBER_COOKIE)
    return response


@router.post("/calendar", response_class=HTMLResponse)
def calendar_link(request: Request, viewer: MemberPost, conn: WriteConn) -> Response:
    """A new read-only link for the member's calendar app, shown once; the old one stops working."""
    token = run_in(conn, RotateCalendarLink(viewer.who.club_id, viewer.who.subject_id))
    feed = str(request.url_for("calendar_feed", token=token))
    return page(request, "member_calendar.html", {"v": viewer, "feed": feed})
