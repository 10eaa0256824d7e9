"""Requests a coordinator enters for a partner who phoned or wrote in: the partner's own form, with
the partner to choose; the request is theirs (their page shows it) and the audit trail says who
entered it. No partner quota: the coordinator is the club."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import EngineDep, ReadConn
from api.pages import partner
from api.pages.security import CoordinatorPost, CoordinatorView
from services.store import webhooks

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
