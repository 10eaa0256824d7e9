"""Forcing a placement in a real browser: the coordinator tries to put Sam, who does not drive, on a
lift, reads the rule that stops him, places him anyway, and finds the exception on the board, still
there after the re-plan. Once on a phone (390x844) and once on a laptop (1280x800), each on its own
lift; screenshots in test-artifacts/browser/."""

from __future__ import annotations

import re
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bench.pages_bench import mechanic_up, wait
from services.store import writes
from services.store.db import make_engine, upgrade
from tests.browser.support import club_with_coordinator, log_in
from tests.browser.test_coordinator_accounts import SIZES
from tests.commands_support import declare_availability, register, submit
from tests.pages.support import MEMBER

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PASSWORD = "forced placement journey"
DESPITE = "Placed by Ana despite: does not have the driver skill"


def _club(url: str) -> None:
    """Two drivers, Sam who does not drive, and a lift of two on each of the next two mornings."""
    upgrade(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        club_id = club_with_coordinator(
            conn, "Riverside Mutual Aid", "ana@example.org", "Ana Morgan", PASSWORD
        )
        for name, skills in (("Nia Hughes", ["driver"]), ("Dai Evans", ["driver"]), ("Sam Jones", [])):
            values = MEMBER | {"name": name, "skills": skills, "car_seats": 3 if skills else None}
            member_id, _ = register(conn, club_id, values)
            declare_availability(conn, club_id, member_id, [(d, 0, 24 * 60) for d in range(7)], [], [])
        partner_id, _ = writes.add_partner(conn, club_id, "Riverside Tenants Union", None)
        tz = ZoneInfo("Europe/London")
        for days, title in ((1, "Lift to the tribunal"), (2, "Lift to the picket")):
            day = (datetime.now(tz) + timedelta(days=days)).date()
            start = datetime(day.year, day.month, day.day, 10, tzinfo=tz).astimezone(UTC)
            lift: dict[str, Any] = {
                "kind": "lift",
                "title": title,
                "notes": "",
                "place_name": "Cardiff Civil Justice Centre",
                "lat": 51.476,
                "lon": -3.174,
                "starts_at": start,
                "ends_at": start + timedelta(hours=2),
                "headcount": 2,
                "skills": ["driver"],
                "lead_skills": [],
                "passengers": 1,
                "priority": 4,
            }
            submit(conn, club_id, partner_id, lift)
    engine.dispose()


def http_board(page: Any) -> str:
    page.reload()
    return str(page.content()) if page.locator("a", has_text="replace").count() >= 4 else ""


def _settled(page: Any, base: str) -> None:
    """Wait until no re-plan is pending, then show the board."""
    wait("the re-plan", lambda: not page.request.get(f"{base}/c/status.json").json()["pending"], 60)
    page.goto(f"{base}/c/")


def _force(page: Any, base: str, artifacts: Path, size: str, title: str) -> None:
    _settled(page, base)
    card = page.locator("article.req", has_text=title)
    card.get_by_role("link", name=re.compile("^replace")).first.click()
    page.get_by_text("Who cannot go, and why").click()
    page.get_by_label("Sam Jones does not have the driver skill.").check()
    page.screenshot(path=str(artifacts / f"coord-force-choose-{size}.png"), full_page=True)
    page.get_by_role("button", name="Place and pin").click()
    assert page.get_by_role("alert").inner_text() == "Sam Jones does not have the driver skill."
    page.screenshot(path=str(artifacts / f"coord-force-refused-{size}.png"), full_page=True)
    page.get_by_role("button", name="Place Sam Jones anyway").click()
    page.wait_for_url(f"{base}/c/?done=placed")
    card = page.locator("article.req", has_text=title)
    assert card.get_by_text(DESPITE).is_visible()
    page.screenshot(path=str(artifacts / f"coord-force-placed-{size}.png"), full_page=True)


def test_a_coordinator_forces_a_non_driver_onto_a_lift_on_a_phone_and_a_laptop(
    browser: Any, artifacts: Path
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/mechanic.db"
        _club(url)
        with mechanic_up(tmp, url, 1) as http:
            base = str(http.base_url).rstrip("/")
            page = browser.new_page(viewport=SIZES["phone"])
            log_in(page, base, "ana@example.org", PASSWORD)
            wait("a proposal with both lifts", lambda: "Lift to the picket</h3>" in http_board(page), 60)
            lifts = ("Lift to the tribunal", "Lift to the picket")
            for (size, viewport), title in zip(SIZES.items(), lifts, strict=True):
                page.set_viewport_size(viewport)
                _force(page, base, artifacts, size, title)
            # The re-plan keeps both exceptions: the solver waives the skill for Sam on those lifts only.
            _settled(page, base)
            assert page.get_by_text(DESPITE).count() == 2
            listed = page.locator("ul.decisions li", has_text="Sam Jones")
            assert listed.count() == 2, "both exceptions in Pins and removals"
            for i in range(2):
                assert re.search(
                    r"forced by Ana \w+ on \d+ \w+ at \d\d:\d\d despite: does not have the driver skill",
                    listed.nth(i).inner_text(),
                )
            for size, viewport in SIZES.items():
                page.set_viewport_size(viewport)
                page.locator("ul.decisions").screenshot(path=str(artifacts / f"coord-force-pins-{size}.png"))
            for size, viewport in SIZES.items():
                page.set_viewport_size(viewport)
                page.locator("article.req", has_text="Lift to the picket").screenshot(
                    path=str(artifacts / f"coord-force-card-{size}.png")
                )
            page.close()
