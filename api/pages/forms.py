"""HTML form helpers: pydantic validation errors become one clear message per form field."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from api.schemas import EARLIEST, LATEST, in_range

GENERAL = "__all__"
DATES = f"a date from {EARLIEST:%Y} to {LATEST:%Y}, e.g. 2026-06-04"
SKILL_RE = re.compile(r"^[a-z][a-z0-9_]{0,47}$")


def field_errors(exc: ValidationError, fields: Iterable[str]) -> dict[str, str]:
    """Field-level errors go next to their field; a model-level error goes next to the first field
    its message names first (``ends_at must be after ...`` -> ends_at), else to the top of the form."""
    known = list(fields)
    out: dict[str, str] = {}
    for err in exc.errors():
        message = str(err["msg"]).removeprefix("Value error, ")
        loc = [str(p) for p in err["loc"]]
        target = loc[0] if loc and loc[0] in known else None
        if target is None:
            named = [f for f in known if f in message]
            target = min(named, key=message.find) if named else GENERAL
        out.setdefault(target, message)
    return out


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
