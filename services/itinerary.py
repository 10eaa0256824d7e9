"""A driver's lift in plain text: the same words in a message, a calendar entry and a Signal note."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo


def map_link(lat: float, lon: float) -> str:
    """OpenStreetMap's own page for the place: opens anywhere, no app needed."""
    return f"https://www.openstreetmap.org/?mlat={lat:.5f}&mlon={lon:.5f}#map=17/{lat:.5f}/{lon:.5f}"


def geo_uri(lat: float, lon: float) -> str:
    """RFC 5870: phones open it in their map or navigation app."""
    return f"geo:{lat:.5f},{lon:.5f}"


def _contact(p: dict[str, Any]) -> str:
    who = " ".join(x for x in (p.get("contact_name"), p.get("contact_phone")) if x)
    return f" ({who})" if who else ""


def itinerary(
    route: dict[str, Any] | None,
    pickups: list[dict[str, Any]],
    destination: tuple[str, float, float],
    arrive_by: datetime,
    tz: str,
) -> list[str]:
    """Lines for the driver: when to leave, whom to collect where, when to arrive. Without a planned
    route (the plan is not approved yet, or the coordinator placed the driver by hand) the pickups
    are listed as the partner gave them."""
    zone = ZoneInfo(tz)

    def clock(at: datetime) -> str:
        return at.astimezone(zone).strftime("%H:%M")

    place, lat, lon = destination
    if route is None:
        lines = [f"Collect them and arrive at {place} by {clock(arrive_by)} ({map_link(lat, lon)}):"]
        lines += [
            f"- {p['people']} at {p['place_name']}{_contact(p)}: {map_link(p['lat'], p['lon'])}"
            for p in pickups
        ]
        return lines
    lines = [f"{clock(route['leave_at'])} leave home"]
    for stop in route["stops"]:
        p = stop["pickup"]
        if p is None:
            lines.append(f"{clock(stop['arrive_at'])} arrive at {place}: {map_link(lat, lon)}")
        else:
            lines.append(
                f"{clock(stop['arrive_at'])} collect {p['people']} at {p['place_name']}{_contact(p)}: "
                f"{map_link(p['lat'], p['lon'])}"
            )
    return lines
