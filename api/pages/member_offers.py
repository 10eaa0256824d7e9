"""Offer to help: the open places of the next four weeks a member could take, each with "I can do
this". An offer is pinned like a coordinator's placement; the next proposal shows it and a
coordinator approves it as usual (services/commands/offers.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import ReadConn, Run
from api.pages.render import page
from api.pages.security import MemberPost, MemberView, PageDenied, Viewer
from services.commands import OfferHelp, Refused
from services.commands.offers import OFFER_AHEAD, offer_options
from services.domain import Conflict, NotFound
from services.store import offers, views

router = APIRouter(prefix="/m/{token}", include_in_schema=False)


def _page(request: Request, viewer: Viewer, conn: Any, run: Run, error: str = "") -> Response:
    now = datetime.now(UTC)
    places = offers.open_places(conn, viewer.who.club_id, now, now + OFFER_AHEAD)
    rules = offer_options(run.uow(), viewer.who.club_id, viewer.who.subject_id, now) if places else {}
    context = {
        "v": viewer,
        "places": [p for p in places if p["id"] in rules and rules[p["id"]] is None],
        "mine": offers.my_offers(conn, viewer.who.subject_id, now),
        "offered": request.query_params.get("offered", ""),
        "error": error,
    }
    return page(request, "member_offers.html", context, 409 if error else 200)


@router.get("/offers", response_class=HTMLResponse)
def offer_list(request: Request, viewer: MemberView, conn: ReadConn, run: Run) -> Response:
    return _page(request, viewer, conn, run)


@router.post("/offers", response_class=HTMLResponse)
async def offer(request: Request, viewer: MemberPost, conn: ReadConn, run: Run) -> Response:
    form = await request.form()
    try:
        slot_index = int(str(form.get("slot_index", "")))
    except ValueError as exc:
        raise PageDenied(404, "No such place.") from exc
    command = OfferHelp(
        viewer.who.club_id, viewer.who.subject_id, str(form.get("request_id", "")), slot_index
    )
    try:
        signed_up = await run_in_threadpool(run, command)
    except NotFound as exc:
        raise PageDenied(404, "No such place.") from exc
    except Refused as exc:
        profile = views.member_profile(conn, viewer.who.club_id, viewer.who.subject_id) or {}
        error = f"You cannot take this place: {profile.get('name', 'you')} {exc.text}."
        return await run_in_threadpool(_page, request, viewer, conn, run, error)
    except Conflict as exc:
        return await run_in_threadpool(
            _page, request, viewer, conn, run, f"You cannot take this place: {exc}."
        )
    done = "in" if signed_up else "1"
    return RedirectResponse(f"{viewer.base}/offers?offered={done}", status_code=303)
