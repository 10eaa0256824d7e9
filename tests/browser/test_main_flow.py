"""The product as people use it, in a real browser against a real `mechanic up`: a coordinator sets up
the club, a partner asks for help, a member says when they are free, the scheduler proposes, the
coordinator approves, the member accepts and the partner sees the request filled."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.e2e_support import Embedded, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PASSWORD = "a long enough password"
PHONE = {"width": 360, "height": 740}


def shot(page: Any, artifacts: Path, name: str) -> None:
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)


def coordinator_sets_up(page: Any, server: Embedded) -> tuple[str, str]:
    page.goto(f"{server.url}/c/claim/{server.coordinator_token}")
    page.get_by_label("Your name").fill("Cai Jones")
    page.get_by_label("Email").fill("cai@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    page.get_by_label("Email").fill("cai@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Roster").wait_for()
    links = []
    for where, fields in (
        ("partners", {"Organisation": "Tenants Union"}),
        (
            "members",
            {"Name": "Nia Hughes", "Home area": "Riverside", "Latitude": "51.48", "Longitude": "-3.18"},
        ),
    ):
        page.goto(f"{server.url}/c/{where}")
        page.get_by_text("Invite a").click()
        for label, value in fields.items():
            if label == "Latitude":
                page.get_by_text("Advanced: coordinates").click()
            page.get_by_label(label, exact=True).fill(value)
        page.get_by_role("button", name="Invite", exact=True).click()
        links.append(page.get_by_label("Link", exact=True).input_value())
    return links[0], links[1]


def partner_asks_for_help(page: Any, link: str, day: str, artifacts: Path) -> None:
    page.goto(link)
    page.get_by_role("link", name="Ask for help").click()
    page.get_by_role("button", name="Send the request").click()
    assert page.get_by_role("alert").is_visible(), "errors are summarised when the form is empty"
    page.get_by_label("Kind of help").select_option("leafleting")
    page.get_by_label("What is needed").fill("Leafleting the estate")
    page.get_by_label("How many people").fill("1")
    page.get_by_label("Priority").select_option("4")
    page.get_by_label("Place", exact=True).fill("Riverside Community Centre")
    where = page.locator(".place[data-prefix='']")  # the request's place, not a lift's pickup rows
    where.get_by_text("Advanced: coordinates").click()
    where.get_by_label("Latitude").fill("51.481")
    where.get_by_label("Longitude").fill("-3.179")
    page.get_by_label("Date").fill(day)
    page.get_by_label("From").fill("10:00")
    page.get_by_label("To", exact=True).fill("12:00")
    shot(page, artifacts, "partner-request-form")
    page.get_by_role("button", name="Send the request").click()
    page.get_by_text("Thank you: your request was received").wait_for()


def member_declares_availability(page: Any, link: str) -> None:
    page.goto(link)
    page.get_by_role("link", name="When I can help", exact=True).click()
    for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"):
        page.get_by_label(f"{day} period 1 from").fill("06:00")
        page.get_by_label(f"{day} period 1 to").fill("23:00")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Saved.").wait_for()


def coordinator_approves(page: Any, server: Embedded, artifacts: Path) -> None:
    """Approve the first proposal that staffs the request; a proposal superseded while we looked is
    refused by the server (the page says so), and we approve the newer one."""

    def approved() -> bool:
        page.goto(f"{server.url}/c/")
        staffed = page.locator(".req", has_text="Leafleting the estate").locator(
            ".slots li", has_text="Nia Hughes"
        )
        if staffed.count() == 0:
            return False
        shot(page, artifacts, "coordinator-board")
        page.get_by_role("button", name="Approve", exact=True).first.click()
        page.get_by_role("heading", name="Approve this roster?").wait_for()
        shot(page, artifacts, "coordinator-approve-confirm")
        page.get_by_role("button", name="Yes, approve").click()
        page.wait_for_load_state()
        return page.get_by_text("Approved: members are being told.").count() > 0

    wait_for("an approved proposal", approved, timeout_s=60, every_s=0.5)


def test_request_availability_approval_and_acceptance(
    browser: Any, server: Embedded, artifacts: Path
) -> None:
    tz = ZoneInfo("Europe/London")
    day = (datetime.now(tz) + timedelta(days=1)).date().isoformat()
    coordinator = browser.new_page()
    partner_link, member_link = coordinator_sets_up(coordinator, server)
    partner = browser.new_page(viewport=PHONE)
    partner_asks_for_help(partner, partner_link, day, artifacts)
    member = browser.new_page(viewport=PHONE)
    member_declares_availability(member, member_link)
    coordinator_approves(coordinator, server, artifacts)

    def offered() -> bool:
        member.goto(member_link)
        return member.get_by_role("button", name="Accept").count() > 0

    wait_for("the assignment on the member's week", offered, timeout_s=30, every_s=0.3)
    shot(member, artifacts, "member-week")
    member.get_by_role("button", name="Accept").click()
    member.get_by_text("Thank you: you are going.").wait_for()
    member.get_by_role("button", name="Cancel my place").click()
    member.get_by_role("heading", name="Cancel your place?").wait_for()
    shot(member, artifacts, "member-cancel-confirm")
    member.get_by_role("link", name="No, go back").click()
    member.get_by_text("You are going").wait_for()
    partner.goto(partner_link)
    assert partner.get_by_text("1 of 1 people assigned, 1 confirmed").is_visible()
    assert partner.get_by_text("Nia").count() == 0, "Nia did not choose to share her first name"
    shot(partner, artifacts, "partner-status")
