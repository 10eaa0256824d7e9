"""The coordinator's roster board: review the proposal, pin, remove or swap slots, approve, re-solve."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from api.deps import ReadConn, Run, WriteConn, run_in
from api.pages import board_model
from api.pages.confirm import confirmation
from api.pages.render import page
from api.pages.security import CoordinatorPost, CoordinatorView, PageDenied, Viewer
from services.commands import (
    ApproveRoster,
    ChaseAssignment,
    PlaceMember,
    Refused,
    ReplanNow,
    SwapSlots,
    UndoRemoval,
    Unpin,
)
from services.domain import Conflict, NotFound
from services.store import attention, board

router = APIRouter(prefix="/c", include_in_schema=False)
MESSAGES = {
    "approved": "Approved: members are being told.",
    "resolving": "Approved; a new proposal is being worked out around your pins.",
    "asked": "A new proposal is being worked out.",
    "swapped": "Swapped, and both slots pinned; a new proposal is being worked out around them.",
    "placed": "Placed and pinned; a new proposal is being worked out around it.",
    "unpinned": "Unpinned; a new proposal is being worked out.",
    "undone": "Removal undone; a new proposal is being worked out.",
    "chased": "Asked again: the member gets the message through the channels they chose.",
    "stale": "A newer proposal arrived while you were looking: please review it.",
    "edited": "The request is changed; the people on it are told what changed, and it is planned again.",
    "same": "Nothing was different, so nothing changed.",
    "cancelled": "Cancelled: the partner sees it on their page, and anyone who was going is told.",
}


def _slot(raw: str) -> tuple[str, int]:
    request_id, _, slot = raw.rpartition(":")
    if not request_id or not slot.isdigit():
        raise PageDenied(400, "That slot reference is not valid.")
    return request_id, int(slot)


@router.get("/", response_class=HTMLResponse)
def board_page(request: Request, viewer: CoordinatorView, conn: ReadConn, run: Run) -> Response:
    settings = request.app.state.settings
    follow = _follow_up(request)
    filters = board_model.Filters.parse(request.query_params)
    content = board_model.build(
        conn,
        viewer.who.club_id,
        viewer.tz,
        follow=follow,
        filters=filters,
        horizon_days=settings.horizon_days,
        uow=run.uow(),
    )
    message = MESSAGES.get(request.query_params.get("done", ""), "")
    context = {"v": viewer, "message": message, "poll_s": settings.board_poll_s, **content}
    return page(request, "coord_board.html", context)


def _follow_up(request: Request) -> board_model.FollowUp:
    settings = request.app.state.settings
    return board_model.FollowUp(
        timedelta(hours=settings.unanswered_after_h), timedelta(hours=settings.urgent_within_h)
    )


@router.get("/status.json")
def solve_status(request: Request, viewer: CoordinatorView, conn: ReadConn) -> JSONResponse:
    """Polled by the open board: whether a solve is pending or failed, which roster is current and
    how many things need attention, so the page can say when something new arrived (a decline's
    replacement proposal, an answer that did not come) without being reloaded."""
    club_id = viewer.who.club_id
    follow = _follow_up(request)
    now = datetime.now(UTC)
    items = attention.attention(conn, club_id, now, follow.unanswered_after, follow.urgent_within)
    state = board.solve_state(conn, club_id) | {
        "roster": board.latest_roster(conn, club_id),
        "attention": len(items),
    }
    return JSONResponse(state, headers={"Cache-Control": "no-store"})


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def _approve_confirmation(viewer: Viewer, form: Any, size: tuple[int, int]) -> dict[str, Any]:
    """Approving sends messages to people: it asks first, carrying the board's choices along."""
    pins, removals = form.getlist("pin"), form.getlist("remove")
    lines = [
        f"This roster fills {_plural(size[0], 'place')} with "
        f"{'1 person' if size[1] == 1 else f'{size[1]} people'}. Everyone on it is sent their places "
        "at once, by the channels they chose, and asked to accept."
    ]
    if pins:
        lines.append(f"{_plural(len(pins), 'place')} pinned: kept as they are in later re-plans.")
    if removals:
        lines.append(
            f"{_plural(len(removals), 'place')} left out: those people are not proposed for those "
            "requests again."
        )
    if form.get("resolve") == "1":
        lines.append("Then a new proposal is worked out around your pins.")
    hidden = [("roster_id", str(form.get("roster_id", "")))]
    hidden += [("pin", str(x)) for x in pins] + [("remove", str(x)) for x in removals]
    if form.get("resolve") == "1":
        hidden.append(("resolve", "1"))
    return confirmation(
        viewer, "Approve this roster?", lines, "/c/approve", "Yes, approve", "/c/#board", hidden
    )


@router.post("/approve", response_class=HTMLResponse)
async def approve(request: Request, viewer: CoordinatorPost, run: Run, conn: ReadConn) -> Response:
    form = await request.form()
    if form.get("confirm") != "1":
        size = board.roster_size(conn, viewer.who.club_id, str(form.get("roster_id", "")))
        return page(request, "confirm.html", _approve_confirmation(viewer, form, size))
    replan = form.get("resolve") == "1"
    command = ApproveRoster(
        viewer.who.club_id,
        str(form.get("roster_id", "")),
        viewer.who.subject_id,
        remove=frozenset(_slot(str(x)) for x in form.getlist("remove")),
        pin=frozenset(_slot(str(x)) for x in form.getlist("pin")),
        replan=replan,
    )
    try:
        await run_in_threadpool(run, command)
    except NotFound as exc:
        raise PageDenied(404, "No such roster.") from exc
    except Conflict:
        return RedirectResponse("/c/?done=stale", status_code=303)
    return RedirectResponse(f"/c/?done={'resolving' if replan else 'approved'}", status_code=303)


@router.post("/resolve")
def resolve(viewer: CoordinatorPost, conn: WriteConn) -> Response:
    run_in(conn, ReplanNow(viewer.who.club_id, viewer.who.subject_id))
    return RedirectResponse("/c/?done=asked", status_code=303)


def _refusal(conn: ReadConn, club_id: str, exc: Conflict) -> dict[str, Any]:
    """A refusal in a coordinator's words (who breaks which rule) and, when only rules a coordinator
    may waive stand in the way, what "anyway" would place despite."""
    if not isinstance(exc, Refused):
        return {"error": str(exc), "anyway": None}
    name = board.active_members(conn, club_id).get(exc.member_id, {}).get("name", "That member")
    anyway = {"member_id": exc.member_id, "name": name, "breaks": exc.text} if exc.forceable else None
    return {"error": f"{name} {exc.text}.", "anyway": anyway}


def _forced(form: Any) -> bool:
    return form.get("force") == "1"


@router.get("/swap", response_class=HTMLResponse)
def swap_form(request: Request, viewer: CoordinatorView, conn: ReadConn, slot: str = "") -> Response:
    target, others = board_model.same_day_slots(conn, viewer.who.club_id, viewer.tz, _slot(slot))
    if not target:
        raise PageDenied(404, "That slot is not in the current proposal.")
    context = {"v": viewer, "target": target, "others": others, "error": "", "anyway": None}
    return page(request, "coord_swap.html", context)


@router.post("/swap")
async def swap(request: Request, viewer: CoordinatorPost, run: Run, conn: ReadConn) -> Response:
    form = await request.form()
    first, second = _slot(str(form.get("slot", ""))), _slot(str(form.get("with", "")))
    command = SwapSlots(
        viewer.who.club_id,
        str(form.get("roster_id", "")),
        first,
        second,
        viewer.who.subject_id,
        force=_forced(form),
    )
    try:
        await run_in_threadpool(run, command)
    except NotFound as exc:
        raise PageDenied(404, "No such roster.") from exc
    except Conflict as exc:
        target, others = board_model.same_day_slots(conn, viewer.who.club_id, viewer.tz, first)
        if not target:
            return RedirectResponse("/c/?done=stale", status_code=303)
        context = {"v": viewer, "target": target, "others": others, "swap_with": form.get("with", "")}
        return page(request, "coord_swap.html", context | _refusal(conn, viewer.who.club_id, exc), 409)
    return RedirectResponse("/c/?done=swapped", status_code=303)


def _place_page(
    request: Request,
    viewer: CoordinatorView,
    conn: ReadConn,
    run: Run,
    key: tuple[str, int],
    refusal: dict[str, Any] | None = None,
) -> Response:
    found = board_model.place_context(conn, run.uow(), viewer.who.club_id, viewer.tz, key)
    if found is None:
        raise PageDenied(404, "That place is not in the current proposal.")
    context = {"v": viewer, "error": "", "anyway": None, **found, **(refusal or {})}
    return page(request, "coord_place.html", context, 409 if refusal else 200)


@router.get("/place", response_class=HTMLResponse)
def place_form(
    request: Request, viewer: CoordinatorView, conn: ReadConn, run: Run, slot: str = ""
) -> Response:
    return _place_page(request, viewer, conn, run, _slot(slot))


@router.post("/place")
async def place(request: Request, viewer: CoordinatorPost, run: Run, conn: ReadConn) -> Response:
    form = await request.form()
    key = _slot(str(form.get("slot", "")))
    command = PlaceMember(
        viewer.who.club_id,
        str(form.get("roster_id", "")),
        key,
        str(form.get("member_id", "")),
        viewer.who.subject_id,
        force=_forced(form),
    )
    try:
        await run_in_threadpool(run, command)
    except NotFound as exc:
        raise PageDenied(404, "No such roster.") from exc
    except Conflict as exc:
        return await run_in_threadpool(
            _place_page, request, viewer, conn, run, key, _refusal(conn, viewer.who.club_id, exc)
        )
    return RedirectResponse("/c/?done=placed", status_code=303)


async def _take_back(
    request: Request, viewer: Viewer, run: Run, kind: type[Unpin | UndoRemoval], done: str
) -> Response:
    form = await request.form()
    command = kind(
        viewer.who.club_id,
        str(form.get("request_id", "")),
        str(form.get("member_id", "")),
        viewer.who.subject_id,
    )
    try:
        await run_in_threadpool(run, command)
    except NotFound as exc:
        raise PageDenied(404, "That is no longer there: someone may have changed it already.") from exc
    return RedirectResponse(f"/c/?done={done}", status_code=303)


@router.post("/unpin")
async def unpin(request: Request, viewer: CoordinatorPost, run: Run) -> Response:
    return await _take_back(request, viewer, run, Unpin, "unpinned")


@router.post("/undo-removal")
async def undo_removal(request: Request, viewer: CoordinatorPost, run: Run) -> Response:
    return await _take_back(request, viewer, run, UndoRemoval, "undone")


@router.post("/chase")
async def chase(request: Request, viewer: CoordinatorPost, run: Run) -> Response:
    form = await request.form()
    command = ChaseAssignment(viewer.who.club_id, str(form.get("assignment_id", "")), viewer.who.subject_id)
    try:
        await run_in_threadpool(run, command)
    except NotFound as exc:
        raise PageDenied(404, "No such assignment.") from exc
    except Conflict as exc:
        raise PageDenied(409, "They have answered meanwhile: nothing to chase.") from exc
    return RedirectResponse("/c/?done=chased", status_code=303)
