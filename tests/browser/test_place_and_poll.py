"""Placing a chosen member and watching the board, in a real browser against a real `mechanic up`: a
coordinator on a phone (390x844) and then on a laptop (1280x800) opens a lift's place, reads the
drivers who can go (best fit first) and who cannot with the rule that stops each, places one, and
finds them pinned on the board, still there after the re-plan. After approval the board stays open
on the phone; the placed driver declines on their own page, and the open board says, without being
reloaded, that something needs attention and a new proposal is ready. Screenshots in
test-artifacts/browser/coord-place-*.png."""

from __future__ import annotations

import re
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
PASSWORD = "place and poll journey"
LIFTS = {"phone": "Lift to the tribunal", "laptop": "Lift to the picket"}
DRIVERS = ("Nia Hughes", "Dai Evans", "Ffion Price")
REASON = "My car failed its MOT"


def _club(url: str) -> dict[str, str]:
    """Three drivers free every day; Sam, who does not drive; Owain, a driver away on both days;
    one-person lifts tomorrow and the day after. Returns each member's private link token."""
    upgrade(url)
    engine = make_engine(url)
    days = [support.days_ahead(n) for n in (1, 2)]
    links = {}
    with engine.begin() as conn:
        club_id = support.riverside(conn, PASSWORD)
        for name in DRIVERS:
            _, links[name] = support.driver(conn, club_id, name)
        _, links["Sam Jones"] = support.free_member(conn, club_id, "Sam Jones", skills=[], car_seats=None)
        _, links["Owain Rees"] = support.driver(conn, club_id, "Owain Rees", away=days)
        partner_id, _ = support.tenants_union(conn, club_id)
        for day, title in zip(days, LIFTS.values(), strict=True):
            submit(conn, club_id, partner_id, support.lift_on(day, title, drivers=1))
    engine.dispose()
    return links


def _both_lifts_placed(page: Any, base: str) -> bool:
    page.goto(f"{base}/c/")
    return bool(page.get_by_role("link", name=re.compile("^replace")).count() == len(LIFTS))


def _status(page: Any, base: str) -> dict[str, Any]:
    return dict(page.request.get(f"{base}/c/status.json").json())


def _settled(page: Any, base: str) -> str:
    """Wait until no re-plan is pending, show the board; returns the proposal's id."""
    wait("the re-plan", lambda: not _status(page, base)["pending"], 60)
    page.goto(f"{base}/c/")
    return str(_status(page, base)["roster"])


def _place(page: Any, base: str, artifacts: Path, size: str) -> str:
    """Place the best-fitting driver who is not on the lift; returns their name."""
    title = LIFTS[size]
    before = _settled(page, base)
    card = page.locator("article.req", has_text=title)
    holder = card.locator(".slots li").first.inner_text().split(" ")[:2]
    card.get_by_role("link", name=re.compile("^replace")).first.click()
    page.get_by_role("heading", name=f"Place someone on {title}").wait_for()
    fits = page.get_by_role("group", name="Who can go, best fit first").get_by_role("radio")
    names = [fits.nth(i).evaluate("e => e.labels[0].innerText") for i in range(fits.count())]
    assert sorted(names) == sorted(set(DRIVERS) - {" ".join(holder)}), names
    notes = [
        fits.nth(i).evaluate("e => document.getElementById(e.getAttribute('aria-describedby')).innerText")
        for i in range(fits.count())
    ]
    assert all(re.fullmatch(r"\d+ km from home(, .+)?", note) for note in notes), notes
    page.get_by_text("Who cannot go, and why (2)").click()
    assert page.get_by_label("Sam Jones does not have the driver skill.").is_visible()
    owain = "Owain Rees is not available then (their availability or a day off)."
    assert page.get_by_label(owain).is_visible()
    page.screenshot(path=str(artifacts / f"coord-place-choose-{size}.png"), full_page=True)
    chosen = names[0]
    page.get_by_label(chosen, exact=True).check()
    page.get_by_role("button", name="Place and pin").click()
    page.wait_for_url(f"{base}/c/?done=placed")
    assert page.get_by_text("Placed and pinned; a new proposal is being worked out").is_visible()
    after = _settled(page, base)
    assert after != before, "the roster was planned again around the pin"
    slot = page.locator("article.req", has_text=title).locator(".slots li").first
    assert slot.inner_text().startswith(f"{chosen} "), slot.inner_text()
    assert slot.locator("em", has_text="pinned").is_visible()
    page.screenshot(path=str(artifacts / f"coord-place-placed-{size}.png"), full_page=True)
    return chosen


def _approve(page: Any, base: str) -> None:
    _settled(page, base)
    page.get_by_role("button", name="Approve", exact=True).first.click()
    page.get_by_role("button", name="Yes, approve").click()
    page.get_by_text("Approved: members are being told.").wait_for()


def test_a_coordinator_places_from_the_ranked_list_and_the_open_board_sees_a_decline(
    browser: Any, artifacts: Path
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/mechanic.db"
        links = _club(url)
        with mechanic_up(tmp, url, 1, {"MECHANIC_BOARD_POLL_S": "0.5"}) as http:
            base = str(http.base_url).rstrip("/")
            page = browser.new_page(viewport=SIZES["laptop"])
            support.log_in(page, base, "ana@example.org", PASSWORD)
            wait("a proposal with both lifts", lambda: _both_lifts_placed(page, base), 60)
            placed = {}
            for size, viewport in SIZES.items():
                page.set_viewport_size(viewport)
                placed[size] = _place(page, base, artifacts, size)
            _approve(page, base)

            page.set_viewport_size(SIZES["phone"])
            page.goto(f"{base}/c/")
            page.evaluate("window.stillTheSamePage = true")
            member = browser.new_page(viewport=SIZES["phone"])
            lift = member.locator("li.card", has_text=LIFTS["phone"])

            def issued() -> bool:  # the RosterApproved handler issues assignments after the answer
                member.goto(f"{base}/m/{links[placed['phone']]}/")
                return lift.get_by_role("button", name="Decline").count() > 0

            wait("the lift on the driver's week", issued, 30)
            lift.get_by_label("Reason").fill(REASON)
            lift.get_by_role("button", name="Decline").click()
            member.get_by_text("Thank you for telling us").wait_for()
            member.close()

            news = page.get_by_role("status").filter(has_text="a new proposal is ready")
            news.wait_for(timeout=30_000)
            assert news.inner_text().startswith("Something new needs your attention")
            assert page.evaluate("window.stillTheSamePage"), "the board said so without a reload"
            page.screenshot(path=str(artifacts / "coord-place-board-news-phone.png"))
            news.get_by_role("link", name="Show it").click()
            declined = page.locator("li", has_text=f"{placed['phone']} declined")
            assert f"“{REASON}”" in declined.first.inner_text()
            page.screenshot(path=str(artifacts / "coord-place-board-declined-phone.png"), full_page=True)
            page.close()
