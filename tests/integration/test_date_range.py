"""Dates at the ends of Python's range (years 1 and 9999) are a clear 422 in the API, never a 500
now or on a later page view (the forms: tests/pages/test_date_fields.py)."""

from __future__ import annotations

import pytest

from tests.integration.conftest import Club
from tests.integration.test_api import request_body

EDGES = [
    ("0001-01-01T00:00:00+00:00", "0001-01-01T01:00:00+00:00"),
    ("9999-12-31T22:00:00+00:00", "9999-12-31T23:00:00+00:00"),
]
MESSAGE = "give a date between 2000-01-01 and 2099-12-31"


@pytest.mark.parametrize(("starts_at", "ends_at"), EDGES)
def test_requests_and_windows_out_of_range_are_a_422(club: Club, starts_at: str, ends_at: str) -> None:
    partner = club.add_partner("Court support")
    _, member = club.add_member()
    made = club.client.post(
        "/api/partner/requests", json=request_body(starts_at=starts_at, ends_at=ends_at), headers=partner
    )
    window = club.client.put(
        "/api/member/availability",
        json={"windows": [{"starts_at": starts_at, "ends_at": ends_at}], "blackouts": [starts_at[:10]]},
        headers=member,
    )
    assert made.status_code == window.status_code == 422
    assert MESSAGE in made.json()["detail"][0]["msg"]
    assert {tuple(e["loc"][1:]) for e in window.json()["detail"]} == {
        ("windows", 0, "starts_at"),
        ("windows", 0, "ends_at"),
        ("blackouts", 0),
    }
    assert club.client.get("/api/partner/requests", headers=partner).json() == []
