"""Drive the members' new pages in Chromium at 390x844 and 1280x800; screenshots in test-artifacts/members.

Run from the checkout: PYTHONPATH=. python tests/browser/drive_members.py (not collected by pytest)."""

from __future__ import annotations

import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import uvicorn
from playwright.sync_api import sync_playwright

from api.app import create_app
from services.settings import get_settings
from services.store import member_signin, writes
from services.store.db import make_engine, upgrade
from tests.browser.conftest import CHROMIUM_ARGS, chromium_path
from tests.commands_support import create_club, declare_availability, register, submit
from tests.e2e_support import free_port
from tests.pages.support import MEMBER

OUT = Path("test-artifacts/members")
OUT.mkdir(parents=True, exist_ok=True)
tmp = Path(tempfile.mkdtemp())
url = f"sqlite:///{tmp}/mechanic.db"
upgrade(url)
engine = make_engine(url)
with engine.begin() as conn:
    club_id, _ = create_club(conn, "Riverside Mutual Aid")
    member_id, _ = register(conn, club_id, MEMBER | {"name": "Nia Hughes", "email": "nia@example.org"})
    second, _ = register(conn, club_id, MEMBER | {"name": "Owain Price"})
    people = [member_id, second]
    codes = [member_signin.issue(conn, club_id, m) for m in people]
    partner_id, _ = writes.add_partner(conn, club_id, "Riverside Tenants Union", None)
    soon = (datetime.now(UTC) + timedelta(days=9)).replace(hour=17, minute=0, second=0, microsecond=0)
    for days, title, place in (
        (0, "Lift to the tribunal", "Cardiff Civil Justice Centre"),
        (5, "Lift to the food bank", "Grangetown Hub"),
    ):
        submit(
            conn,
            club_id,
            partner_id,
            {
                "kind": "lift",
                "title": title,
                "notes": "",
                "place_name": place,
                "lat": 51.48,
                "lon": -3.17,
                "starts_at": soon + timedelta(days=days),
                "ends_at": soon + timedelta(days=days, hours=2),
                "headcount": 2,
                "skills": ["driver"],
                "lead_skills": [],
                "passengers": 0,
                "priority": 4,
            },
        )
settings = get_settings().model_copy(update={"database_url": url})
port = free_port()
server = uvicorn.Server(uvicorn.Config(create_app(settings, engine), port=port, log_level="warning"))
threading.Thread(target=server.run, daemon=True).start()
while not server.started:
    time.sleep(0.05)
base = f"http://127.0.0.1:{port}"

with sync_playwright() as pw:
    browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
    for (w, h), code, person in zip([(390, 844), (1280, 800)], codes, people, strict=True):
        tag = f"{w}x{h}"
        page = browser.new_page(viewport={"width": w, "height": h})
        page.goto(f"{base}/m/signin")
        page.screenshot(path=OUT / f"{tag}-1-ask.png", full_page=True)
        page.fill("#f-address", "nia@example.org")
        page.click("button[type=submit]")
        assert "a link is on its way" in page.content()
        page.screenshot(path=OUT / f"{tag}-2-asked.png", full_page=True)
        page.goto(f"{base}/m/signin/{code}")
        page.screenshot(path=OUT / f"{tag}-3-code.png", full_page=True)
        page.click("button[type=submit]")
        page.wait_for_url("**/m/me/availability?setup=1")
        page.screenshot(path=OUT / f"{tag}-4-setup-availability.png", full_page=True)
        page.click("text=Skip for now")
        page.wait_for_url("**/m/me/profile?setup=1")
        page.screenshot(path=OUT / f"{tag}-5-setup-profile.png", full_page=True)
        page.click("text=Skip for now")
        page.wait_for_url("**/m/me/?setup=skipped")
        assert "You have not said when you can help yet" in page.content()
        page.screenshot(path=OUT / f"{tag}-6-week-prompt.png", full_page=True)
        with engine.begin() as conn:  # say when they can help, for the offers
            declare_availability(conn, club_id, person, [(d, 0, 24 * 60) for d in range(7)], [], [])
        page.click("text=Offer to help")
        page.wait_for_url("**/m/me/offers")
        page.screenshot(path=OUT / f"{tag}-7-offers.png", full_page=True)
        page.click("button:has-text('I can do this')")
        page.wait_for_url("**/m/me/offers?offered=1")
        assert "Your offers" in page.content()
        page.screenshot(path=OUT / f"{tag}-8-offered.png", full_page=True)
        page.close()
    browser.close()
server.should_exit = True
print("saved", sorted(p.name for p in OUT.glob("*.png")), file=sys.stderr)
