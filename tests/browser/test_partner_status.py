"""A partner's status page on a phone (390x844), in a real browser against a real `mechanic up`: the
club's coordinator approves a roster on a laptop and a member accepts, then the partner reads each of
their requests in their own words: waiting for the club's approval, planned from a date (beyond the
planning horizon, folded under "Further ahead"), nobody available and why (never who), partly
filled, filled, confirmed, a weekly series as one item, and cancelled and past requests folded
under the history. Screenshots in test-artifacts/browser/partner-status-*.png."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from bench.pages_bench import mechanic_up, wait
from services.commands import CancelRequest
from services.store.db import make_engine, upgrade
from services.store.tables import help_requests
from tests.browser import support
from tests.browser.test_coordinator_accounts import SIZES
from tests.commands_support import run_in, submit

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PASSWORD = "partner status journey"
MEMBERS = {"Nia Hughes": ["first_aid"], "Dai Evans": [], "Ffion Price": []}


def _request(
    title: str, days: int, hour: int, headcount: int = 1, skills: tuple[str, ...] = ()
) -> dict[str, Any]:
    return support.request_on(support.days_ahead(days), hour, title, headcount=headcount, skills=list(skills))


REQUESTS = [
    _request("Filled one", 1, 9),
    _request("Confirmed one", 1, 13),
    _request("Partly filled one", 2, 9, headcount=2, skills=("first_aid",)),
    _request("Nobody one", 3, 9, skills=("sign_language",)),
    _request("Later one", 20, 9),
    _request("Cancelled one", 4, 9),
    _request("Past one", 5, 9),
]
SERIES = [_request("Weekly stall", 2 + 7 * week, 15) for week in range(3)]


def _club(url: str) -> dict[str, str]:
    """Ana coordinates; three members free every day (only Nia has first aid); the partner's
    requests, one cancelled and one moved into the past. Returns private link tokens by name."""
    upgrade(url)
    engine = make_engine(url)
    links = {}
    with engine.begin() as conn:
        club_id = support.riverside(conn, PASSWORD)
        for name, skills in MEMBERS.items():
            shares = name == "Nia Hughes"
            _, links[name] = support.free_member(conn, club_id, name, skills=skills, share_first_name=shares)
        partner_id, links["partner"] = support.tenants_union(conn, club_id)
        made = {r["title"]: submit(conn, club_id, partner_id, r) for r in REQUESTS}
        for r in SERIES:  # one form post with "repeat weekly until" writes them within a second
            submit(conn, club_id, partner_id, r)
        run_in(conn, CancelRequest(club_id, made["Cancelled one"], partner_id=partner_id))
        past = datetime.now(UTC) - timedelta(days=2)
        conn.execute(
            update(help_requests)
            .where(help_requests.c.id == made["Past one"])
            .values(starts_at=past, ends_at=past + timedelta(hours=2))
        )
    engine.dispose()
    return links


def _submit(url: str, partner_token: str, values: dict[str, Any]) -> None:
    from services.store import tokens

    engine = make_engine(url)
    with engine.begin() as conn:
        who = tokens.resolve(conn, partner_token)
        assert who is not None
        submit(conn, who.club_id, who.subject_id, values)
    engine.dispose()


def _status(page: Any, base: str) -> dict[str, Any]:
    return dict(page.request.get(f"{base}/c/status.json").json())


def _approve(page: Any, base: str) -> None:
    def approved() -> bool:
        page.goto(f"{base}/c/")
        if page.get_by_role("button", name="Approve", exact=True).count() == 0:
            return False
        page.get_by_role("button", name="Approve", exact=True).first.click()
        page.get_by_role("button", name="Yes, approve").click()
        page.wait_for_load_state()
        return page.get_by_text("Approved: members are being told.").count() > 0

    wait("an approved roster", approved, 60)


def _accept(browser: Any, base: str, links: dict[str, str], title: str) -> None:
    """Whoever was given ``title`` accepts it on their own page."""
    member = browser.new_page(viewport=SIZES["phone"])

    def accepted() -> bool:
        for name in MEMBERS:
            member.goto(f"{base}/m/{links[name]}/")
            card = member.locator("li.card", has_text=title)
            if card.get_by_role("button", name="Accept").count():
                card.get_by_role("button", name="Accept").click()
                member.get_by_text("Thank you: you are going.").wait_for()
                return True
        return False

    wait(f"{title} on a member's week", accepted, 30)
    member.close()


def _card(page: Any, title: str) -> str:
    return str(page.locator("li", has_text=title).first.inner_text())


def test_a_partner_on_a_phone_tells_each_state_apart(browser: Any, artifacts: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/mechanic.db"
        links = _club(url)
        with mechanic_up(tmp, url, 1) as http:
            base = str(http.base_url).rstrip("/")
            coordinator = browser.new_page(viewport=SIZES["laptop"])
            support.log_in(coordinator, base, "ana@example.org", PASSWORD)
            _approve(coordinator, base)
            _accept(browser, base, links, "Confirmed one")
            approved = _status(coordinator, base)["roster"]
            _submit(url, links["partner"], _request("Waiting one", 3, 15))
            wait(
                "a proposal with the new request",
                lambda: (
                    not _status(coordinator, base)["pending"]
                    and _status(coordinator, base)["roster"] != approved
                ),
                60,
            )
            coordinator.close()

            page = browser.new_page(viewport=SIZES["phone"])
            page.goto(f"{base}/p/{links['partner']}/")
            states = {
                "Waiting one": "Waiting for the club's approval",
                "Filled one": "Filled 1 of 1 people assigned, 0 confirmed",
                "Confirmed one": "Confirmed 1 of 1 people assigned, 1 confirmed",
                "Partly filled one": "Partly filled 1 of 2 people assigned",
                "Nobody one": "Nobody available yet Nobody in the club has the skills asked for.",
            }
            for title, words in states.items():
                assert words in _card(page, title), (title, _card(page, title))
            series = _card(page, "Weekly stall")
            assert "every" in series and "3 weeks" in series, series
            stall = page.locator("li.card", has_text="Weekly stall")
            assert stall.count() == 1 and stall.locator(".series li").count() == 3, "one item, weeks inside"
            text = page.locator("main").inner_text()
            for name in ("Dai", "Ffion", "Hughes", "Evans", "Price"):
                assert name not in text, f"{name}: only Nia shares her first name"
            assert not page.get_by_text("Later one").is_visible(), "further ahead is folded away"
            assert not page.get_by_text("Cancelled one").is_visible(), "the history is folded away"
            page.screenshot(path=str(artifacts / "partner-status-phone.png"), full_page=True)
            tall = page.evaluate("document.documentElement.scrollHeight")

            page.get_by_text("1 request from").click()
            assert "Planned from" in _card(page, "Later one")
            page.get_by_text("2 cancelled or past requests").click()
            assert "Cancelled" in _card(page, "Cancelled one") and "Past" in _card(page, "Past one")
            page.get_by_text("Each week").click()
            wide = page.evaluate("document.documentElement.scrollWidth")
            assert wide <= SIZES["phone"]["width"], f"the status page is {wide} px wide on a phone"
            page.screenshot(path=str(artifacts / "partner-status-open-phone.png"), full_page=True)
            assert tall < 2 * page.evaluate("document.documentElement.scrollHeight")
            page.close()
