"""The club's coordinators: list them, invite one by email (the existing claim link), deactivate
another after a confirmation; change one's own password; read the audit trail."""

from __future__ import annotations

import hmac
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import ReadConn, WriteConn, run_in
from api.pages import cookies
from api.pages.confirm import confirmation
from api.pages.coord_auth import person_errors, public_base
from api.pages.render import page
from api.pages.security import SESSION_COOKIE, CoordinatorPost, CoordinatorView, PageDenied, Viewer
from services.commands import DeactivateCoordinator, InviteCoordinator
from services.domain import Conflict
from services.store import accounts, audit, views

router = APIRouter(prefix="/c", include_in_schema=False)
MESSAGES = {
    "deactivated": "Deactivated: their sessions have ended and their API keys no longer work.",
    "password": "Your password is changed; your other sessions have ended.",
}


def _coordinators_page(
    request: Request,
    viewer: Viewer,
    conn: Any,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    link: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    rows = accounts.club_coordinators(conn, viewer.who.club_id)
    context = {
        "v": viewer,
        "rows": rows,
        "active_count": sum(1 for r in rows if r["active"]),
        "values": values or {},
        "errors": errors or {},
        "link": link,
        "message": MESSAGES.get(request.query_params.get("done", ""), ""),
    }
    return page(request, "coord_coordinators.html", context, status_code)


@router.get("/coordinators", response_class=HTMLResponse)
def coordinators_page(request: Request, viewer: CoordinatorView, conn: ReadConn) -> Response:
    return _coordinators_page(request, viewer, conn)


@router.post("/coordinators", response_class=HTMLResponse)
async def invite(request: Request, viewer: CoordinatorPost, conn: WriteConn) -> Response:
    """A claim link for a new coordinator of this club, emailed to them (and shown once here)."""
    form = await request.form()
    values = {k: str(form.get(k, "")).strip() for k in ("name", "email")}
    errors = person_errors(values, "their")
    if errors:
        return _coordinators_page(request, viewer, conn, values, errors, status_code=422)
    who = viewer.who
    command = InviteCoordinator(
        who.club_id,
        values["name"],
        values["email"],
        who.subject_id,
        viewer.name,
        viewer.club_name,
        public_base(request),
    )
    try:
        claim = run_in(conn, command)
    except Conflict as exc:  # the address has an account already
        return _coordinators_page(request, viewer, conn, values, {"email": str(exc)}, status_code=422)
    link = {"email": values["email"].lower(), "url": claim.url, "days": claim.days}
    return _coordinators_page(request, viewer, conn, None, None, link, 201)


def _other(conn: Any, viewer: Viewer, coordinator_id: str) -> dict[str, Any]:
    found = next(
        (c for c in accounts.club_coordinators(conn, viewer.who.club_id) if c["id"] == coordinator_id), None
    )
    if found is None:
        raise PageDenied(404, "Not found.")
    return found


def _deactivate_confirmation(viewer: Viewer, found: dict[str, Any]) -> dict[str, Any]:
    return confirmation(
        viewer,
        f"Deactivate {found['name']}?",
        [
            f"{found['name']} is logged out at once, cannot log in again, and their API keys stop working.",
            "Their past approvals stay in the audit trail. To let them back in, invite them again.",
        ],
        f"/c/coordinators/{found['id']}/deactivate",
        f"Deactivate {found['name']}",
        "/c/coordinators",
        danger=True,
    )


@router.get("/coordinators/{coordinator_id}/deactivate", response_class=HTMLResponse)
def deactivate_form(
    request: Request, coordinator_id: str, viewer: CoordinatorView, conn: ReadConn
) -> Response:
    found = _other(conn, viewer, coordinator_id)
    return page(request, "confirm.html", _deactivate_confirmation(viewer, found))


@router.post("/coordinators/{coordinator_id}/deactivate", response_class=HTMLResponse)
async def deactivate(
    request: Request, coordinator_id: str, viewer: CoordinatorPost, conn: WriteConn
) -> Response:
    found = _other(conn, viewer, coordinator_id)
    if (await request.form()).get("confirm") != "1":
        return page(request, "confirm.html", _deactivate_confirmation(viewer, found))
    try:
        run_in(conn, DeactivateCoordinator(viewer.who.club_id, coordinator_id, by=viewer.who.subject_id))
    except Conflict as exc:
        raise PageDenied(409, str(exc)) from exc
    return RedirectResponse("/c/coordinators?done=deactivated", status_code=303)


def _account_page(
    request: Request, viewer: Viewer, conn: Any, errors: dict[str, str] | None = None, status_code: int = 200
) -> Response:
    me = _other(conn, viewer, viewer.who.subject_id)
    context = {
        "v": viewer,
        "email": me["email"],
        "errors": errors or {},
        "message": MESSAGES.get(request.query_params.get("done", ""), ""),
    }
    return page(request, "coord_account.html", context, status_code)


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request, viewer: CoordinatorView, conn: ReadConn) -> Response:
    return _account_page(request, viewer, conn)


@router.post("/account", response_class=HTMLResponse)
async def change_password(request: Request, viewer: CoordinatorPost, conn: WriteConn) -> Response:
    form = await request.form()
    current, new, again = (str(form.get(k, "")) for k in ("current", "new_password", "new_password2"))
    if not hmac.compare_digest(new, again):
        return _account_page(request, viewer, conn, {"new_password2": "The two passwords differ."}, 422)
    try:
        await run_in_threadpool(  # scrypt, twice: off the event loop, as sign-in is
            accounts.change_password,
            conn,
            viewer.who.subject_id,
            current,
            new,
            cookies.read(request, SESSION_COOKIE) or "",
        )
    except accounts.Refused as exc:
        field = "current" if "current" in str(exc) else "new_password"
        return _account_page(request, viewer, conn, {field: str(exc)}, 422)
    return RedirectResponse("/c/account?done=password", status_code=303)


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, viewer: CoordinatorView, conn: ReadConn) -> Response:
    context = {
        "v": viewer,
        "rows": audit.recent(conn, viewer.who.club_id),
        "shown": audit.SHOWN,
        "retention_days": views.club_policy(conn, viewer.who.club_id)["retention_days"],
    }
    return page(request, "coord_audit.html", context)
