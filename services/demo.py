"""A realistic demo club: about 40 members, 6 partner organisations and a week of requests.

Deterministic for a seed, dated from the day it is loaded so the week ahead is always filled.
Everything goes through the same commands as the API, so the demo also exercises the events.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from services.commands import (
    CreateClub,
    DeclareAvailability,
    InviteMember,
    InvitePartner,
    SubmitRequest,
    execute,
)
from services.ports import Availability
from services.store.uow import JoinedUnitOfWork

CENTRE = (51.4816, -3.1791)  # Cardiff
TZ = "Europe/London"
FIRST = [
    "Aled",
    "Bethan",
    "Cerys",
    "Dafydd",
    "Eleri",
    "Ffion",
    "Gareth",
    "Huw",
    "Iolo",
    "Jamal",
    "Kasia",
    "Leila",
    "Mared",
    "Nia",
    "Owain",
    "Priya",
    "Rhys",
    "Sian",
    "Tomasz",
    "Ucha",
    "Vik",
    "Wyn",
    "Yusuf",
    "Zara",
]
LAST = [
    "Jones",
    "Evans",
    "Ahmed",
    "Nowak",
    "Hughes",
    "Khan",
    "Price",
    "Morgan",
    "Ali",
    "Davies",
    "Lewis",
    "Popescu",
]
PARTNERS = {
    "Cardiff Tenants Union": ["lift", "leafleting", "repair", "childcare"],
    "Grangetown Food Bank": ["cooking", "lift", "repair"],
    "South Wales Anti-Raids": ["lookout", "court_support", "translation"],
    "Cardiff Court Support": ["court_support", "lift"],
    "Climate Justice Cymru": ["water_distribution", "banner_painting", "leafleting"],
    "Refugee Welcome Cardiff": ["translation", "childcare", "cooking"],
}
SKILLS = {
    "driver": 0.35,
    "first_aid": 0.2,
    "cook": 0.2,
    "legal_observer": 0.15,
    "artist": 0.12,
    "court_support_trained": 0.2,
    "childcare_checked": 0.12,
    "carpentry": 0.1,
    "interpreter_arabic": 0.08,
    "interpreter_polish": 0.08,
    "interpreter_welsh": 0.15,
}
# kind -> (title, skills, lead skills, headcounts, hours, start hours, priority)
KINDS: dict[str, tuple[str, list[str], list[str], list[int], list[float], list[float], int]] = {
    "lift": ("Lift to the picket", ["driver"], [], [1, 2], [1, 1.5], [7, 8, 17, 18], 4),
    "cooking": ("Cook for the branch meeting", ["cook"], [], [1, 2], [2, 3], [15, 16], 2),
    "court_support": ("Court support", [], ["court_support_trained"], [2, 3], [3, 4], [9, 9.5], 5),
    "lookout": ("Lookout", [], ["legal_observer"], [2, 3], [1, 2], [6, 7, 18], 5),
    "translation": (
        "Interpreter for a housing meeting",
        ["interpreter_arabic"],
        [],
        [1],
        [1.5, 2],
        [10, 14],
        4,
    ),
    "childcare": ("Creche during the meeting", ["childcare_checked"], [], [1, 2], [2], [18], 3),
    "water_distribution": ("Water at the march", [], ["first_aid"], [2, 3, 4], [2, 3], [11, 12], 3),
    "banner_painting": ("Banner painting", [], ["artist"], [2, 3], [2, 3], [11, 18], 1),
    "leafleting": ("Leafleting the estate", [], [], [2, 3, 4], [1.5, 2], [10, 11, 17], 2),
    "repair": ("Fix a tenant's door", ["carpentry"], [], [1], [2], [10, 14], 3),
}


@dataclass(frozen=True)
class DemoClub:
    club_id: str
    coordinator_token: str
    partner_tokens: dict[str, str]
    member_tokens: dict[str, str]
    requests: int


NEIGHBOURHOODS = {
    "Grangetown": (51.4676, -3.1891),
    "Splott": (51.4825, -3.1528),
    "Butetown": (51.4655, -3.1695),
    "Cathays": (51.4925, -3.1818),
    "Ely": (51.4807, -3.2464),
    "Llanrumney": (51.5196, -3.1264),
    "Roath": (51.4926, -3.1646),
    "Canton": (51.4825, -3.2050),
}
"""Where the demo's lifts collect people."""


def _pickups(rng: random.Random, first_names: list[str]) -> list[dict[str, Any]]:
    """One or two pickups of one to four people, with a first name and a phone from the range
    Ofcom keeps for drama (07700 900000-900999), so no real number is ever shown."""
    out = []
    for place in rng.sample(sorted(NEIGHBOURHOODS), rng.choice([1, 2])):
        lat, lon = NEIGHBOURHOODS[place]
        out.append(
            {
                "place_name": place,
                "lat": lat,
                "lon": lon,
                "people": rng.randint(1, 4),
                "contact_name": rng.choice(first_names),
                "contact_phone": f"07700 900{rng.randint(0, 999):03d}",
            }
        )
    return out


def _near(rng: random.Random, km: float) -> tuple[float, float]:
    return (
        round(CENTRE[0] + rng.uniform(-km, km) / 111.0, 5),
        round(CENTRE[1] + rng.uniform(-km, km) / 69.0, 5),
    )


def _member_values(rng: random.Random, i: int) -> dict[str, Any]:
    lat, lon = _near(rng, 8)
    name = f"{FIRST[i % len(FIRST)]} {LAST[(i + i // len(FIRST)) % len(LAST)]}"
    if i >= len(FIRST) * len(LAST):  # names repeat past 288 members; tokens are keyed by name
        name += f" {i // (len(FIRST) * len(LAST)) + 1}"
    skills = sorted(s for s, p in SKILLS.items() if rng.random() < p)
    return {
        "name": name,
        "share_first_name": rng.random() < 0.5,
        "email": f"member{i:02d}@example.org",
        "phone": None,
        "skills": skills,
        "home_place": "Cardiff",
        "home_lat": lat,
        "home_lon": lon,
        "max_hours_week": rng.choice([4, 6, 8, 10, 12, 16]),
        "car_seats": rng.choice([1, 2, 3, 4]) if "driver" in skills else None,
        "max_travel_km": None,
        "liked_kinds": [],
        "refused_kinds": [],
        "refused_partners": [],
    }


def _weekly(rng: random.Random) -> list[tuple[int, int, int]]:
    out = []
    for day in rng.sample(range(7), rng.randint(3, 6)):
        start = rng.choice([6, 8, 9, 13, 17])
        out.append((day, start * 60, min(24, start + rng.choice([4, 5, 8, 10])) * 60))
    return sorted(out)


def load_demo(
    conn: Connection,
    seed: int = 7,
    members: int = 40,
    requests_per_day: int = 5,
    now: datetime | None = None,
    days: int = 7,
) -> DemoClub:
    rng = random.Random(seed)
    uow = JoinedUnitOfWork(conn)
    club = execute(uow, CreateClub("Cardiff Mutual Aid Mechanics", TZ))
    club_id, by = club.club_id, club.coordinator_id  # the trail names the first coordinator
    partner_ids: dict[str, str] = {}
    partner_tokens: dict[str, str] = {}
    for name in PARTNERS:
        partner_ids[name], partner_tokens[name] = execute(uow, InvitePartner(club_id, name, None, by))
    member_tokens: dict[str, str] = {}
    for i in range(members):
        values = _member_values(rng, i)
        made = execute(uow, InviteMember(club_id, values, by))
        member_tokens[values["name"]] = made.token
        declared = Availability(weekly=tuple(_weekly(rng)))
        execute(uow, DeclareAvailability(club_id, made.member_id, declared))
    tz = ZoneInfo(TZ)
    today = (now or datetime.now(UTC)).astimezone(tz).date()
    count = 0
    lifts = random.Random(seed + 1)  # its own stream: the rest of the demo stays as it was
    for offset in range(1, days + 1):
        day = today + timedelta(days=offset)
        for _ in range(requests_per_day):
            partner = rng.choice(sorted(PARTNERS))
            kind = rng.choice(PARTNERS[partner])
            title, skills, lead, heads, hours, starts, priority = KINDS[kind]
            start = datetime.combine(day, time(0), tz) + timedelta(hours=rng.choice(starts))
            end = start + timedelta(hours=rng.choice(hours))
            lat, lon = _near(rng, 5)
            stored = {
                "kind": kind,
                "title": title,
                "notes": "",
                "place_name": "Cardiff",
                "lat": lat,
                "lon": lon,
                "starts_at": start.astimezone(UTC),
                "ends_at": end.astimezone(UTC),
                "headcount": rng.choice(heads),
                "skills": skills,
                "lead_skills": lead,
                "passengers": rng.choice([1, 2, 3]) if kind == "lift" else 0,
                "priority": priority,
                "pickups": _pickups(lifts, FIRST) if kind == "lift" else [],
            }
            execute(uow, SubmitRequest(club_id, partner_ids[partner], [stored]))
            count += 1
    return DemoClub(club_id, club.claim_token, partner_tokens, member_tokens, count)
