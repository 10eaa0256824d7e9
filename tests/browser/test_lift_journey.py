"""A lift as its people live it, in Chromium against a real `mechanic up`: a partner asks for a lift
for people waiting at two pickups, the solver plans who drives whom in what order, the coordinator
approves, and the driver sees the pickups in order, with times, the passenger's phone and map links;
the partner sees the seats found and never who drives."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.browser.test_main_flow import (
    PHONE,
    coordinator_sets_up,
    member_declares_availability,
    shot,
)
from tests.e2e_support import Embedded, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.slow]
DESKTOP = {"width": 1280, "height": 800}
PICKUPS = (
    ("Grangetown Library", "51.4676", "-3.1891", "2", "Amina", "07700 900111"),
    ("Splott Market", "51.4825", "-3.1528", "1", "", ""),
)


def partner_asks_for_a_lift(page: Any, link: str, day: str, artifacts: Path) -> None:
    page.goto(link)
    page.get_by_role("link", name="Ask for help").click()
    page.get_by_label("Kind of help").select_option("lift")
    page.get_by_label("What is needed").fill("Lifts to the picket")
    page.get_by_label("Skills needed").fill("driver")
    page.get_by_label("Priority").select_option("4")
    page.get_by_label("Place", exact=True).fill("Picket at the depot")
    page.locator(".place[data-prefix='']").get_by_text("Advanced: coordinates").click()
    page.get_by_label("Latitude").first.fill("51.4900")
    page.get_by_label("Longitude").first.fill("-3.1700")
    page.get_by_role("button", name="Add a pickup").click()
    for i, (place, lat, lon, people, name, phone) in enumerate(PICKUPS):
        row = page.locator(".pickup").nth(i)
        row.get_by_label("Where").fill(place)
        row.get_by_text("Advanced: coordinates").click()
        row.get_by_label("Latitude").fill(lat)
        row.get_by_label("Longitude").fill(lon)
        row.get_by_label("People waiting here").fill(people)
        row.get_by_label("First name to ask for").fill(name)
        row.get_by_label("Their phone").fill(phone)
    page.get_by_label("Date").fill(day)
    page.get_by_label("From").fill("09:00")
    page.get_by_label("To", exact=True).fill("10:00")
    shot(page, artifacts, "lift-partner-form-phone")
    page.get_by_role("button", name="Send the request").last.click()
    page.get_by_text("Thank you: your request was received").wait_for()
    assert page.get_by_text("0 of 3 seats found").is_visible()


def member_drives(page: Any, link: str) -> None:
    page.goto(link)
    page.get_by_role("link", name="About me").click()
    page.get_by_label("Skills").fill("driver")
    page.get_by_label("Seats in my car for passengers").fill("4")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Saved.").wait_for()


def coordinator_approves_the_lift(page: Any, server: Embedded, artifacts: Path) -> None:
    def approved() -> bool:
        page.goto(f"{server.url}/c/")
        lift = page.locator(".req", has_text="Lifts to the picket")
        if lift.locator(".route").count() == 0:
            return False
        lift.get_by_text("Routes and pickups").click()
        shot(page, artifacts, "lift-coordinator-board-desktop")
        page.get_by_role("button", name="Approve", exact=True).first.click()
        page.get_by_role("button", name="Yes, approve").click()
        page.wait_for_load_state()
        return page.get_by_text("Approved: members are being told.").count() > 0

    wait_for("an approved proposal with a route", approved, timeout_s=90, every_s=0.5)


def test_a_lift_with_two_pickups_from_the_partners_form_to_the_drivers_route(
    browser: Any, server: Embedded, artifacts: Path
) -> None:
    tz = ZoneInfo("Europe/London")
    day = (datetime.now(tz) + timedelta(days=1)).date().isoformat()
    coordinator = browser.new_page(viewport=DESKTOP)
    partner_link, member_link = coordinator_sets_up(coordinator, server)
    driver = browser.new_page(viewport=PHONE)
    member_drives(driver, member_link)
    member_declares_availability(driver, member_link)
    partner = browser.new_page(viewport=PHONE)
    partner_asks_for_a_lift(partner, partner_link, day, artifacts)
    coordinator_approves_the_lift(coordinator, server, artifacts)

    card = driver.locator(".card", has_text="Lifts to the picket")

    def issued() -> bool:  # assignments are issued by the RosterApproved handler, after the answer
        driver.goto(member_link)
        return card.get_by_text("You drive").count() > 0

    wait_for("the lift on the driver's week", issued, timeout_s=30, every_s=0.3)
    steps = card.locator("ol.route li").all_inner_texts()
    assert steps[0].startswith("Leave home at"), steps
    collected = [s for s in steps if "collect" in s]
    assert len(collected) == 2 and all(("Grangetown" in s) != ("Splott" in s) for s in collected), steps
    assert "arrive at Picket at the depot" in steps[-1], steps
    assert "07700 900111" in card.inner_text(), "the passenger's phone is for their driver"
    links = card.locator("a", has_text="OpenStreetMap")
    assert links.count() == 3 and "openstreetmap.org/?mlat=" in (links.first.get_attribute("href") or "")
    assert card.locator("a[href^='geo:']").count() == 3
    shot(driver, artifacts, "lift-driver-route-phone")
    driver.set_viewport_size(DESKTOP)
    shot(driver, artifacts, "lift-driver-route-desktop")

    partner.goto(partner_link)
    status = partner.locator(".card", has_text="Lifts to the picket").inner_text()
    assert "3 of 3 seats found: everyone has a lift" in status, status
    assert "Nia" not in partner.content(), "the partner never learns who drives"
    shot(partner, artifacts, "lift-partner-status-phone")
