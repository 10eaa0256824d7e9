"""A coordinator's alerts: by email and/or Signal, immediate alerts on or off, a daily digest at a
chosen hour or none, quiet hours (club time). What is sent when: services/notify/alerts.py."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import ReadConn, WriteConn, run_in
from api.pages.render import page
from api.pages.security import CoordinatorPost, CoordinatorView, Viewer
from services.commands import SetAlertChoices
from services.domain import Invalid
from services.ports import AlertChoices
from services.store import alerts

router = APIRouter(prefix="/c", include_in_schema=False)
HOURS = [(str(h), f"{h:02d}:00") for h in range(24)]


def _form(choices: dict[str, Any]) -> dict[str, str]:
    def hour(value: int | None) -> str:
        return "" if value is None else str(value)

    return {
        "email": "1" if choices["email"] else "",
        "signal_number": choices["signal_number"] or "",
        "immediate": "1" if choices["immediate"] else "",
        "digest_hour": hour(choices["digest_hour"]),
        "quiet_start": hour(choices["quiet_start"]),
        "quiet_end": hour(choices["quiet_end"]),
        "unanswered_hours": str(choices["unanswered_hours"]),
    }


def _page(
    request: Request,
    viewer: Viewer,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "v": viewer,
        "values": values,
        "errors": errors or {},
        "hours": HOURS,
        "saved": request.query_params.get("done") == "saved",
    }
    return page(request, "coord_alerts.html", context, status_code)


@router.get("/alerts", response_class=HTMLResponse)
def alerts_page(request: Request, viewer: CoordinatorView, conn: ReadConn) -> Response:
    return _page(request, viewer, _form(alerts.choices(conn, viewer.who.subject_id)))


def parse(form: dict[str, str]) -> AlertChoices:
    """The choices the form's fields say; the command checks them. A field that is not a number
    becomes -1, which the command refuses as out of range, beside that field."""

    def number(name: str, empty: int | None) -> int | None:
        raw = form.get(name, "").strip()
        if not raw:
            return empty
        return int(raw) if raw.isdigit() else -1

    unanswered = number("unanswered_hours", -1)
    return AlertChoices(
        email=form.get("email") == "1",
        signal_number=re.sub(r"[ ()-]", "", form.get("signal_number", "")) or None,
        immediate=form.get("immediate") == "1",
        digest_hour=number("digest_hour", None),
        quiet_start=number("quiet_start", None),
        quiet_end=number("quiet_end", None),
        unanswered_hours=-1 if unanswered is None else unanswered,
    )


@router.post("/alerts", response_class=HTMLResponse)
async def save_alerts(request: Request, viewer: CoordinatorPost, conn: WriteConn) -> Response:
    form = {k: str(v) for k, v in (await request.form()).items()}
    try:
        run_in(conn, SetAlertChoices(viewer.who.club_id, viewer.who.subject_id, parse(form)))
    except Invalid as exc:
        values = {k: form.get(k, "") for k in _form(alerts.DEFAULTS)}
        return _page(request, viewer, values, exc.fields, 422)
    return RedirectResponse("/c/alerts?done=saved", status_code=303)
