"""Forcing a placement in a real browser: the coordinator tries to put Sam, who does not drive, on a
lift, reads the rule that stops him, places him anyway, and finds the exception on the board, still
there after the re-plan. Once on a phone (390x844) and once on a laptop (1280x800), each on its own
lift; screenshots in test-artifacts/browser/."""

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
PASSWORD = "forced placement journey"
DESPITE = "Placed by Ana despite: does not have the driver skill"


def _club(url: str) -> None:
    """Two drivers, Sam who does not drive, and a lift of two on each of the next two mornings."""
    upgrade(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        club_id = support.riverside(conn, PASSWORD)
        support.driver(conn, club_id, "Nia Hughes")
        support.driver(conn, club_id, "Dai Evans")
        support.free_member(conn, club_id, "Sam Jones", skills=[], car_seats=None)
        partner_id, _ = support.tenants_union(conn, club_id)
        for days, title in ((1, "Lift to the tribunal"), (2, "Lift to the picket")):
            submit(conn, club_id, partner_id, support.lift_on(support.days_ahead(days), title, drivers=2))
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
            support.log_in(page, base, "ana@example.org", PASSWORD)
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
