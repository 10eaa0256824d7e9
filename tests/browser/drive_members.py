"""Drive the members' new pages in Chromium at 390x844 and 1280x800; screenshots in test-artifacts/members.

Run from the checkout: PYTHONPATH=. python tests/browser/drive_members.py (not collected by pytest)."""

from __future__ import annotations

import sys
import tempfile
import threading
import time
from pathlib import Path

import uvicorn
from playwright.sync_api import sync_playwright

from api.app import create_app
from services.settings import get_settings
from services.store import member_signin, writes
from services.store.db import make_engine, upgrade
from tests.browser.conftest import CHROMIUM_ARGS, chromium_path
from tests.e2e_support import free_port
from tests.pages.support import MEMBER

OUT = Path("test-artifacts/members")
OUT.mkdir(parents=True, exist_ok=True)
tmp = Path(tempfile.mkdtemp())
url = f"sqlite:///{tmp}/mechanic.db"
upgrade(url)
engine = make_engine(url)
with engine.begin() as conn:
    club_id, _ = writes.create_club(conn, "Riverside Mutual Aid")
    member_id, _ = writes.register_member(
        conn, club_id, MEMBER | {"name": "Nia Hughes", "email": "nia@example.org"}
    )
    codes = [member_signin.issue(conn, club_id, member_id) for _ in range(2)]
settings = get_settings().model_copy(update={"database_url": url})
port = free_port()
server = uvicorn.Server(uvicorn.Config(create_app(settings, engine), port=port, log_level="warning"))
threading.Thread(target=server.run, daemon=True).start()
while not server.started:
    time.sleep(0.05)
base = f"http://127.0.0.1:{port}"

with sync_playwright() as pw:
    browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
    for (w, h), code in zip([(390, 844), (1280, 800)], codes, strict=True):
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
        page.close()
    browser.close()
server.should_exit = True
print("saved", sorted(p.name for p in OUT.glob("*.png")), file=sys.stderr)
