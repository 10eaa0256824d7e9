"""Dates at the ends of Python's range (years 1 and 9999) are an error next to the field, not a 500."""

from __future__ import annotations

import pytest

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
