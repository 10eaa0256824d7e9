"""Partner pages, reached through the organisation's private link: submit, follow and cancel requests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from api.deps import EngineDep, Quota, ReadConn, WriteConn
from api.pages import forms, partner_states, pickups, places
from api.pages.render import page
from api.pages.security import PageDenied, PartnerPost, PartnerView
from api.schemas import Kind, RequestCreate
from services.domain import PartnerQuota
from services.store import audit, partner_status, views, writes
from services.store.db import Engine

router = APIRouter(prefix="/p/{token}", include_in_schema=False)
FIELDS = (  # in the order the form shows them, which is the order of its error summary
    "kind",
    "title",
    "headcount",
    "skills",
    "priority",
    "place_name",
    "lat",
    "lon",
    "day",
    "starts_at",
    "ends_at",
    "repeat_until",
    "notes",
    "contact_name",
    "contact_phone",
)
PLACE = places.PlaceNames()
MAX_REPEATS = 52
KIND_OPTIONS = [(k.value, k.value.replace("_", " ").capitalize()) for k in Kind]


@router.get("/", response_class=HTMLResponse)
def status_page(request: Request, viewer: PartnerView, conn: ReadConn) -> Response:
    rows = views.partner_requests(conn, viewer.who.club_id, viewer.who.subject_id)
    plans = partner_status.newest_plan(conn, viewer.who.club_id, [r["id"] for r in rows])
    horizon = request.app.state.settings.horizon_days
    current, history = partner_states.status_items(rows, plans, datetime.now(UTC), horizon, viewer.tz)
    context = {
        "v": viewer,
        "items": current,
        "history": history,
        "labels": partner_states.LABELS,
        "horizon": horizon,
        "created": request.query_params.get("created"),
    }
    return page(request, "partner_status.html", context)


@router.get("/new", response_class=HTMLResponse)
def new_form(request: Request, viewer: PartnerView) -> Response:
    return _form(request, viewer, {"priority": "3", "headcount": "1"}, {})


def _form(
    request: Request,
    viewer: Any,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
    found: places.Found | None = None,
    rows: pickups.Rows | None = None,
    on_behalf: dict[str, Any] | None = None,
) -> Response:
    """The request form; ``on_behalf`` (the club's partners, a notice) when a coordinator fills it in
    for a partner who phoned."""
    shown = rows or pickups.Rows(1, {})
    return page(
        request,
        "partner_form.html",
        {
            "v": viewer,
            "values": values | shown.values,
            "errors": errors,
            "kinds": KIND_OPTIONS,
            "found": found,
            "pickup_rows": shown.count,
            "pickup_found": shown.found,
            "on_behalf": on_behalf,
        },
        status_code,
    )


@router.post("/new", response_class=HTMLResponse)
async def submit(request: Request, viewer: PartnerPost, engine: EngineDep, quota: Quota) -> Response:
    stored = await take_request(request, viewer, engine, viewer.who.subject_id, quota)
    if isinstance(stored, Response):
        return stored
    target = (
        f"{viewer.base}/requests/{stored[0]}?created=1"
        if len(stored) == 1
        else f"{viewer.base}/?created={len(stored)}"
    )
    return RedirectResponse(target, status_code=303)


async def take_request(
    request: Request,
    viewer: Any,
    engine: Engine,
    partner_id: str,
    quota: PartnerQuota | None,
    on_behalf: dict[str, Any] | None = None,
    entered_by: str | None = None,
) -> list[str] | Response:
    """Read a sent request form: the ids stored, or the form again (a search, a new pickup row, the
    errors next to their fields). The place is looked up before the write transaction begins: a
    geocoder call may take seconds, and SQLite holds its write lock from BEGIN."""
    form = await request.form()
    values = {f: str(form.get(f, "")).strip() for f in FIELDS}
    place_errors: dict[str, str] = {}
    geocoder = places.geocoder_of(request)
    searched, found = await places.take_place(form, PLACE, values, geocoder, place_errors)
    rows = await pickups.read(form, geocoder)
    if searched or rows.shown_again:
        return _form(request, viewer, values, place_errors | rows.errors, 200, found, rows, on_behalf)
    bodies, errors = parse_request(values, viewer.tz, rows.pickups if values["kind"] == "lift" else [])
    errors = places.merge_errors(errors, place_errors, PLACE, values) | rows.errors
    errors = forms.in_form_order(
        errors | pickups.misplaced(rows, values["kind"]), [*FIELDS, *pickups.keys(rows.count)]
    )
    if errors:
        return _form(request, viewer, values, errors, 422, found, rows, on_behalf)
    try:
        return await run_in_threadpool(
            _store_all, engine, viewer.who.club_id, partner_id, bodies, quota, entered_by
        )
    except writes.Conflict as refused:
        return _form(request, viewer, values, {forms.GENERAL: str(refused)}, 409, found, rows, on_behalf)


def _store_all(
    engine: Engine,
    club_id: str,
    partner_id: str,
    bodies: list[RequestCreate],
    quota: PartnerQuota | None,
    entered_by: str | None,
) -> list[str]:
    """One transaction for all the dates of a request: a series over the quota stores none of them;
    a coordinator who entered it for the partner is on the audit trail, in the same transaction."""
    with engine.begin() as conn:
        ids = [writes.submit_request(conn, club_id, partner_id, body.stored(), quota) for body in bodies]
        if entered_by:
            for request_id in ids:
                audit.record(conn, club_id, entered_by, "request.create", "partner", partner_id, request_id)
        return ids


def parse_request(
    values: dict[str, str], tz: str, lift_pickups: list[dict[str, Any]] | None = None
) -> tuple[list[RequestCreate], dict[str, str]]:
    """The form's fields as one RequestCreate per date (a weekly repeat gives several), or every
    error at once next to its field; the same validation as the JSON API. An end earlier than the
    start is on the next day, so an overnight request (22:00 to 02:00) needs no second date."""
    errors: dict[str, str] = {}
    day = forms.parse_date(values["day"])
    start, end = forms.parse_time(values["starts_at"]), forms.parse_time(values["ends_at"])
    skills = forms.split_list(values["skills"])
    if day is None:
        errors["day"] = f"Enter {forms.DATES}."
    if start is None:
        errors["starts_at"] = "Enter a start time, e.g. 18:00."
    if end is None:
        errors["ends_at"] = "Enter an end time, e.g. 20:00."
    if forms.bad_skills(skills):
        errors["skills"] = (
            f"Skills are words separated by commas; not understood: {forms.bad_skills(skills)[0]}"
        )
    dates: list[date | None] = list(_dates(day, values["repeat_until"], errors)) if day else []
    bodies: list[RequestCreate] = []
    for when in dates or [None]:  # with no valid date, the other fields are still checked
        times: dict[str, Any] = {}
        if when and start and end:
            times["starts_at"] = forms.at_local(when, start, tz)
            times["ends_at"] = forms.at_local(when + timedelta(days=int(end < start)), end, tz)
        try:
            fields = _fields(values, skills) | times | {"pickups": lift_pickups or []}
            bodies.append(RequestCreate.model_validate(fields))
        except ValidationError as exc:
            found = forms.field_errors(exc, FIELDS)
            if not times:
                found = {k: v for k, v in found.items() if k not in ("starts_at", "ends_at")}
            return [], forms.in_form_order(found | errors, FIELDS)
    return (bodies, {}) if not errors else ([], errors)


def _fields(values: dict[str, str], skills: list[str]) -> dict[str, Any]:
    notes = values["notes"]
    contact = " ".join(p for p in (values["contact_name"], values["contact_phone"]) if p)
    if contact:
        notes = f"{notes}\nContact on the day: {contact}".strip()
    return {
        "kind": values["kind"] or None,
        "title": values["title"],
        "notes": notes,
        "place_name": values["place_name"],
        "lat": forms.parse_float(values["lat"]),
        "lon": forms.parse_float(values["lon"]),
        "headcount": forms.parse_int(values["headcount"]),
        "skills": skills,
        "priority": forms.parse_int(values["priority"]),
    }


def _dates(first: date, repeat_until: str, errors: dict[str, str]) -> list[date]:
    if not repeat_until:
        return [first]
    until = forms.parse_date(repeat_until)
    if until is None or until < first:
        errors["repeat_until"] = (
            f"Enter the last date of the weekly repeat ({forms.DATES}), on or after the first."
        )
        return []
    weeks = (until - first).days // 7 + 1
    if weeks > MAX_REPEATS:
        errors["repeat_until"] = f"A weekly repeat may cover at most {MAX_REPEATS} weeks."
        return []
    return [first + timedelta(weeks=i) for i in range(weeks)]


@router.get("/requests/{request_id}", response_class=HTMLResponse)
def detail(request: Request, request_id: str, viewer: PartnerView, conn: ReadConn) -> Response:
    found = views.partner_requests(conn, viewer.who.club_id, viewer.who.subject_id, request_id)
    if not found:
        raise PageDenied(404, "No such request.")
    return page(
        request,
        "partner_request.html",
        {"v": viewer, "r": found[0], "created": request.query_params.get("created") == "1"},
    )


@router.post("/requests/{request_id}/cancel")
async def cancel(request_id: str, viewer: PartnerPost, conn: WriteConn) -> Response:
    try:
        writes.cancel_request(conn, viewer.who.club_id, viewer.who.subject_id, request_id)
    except writes.NotFound as exc:
        raise PageDenied(404, "No such request.") from exc
    except writes.Conflict:
        pass  # already cancelled: the page shows it
    return RedirectResponse(f"{viewer.base}/requests/{request_id}", status_code=303)
