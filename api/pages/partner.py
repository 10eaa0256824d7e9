"""Partner pages, reached through the organisation's private link: submit, follow, change and cancel
requests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from api.deps import EngineDep, Quota, ReadConn
from api.pages import forms, partner_states, pickups, places
from api.pages.render import local, page
from api.pages.security import PageDenied, PartnerPost, PartnerView
from api.schemas import Kind, RequestCreate
from services.commands import CancelRequest, Command, EditRequest, SubmitRequest, execute
from services.commands.requests import CANCELLED, ENDED, UNDER_WAY
from services.domain import PartnerQuota, SeriesScope
from services.ports import StoredRequest
from services.store import partner_status, views, writes
from services.store.db import Connection, Engine
from services.store.request_rows import SqlRequests
from services.store.uow import SqlUnitOfWork

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
SCOPES = [
    (SeriesScope.THIS.value, "Only this date"),
    (SeriesScope.FOLLOWING.value, "This date and the following ones"),
    (SeriesScope.ALL.value, "Every date of the series still to come"),
]
NOTICES = {
    "edited": "Your changes are saved. The people already asked are told what changed.",
    "same": "Nothing was different, so nothing changed.",
    "cancelled": "The request is cancelled. Anyone who was coming is told.",
}
KIND_OPTIONS = [(k.value, k.value.replace("_", " ").capitalize()) for k in Kind]


@router.get("/", response_class=HTMLResponse)
def status_page(request: Request, viewer: PartnerView, conn: ReadConn) -> Response:
    rows = views.partner_requests(conn, viewer.who.club_id, viewer.who.subject_id)
    plans = partner_status.newest_plan(conn, viewer.who.club_id, [r["id"] for r in rows])
    horizon = request.app.state.settings.horizon_days
    current, history = partner_states.status_items(rows, plans, datetime.now(UTC), horizon, viewer.tz)
    soon, later = partner_states.split_later(current)
    context = {
        "v": viewer,
        "items": soon,
        "later": later,
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
    edit: Editing | None = None,
) -> Response:
    """The request form; ``on_behalf`` (the club's partners, a notice) when a coordinator fills it in
    for a partner who phoned, ``edit`` when it changes a stored request."""
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
            "edit": edit,
            "scopes": SCOPES,
        },
        status_code,
    )


@dataclass(frozen=True)
class Editing:
    """The form changes a stored request: where it posts, and whether it is one of a series."""

    action: str
    series: bool
    back: str


@dataclass
class Taken:
    """A sent request form that reads right: one request per date, the scope of an edit, and the
    form again with other errors (the command's refusal)."""

    bodies: list[RequestCreate]
    scope: SeriesScope
    again: Callable[[dict[str, str], int], Response]


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


async def read_form(
    request: Request, viewer: Any, on_behalf: dict[str, Any] | None = None, edit: Editing | None = None
) -> Taken | Response:
    """Read a sent request form: what it asks for, or the form again (a search, a new pickup row,
    the errors next to their fields). The place is looked up before any write transaction begins: a
    geocoder call may take seconds, and SQLite holds its write lock from BEGIN."""
    form = await request.form()
    values = {f: str(form.get(f, "")).strip() for f in FIELDS}
    if edit:
        values["repeat_until"] = ""  # an edit keeps the dates it has
    place_errors: dict[str, str] = {}
    geocoder = places.geocoder_of(request)
    searched, found = await places.take_place(form, PLACE, values, geocoder, place_errors)
    rows = await pickups.read(form, geocoder)

    def again(errors: dict[str, str], status_code: int) -> Response:
        return _form(request, viewer, values, errors, status_code, found, rows, on_behalf, edit)

    if searched or rows.shown_again:
        return again(place_errors | rows.errors, 200)
    bodies, errors = parse_request(values, viewer.tz, rows.pickups if values["kind"] == "lift" else [])
    errors = places.merge_errors(errors, place_errors, PLACE, values) | rows.errors
    errors = forms.in_form_order(
        errors | pickups.misplaced(rows, values["kind"]), [*FIELDS, *pickups.keys(rows.count)]
    )
    if errors:
        return again(errors, 422)
    return Taken(bodies, scope_of(form), again)


def scope_of(form: FormData) -> SeriesScope:
    """The dates of a series the form asks for; this one when it does not say (or says nonsense)."""
    scope = str(form.get("scope", ""))
    return SeriesScope(scope) if scope in {s.value for s in SeriesScope} else SeriesScope.THIS


async def run_command(engine: Engine, command: Command, taken: Taken) -> Any:
    """Run the command off the event loop; a refusal shows the form again with it in words."""
    try:
        return await run_in_threadpool(execute, SqlUnitOfWork(engine), command)
    except writes.Conflict as refused:
        return taken.again({forms.GENERAL: str(refused)}, 409)


async def take_request(
    request: Request,
    viewer: Any,
    engine: Engine,
    partner_id: str,
    quota: PartnerQuota | None,
    on_behalf: dict[str, Any] | None = None,
    entered_by: str | None = None,
) -> list[str] | Response:
    """Store a sent request form (every date of a series in one transaction, so a series over the
    quota stores none): the ids stored, or the form again."""
    taken = await read_form(request, viewer, on_behalf)
    if isinstance(taken, Response):
        return taken
    dates = [body.stored() for body in taken.bodies]
    command = SubmitRequest(viewer.who.club_id, partner_id, dates, quota, entered_by)
    stored: list[str] | Response = await run_command(engine, command, taken)
    return stored


def edit_values(r: StoredRequest, tz: str) -> tuple[dict[str, str], pickups.Rows]:
    """A stored request as the form shows it."""
    f = r.fields
    start, end = local(r.starts_at, tz), local(r.ends_at, tz)
    values = {
        "kind": str(f["kind"]),
        "title": str(f["title"]),
        "headcount": str(f["headcount"]),
        "skills": ", ".join(map(str, f["skills"])),  # type: ignore[call-overload]
        "priority": str(f["priority"]),
        "place_name": str(f["place_name"]),
        "lat": str(f["lat"]),
        "lon": str(f["lon"]),
        "day": start.date().isoformat(),
        "starts_at": start.strftime("%H:%M"),
        "ends_at": end.strftime("%H:%M"),
        "notes": str(f["notes"]),
    }
    shown = {
        f"pickup-{i}-{name}": "" if p[name] is None else str(p[name])
        for i, p in enumerate(r.pickups)
        for name in pickups.ROW_FIELDS
    }
    return values, pickups.Rows(max(1, len(r.pickups)), shown)


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
    r = found[0]
    plans = partner_status.newest_plan(conn, viewer.who.club_id, [request_id])
    horizon = request.app.state.settings.horizon_days
    now = datetime.now(UTC)
    stored = SqlRequests(conn).get(viewer.who.club_id, request_id)
    context = {
        "v": viewer,
        "r": r | partner_states.state(r, plans.get(request_id, {}), now, horizon, viewer.tz),
        "labels": partner_states.LABELS,
        "horizon": horizon,
        "series": bool(stored and stored.series_id),
        "editable": r["status"] == "open" and r["starts_at"] > now,
        "scopes": SCOPES,
        "notice": NOTICES.get(request.query_params.get("done", "")),
        "created": request.query_params.get("created") == "1",
    }
    return page(request, "partner_request.html", context)


def stored_request(conn: Connection, viewer: Any, request_id: str, partner_id: str | None) -> StoredRequest:
    found = SqlRequests(conn).get(viewer.who.club_id, request_id)
    if found is None or (partner_id is not None and found.partner_id != partner_id):
        raise PageDenied(404, "No such request.")
    return found


def edit_page(
    request: Request, viewer: Any, found: StoredRequest, edit: Editing, on_behalf: dict[str, Any] | None
) -> Response:
    """The form filled in with the request as stored; a request that cannot change says why."""
    now = datetime.now(UTC)
    refusal = (
        CANCELLED
        if found.status == "cancelled"
        else ENDED
        if found.ends_at <= now
        else UNDER_WAY
        if found.starts_at <= now
        else None
    )
    if refusal:
        raise PageDenied(409, refusal)
    values, rows = edit_values(found, viewer.tz)
    return _form(request, viewer, values, {}, 200, None, rows, on_behalf, edit)


@router.get("/requests/{request_id}/edit", response_class=HTMLResponse)
def edit_form(request: Request, request_id: str, viewer: PartnerView, conn: ReadConn) -> Response:
    found = stored_request(conn, viewer, request_id, viewer.who.subject_id)
    return edit_page(request, viewer, found, _editing(viewer, found), None)


def _editing(viewer: Any, found: StoredRequest) -> Editing:
    back = f"{viewer.base}/requests/{found.id}"
    return Editing(f"{back}/edit", found.series_id is not None, back)


@router.post("/requests/{request_id}/edit", response_class=HTMLResponse)
async def edit(request: Request, request_id: str, viewer: PartnerPost, engine: EngineDep) -> Response:
    with engine.connect() as conn:
        found = stored_request(conn, viewer, request_id, viewer.who.subject_id)
    taken = await read_form(request, viewer, None, _editing(viewer, found))
    if isinstance(taken, Response):
        return taken
    command = EditRequest(
        viewer.who.club_id, request_id, taken.bodies[0].stored(), taken.scope, viewer.who.subject_id
    )
    done = await run_command(engine, command, taken)
    if isinstance(done, Response):
        return done
    return RedirectResponse(f"{viewer.base}/requests/{request_id}?done={'edited' if done else 'same'}", 303)


@router.post("/requests/{request_id}/cancel")
async def cancel(request: Request, request_id: str, viewer: PartnerPost, engine: EngineDep) -> Response:
    command = CancelRequest(
        viewer.who.club_id, request_id, scope_of(await request.form()), viewer.who.subject_id
    )
    try:
        await run_in_threadpool(execute, SqlUnitOfWork(engine), command)
    except writes.NotFound as exc:
        raise PageDenied(404, "No such request.") from exc
    except writes.Conflict as refused:
        raise PageDenied(409, str(refused)) from refused
    return RedirectResponse(f"{viewer.base}/requests/{request_id}?done=cancelled", status_code=303)
