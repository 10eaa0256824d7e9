"""Dates at the ends of Python's range (years 1 and 9999) are an error next to the field, not a 500;
and rows stored with such dates before they were refused still show on every page that lists them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from services.store.tables import clubs
from tests.commands_support import submit
from tests.pages.support import Site, csrf_of
from tests.pages.test_partner_pages import form


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_forms_show_the_range_next_to_the_date(site: Site, day: str) -> None:
    request = site.client.post(f"/p/{site.partner_token}/new", data=form(site, day=day))
    assert request.status_code == 422 and 'id="e-day"' in request.text and "from 2000 to 2099" in request.text
    _, token = site.add_member("Nia Hughes")
    page = site.client.get(f"/m/{token}/availability")
    saved = site.client.post(
        f"/m/{token}/availability",
        data={
            "csrf": csrf_of(page.text),
            "blackout": day,
            "window_day": day,
            "window_from": "10:00",
            "window_to": "11:00",
        },
    )
    assert saved.status_code == 422 and 'id="e-blackout"' in saved.text and 'id="e-window_day"' in saved.text


@pytest.mark.parametrize("zone", ["Europe/London", "Pacific/Kiritimati", "Pacific/Pago_Pago"])
def test_requests_stored_in_years_1_and_9999_still_show(site: Site, zone: str) -> None:
    """The club's zone moves the ends past Python's range (UTC+14 after 9999-12-31 23:00, UTC-11
    before 0001-01-01 11:00, London's old local mean time before 0001-01-01 00:01)."""
    with site.engine.begin() as conn:
        conn.execute(update(clubs).where(clubs.c.id == site.club_id).values(timezone=zone))
        made = [
            submit(
                conn,
                site.club_id,
                site.partner_id,
                {
                    "kind": "lift",
                    "title": f"Stored edge {start.year}",
                    "notes": "",
                    "place_name": "Depot",
                    "lat": 51.48,
                    "lon": -3.17,
                    "starts_at": start,
                    "ends_at": start + timedelta(minutes=59),
                    "headcount": 1,
                    "skills": [],
                    "lead_skills": [],
                    "passengers": 0,
                    "priority": 4,
                },
            )
            for start in (datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, 23, tzinfo=UTC))
        ]
    status = site.client.get(f"/p/{site.partner_token}/")
    assert status.status_code == 200 and "Stored edge 1" in status.text and "Stored edge 9999" in status.text
    for request_id in made:
        assert site.client.get(f"/p/{site.partner_token}/requests/{request_id}").status_code == 200
    api = site.client.get("/api/partner/requests", headers={"Authorization": f"Bearer {site.partner_token}"})
    assert api.status_code == 200 and {r["id"] for r in api.json()} == set(made)
    site.login()
    for path in ("/c/", "/c/report", "/c/map", "/c/audit"):
        assert site.client.get(path).status_code == 200, path
