"""Changing requests in a real browser against a real `mechanic up`: a partner on a phone (390x844)
sends a weekly series, then changes the time of one date and the following ones; a coordinator on a
laptop (1280x800) changes the whole series from the board and cancels it after confirming; the
partner's page then shows the series in its history. Screenshots in test-artifacts/browser/edit-*."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.browser.support import fits
from tests.browser.test_main_flow import coordinator_sets_up
from tests.e2e_support import Embedded, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 800}
TITLE = "Community supper"


def shot(page: Any, artifacts: Path, name: str) -> None:
    page.screenshot(path=str(artifacts / f"edit-{name}.png"), full_page=True)


def partner_sends_a_series(page: Any, link: str, first: str, last: str) -> None:
    page.goto(link)
    page.get_by_role("link", name="Ask for help").click()
    page.get_by_label("Kind of help").select_option("cooking")
    page.get_by_label("What is needed").fill(TITLE)
    page.get_by_label("How many people").fill("2")
    page.get_by_label("Place", exact=True).fill("Grangetown Hub")
    where = page.locator(".place[data-prefix='']")
    where.get_by_text("Advanced: coordinates").click()
    where.get_by_label("Latitude").fill("51.47")
    where.get_by_label("Longitude").fill("-3.18")
    page.get_by_label("Date").fill(first)
    page.get_by_label("From").fill("18:00")
    page.get_by_label("To", exact=True).fill("20:00")
    page.get_by_label("Repeat every week until").fill(last)
    page.get_by_role("button", name="Send the request").click()
    page.get_by_text("3 requests").first.wait_for()


def partner_changes_the_following_dates(page: Any, artifacts: Path) -> None:
    page.get_by_text("Each week").first.click()  # a series is one item; its dates fold out
    page.locator(".series a").nth(1).click()  # the second date
    page.get_by_role("link", name="Change this request").wait_for()
    fits(page)
    shot(page, artifacts, "partner-request-phone")
    page.get_by_role("link", name="Change this request").click()
    page.get_by_role("heading", name="Change the request").wait_for()
    page.get_by_label("From").fill("17:30")
    page.get_by_label("To", exact=True).fill("19:30")
    page.get_by_label("This request is one of a weekly series. Change").select_option("following")
    fits(page)
    shot(page, artifacts, "partner-form-phone")
    page.get_by_role("button", name="Save the changes").last.click()
    page.get_by_text("Your changes are saved").wait_for()
    assert page.get_by_text("17:30").count() > 0
    fits(page)
    shot(page, artifacts, "partner-saved-phone")


def coordinator_changes_then_cancels_the_series(page: Any, server: Embedded, artifacts: Path) -> None:
    def on_board() -> bool:
        page.goto(f"{server.url}/c/")
        return page.get_by_role("link", name=f"Change {TITLE}").count() > 0

    wait_for("the request on the board", on_board, timeout_s=60, every_s=0.5)
    shot(page, artifacts, "coordinator-board-laptop")
    page.get_by_role("link", name=f"Change {TITLE}").first.click()
    page.get_by_role("heading", name="Change the request").wait_for()
    page.get_by_label("How many people").fill("1")
    page.get_by_label("This request is one of a weekly series. Change").select_option("all")
    shot(page, artifacts, "coordinator-form-laptop")
    page.get_by_role("button", name="Save the changes").last.click()
    page.get_by_text("The request is changed").wait_for()
    page.get_by_role("link", name=f"Cancel {TITLE}").first.click()
    page.get_by_role("heading", name=f"Cancel “{TITLE}”?").wait_for()
    page.get_by_label("This request is one of a weekly series").select_option("all")
    shot(page, artifacts, "coordinator-cancel-confirm-laptop")
    page.get_by_role("button", name="Yes, cancel").click()
    page.get_by_text("Cancelled: the partner sees it").wait_for()
    shot(page, artifacts, "coordinator-cancelled-laptop")


def test_a_partner_changes_a_series_on_a_phone_and_a_coordinator_changes_and_cancels_it(
    browser: Any, server: Embedded, artifacts: Path
) -> None:
    tz = ZoneInfo("Europe/London")
    first = (datetime.now(tz) + timedelta(days=1)).date()
    coordinator = browser.new_page(viewport=LAPTOP)
    partner_link, _ = coordinator_sets_up(coordinator, server)
    partner = browser.new_page(viewport=PHONE)
    partner_sends_a_series(partner, partner_link, first.isoformat(), (first + timedelta(weeks=2)).isoformat())
    partner_changes_the_following_dates(partner, artifacts)
    coordinator_changes_then_cancels_the_series(coordinator, server, artifacts)
    partner.goto(partner_link)
    partner.get_by_text("Cancelled").first.wait_for()
    fits(partner)
    shot(partner, artifacts, "partner-history-phone")
