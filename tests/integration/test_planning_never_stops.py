"""Regression: ordinary actions around a pinned assignment once stopped all planning for a club.

A coordinator pins a member and approves; the member then takes that day off (or loses the skill
the job needs). Every re-solve used to fail from then on. Now the pin is released with its reason,
the slot goes to someone else, and later changes are still planned. Driven over HTTP against a
real `mechanic up` process.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e_support import (
    TZ,
    LiveClub,
    lift_request,
    live_club,
    proposal_covering,
    tomorrow_at,
    wait_for,
)


@pytest.fixture
def club(tmp_path: Path) -> Iterator[LiveClub]:
    with live_club(tmp_path, "Pins club") as live:
        yield live


def _approve_with_a_pin(
    http: httpx.Client, coordinator: dict[str, str], club: dict[str, Any]
) -> dict[str, Any]:
    proposed = wait_for("a first proposal", lambda: proposal_covering(http, coordinator, club["requests"]))
    pinned = proposed["entries"][0]
    answer = http.post(
        f"/api/coordinator/rosters/{proposed['id']}/approve",
        json={"pin": [{"request_id": pinned["request_id"], "slot_index": pinned["slot_index"]}]},
        headers=coordinator,
    )
    assert answer.status_code == 200, answer.text
    return http.get("/api/coordinator/rosters/approved", headers=coordinator).json() | {"pin": pinned}


def _planning_goes_on(
    http: httpx.Client,
    coordinator: dict[str, str],
    club: dict[str, Any],
    approved: dict[str, Any],
    reason: str,
) -> None:
    pin = approved["pin"]
    replanned = wait_for(
        "a proposal after the pinned member's change",
        lambda: proposal_covering(http, coordinator, club["requests"], newer_than=approved["created_at"]),
    )
    on_request = {e["member_id"] for e in replanned["entries"] if e["request_id"] == pin["request_id"]}
    assert pin["member_id"] not in on_request
    assert len(on_request) == 2, "the released slot goes to someone else"
    released = [(x["request_id"], x["member_id"], x["reason"]) for x in replanned["released"]]
    assert released == [(pin["request_id"], pin["member_id"], reason)]
    # And the next ordinary change is planned too: planning did not stop.
    more = http.post(
        "/api/partner/requests",
        headers=club["partner"],
        json=lift_request("Later lift", tomorrow_at(20), 1, 3),
    )
    assert more.status_code == 201, more.text
    wait_for(
        "a proposal holding the next request",
        lambda: proposal_covering(http, coordinator, [*club["requests"], more.json()["id"]]),
    )


def test_a_pinned_member_who_takes_the_day_off_is_released_and_planning_goes_on(club) -> None:
    http, coordinator, setup = club
    approved = _approve_with_a_pin(http, coordinator, setup)
    token = setup["members"][approved["pin"]["member_id"]]
    day_off = tomorrow_at(12).astimezone(TZ).date().isoformat()
    answer = http.put(
        "/api/member/availability",
        json={
            "weekly": [{"weekday": d, "start": "06:00", "end": "23:00"} for d in range(7)],
            "blackouts": [day_off],
        },
        headers=token,
    )
    assert answer.status_code == 200, answer.text
    _planning_goes_on(
        http, coordinator, setup, approved, "is not available then (their availability or a day off)"
    )


def test_a_pinned_driver_who_stops_driving_is_released_and_planning_goes_on(club) -> None:
    http, coordinator, setup = club
    approved = _approve_with_a_pin(http, coordinator, setup)
    token = setup["members"][approved["pin"]["member_id"]]
    me = http.get("/api/member/me", headers=token).json()
    fields = {k: me[k] for k in ("name", "home_lat", "home_lon", "max_hours_week")}
    answer = http.put("/api/member/me", json=fields | {"skills": [], "car_seats": 0}, headers=token)
    assert answer.status_code == 200, answer.text
    _planning_goes_on(http, coordinator, setup, approved, "does not have the driver skill")
