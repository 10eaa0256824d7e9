"""Forced placements over the JSON API, against a real `mechanic up` process: a placement that breaks
a rule is refused with the rule (409), ``force: true`` keeps it as an exception that every later
proposal carries, and a forced pin that becomes impossible for another reason (a day off) is
released with that reason while planning goes on."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e_support import (
    TZ,
    LiveClub,
    bearer,
    live_club,
    proposal_covering,
    tomorrow_at,
    wait_for,
)


@pytest.fixture
def club(tmp_path: Path) -> Iterator[LiveClub]:
    with live_club(tmp_path, "Forced club") as live:
        yield live


def _walker(
    http: httpx.Client, coordinator: dict[str, str], skills: tuple[str, ...] = (), hours: str = "06:00"
) -> tuple[str, dict[str, str]]:
    """Sam, with ``skills``, free every day from ``hours`` to 23:00."""
    made = http.post(
        "/api/coordinator/members",
        headers=coordinator,
        json={
            "name": "Sam Jones",
            "skills": list(skills),
            "car_seats": 3,
            "home_lat": 51.48,
            "home_lon": -3.18,
            "max_hours_week": 20,
        },
    )
    assert made.status_code == 201, made.text
    token = bearer(made.json()["token"])
    http.put("/api/member/availability", json={"weekly": _every_day(hours)}, headers=token).raise_for_status()
    return made.json()["id"], token


def _every_day(start: str) -> list[dict[str, object]]:
    return [{"weekday": d, "start": start, "end": "23:00"} for d in range(7)]


def test_a_forced_placement_is_kept_until_a_day_off_releases_it(club) -> None:
    http, coordinator, setup = club
    sam, token = _walker(http, coordinator)
    first = wait_for("a first proposal", lambda: proposal_covering(http, coordinator, setup["requests"]))
    target = first["entries"][0]
    body = {"request_id": target["request_id"], "slot_index": target["slot_index"], "member_id": sam}
    place = f"/api/coordinator/rosters/{first['id']}/place"

    refused = http.post(place, json=body, headers=coordinator)
    assert refused.status_code == 409
    assert refused.json() | {"detail": ""} == {
        "detail": "",
        "breaks": "does not have the driver skill",
        "rules": ["skills"],
        "forceable": True,
    }
    forced = http.post(place, json=body | {"force": True}, headers=coordinator)
    assert forced.status_code == 204, forced.text

    kept = wait_for(
        "a proposal around the forced pin",
        lambda: proposal_covering(http, coordinator, setup["requests"], newer_than=first["created_at"]),
    )
    carried = [e for e in kept["entries"] if (e["request_id"], e["member_id"]) == (target["request_id"], sam)]
    assert [(e["waived"], e["despite"]) for e in carried] == [(["skills"], "does not have the driver skill")]
    assert all(e["waived"] == [] for e in kept["entries"] if e["member_id"] != sam)
    assert kept["released"] == []

    day_off = tomorrow_at(12).astimezone(TZ).date().isoformat()
    answer = http.put(
        "/api/member/availability",
        json={"weekly": _every_day("06:00"), "blackouts": [day_off]},
        headers=token,
    )
    assert answer.status_code == 200, answer.text
    after = wait_for(
        "a proposal after Sam's day off",
        lambda: proposal_covering(http, coordinator, setup["requests"], newer_than=kept["created_at"]),
    )
    released = [(x["request_id"], x["member_id"], x["reason"]) for x in after["released"]]
    assert released == [
        (target["request_id"], sam, "is not available then (their availability or a day off)")
    ]
    assert sam not in {e["member_id"] for e in after["entries"]}


def test_a_placement_forced_past_availability_is_released_when_the_member_then_takes_that_day_off(
    club,
) -> None:
    """The coordinator knew better than Sam's evenings-only hours, so the pin waives them; Sam then
    takes that very day off, which the coordinator could not have known: the pin goes, saying why."""
    http, coordinator, setup = club
    sam, token = _walker(http, coordinator, skills=("driver",), hours="20:00")
    first = wait_for("a first proposal", lambda: proposal_covering(http, coordinator, setup["requests"]))
    target = first["entries"][0]
    body = {"request_id": target["request_id"], "slot_index": target["slot_index"], "member_id": sam}
    place = f"/api/coordinator/rosters/{first['id']}/place"
    refused = http.post(place, json=body, headers=coordinator)
    assert refused.status_code == 409 and refused.json()["rules"] == ["availability"], refused.text
    assert http.post(place, json=body | {"force": True}, headers=coordinator).status_code == 204

    kept = wait_for(
        "a proposal around the forced pin",
        lambda: proposal_covering(http, coordinator, setup["requests"], newer_than=first["created_at"]),
    )
    carried = [e for e in kept["entries"] if (e["request_id"], e["member_id"]) == (target["request_id"], sam)]
    assert [e["waived"] for e in carried] == [["availability"]] and kept["released"] == []

    day_off = tomorrow_at(12).astimezone(TZ).date().isoformat()
    answer = http.put(
        "/api/member/availability",
        json={"weekly": _every_day("20:00"), "blackouts": [day_off]},
        headers=token,
    )
    assert answer.status_code == 200, answer.text
    after = wait_for(  # the re-plan after the day off (a background improvement may come first)
        "a proposal releasing Sam's pin",
        lambda: (
            found
            if (found := proposal_covering(http, coordinator, setup["requests"], kept["created_at"]))
            and found["released"]
            else None
        ),
    )
    released = [(x["request_id"], x["member_id"], x["reason"]) for x in after["released"]]
    assert released == [
        (target["request_id"], sam, "is not available then (their availability or a day off)")
    ]
    assert sam not in {e["member_id"] for e in after["entries"]}
