"""Member forms: availability (weekly grid, one-off windows, days off) and profile (skills, limits,
preferences, how to be told). Each replaces what it covers in one transaction."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from api.deps import EngineDep, ReadConn, WriteConn, run_in
from api.pages import cookies, forms, places
from api.pages.member import SETUP_SEEN
from api.pages.render import local, page
from api.pages.security import MemberPost, MemberView, Viewer
from api.routes.member import member_values
from api.schemas import Kind, MemberFields, hhmm
from services.commands import DeclareAvailability, SetNoticePrefs, UpdateMember
from services.ports import Availability, NoticePrefs
from services.store import notices, views
from services.store.db import read_only

router = APIRouter(prefix="/m/{token}", include_in_schema=False)
ROWS_PER_DAY = 2
PROFILE_FIELDS = (
    "name",
    "email",
    "phone",
    "skills",
    "home_place",
    "home_lat",
    "home_lon",
    "max_hours_week",
    "car_seats",
    "max_travel_km",
)
HOME = places.PlaceNames("home_", "place")


def _weekly_rows(weekly: list[dict[str, int]]) -> list[list[tuple[str, str]]]:
    grid: list[list[tuple[str, str]]] = [[] for _ in range(7)]
    for w in weekly:
        grid[w["weekday"]].append((hhmm(w["start_minute"]), hhmm(w["end_minute"])))
    return [rows + [("", "")] * max(1, ROWS_PER_DAY - len(rows)) for rows in grid]


def in_setup(request: Request, form: FormData | None = None) -> bool:
    """Whether this form is a step of the first-visit setup (see member.week)."""
    return request.query_params.get("setup") == "1" or (form is not None and form.get("setup") == "1")


def _setup_seen(request: Request, response: Response) -> Response:
    if in_setup(request):
        cookies.put(response, request, SETUP_SEEN, "1", max_age=365 * 86400)
    return response


@router.get("/availability", response_class=HTMLResponse)
def availability_form(request: Request, viewer: MemberView, conn: ReadConn) -> Response:
    typed = {"kept_windows": None, "kept_days": None}
    return _setup_seen(request, _availability(request, viewer, conn, {}, None, typed))


def _availability(
    request: Request,
    viewer: Viewer,
    conn: Any,
    errors: dict[str, str],
    grid: list[list[tuple[str, str]]] | None,
    typed: dict[str, Any],
    status_code: int = 200,
    form: FormData | None = None,
) -> Response:
    """``typed`` holds what the member entered outside the weekly grid, so a refused save shows it
    all again: the fields and which saved times and days off were still ticked."""
    current = views.member_availability(conn, viewer.who.subject_id)
    today = local(datetime.now(UTC), viewer.tz).date()
    return page(
        request,
        "member_availability.html",
        {
            "v": viewer,
            "errors": errors,
            "grid": grid or _weekly_rows(current["weekly"]),
            "windows": [w for w in current["windows"] if w["ends_at"] > datetime.now(UTC)],
            "blackouts": [d for d in current["blackouts"] if d >= today],
            "typed": typed,
            "saved": request.query_params.get("saved") == "1",
            "setup": in_setup(request, form),
        },
        status_code,
    )


def parse_weekly(
    form: FormData, errors: dict[str, str]
) -> tuple[list[tuple[int, int, int]], list[list[tuple[str, str]]]]:
    weekly: list[tuple[int, int, int]] = []
    grid: list[list[tuple[str, str]]] = [[] for _ in range(7)]
    for key in sorted(k for k in form if forms.WEEKLY_KEY.match(k)):
        day, row = (int(x) for x in forms.WEEKLY_KEY.match(key).groups())  # type: ignore[union-attr]
        raw_from, raw_to = str(form.get(key, "")).strip(), str(form.get(f"w{day}_{row}_to", "")).strip()
        if day > 6:
            continue
        grid[day].append((raw_from, raw_to))
        if not raw_from and not raw_to:
            continue
        start, end = forms.to_minutes(raw_from), forms.to_minutes(raw_to)
        if start is None or end is None or end <= start:
            errors[key] = "Give a start and a later end, e.g. 18:00 to 21:00."
            continue
        weekly.append((day, start, end))
    return weekly, [[*rows, ("", "")] for rows in grid]


def _kept_windows(form: FormData, current: list[dict[str, datetime]]) -> list[tuple[datetime, datetime]]:
    keep = set(form.getlist("keep_window"))
    return [(w["starts_at"], w["ends_at"]) for w in current if w["starts_at"].isoformat() in keep]


def _new_window(form: FormData, tz: str, errors: dict[str, str]) -> tuple[datetime, datetime] | None:
    raw_day, raw_from, raw_to = (
        str(form.get(k, "")).strip() for k in ("window_day", "window_from", "window_to")
    )
    if not (raw_day or raw_from or raw_to):
        return None
    day, start, end = forms.parse_date(raw_day), forms.parse_time(raw_from), forms.parse_time(raw_to)
    if day is None or start is None or end is None or end <= start:
        errors["window_day"] = f"Give {forms.DATES}, a start and a later end for the extra time."
        return None
    return forms.at_local(day, start, tz).astimezone(UTC), forms.at_local(day, end, tz).astimezone(UTC)


def _days_off(form: FormData, errors: dict[str, str]) -> list[date]:
    days = [d for d in (forms.parse_date(str(x)) for x in form.getlist("keep_blackout")) if d]
    raw = str(form.get("blackout", "")).strip()
    if raw:
        day = forms.parse_date(raw)
        if day is None:
            errors["blackout"] = f"Give the date you cannot help: {forms.DATES}."
        else:
            days.append(day)
    return sorted(set(days))


@router.post("/availability", response_class=HTMLResponse)
async def save_availability(request: Request, viewer: MemberPost, conn: WriteConn) -> Response:
    form = await request.form()
    errors: dict[str, str] = {}
    weekly, grid = parse_weekly(form, errors)
    current = views.member_availability(conn, viewer.who.subject_id)
    windows = _kept_windows(form, current["windows"])
    added = _new_window(form, viewer.tz, errors)
    days_off = _days_off(form, errors)
    if errors:
        typed: dict[str, Any] = {
            k: str(form.get(k, "")) for k in ("window_day", "window_from", "window_to", "blackout")
        }
        typed |= {
            "kept_windows": set(form.getlist("keep_window")),
            "kept_days": set(form.getlist("keep_blackout")),
        }
        return _availability(request, viewer, conn, errors, grid, typed, 422, form)
    windows += [added] if added else []
    declared = Availability(tuple(weekly), tuple(windows), tuple(days_off))
    run_in(conn, DeclareAvailability(viewer.who.club_id, viewer.who.subject_id, declared))
    if in_setup(request, form):
        return RedirectResponse(f"{viewer.base}/profile?setup=1", status_code=303)
    return RedirectResponse(f"{viewer.base}/availability?saved=1", status_code=303)


@router.get("/profile", response_class=HTMLResponse)
def profile_form(request: Request, viewer: MemberView, conn: ReadConn) -> Response:
    profile = views.member_profile(conn, viewer.who.club_id, viewer.who.subject_id) or {}
    values = {k: "" if profile.get(k) is None else str(profile[k]) for k in PROFILE_FIELDS}
    values["skills"] = ", ".join(profile.get("skills", []))
    prefs = notices.prefs(conn, viewer.who.subject_id)
    return _setup_seen(request, _profile(request, viewer, profile, values, prefs, {}))


def _profile(
    request: Request,
    viewer: Viewer,
    profile: dict[str, Any],
    values: dict[str, str],
    prefs: dict[str, bool],
    errors: dict[str, str],
    status_code: int = 200,
    found: places.Found | None = None,
    form: FormData | None = None,
) -> Response:
    return page(
        request,
        "member_profile.html",
        {
            "v": viewer,
            "values": values,
            "errors": errors,
            "profile": profile,
            "prefs": prefs,
            "kinds": [k.value for k in Kind],
            "saved": request.query_params.get("saved") == "1",
            "found": found,
            "setup": in_setup(request, form),
        },
        status_code,
    )


@router.post("/profile", response_class=HTMLResponse)
async def save_profile(request: Request, viewer: MemberPost, engine: EngineDep) -> Response:
    """The home area is looked up before the write transaction begins (see partner.submit)."""
    form = await request.form()
    values = {k: str(form.get(k, "")).strip() for k in PROFILE_FIELDS}
    prefs = {k: form.get(f"notify_{k}") == "on" for k in ("email", "signal", "reminders")}
    place_errors: dict[str, str] = {}
    searched, found = await places.take_place(form, HOME, values, places.geocoder_of(request), place_errors)
    if searched:
        with read_only(engine).connect() as conn:
            profile = views.member_profile(conn, viewer.who.club_id, viewer.who.subject_id) or {}
        return _profile(request, viewer, profile, values, prefs, place_errors, 200, found, form)

    def save() -> Response:
        with engine.begin() as conn:
            return _save_profile(request, viewer, conn, form, values, prefs, place_errors, found)

    return await run_in_threadpool(save)


def _save_profile(
    request: Request,
    viewer: Viewer,
    conn: Any,
    form: FormData,
    values: dict[str, str],
    prefs: dict[str, bool],
    place_errors: dict[str, str],
    found: places.Found | None,
) -> Response:
    profile = views.member_profile(conn, viewer.who.club_id, viewer.who.subject_id) or {}
    skills = forms.split_list(values["skills"])
    try:
        body = MemberFields(
            name=values["name"],
            share_first_name=form.get("share_first_name") == "on",
            email=values["email"] or None,
            phone=values["phone"] or None,
            skills=skills,
            home_place=values["home_place"] or None,
            home_lat=forms.parse_float(values["home_lat"]),
            home_lon=forms.parse_float(values["home_lon"]),
            exact_home=form.get("exact_home") == "on",
            max_hours_week=forms.parse_int(values["max_hours_week"]),
            car_seats=forms.parse_int(values["car_seats"]),
            max_travel_km=forms.parse_int(values["max_travel_km"]),
            liked_kinds=[k for k in Kind if form.get(f"kind_{k.value}") == "like"],
            refused_kinds=[k for k in Kind if form.get(f"kind_{k.value}") == "refuse"],
            refused_partners=profile.get("refused_partners", []),
        )
    except ValidationError as exc:
        errors = places.merge_errors(forms.field_errors(exc, PROFILE_FIELDS), place_errors, HOME, values)
        return _profile(request, viewer, profile, values, prefs, errors, 422, found, form)
    if place_errors:
        return _profile(request, viewer, profile, values, prefs, place_errors, 422, found, form)
    run_in(conn, UpdateMember(viewer.who.club_id, viewer.who.subject_id, member_values(body)))
    run_in(conn, SetNoticePrefs(viewer.who.club_id, viewer.who.subject_id, NoticePrefs(**prefs)))
    if in_setup(request, form):
        return RedirectResponse(f"{viewer.base}/?setup=done", status_code=303)
    return RedirectResponse(f"{viewer.base}/profile?saved=1", status_code=303)
