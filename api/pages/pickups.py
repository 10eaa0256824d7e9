"""The pickup rows of the partner's lift form: where the people wait, how many, and whom the driver
may call. Each row is a place field (see places.py) with its own prefix, ``pickup-<i>-``; rows left
empty are ignored, and "Add a pickup" shows one more row (no JavaScript needed)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData

from api.pages import forms, places
from api.schemas import MAX_PICKUPS, PickupIn
from services.geocode import Geocoder

ROW_FIELDS = ("place_name", "lat", "lon", "people", "contact_name", "contact_phone")
ADD = "add_pickup"


def names(i: int) -> places.PlaceNames:
    return places.PlaceNames(f"pickup-{i}-")


def keys(count: int) -> list[str]:
    """The form names of ``count`` rows, in the order the form shows them."""
    return [f"pickup-{i}-{f}" for i in range(count) for f in ROW_FIELDS]


@dataclass
class Rows:
    """The pickup rows as sent: how many to show, what was typed, what a search found, what it means."""

    count: int
    values: dict[str, str]
    found: dict[int, places.Found] = field(default_factory=dict)
    pickups: list[dict[str, Any]] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    shown_again: bool = False
    """A Find or "Add a pickup" was pressed: show the form again and save nothing."""


def _count(form: FormData) -> int:
    raw = forms.parse_int(str(form.get("pickups", "1"))) or 1
    return max(1, min(MAX_PICKUPS, raw + (1 if ADD in form else 0)))


def _blank(values: dict[str, str], i: int) -> bool:
    return not any(values.get(f"pickup-{i}-{f}") for f in ROW_FIELDS)


async def read(form: FormData, geocoder: Geocoder) -> Rows:
    """Every row of the form: places looked up like any place field, each row checked on its own
    with the same rules as the JSON API, errors keyed by the row's field names."""
    count = _count(form)
    rows = Rows(count, {k: str(form.get(k, "")).strip() for k in keys(count)}, shown_again=ADD in form)
    for i in range(count):
        if _blank(rows.values, i):
            continue
        place_errors: dict[str, str] = {}
        searched, found = await places.take_place(form, names(i), rows.values, geocoder, place_errors)
        rows.shown_again |= searched
        if found:
            rows.found[i] = found
        row = {f: rows.values[f"pickup-{i}-{f}"] for f in ROW_FIELDS}
        typed: dict[str, Any] = {
            **row,
            "lat": forms.parse_float(row["lat"]),
            "lon": forms.parse_float(row["lon"]),
            "people": forms.parse_int(row["people"]),
            "contact_name": row["contact_name"] or None,
            "contact_phone": row["contact_phone"] or None,
        }
        invalid: dict[str, str] = {}
        try:
            rows.pickups.append(PickupIn.model_validate(typed).model_dump())
        except ValidationError as exc:
            invalid = {f"pickup-{i}-{k}": v for k, v in forms.field_errors(exc, ROW_FIELDS).items()}
        if invalid or place_errors:
            rows.errors |= places.merge_errors(invalid, place_errors, names(i), rows.values)
    return rows


def misplaced(rows: Rows, kind: str) -> dict[str, str]:
    """Pickups typed on a request that is not a lift: say so rather than drop them."""
    if kind == "lift" or not rows.pickups:
        return {}
    return {"pickup-0-place_name": "Pickups are for lifts: choose the kind “Lift”, or clear the pickups."}
