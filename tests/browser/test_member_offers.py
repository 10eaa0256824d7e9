"""Offering to help in a real browser: a coordinator approves the week and lets members sign
themselves up for leafleting (on a laptop, 1280x800); a member on a phone (390x844) finds places
beyond the planning horizon, takes a leafleting place straight away and offers for a lookout, which
waits for the coordinator. Screenshots in test-artifacts/browser/."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest

from bench.pages_bench import mechanic_up, wait
from services.store.db import make_engine, upgrade
from tests.browser import support
from tests.browser.test_coordinator_accounts import SIZES
from tests.commands_support import submit

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PASSWORD = "member offers journey"


def _club(url: str) -> str:
    """Ana coordinates; Dai and Nia are free every day. Tomorrow's leafleting is planned; a
    leafleting and a lookout ten and twelve days ahead are beyond the 7-day horizon. Returns Nia's
    private link token."""
    upgrade(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        club_id = support.riverside(conn, PASSWORD)
        links = {name: support.free_member(conn, club_id, name)[1] for name in ("Dai Evans", "Nia Hughes")}
        partner_id, _ = support.tenants_union(conn, club_id)
        for title, kind, days in (
            ("Leafleting the estate", "leafleting", 1),
            ("Leafleting the market", "leafleting", 10),
            ("Lookout at the tribunal", "lookout", 12),
        ):
            day = support.days_ahead(days)
            submit(conn, club_id, partner_id, support.request_on(day, 11, title, kind=kind))
    engine.dispose()
    return links["Nia Hughes"]


def _approve_and_allow_self_signup(page: Any, base: str, artifacts: Path) -> None:
    support.log_in(page, base, "ana@example.org", PASSWORD)

    def approved() -> bool:
        page.goto(f"{base}/c/")
        if page.locator(".req", has_text="Leafleting the estate").locator(".slots li").count() == 0:
            return False
        page.get_by_role("button", name="Approve", exact=True).first.click()
        page.get_by_role("button", name="Yes, approve").click()
        page.wait_for_load_state()
        return page.get_by_text("Approved: members are being told.").count() > 0

    wait("an approved roster", approved, 60)
    page.goto(f"{base}/c/members")
    page.get_by_text("Choose the kinds members may sign themselves up for").click()
    page.get_by_role("group", name="Straight in, without approval, for").get_by_label("Leafleting").check()
    page.get_by_role("button", name="Save").last.click()
    page.get_by_text("Members may sign themselves up for leafleting").wait_for()
    page.screenshot(path=str(artifacts / "coord-self-signup-laptop.png"), full_page=True)


def take(member: Any, title: str) -> None:
    member.locator(".card", has_text=title).get_by_role("button", name="I can do this").click()


def test_a_member_signs_up_straight_in_and_offers_where_approval_is_needed(
    browser: Any, artifacts: Path
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/mechanic.db"
        nia = _club(url)
        with mechanic_up(tmp, url, 1) as http:
            base = str(http.base_url).rstrip("/")
            coordinator = browser.new_page(viewport=SIZES["laptop"])
            _approve_and_allow_self_signup(coordinator, base, artifacts)

            member = browser.new_page(viewport=SIZES["phone"])
            member.goto(f"{base}/m/{nia}/offers")
            for title in ("Leafleting the market", "Lookout at the tribunal"):
                assert member.locator(".card", has_text=title).is_visible(), f"{title} is offered"
            member.screenshot(path=str(artifacts / "member-offers-phone.png"), full_page=True)
            take(member, "Leafleting the market")
            status = member.get_by_role("status")
            assert status.inner_text().startswith("Thank you! The place is yours")
            member.screenshot(path=str(artifacts / "member-offers-signed-up-phone.png"), full_page=True)
            assert member.locator(".card", has_text="Leafleting the market").count() == 0, "taken"

            take(member, "Lookout at the tribunal")
            assert member.get_by_role("status").inner_text().startswith("Thank you! Your offer goes into")
            yours = member.get_by_role("heading", name="Places you signed up for").locator(
                "xpath=following-sibling::ul[1]"
            )
            waiting = member.get_by_role("heading", name="Your offers").locator(
                "xpath=following-sibling::ul[1]"
            )
            assert yours.inner_text().startswith("Leafleting the market"), "already theirs, not waiting"
            assert waiting.inner_text().startswith("Lookout at the tribunal")
            member.screenshot(path=str(artifacts / "member-offers-offered-phone.png"), full_page=True)
            wide = member.evaluate("document.documentElement.scrollWidth")
            assert wide <= SIZES["phone"]["width"], f"the offers page is {wide} px wide on a phone"
            member.get_by_role("link", name="My week").click()
            place = member.locator("li, article, .card", has_text="Leafleting the market").first
            assert place.is_visible(), "the place signed up for is on the member's week, to cancel"
            member.screenshot(path=str(artifacts / "member-week-signed-up-phone.png"), full_page=True)
            member.close()
            coordinator.close()
