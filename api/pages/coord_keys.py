"""Coordinators' API keys: named, expiring and revocable, for programs that use the JSON API. The
claim link stops working once an account exists, so a key is the only way in without a session."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import TypeAdapter, ValidationError

from api.deps import ReadConn, WriteConn, run_in
from api.pages.render import page
from api.pages.security import CoordinatorPost, CoordinatorView, PageDenied, Viewer
from api.schemas import Label
from services.commands import CreateApiKey, RevokeApiKey
from services.commands.access import MAX_KEY_DAYS, NewApiKey
from services.domain import NotFound
from services.store import tokens

router = APIRouter(prefix="/c/keys", include_in_schema=False)
LABEL: TypeAdapter[str] = TypeAdapter(Label)


def _page(request: Request, viewer: Viewer, conn: ReadConn | WriteConn, **extra: object) -> Response:
    keys = tokens.api_keys(conn, viewer.who.club_id, viewer.who.subject_id)
    context = {"v": viewer, "keys": keys, "new_key": None, "errors": {}, "values": {"days": "90"}} | extra
    return page(request, "coord_keys.html", context, 422 if extra.get("errors") else 200)


@router.get("", response_class=HTMLResponse)
def keys_page(request: Request, viewer: CoordinatorView, conn: ReadConn) -> Response:
    return _page(request, viewer, conn)


@router.post("", response_class=HTMLResponse)
async def create_key(request: Request, viewer: CoordinatorPost, conn: WriteConn) -> Response:
    form = await request.form()
    values = {"label": str(form.get("label", "")).strip(), "days": str(form.get("days", "")).strip()}
    errors = {}
    try:
        values["label"] = LABEL.validate_python(values["label"])
    except ValidationError:
        errors["label"] = "Name the key in plain text (at most 100 characters), e.g. after its program."
    if not values["days"].isdigit() or not 1 <= int(values["days"]) <= MAX_KEY_DAYS:
        errors["days"] = f"Enter a number of days from 1 to {MAX_KEY_DAYS}."
    if errors:
        return _page(request, viewer, conn, errors=errors, values=values)
    made: NewApiKey = run_in(
        conn, CreateApiKey(viewer.who.club_id, viewer.who.subject_id, values["label"], int(values["days"]))
    )
    new_key = {"label": values["label"], "key": made.key, "expires_at": made.expires_at}
    return _page(request, viewer, conn, new_key=new_key)


@router.post("/{key_id}/revoke")
def revoke_key(key_id: str, viewer: CoordinatorPost, conn: WriteConn) -> Response:
    try:
        run_in(conn, RevokeApiKey(viewer.who.club_id, viewer.who.subject_id, key_id))
    except NotFound as exc:
        raise PageDenied(404, "No such key.") from exc
    return RedirectResponse("/c/keys", status_code=303)
