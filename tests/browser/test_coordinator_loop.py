"""The coordinator's loop in a real browser on the demo club with four weeks of requests: the board
(unfiltered, filtered to one day beyond the horizon, to empty places), the alert choices, and the
partner's status page with a weekly series. Each page is photographed on a phone (390x844) and a
laptop (1280x800) into test-artifacts/browser/."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bench.pages_bench import PASSWORD, login, mechanic_up, prepare, wait
from services.store.db import make_engine
from services.store.tables import clubs, partners
from tests.browser.test_coordinator_accounts import SIZES, shots
from tests.commands_support import submit

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _weekly_series(url: str, partner_token: str) -> None:
    """What the form's 'repeat weekly until' makes: one submission, four dated requests."""
    from sqlalchemy import select

    from services.store import tokens

    engine = make_engine(url)
    with engine.begin() as conn:
        who = tokens.resolve(conn, partner_token)
        assert who is not None
        club_id = conn.execute(select(clubs.c.id)).scalar_one()
        assert conn.execute(select(partners.c.id).where(partners.c.id == who.subject_id)).scalar()
        first = (datetime.now(UTC) + timedelta(days=2)).replace(hour=17, minute=0, second=0, microsecond=0)
        for week in range(4):
            start = first + timedelta(weeks=week)
            values = {
                "kind": "cooking",
                "title": "Community supper",
                "notes": "Kitchen at the back",
                "place_name": "Grangetown Hub",
                "lat": 51.47,
                "lon": -3.18,
                "starts_at": start,
                "ends_at": start + timedelta(hours=2),
                "headcount": 2,
                "skills": ["cook"],
                "lead_skills": [],
                "passengers": 0,
                "priority": 3,
            }
            submit(conn, club_id, who.subject_id, values)
    engine.dispose()


def parts(page: Any, artifacts: Path, name: str, selector: str) -> None:
    """Close-ups of the first element matching ``selector``, on a phone and on a laptop."""
    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        page.locator(selector).first.screenshot(path=str(artifacts / f"coord-{name}-{size}.png"))


def test_the_board_alerts_and_partner_status_at_both_sizes(browser: Any, artifacts: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/mechanic.db"
        links = prepare(url, days=28)
        _weekly_series(url, links["partner"])
        with mechanic_up(tmp, url, 3) as http:
            login(http)
            wait("a proposal", lambda: 'name="roster_id"' in http.get("/c/").text, 120)
            base = str(http.base_url).rstrip("/")
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(f"{base}/c/login")
            page.get_by_label("Email").fill("bench@example.org")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Log in").click()
            page.wait_for_url(f"{base}/c/")
            assert page.get_by_role("heading", name="Further ahead").is_visible()
            shots(page, artifacts, "loop-board")
            parts(page, artifacts, "loop-board-filters", "form.filters")
            parts(page, artifacts, "loop-board-further", "section[aria-labelledby=further-h]")
            parts(page, artifacts, "loop-board-card", "article.req")
            page.locator("ul.further a").first.click()
            assert page.get_by_text("beyond the planning horizon").first.is_visible()
            shots(page, artifacts, "loop-board-later-day")
            parts(page, artifacts, "loop-board-later-card", "article.req:has(li.later)")
            page.goto(f"{base}/c/")
            page.get_by_label("Empty places only").check()
            page.get_by_role("button", name="Show").click()
            assert "unfilled=1" in page.url
            shots(page, artifacts, "loop-board-empty-only")
            page.goto(f"{base}/c/alerts")
            page.get_by_label("Signal number").fill("+44 7700 900555")
            page.get_by_label("Daily summary at").select_option("18")
            page.get_by_role("button", name="Save my alerts").click()
            assert page.get_by_text("Your alert choices are saved.").is_visible()
            shots(page, artifacts, "loop-alerts")
            page.goto(f"{base}/p/{links['partner']}/")
            assert page.get_by_text("every").first.is_visible()
            page.get_by_text("Each week").first.click()
            shots(page, artifacts, "loop-partner-status")
            parts(page, artifacts, "loop-partner-series", "li.card:has(details[open])")
            parts(page, artifacts, "loop-partner-top", "ul.cards")
            page.close()
