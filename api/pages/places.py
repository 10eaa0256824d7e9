"""Place fields: a place or postcode typed, found through the geocoder, chosen from a list or on a
map; the coordinates are an advanced field. One helper reads every place field of every form, and
one macro (``place_field`` in macros.html) shows it; names carry a prefix so a form may repeat it.

Without JavaScript the field's "Find" button sends the form: the page comes back with what was typed
and the matches as radio buttons, and the one chosen is used when the form is sent again. Saving a
place with no coordinates looks it up, and takes it if exactly one place matches. With JavaScript
the same search runs through ``{base}/places?q=`` (any signed-in role) and a Leaflet map sets the pin.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from starlette.datastructures import FormData

from api.pages.forms import parse_float
from api.pages.security import CoordinatorView, MemberView, PartnerView
from services.geocode import Geocoder, GeocoderDown, Place
from services.geocode.service import MAX_QUERY
from services.settings import Settings

STATIC = Path(__file__).resolve().parent.parent / "static"
LEAFLET = STATIC / "vendor" / "leaflet" / "leaflet.js"
NO_PIN = "Find the place, or pick it on the map, so that people know where to go."
NO_PIN_NO_JS = "Find the place, or give its coordinates under “Advanced: coordinates”."


@dataclass(frozen=True)
class PlaceNames:
    """The form names of one place field: ``{prefix}{place}``, ``{prefix}lat``, ``{prefix}lon``, and
    its buttons. ``PlaceNames("pickup-0-")`` gives pickup-0-place_name, pickup-0-lat, ..."""

    prefix: str = ""
    place_key: str = "place_name"

    @property
    def place(self) -> str:
        return self.prefix + self.place_key

    @property
    def lat(self) -> str:
        return self.prefix + "lat"

    @property
    def lon(self) -> str:
        return self.prefix + "lon"

    @property
    def find(self) -> str:
        return self.prefix + "find"

    @property
    def pick(self) -> str:
        return self.prefix + "pick"


@dataclass
class Found:
    """What a search shows under its field: the matches to choose from, or why there are none."""

    query: str = ""
    places: list[Place] = field(default_factory=list)
    message: str = ""
    chosen: str = ""
    """The radio value ("lat,lon") already chosen, if any."""


@dataclass(frozen=True)
class MapConfig:
    """What the pages need to show maps and search: tiles, their attribution, where an empty map opens."""

    tiles: str
    attribution: str
    home: tuple[float, float, int]
    leaflet: bool
    search: bool

    @classmethod
    def from_settings(cls, settings: Settings, geocoder: Geocoder | None) -> MapConfig:
        return cls(
            settings.map_tiles_url,
            settings.map_attribution,
            settings.map_home,
            LEAFLET.exists(),
            geocoder is not None and geocoder.enabled,
        )


def tile_source(tiles_url: str) -> str:
    """The CSP source of a tile URL template: 'https://{s}.tile.example.org/{z}/...' gives
    'https://*.tile.example.org'."""
    parts = urlsplit(tiles_url)
    host = re.sub(r"\{[^}]*\}", "*", parts.netloc)
    return f"{parts.scheme}://{host}"


def pin_value(place: Place) -> str:
    return f"{place.lat:.6f},{place.lon:.6f}"


def _pick(raw: str) -> tuple[str, str] | None:
    lat, _, lon = raw.partition(",")
    a, b = parse_float(lat), parse_float(lon)
    if a is None or b is None or not (-90 <= a <= 90 and -180 <= b <= 180):
        return None
    return f"{a:.6f}", f"{b:.6f}"


def no_match(query: str) -> str:
    return f"No place matches “{query}”. Check the spelling, try a postcode, or pick it on the map."


async def search(geocoder: Geocoder, query: str) -> tuple[list[Place], str]:
    """The matches of ``query`` and, when there are none to show, why, in words."""
    try:
        places = await run_in_threadpool(geocoder.search, query)
    except GeocoderDown as exc:
        return [], f"{exc} Pick the place on the map, or give its coordinates under “Advanced: coordinates”."
    return places, "" if places else no_match(query)


async def take_place(
    form: FormData,
    names: PlaceNames,
    values: dict[str, str],
    geocoder: Geocoder,
    errors: dict[str, str],
) -> tuple[bool, Found | None]:
    """Read one place field of a sent form into ``values`` (the typed strings, which the caller has
    read already): a chosen match sets the coordinates. Returns (searched, found): ``searched`` when
    the person pressed this field's Find, so the form is shown again and nothing is saved; ``found``
    is what to show under the field. When the form is being saved and has a place but no coordinates,
    the place is looked up: one match is taken, several are shown to choose from, none is an error in
    ``errors`` (keyed by the place field)."""
    chosen = _pick(str(form.get(names.pick, "")))
    if chosen:
        values[names.lat], values[names.lon] = chosen
    query = values.get(names.place, "")
    if names.find in form:
        if not query:
            errors[names.place] = "Type a place or a postcode, then press Find."
            return True, None
        places, message = await search(geocoder, query[:MAX_QUERY])
        if len(places) == 1:
            values[names.lat], values[names.lon] = _pick(pin_value(places[0])) or ("", "")
        picked = ",".join(chosen) if chosen else (pin_value(places[0]) if len(places) == 1 else "")
        return True, Found(query, places, message, picked)
    if values.get(names.lat) or values.get(names.lon) or not query:
        return False, None
    if not geocoder.enabled:
        errors[names.place] = NO_PIN_NO_JS
        return False, None
    places, message = await search(geocoder, query[:MAX_QUERY])
    if len(places) == 1:
        values[names.lat], values[names.lon] = _pick(pin_value(places[0])) or ("", "")
        return False, None
    errors[names.place] = message or f"Several places match “{query}”: choose the one you mean."
    return False, Found(query, places, "")


def merge_errors(
    found: dict[str, str], place_errors: dict[str, str], names: PlaceNames, values: dict[str, str]
) -> dict[str, str]:
    """Validation errors and the place field's own. Coordinates left empty (they are in the advanced
    section) are not reported there: the place field says what to do instead."""
    merged = found | place_errors
    empty = [k for k in (names.lat, names.lon) if k in merged and not values.get(k)]
    if empty:
        for key in empty:
            del merged[key]
        merged.setdefault(names.place, NO_PIN)
    return merged


def search_answer(geocoder: Geocoder, q: str) -> JSONResponse:
    """The JSON answer of a place search: 200 with the places, or 503 saying the search is down."""
    try:
        places = geocoder.search(q)
    except GeocoderDown as exc:
        return JSONResponse({"detail": str(exc)}, status_code=503, headers={"Retry-After": "30"})
    return JSONResponse({"query": q, "places": [p.as_json() for p in places]})


router = APIRouter(include_in_schema=False)
Q = Query(min_length=1, max_length=MAX_QUERY, description="A place or a postcode.")


@router.get("/p/{token}/places")
def partner_search(request: Request, viewer: PartnerView, q: str = Q) -> JSONResponse:
    return search_answer(request.app.state.geocoder, q)


@router.get("/m/{token}/places")
def member_search(request: Request, viewer: MemberView, q: str = Q) -> JSONResponse:
    return search_answer(request.app.state.geocoder, q)


@router.get("/c/places")
def coordinator_search(request: Request, viewer: CoordinatorView, q: str = Q) -> JSONResponse:
    return search_answer(request.app.state.geocoder, q)


def geocoder_of(request: Request) -> Geocoder:
    found: Geocoder = request.app.state.geocoder
    return found
