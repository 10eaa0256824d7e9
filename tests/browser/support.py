"""What the browser journeys set up the same way: Riverside Mutual Aid with Ana Morgan, a coordinator
who has a password; members free every day; the tenants' union as partner; its requests at an hour
of club time some days ahead; and Ana logging in."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from services.commands import CreateClub, SetUpCoordinator
from services.store import writes
from tests.commands_support import declare_availability, register, run_in
from tests.pages.support import MEMBER

TZ = ZoneInfo("Europe/London")
COORDINATOR = ("ana@example.org", "Ana Morgan")
"""The email and name Ana logs in with."""
EVERY_DAY = [(d, 0, 24 * 60) for d in range(7)]


def riverside(conn: Connection, password: str) -> str:
    """The journeys' club, whose first coordinator Ana has claimed her account with ``password``;
    the club's id."""
    club = run_in(conn, CreateClub("Riverside Mutual Aid"))
    run_in(conn, SetUpCoordinator(club.club_id, club.coordinator_id, *COORDINATOR, password))
    return str(club.club_id)


def free_member(
    conn: Connection, club_id: str, name: str, away: Iterable[date] = (), **values: Any
) -> tuple[str, str]:
    """A member free every day but the days ``away``; their id and private link token."""
    member_id, token = register(conn, club_id, MEMBER | {"name": name} | values)
    declare_availability(conn, club_id, member_id, EVERY_DAY, [], away)
    return member_id, token


def driver(conn: Connection, club_id: str, name: str, away: Iterable[date] = ()) -> tuple[str, str]:
    """A member with three seats free every day but the days ``away``."""
    return free_member(conn, club_id, name, away, skills=["driver"], car_seats=3)


def tenants_union(conn: Connection, club_id: str) -> tuple[str, str]:
    """The partner; its id and private link token."""
    return writes.add_partner(conn, club_id, "Riverside Tenants Union", None)


def request_on(day: date, hour: int, title: str, **values: Any) -> dict[str, Any]:
    """Two hours of leafleting for one from ``hour`` club time on ``day``; ``values`` change any field."""
    start = datetime(day.year, day.month, day.day, hour, tzinfo=TZ).astimezone(UTC)
    return {
        "kind": "leafleting",
        "title": title,
        "notes": "",
        "place_name": "Riverside",
        "lat": 51.476,
        "lon": -3.174,
        "starts_at": start,
        "ends_at": start + timedelta(hours=2),
        "headcount": 1,
        "skills": [],
        "lead_skills": [],
        "passengers": 0,
        "priority": 3,
    } | values


def days_ahead(days: int) -> date:
    return (datetime.now(TZ) + timedelta(days=days)).date()


def lift_on(day: date, title: str, drivers: int) -> dict[str, Any]:
    """A lift for one person to the tribunal at 10:00 club time, for as many ``drivers``."""
    return request_on(
        day,
        10,
        title,
        kind="lift",
        place_name="Cardiff Civil Justice Centre",
        headcount=drivers,
        skills=["driver"],
        passengers=1,
        priority=4,
    )


def fits(page: Any) -> None:
    """Nothing wider than the screen: no sideways scrolling on a phone."""
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= page.viewport_size["width"], f"{page.url} is {wide} px wide"


def log_in(page: Any, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/c/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/c/")
