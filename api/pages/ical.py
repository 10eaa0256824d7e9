"""The member's private iCalendar feed (RFC 5545): their live assignments, cancelled ones marked so."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from icalendar import Calendar, Event

from services.itinerary import itinerary

LIVE = {
    "issued": "TENTATIVE",
    "accepted": "CONFIRMED",
    "withdrawn": "CANCELLED",
    "declined": "CANCELLED",
    "no_show": "CANCELLED",
}


def calendar_bytes(rows: list[dict[str, Any]], club_name: str, tz: str) -> bytes:
    """One VEVENT per assignment; UIDs are stable so a calendar app updates rather than duplicates,
    and withdrawn or declined ones stay in the feed as CANCELLED so apps remove them."""
    cal = Calendar()
    cal.add("prodid", "-//Mechanic//volunteer roster//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"{club_name}: my assignments")
    stamp = datetime.now(UTC)
    for row in rows:
        event = Event()
        event.add("uid", f"{row['id']}@mechanic")
        event.add("dtstamp", stamp)
        route = row.get("route")
        event.add("dtstart", route["leave_at"] if route else row["starts_at"])
        event.add("dtend", row["ends_at"])
        event.add("summary", f"{row['title']} ({row['partner_name']})")
        event.add("location", row["place_name"])
        event.add("geo", (row["lat"], row["lon"]))
        event.add("status", LIVE.get(row["status"], "TENTATIVE"))
        lines = []
        if "pickups" in row:
            destination = (row["place_name"], row["lat"], row["lon"])
            lines += ["You drive:", *itinerary(route, row["pickups"], destination, row["starts_at"], tz), ""]
        if row["notes"]:
            lines.append(row["notes"])
        if lines:
            event.add("description", "\n".join(lines).strip())
        cal.add_component(event)
    return cal.to_ical()
