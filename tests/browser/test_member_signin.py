"""A member's way in, in a real browser against a real `mechanic up` that mails through a real local
SMTP server: a coordinator on a laptop (1280x800) invites Nia by email from the members page; Nia
opens the emailed link on a phone (390x844), signs in and is taken through the first-visit setup
(when she can help, then skills, limits and how to be reached) before her week. Later, on another
phone, having lost her link, she asks the public "send me a sign-in link" page: it answers the same
for an address nobody has, mails her a link, and the link opens a session on her week.
Screenshots in test-artifacts/browser/member-*.png and coord-invite-*.png."""

from __future__ import annotations

import time
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from services.store import notices, views
from services.store.db import make_engine
from services.store.tables import members
from tests.browser.support import fits
from tests.browser.test_coordinator_accounts import (  # noqa: F401 - fixtures
    FIRST,
    SIZES,
    claim,
    link_mailed_to,
    log_in,
    mailing_server,
    shots,
    smtp,
)
from tests.e2e_support import Embedded

pytestmark = [pytest.mark.browser, pytest.mark.slow]
NIA = "nia@example.org"
SENT = "If it belongs to a member, a link is on its way."


def shot(page: Any, artifacts: Path, name: str) -> None:
    page.screenshot(path=str(artifacts / f"member-{name}.png"), full_page=True)


def coordinator_invites_by_email(page: Any, server: Embedded, artifacts: Path) -> None:
    claim(page, f"{server.url}/c/claim/{server.coordinator_token}", "Cai Jones", "cai@example.org")
    log_in(page, server.url, "cai@example.org", FIRST)
    page.get_by_role("heading", name="Roster").wait_for()
    page.get_by_role("link", name="Members").click()
    page.get_by_text("Invite a member").click()
    page.get_by_label("Name", exact=True).fill("Nia Hughes")
    page.get_by_role("textbox", name="Email").fill(NIA)
    page.get_by_label("Home area", exact=True).fill("Riverside")
    page.get_by_text("Advanced: coordinates").click()
    page.get_by_label("Latitude").fill("51.48")
    page.get_by_label("Longitude").fill("-3.18")
    page.get_by_label("By email").check()
    page.get_by_role("button", name="Invite", exact=True).click()
    page.get_by_text(f"Invitation sent by email to {NIA}").wait_for()
    assert page.get_by_text("Nothing more to send.").is_visible(), "the link is a spare, not a to-do"
    assert "not opened yet" in page.locator("tr", has_text="Nia Hughes").inner_text()
    shots(page, artifacts, "invite-sent")
    page.set_viewport_size(SIZES["phone"])
    fits(page)
    row = page.locator("tr", has_text="Nia Hughes")
    for action in ("New link", "Send the invite again", "Deactivate"):
        box = row.get_by_role("button", name=action).bounding_box()
        assert box and box["height"] >= 44, f"{action} is a {box} target on a phone"
    page.set_viewport_size(SIZES["laptop"])


def first_visit_setup(page: Any, link: str, artifacts: Path) -> None:
    page.goto(link)
    shot(page, artifacts, "signin-button-phone")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Getting started, step 1 of 2.").wait_for()
    assert page.url.endswith("/m/me/availability?setup=1"), page.url
    fits(page)
    shot(page, artifacts, "setup-availability-phone")
    for day in ("Monday", "Wednesday"):
        page.get_by_label(f"{day} period 1 from").fill("18:00")
        page.get_by_label(f"{day} period 1 to").fill("22:00")
    page.get_by_label("Saturday period 1 from").fill("10:00")
    page.get_by_label("Saturday period 1 to").fill("24:00")
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_text("Getting started, step 2 of 2.").wait_for()
    fits(page)
    shot(page, artifacts, "setup-profile-phone")
    page.get_by_label("Skills").fill("driver, first aid")
    page.get_by_label("Seats in my car for passengers").fill("3")
    page.get_by_label("Hours a week at most").fill("6")
    page.get_by_label("How far I travel (km)").fill("15")
    page.get_by_label("Phone (for Signal)").fill("+44 7700 900123")
    page.get_by_label("By Signal").check()
    page.get_by_label("A reminder the day before").check()
    page.get_by_role("button", name="Save and finish").click()
    page.get_by_role("heading", name="Hello Nia").wait_for()
    assert page.get_by_role("status").inner_text().startswith("Thank you: you are set up.")
    assert page.get_by_text("You have not said when you can help yet").count() == 0
    fits(page)
    shot(page, artifacts, "setup-done-week-phone")


def stored(server: Embedded) -> tuple[dict[str, Any], dict[str, Any], dict[str, bool]]:
    """Nia's profile, availability and message choices as the database has them."""
    engine = make_engine(f"sqlite:///{server.workdir}/mechanic.db")
    with engine.connect() as conn:
        row = conn.execute(select(members.c.id, members.c.club_id).where(members.c.email == NIA)).one()
        profile = views.member_profile(conn, row.club_id, row.id) or {}
        available = views.member_availability(conn, row.id)
        prefs = notices.prefs(conn, row.id)
    engine.dispose()
    return profile, available, prefs


def asks_for_a_link(page: Any, server: Embedded, address: str) -> None:
    page.goto(f"{server.url}/m/signin")
    page.get_by_label("Email or phone number").fill(address)
    page.get_by_role("button", name="Send me a sign-in link").click()
    page.get_by_text(SENT).wait_for()


def test_an_invited_member_sets_up_on_a_phone_and_later_asks_for_a_sign_in_link(
    browser: Any,
    mailing_server: Embedded,  # noqa: F811
    smtp: tuple[int, list[Message]],  # noqa: F811
    artifacts: Path,
) -> None:
    inbox = smtp[1]
    coordinator = browser.new_page(viewport=SIZES["laptop"])
    coordinator_invites_by_email(coordinator, mailing_server, artifacts)
    invite = link_mailed_to(inbox, NIA)
    (letter,) = [m for m in inbox if m["To"] == NIA]
    assert letter["Subject"] == "You are invited to Riverside Mutual Aid"

    phone = browser.new_context(viewport=SIZES["phone"]).new_page()
    first_visit_setup(phone, f"{mailing_server.url}{invite}", artifacts)
    profile, available, prefs = stored(mailing_server)
    assert (profile["skills"], profile["car_seats"], profile["max_hours_week"]) == (
        ["driver", "first_aid"],
        3,
        6,
    )
    assert profile["phone"] == "+44 7700 900123"
    assert [(w["weekday"], w["start_minute"], w["end_minute"]) for w in available["weekly"]] == [
        (0, 18 * 60, 22 * 60),
        (2, 18 * 60, 22 * 60),
        (5, 10 * 60, 24 * 60),
    ]
    assert prefs["signal"] and prefs["reminders"]
    phone.context.close()

    lost = browser.new_context(viewport=SIZES["phone"]).new_page()
    asks_for_a_link(lost, mailing_server, "nobody@example.org")
    unknown = lost.locator("main").inner_text()
    shot(lost, artifacts, "signin-asked-unknown-phone")
    assert lost.get_by_label("Email or phone number").count() == 0, "the answer replaces the form"
    already_sent = len(inbox)
    asks_for_a_link(lost, mailing_server, NIA)
    assert lost.locator("main").inner_text() == unknown, "the same answer for a known address"
    fits(lost)
    shot(lost, artifacts, "signin-asked-phone")
    link = link_mailed_to(inbox, NIA, after=already_sent)
    assert link != invite, "a fresh link, not the spent invitation"
    sent = [m for m in inbox if m["To"] == NIA]
    assert [m["Subject"] for m in sent][-1] == "Your sign-in link for Riverside Mutual Aid"
    lost.goto(f"{mailing_server.url}{invite}")
    lost.get_by_role("button", name="Sign in").click()
    lost.get_by_text("This sign-in link has been used or has expired").wait_for()
    lost.goto(f"{mailing_server.url}{link}")
    lost.get_by_role("button", name="Sign in").click()
    lost.get_by_role("heading", name="Hello Nia").wait_for()
    assert lost.url.endswith("/m/me/"), "a session on her week, not the setup again"
    assert lost.get_by_role("button", name="Sign out on this device").is_visible()
    fits(lost)
    shot(lost, artifacts, "signin-week-phone")
    time.sleep(1)  # the sender loop runs every 0.2 s: a message to nobody would have gone by now
    assert all(m["To"] != "nobody@example.org" for m in inbox), "nothing is sent to an unknown address"
