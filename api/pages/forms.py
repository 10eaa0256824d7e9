"""HTML form helpers: pydantic validation errors become one clear message per form field."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from api.schemas import EARLIEST, LATEST, in_range

GENERAL = "__all__"
DATES = f"a date from {EARLIEST:%Y} to {LATEST:%Y}, e.g. 2026-06-04"
SKILL_RE = re.compile(r"^[a-z][a-z0-9_]{0,47}$")


# pydantic's error types in the words a partner or member would use; the API keeps pydantic's own
# wording, which names the JSON fields a developer sends. A type missing here shows pydantic's message.
PLAIN: dict[str, str] = {
    "missing": "Fill this in.",
    "string_too_short": "Fill this in.",
    "string_too_long": "Make this shorter: at most {max_length} characters.",
    "string_pattern_mismatch": "This is not in the expected form; see the example.",
    "too_long": "Give at most {max_length}.",
    "int_type": "Enter a whole number.",
    "int_parsing": "Enter a whole number.",
    "float_type": "Enter a number, e.g. 51.48.",
    "float_parsing": "Enter a number, e.g. 51.48.",
    "greater_than_equal": "Enter a number of at least {ge}.",
    "less_than_equal": "Enter a number of at most {le}.",
    "enum": "Choose one of the options.",
    "datetime_type": "Enter a date and a time.",
    "ends_before_start": "The end must be after the start.",
    "starts_in_past": "This is in the past: choose a date and time still to come.",
}
# Errors shown next to the field a person would change rather than the one the model checks: a
# start in the past is a date to change, the time of day being rarely the mistake.
ERROR_FIELD = {"starts_in_past": "day"}


# How the summary at the top of a form names a field; its link takes the reader to it.
LABELS = {
    "kind": "Kind of help",
    "title": "What is needed",
    "headcount": "How many people",
    "people": "People waiting here",
    "place_name": "Place",
    "lat": "Latitude",
    "lon": "Longitude",
    "home_lat": "Home latitude",
    "home_lon": "Home longitude",
    "home_place": "Home area",
    "day": "Date",
    "starts_at": "From",
    "ends_at": "To",
    "repeat_until": "Repeat until",
    "max_hours_week": "Hours a week",
    "car_seats": "Seats in my car",
    "max_travel_km": "How far I travel",
    "contact_email": "Contact email",
    "url": "Web address",
    "window_day": "Extra time",
    "blackout": "Day I cannot help",
    "password2": "Password again",
    "new_password": "New password",
    "new_password2": "New password again",
    "current": "Current password",
}
WEEKLY_KEY = re.compile(r"^w(\d)_(\d)_from$")
ROW_KEY = re.compile(r"^([a-z]+)-(\d+)-(.+)$")
"""A field of a repeated row, e.g. pickup-0-place_name (see api/pages/places.py, PlaceNames)."""
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def label(name: str) -> str:
    weekly = WEEKLY_KEY.match(name)
    if weekly:
        return f"{WEEKDAYS[int(weekly[1])]}, period {int(weekly[2]) + 1}"
    row = ROW_KEY.match(name)
    if row:
        return f"{row[1].capitalize()} {int(row[2]) + 1}: {label(row[3])}"
    return LABELS.get(name, name.replace("_", " ").capitalize())


def plain(err: Any) -> str:
    template = PLAIN.get(str(err["type"]))
    if template is None:
        return str(err["msg"]).removeprefix("Value error, ")
    return template.format(**err.get("ctx", {}))


def field_errors(exc: ValidationError, fields: Iterable[str]) -> dict[str, str]:
    """Every error at once, in plain words, next to its field: the field its type points at, else
    its own, else the first field a model-level message names, else the top of the form."""
    known = list(fields)
    out: dict[str, str] = {}
    for err in exc.errors():
        message = plain(err)
        loc = [str(p) for p in err["loc"]]
        target = ERROR_FIELD.get(str(err["type"])) or (loc[0] if loc else None)
        if target not in known:
            raw = str(err["msg"])
            named = [f for f in known if f in raw]
            target = min(named, key=raw.find) if named else GENERAL
        out.setdefault(target, message)
    return out


def in_form_order(errors: dict[str, str], fields: Iterable[str]) -> dict[str, str]:
    """The summary lists errors as the form shows its fields, top to bottom; general ones first."""
    order = {name: i for i, name in enumerate([GENERAL, *fields])}
    return dict(sorted(errors.items(), key=lambda item: order.get(item[0], len(order))))


def split_list(raw: str) -> list[str]:
    """'Driver, first aid' -> ['driver', 'first_aid']: people type words, the model wants slugs."""
    parts = (p.strip().lower().replace(" ", "_").replace("-", "_") for p in re.split(r"[,;\n]", raw))
    return sorted({p for p in parts if p})


def bad_skills(values: list[str]) -> list[str]:
    return [v for v in values if not SKILL_RE.match(v)]


def parse_date(raw: str) -> date | None:
    """The date typed, or None if it is not one or is outside the range the schemas accept."""
    try:
        return in_range(date.fromisoformat(raw.strip()))
    except ValueError:
        return None


def parse_time(raw: str) -> time | None:
    raw = raw.strip()
    if raw == "24:00":
        return time(23, 59, 59)
    try:
        return time.fromisoformat(raw)
    except ValueError:
        return None


def to_minutes(raw: str) -> int | None:
    raw = raw.strip()
    if raw == "24:00":
        return 1440
    parsed = parse_time(raw)
    return parsed.hour * 60 + parsed.minute if parsed else None


def at_local(day: date, at: time, tz: str) -> datetime:
    return datetime.combine(day, at, ZoneInfo(tz))


def parse_int(raw: str | None) -> int | None:
    try:
        return int(raw) if raw not in (None, "") else None
    except ValueError:
        return None


def parse_float(raw: str | None) -> float | None:
    try:
        return float(raw) if raw not in (None, "") else None
    except ValueError:
        return None
