"""A coordinator's alerts: by email and/or Signal, immediate alerts on or off, a daily digest at a
chosen hour or none, quiet hours (club time). What is sent when: services/notify/alerts.py."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import ReadConn, WriteConn
from api.pages.render import page
from api.pages.security import CoordinatorPost, CoordinatorView, Viewer
from services.store import alerts

router = APIRouter(prefix="/c", include_in_schema=False)
SIGNAL_NUMBER = re.compile(r"\+[1-9][0-9]{6,14}")
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


def parse(form: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The choices from the form's fields, and an error per field that is wrong."""
    errors: dict[str, str] = {}

    def hour(name: str) -> int | None:
        raw = form.get(name, "").strip()
        if not raw:
            return None
        if not raw.isdigit() or int(raw) > 23:
            errors[name] = "Choose an hour from the list."
            return None
        return int(raw)

    number = re.sub(r"[ ()-]", "", form.get("signal_number", ""))
    if number and not SIGNAL_NUMBER.fullmatch(number):
        errors["signal_number"] = "Enter the number with its country code, like +44 7700 900123."
    unanswered = form.get("unanswered_hours", "").strip()
    if not unanswered.isdigit() or not 1 <= int(unanswered) <= 168:
        errors["unanswered_hours"] = "Enter a number of hours from 1 to 168."
    values = {
        "email": form.get("email") == "1",
        "signal_number": number or None,
        "immediate": form.get("immediate") == "1",
        "digest_hour": hour("digest_hour"),
        "quiet_start": hour("quiet_start"),
        "quiet_end": hour("quiet_end"),
        "unanswered_hours": int(unanswered) if unanswered.isdigit() else 24,
    }
    if (values["quiet_start"] is None) != (values["quiet_end"] is None) and not errors.get("quiet_end"):
        errors["quiet_end"] = "Choose both the start and the end of quiet hours, or neither."
    if not values["email"] and not values["signal_number"] and not errors.get("signal_number"):
        errors["email"] = "Choose email, or enter a Signal number: alerts need somewhere to go."
    return values, errors


@router.post("/alerts", response_class=HTMLResponse)
async def save_alerts(request: Request, viewer: CoordinatorPost, conn: WriteConn) -> Response:
    form = {k: str(v) for k, v in (await request.form()).items()}
    values, errors = parse(form)
    if errors:
        return _page(request, viewer, {k: form.get(k, "") for k in _form(alerts.DEFAULTS)}, errors, 422)
    alerts.set_choices(conn, viewer.who.subject_id, values)
    return RedirectResponse("/c/alerts?done=saved", status_code=303)
