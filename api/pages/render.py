"""Server-side rendering: one Jinja2 environment (autoescape on for everything), built on first use."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from api.pages.forms import WEEKDAYS, label
from api.schemas import hhmm
from services.itinerary import geo_uri, map_link
from services.text import first_name

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
PRIORITIES = {1: "Nice to have", 2: "Helpful", 3: "Important", 4: "Very important", 5: "Urgent"}


def waited(span: timedelta) -> str:
    """How long, in the unit a person would use: '40 min', '5 h', '2 days'."""
    minutes = int(span.total_seconds() // 60)
    if minutes < 90:
        return f"{max(minutes, 1)} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // (24 * 60)} days"


ANSWER_ORDER = (
    ("accepted", "accepted"),
    ("issued", "waiting"),
    ("declined", "declined"),
    ("no_show", "no-show"),
)


def answer_counts(counts: Mapping[str, int]) -> str:
    """'2 accepted · 1 waiting · 1 declined': members' answers at a glance."""
    return " · ".join(f"{counts[status]} {word}" for status, word in ANSWER_ORDER if counts.get(status))


def _kind(value: str) -> str:
    return value.replace("_", " ")


@lru_cache(maxsize=1)
def environment() -> Environment:
    """Autoescape is on for every template, whatever its name: all user text is escaped."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["hhmm"] = hhmm
    env.filters["kind"] = _kind
    env.filters["first_name"] = first_name
    env.globals["WEEKDAYS"] = WEEKDAYS
    env.globals["PRIORITIES"] = PRIORITIES
    env.globals["waited"] = waited
    env.globals["answer_counts"] = answer_counts
    env.globals["label"] = label
    env.globals["osm_link"] = map_link
    env.globals["clock"] = clock
    env.globals["local"] = local
    env.globals["geo_uri"] = geo_uri
    return env


def local(at: datetime, tz: str) -> datetime:
    """``at`` in the club's time zone. Total: a time at the very ends of the calendar (a row stored
    before dates were limited to 2000-2099) whose local time would fall outside years 1-9999 keeps
    its UTC clock time, so the page shows it instead of failing."""
    try:
        return at.astimezone(ZoneInfo(tz))
    except OverflowError:
        return at.replace(tzinfo=ZoneInfo(tz))


def when(start: datetime, end: datetime, tz: str) -> str:
    """'Thu 5 Jun, 18:00-20:00' in the club's time zone."""
    a, b = local(start, tz), local(end, tz)
    tail = b.strftime("%H:%M") if a.date() == b.date() else b.strftime("%a %-d %b %H:%M")
    return f"{a.strftime('%a %-d %b, %H:%M')}-{tail}"


def times(start: datetime, end: datetime, tz: str) -> str:
    return f"{local(start, tz).strftime('%H:%M')}-{local(end, tz).strftime('%H:%M')}"


def clock(at: datetime, tz: str) -> str:
    return local(at, tz).strftime("%H:%M")


def day_label(day: date) -> str:
    return day.strftime("%A %-d %B")


def page(request: Request, template: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    env = environment()
    place_map = getattr(request.app.state, "map_config", None)
    html = env.get_template(template).render(
        request=request, when=when, times=times, day_label=day_label, map=place_map, **context
    )
    return HTMLResponse(html, status_code=status_code)
