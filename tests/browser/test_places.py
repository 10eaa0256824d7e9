"""Places in a real browser against a real `mechanic up` and a stand-in geocoder (and tile server): a
partner finds a place, picks it and the request is stored there; a member moves their pin on the map;
the coordinator sees the week on a map; and the same search works without JavaScript. Screenshots at
phone and desktop sizes go to test-artifacts/browser/places-*.png."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import create_engine, select

from services.homes import coarse
from services.store.tables import members
from tests.browser.test_main_flow import coordinator_sets_up, shot
from tests.e2e_support import Embedded, bearer, embedded_process
from tests.geocode_stub import GeocoderStub, geocoder_stub

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture
def stub() -> Iterator[GeocoderStub]:
    with geocoder_stub() as running:
        yield running


@pytest.fixture
def server(tmp_path: Path, stub: GeocoderStub) -> Iterator[Embedded]:
    settings = {
        "MECHANIC_GEOCODER": "nominatim",
        "MECHANIC_GEOCODER_URL": stub.url,
        "MECHANIC_GEOCODER_MIN_INTERVAL_S": "0",
        "MECHANIC_MAP_TILES_URL": stub.tiles,
        "MECHANIC_MAP_HOME": "[51.46,-3.2,11]",
    }
    with embedded_process(tmp_path, "Riverside Mutual Aid", settings) as running:
        yield running


def watch_console(page: Any) -> list[str]:
    """Errors the page logs (a script error, a blocked resource, a CSP violation)."""
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    return errors


def fill_request(page: Any, day: str) -> None:
    page.get_by_label("Kind of help").select_option("leafleting")
    page.get_by_label("What is needed").fill("Leafleting the estate")
    page.get_by_label("How many people").fill("2")
    page.get_by_label("Priority").select_option("4")
    page.get_by_label("Date").fill(day)
    page.get_by_label("From").fill("10:00")
    page.get_by_label("To", exact=True).fill("12:00")


def test_a_partner_finds_a_place_picks_it_and_the_request_is_stored_there(
    browser: Any, server: Embedded, stub: GeocoderStub, artifacts: Path
) -> None:
    day = (datetime.now(ZoneInfo("Europe/London")) + timedelta(days=1)).date().isoformat()
    coordinator = browser.new_page(viewport=DESKTOP)
    partner_link, member_link = coordinator_sets_up(coordinator, server)
    partner_token = partner_link.rstrip("/").rsplit("/", 1)[1]

    page = browser.new_page(viewport=PHONE)
    errors = watch_console(page)
    page.goto(f"{partner_link}new")
    assert page.locator(".place[data-prefix=''] .map").is_visible(), "Leaflet is served from /static/vendor"
    fill_request(page, day)
    page.get_by_label("Place", exact=True).fill("High Street")
    page.get_by_role("button", name="Find place").click()
    page.get_by_text("Which place do you mean?").wait_for()
    assert page.locator(".matches input[type=radio]").count() == 3
    page.get_by_label("High Street, Penarth, Wales, United Kingdom").check()
    assert page.locator(".place[data-prefix=''] .leaflet-marker-icon").count() == 1, "the pin is on the map"
    assert page.get_by_text("On the map at 51.43800, -3.17400.").is_visible()
    shot(page, artifacts, "places-partner-found-phone")
    page.set_viewport_size(DESKTOP)
    shot(page, artifacts, "places-partner-found-desktop")
    penarth = page.get_by_label("High Street, Penarth, Wales, United Kingdom")
    page.locator(".place[data-prefix=''] .map").click(position={"x": 60, "y": 60})
    assert not penarth.is_checked(), "a pin set by hand replaces the chosen match"
    assert page.get_by_text("On the map at 51.43800, -3.17400.").count() == 0
    penarth.check()
    page.get_by_text("On the map at 51.43800, -3.17400.").wait_for()
    page.get_by_role("button", name="Send the request").click()
    page.get_by_text("Thank you: your request was received").wait_for()
    with httpx.Client(base_url=server.url, timeout=10) as http:
        stored = http.get("/api/partner/requests", headers=bearer(partner_token)).json()
    assert [(r["place_name"], r["lat"], r["lon"]) for r in stored] == [("High Street", 51.438, -3.174)]
    assert stub.searched() == ["high street"]
    assert stub.tile_referers == {f"{server.url}/"}, "tiles are asked for with our origin, not the link"
    assert errors == [], errors

    member = browser.new_page(viewport=DESKTOP)
    errors = watch_console(member)
    member.goto(f"{member_link}profile")
    marker = member.locator(".place .leaflet-marker-icon")
    marker.wait_for()
    member.get_by_text("Advanced: coordinates").click()
    start = (
        float(member.get_by_label("Latitude").input_value()),
        float(member.get_by_label("Longitude").input_value()),
    )
    member.get_by_text("Advanced: coordinates").click()
    marker.scroll_into_view_if_needed()
    box = marker.bounding_box()
    member.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] - 2)
    member.mouse.down()
    member.mouse.move(box["x"] + 80, box["y"] + 60, steps=8)
    member.mouse.up()
    member.get_by_text("Advanced: coordinates").click()
    lat, lon = member.get_by_label("Latitude").input_value(), member.get_by_label("Longitude").input_value()
    assert float(lat) < start[0] and float(lon) > start[1], (
        f"dragged south-east, from {start} to {lat}, {lon}"
    )
    shot(member, artifacts, "places-member-dragged-desktop")
    member.get_by_role("button", name="Save").click()
    member.get_by_text("Saved.").wait_for()
    engine = create_engine(f"sqlite:///{server.workdir}/mechanic.db")
    with engine.connect() as conn:  # the claimed coordinator link no longer opens the API
        homes = conn.execute(select(members.c.home_lat, members.c.home_lon)).all()
    engine.dispose()
    assert [tuple(h) for h in homes] == [coarse(float(lat), float(lon))], "kept to ~500 m without consent"
    assert errors == [], errors

    coordinator.goto(f"{server.url}/c/map")
    coordinator.locator(".week-map path.leaflet-interactive").first.wait_for()
    assert coordinator.get_by_text("0 of 2 filled").is_visible()
    shot(coordinator, artifacts, "places-coordinator-map-desktop")
    coordinator.set_viewport_size(PHONE)
    shot(coordinator, artifacts, "places-coordinator-map-phone")

    plain = browser.new_context(java_script_enabled=False, viewport=PHONE).new_page()
    plain.goto(f"{partner_link}new")
    assert not plain.locator(".place[data-prefix=''] .map").is_visible()
    fill_request(plain, day)
    plain.get_by_label("Place", exact=True).fill("CF11 6AG")
    plain.get_by_role("button", name="Find place").click()
    plain.get_by_text("Is this the place?").wait_for()
    assert plain.get_by_label("What is needed").input_value() == "Leafleting the estate", "kept"
    shot(plain, artifacts, "places-partner-no-js-phone")
    plain.get_by_role("button", name="Send the request").click()
    plain.get_by_text("Thank you: your request was received").wait_for()
    with httpx.Client(base_url=server.url, timeout=10) as http:
        stored = http.get("/api/partner/requests", headers=bearer(partner_token)).json()
    assert sorted((r["lat"], r["lon"]) for r in stored) == [(51.438, -3.174), (51.4779, -3.1869)]
