"""Requests a coordinator enters, changes or cancels for a partner who phoned or wrote in: the
partner's own form (with the partner to choose, for a new one); the request stays theirs (their page
shows it) and the audit trail says which coordinator did it. No partner quota: the coordinator is
the club. A cancellation is confirmed first, and for a weekly series it may cover later dates."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import EngineDep, ReadConn
from api.pages import partner
from api.pages.render import page
from api.pages.security import CoordinatorPost, CoordinatorView, PageDenied
from services.commands import CancelRequest, EditRequest, execute
from services.domain import Conflict, NotFound
from services.ports import StoredRequest
from services.store import webhooks
from services.store.request_rows import SqlRequests
from services.store.uow import SqlUnitOfWork

router = APIRouter(prefix="/c", include_in_schema=False)
CHOOSE = "Choose the partner this request is for."


def _partners(conn: Any, club_id: str) -> list[tuple[str, str]]:
    return [(p["id"], p["name"]) for p in webhooks.partners_with_hooks(conn, club_id) if p["active"]]


def _on_behalf(partners: list[tuple[str, str]], chosen: str, created: int = 0) -> dict[str, Any]:
    return {
        "partners": partners,
        "chosen": chosen,
        "chosen_name": dict(partners).get(chosen, ""),
        "created": created,
    }


@router.get("/requests/new", response_class=HTMLResponse)
def new_request(
    request: Request, viewer: CoordinatorView, conn: ReadConn, partner_id: str = "", created: int = 0
) -> Response:
    on_behalf = _on_behalf(_partners(conn, viewer.who.club_id), partner_id, created)
    return partner._form(request, viewer, {"priority": "3", "headcount": "1"}, {}, on_behalf=on_behalf)


@router.post("/requests/new", response_class=HTMLResponse)
async def submit_request(request: Request, viewer: CoordinatorPost, engine: EngineDep) -> Response:
    chosen = str((await request.form()).get("partner_id", ""))
    with engine.connect() as conn:
        partners = _partners(conn, viewer.who.club_id)
    on_behalf = _on_behalf(partners, chosen)
    if chosen not in dict(partners):
        values = {f: str((await request.form()).get(f, "")) for f in partner.FIELDS}
        return partner._form(request, viewer, values, {"partner_id": CHOOSE}, 422, on_behalf=on_behalf)
    stored = await partner.take_request(
        request, viewer, engine, chosen, None, on_behalf, viewer.who.subject_id
    )
    if isinstance(stored, Response):
        return stored
    return RedirectResponse(f"/c/requests/new?partner_id={chosen}&created={len(stored)}", status_code=303)


def _editing(found: StoredRequest) -> partner.Editing:
    return partner.Editing(f"/c/requests/{found.id}/edit", found.series_id is not None, "/c/")


def _for_partner(conn: Any, club_id: str, found: StoredRequest) -> dict[str, Any]:
    """The coordinator's pages around the form; the partner is fixed (the request is theirs)."""
    return _on_behalf(_partners(conn, club_id), found.partner_id)


@router.get("/requests/{request_id}/edit", response_class=HTMLResponse)
def edit_form(request: Request, request_id: str, viewer: CoordinatorView, conn: ReadConn) -> Response:
    found = partner.stored_request(conn, viewer, request_id, None)
    on_behalf = _for_partner(conn, viewer.who.club_id, found)
    return partner.edit_page(request, viewer, found, _editing(found), on_behalf)


@router.post("/requests/{request_id}/edit", response_class=HTMLResponse)
async def edit(request: Request, request_id: str, viewer: CoordinatorPost, engine: EngineDep) -> Response:
    with engine.connect() as conn:
        found = partner.stored_request(conn, viewer, request_id, None)
        on_behalf = _for_partner(conn, viewer.who.club_id, found)
    taken = await partner.read_form(request, viewer, on_behalf, _editing(found))
    if isinstance(taken, Response):
        return taken
    command = EditRequest(
        viewer.who.club_id, request_id, taken.bodies[0].stored(), taken.scope, edited_by=viewer.who.subject_id
    )
    done = await partner.run_command(engine, command, taken)
    if isinstance(done, Response):
        return done
    return RedirectResponse(f"/c/?done={'edited' if done else 'same'}", status_code=303)


def _cancel_page(
    request: Request, viewer: Any, conn: Any, found: StoredRequest, status_code: int = 200, error: str = ""
) -> Response:
    now = datetime.now(UTC)
    later = (
        [
            r
            for r in SqlRequests(conn).series(viewer.who.club_id, found.series_id)
            if r.status == "open" and r.starts_at > now
        ]
        if found.series_id
        else [found]
    )
    context = {
        "v": viewer,
        "r": found,
        "partner_name": dict(_partners(conn, viewer.who.club_id)).get(found.partner_id, ""),
        "series_left": len(later),
        "scopes": partner.SCOPES,
        "error": error,
    }
    return page(request, "coord_cancel.html", context, status_code)


@router.get("/requests/{request_id}/cancel", response_class=HTMLResponse)
def cancel_form(request: Request, request_id: str, viewer: CoordinatorView, conn: ReadConn) -> Response:
    """The "Are you sure?" step: who is told, and for a series which dates."""
    return _cancel_page(request, viewer, conn, partner.stored_request(conn, viewer, request_id, None))


@router.post("/requests/{request_id}/cancel", response_class=HTMLResponse)
async def cancel(request: Request, request_id: str, viewer: CoordinatorPost, engine: EngineDep) -> Response:
    form = await request.form()
    with engine.connect() as conn:
        found = partner.stored_request(conn, viewer, request_id, None)
        if form.get("confirm") != "1":
            return _cancel_page(request, viewer, conn, found)
    scope = partner.scope_of(form)
    command = CancelRequest(viewer.who.club_id, request_id, scope, cancelled_by=viewer.who.subject_id)
    try:
        await run_in_threadpool(execute, SqlUnitOfWork(engine), command)
    except NotFound as exc:
        raise PageDenied(404, "No such request.") from exc
    except Conflict as refused:
        with engine.connect() as conn:
            return _cancel_page(request, viewer, conn, found, 409, str(refused))
    return RedirectResponse("/c/?done=cancelled", status_code=303)
