"""The coordinator's roster board: review the proposal, pin, remove or swap slots, approve, re-solve."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from api.deps import ReadConn, WriteConn
from api.pages import board_model
from api.pages.render import page
from api.pages.security import CoordinatorPost, CoordinatorView, PageDenied
from services.store import board, writes

router = APIRouter(prefix="/c", include_in_schema=False)
MESSAGES = {
    "approved": "Approved: members are being told.",
    "resolving": "Approved; a new proposal is being worked out around your pins.",
    "asked": "A new proposal is being worked out.",
    "swapped": "Swapped, and both slots pinned.",
    "stale": "A newer proposal arrived while you were looking: please review it.",
}


def _slot(raw: str) -> tuple[str, int]:
    request_id, _, slot = raw.rpartition(":")
    if not request_id or not slot.isdigit():
        raise PageDenied(400, "That slot reference is not valid.")
    return request_id, int(slot)


@router.get("/", response_class=HTMLResponse)
def board_page(request: Request, viewer: CoordinatorView, conn: ReadConn) -> Response:
    content = board_model.build(conn, viewer.who.club_id, viewer.tz)
    message = MESSAGES.get(request.query_params.get("done", ""), "")
    return page(request, "coord_board.html", {"v": viewer, "message": message, **content})


@router.get("/status.json")
def solve_status(viewer: CoordinatorView, conn: ReadConn) -> JSONResponse:
    """Polled by the board while a solve is pending, to say when a new proposal is ready."""
    return JSONResponse(board.solve_state(conn, viewer.who.club_id), headers={"Cache-Control": "no-store"})


@router.post("/approve")
async def approve(request: Request, viewer: CoordinatorPost, conn: WriteConn) -> Response:
    form = await request.form()
    pins = [_slot(str(x)) for x in form.getlist("pin")]
    removes = [_slot(str(x)) for x in form.getlist("remove")]
    try:
        writes.approve_roster(
            conn,
            viewer.who.club_id,
            str(form.get("roster_id", "")),
            viewer.who.subject_id,
            remove=removes,
            pin=pins,
        )
    except writes.NotFound as exc:
        raise PageDenied(404, "No such roster.") from exc
    except writes.Conflict:
        return RedirectResponse("/c/?done=stale", status_code=303)
    if form.get("resolve") == "1":
        board.request_resolve(conn, viewer.who.club_id)
        return RedirectResponse("/c/?done=resolving", status_code=303)
    return RedirectResponse("/c/?done=approved", status_code=303)


@router.post("/resolve")
def resolve(viewer: CoordinatorPost, conn: WriteConn) -> Response:
    board.request_resolve(conn, viewer.who.club_id)
    return RedirectResponse("/c/?done=asked", status_code=303)


@router.get("/swap", response_class=HTMLResponse)
def swap_form(request: Request, viewer: CoordinatorView, conn: ReadConn, slot: str = "") -> Response:
    target, others = board_model.same_day_slots(conn, viewer.who.club_id, viewer.tz, _slot(slot))
    if not target:
        raise PageDenied(404, "That slot is not in the current proposal.")
    return page(request, "coord_swap.html", {"v": viewer, "target": target, "others": others, "error": ""})


@router.post("/swap")
async def swap(request: Request, viewer: CoordinatorPost, conn: WriteConn) -> Response:
    form = await request.form()
    first, second = _slot(str(form.get("slot", ""))), _slot(str(form.get("with", "")))
    try:
        board.swap(conn, viewer.who.club_id, str(form.get("roster_id", "")), first, second)
    except writes.NotFound as exc:
        raise PageDenied(404, "No such roster.") from exc
    except writes.Conflict as exc:
        target, others = board_model.same_day_slots(conn, viewer.who.club_id, viewer.tz, first)
        if not target:
            return RedirectResponse("/c/?done=stale", status_code=303)
        return page(
            request,
            "coord_swap.html",
            {"v": viewer, "target": target, "others": others, "error": str(exc)},
            409,
        )
    return RedirectResponse("/c/?done=swapped", status_code=303)
