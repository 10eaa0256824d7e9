"""Coordinators' accounts in a real browser against a real `mechanic up` that mails through a real
local SMTP server: invite a second coordinator (who claims the emailed link), deactivate them after
the confirmation, change a password, read the audit trail, reset a forgotten password from the
emailed link, and be locked out after five wrong passwords. Every page is photographed on a phone
(390x844) and a laptop (1280x800) into test-artifacts/browser/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from email.message import Message
from pathlib import Path
from typing import Any

import pytest

from tests.e2e_support import Embedded, embedded_process, wait_for
from tests.notify.conftest import smtp  # noqa: F401 - the real local SMTP server

pytestmark = [pytest.mark.browser, pytest.mark.slow]
FIRST, SECOND, THIRD = "a long enough password", "plum tractor window sings", "seven quiet orange kites"
SIZES = {"phone": {"width": 390, "height": 844}, "laptop": {"width": 1280, "height": 800}}
LINK = re.compile(r"http://127\.0\.0\.1:\d+(/(?:c/reset|c/claim|m/signin)/[A-Za-z0-9_-]+)")
"""A coordinator's claim or reset link, or a member's sign-in link, in a mailed message."""


@pytest.fixture
def mailing_server(
    tmp_path: Path,
    smtp: tuple[int, list[Message]],  # noqa: F811
) -> Iterator[Embedded]:
    mail = {"MECHANIC_SMTP_HOST": "127.0.0.1", "MECHANIC_SMTP_PORT": str(smtp[0])}
    with embedded_process(tmp_path, "Riverside Mutual Aid", mail | {"MECHANIC_SEND_INTERVAL_S": "0.2"}) as up:
        yield up


def shots(page: Any, artifacts: Path, name: str) -> None:
    """The page as it is now, at both sizes (the page is left at laptop size)."""
    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        page.screenshot(path=str(artifacts / f"coord-{name}-{size}.png"), full_page=True)


def link_mailed_to(inbox: list[Message], address: str, after: int = 0) -> str:
    """The newest link mailed to ``address`` among the messages from index ``after`` on.

    Mail is sent by a background loop, so a test that asks for a second link
    passes the inbox length from before its request and waits for the new one.
    """

    def found() -> str | None:
        for message in reversed(inbox[after:]):
            if message["To"] == address:
                hit = LINK.search(message.get_payload(decode=True).decode())  # type: ignore[union-attr]
                if hit:
                    return hit.group(1)
        return None

    return wait_for(f"a link mailed to {address}", found, timeout_s=30, every_s=0.2)


def log_in(page: Any, url: str, address: str, password: str) -> None:
    page.goto(f"{url}/c/login")
    page.get_by_label("Email").fill(address)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def set_password(page: Any, new: str, button: str = "", current: str = "") -> None:
    """Fill a new-password form (with the current password where it asks), and send it if ``button``."""
    if current:
        page.get_by_label("Current password").fill(current)
    page.get_by_label("New password", exact=True).fill(new)
    page.get_by_label("New password again").fill(new)
    if button:
        page.get_by_role("button", name=button).click()


def claim(page: Any, url: str, name: str, address: str) -> None:
    page.goto(url)
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Email").fill(address)
    page.get_by_label("Password", exact=True).fill(FIRST)
    page.get_by_label("Password again").fill(FIRST)
    page.get_by_role("button", name="Create my account").click()
    page.get_by_role("heading", name="Coordinator log-in").wait_for()


def test_several_coordinators_passwords_and_the_audit_trail(
    browser: Any,
    mailing_server: Embedded,
    smtp: tuple[int, list[Message]],  # noqa: F811
    artifacts: Path,
) -> None:
    url, inbox = mailing_server.url, smtp[1]
    cai = browser.new_page(viewport=SIZES["laptop"])
    claim(cai, f"{url}/c/claim/{mailing_server.coordinator_token}", "Cai Jones", "cai@example.org")
    log_in(cai, url, "cai@example.org", FIRST)
    cai.get_by_role("link", name="Coordinators").click()
    cai.get_by_label("Name").fill("Dee Second")
    cai.get_by_label("Email").fill("dee@example.org")
    cai.get_by_role("button", name="Send the invitation").click()
    cai.get_by_text("An invitation is on its way to").wait_for()
    shots(cai, artifacts, "coordinators-invited")

    dee = browser.new_context().new_page()
    claim(dee, f"{url}{link_mailed_to(inbox, 'dee@example.org')}", "Dee Second", "dee@example.org")
    log_in(dee, url, "dee@example.org", FIRST)
    dee.get_by_role("heading", name="Roster").wait_for()

    cai.goto(f"{url}/c/coordinators")
    cai.get_by_role("link", name="Deactivate Dee Second").click()
    cai.get_by_role("heading", name="Deactivate Dee Second?").wait_for()
    shots(cai, artifacts, "coordinator-deactivate-confirm")
    cai.get_by_role("button", name="Deactivate Dee Second").click()
    cai.get_by_text("their sessions have ended").wait_for()
    shots(cai, artifacts, "coordinators-after")
    dee.reload()
    assert dee.get_by_text("Please log in").is_visible(), "Dee's session ended at once"

    cai.get_by_role("link", name="My account").click()
    set_password(cai, "password1234", "Change my password", FIRST)
    cai.get_by_role("alert").wait_for()
    shots(cai, artifacts, "account-refused")
    set_password(cai, SECOND, "Change my password", FIRST)
    cai.get_by_text("Your password is changed").wait_for()
    shots(cai, artifacts, "account-changed")
    cai.get_by_role("link", name="Audit").click()
    for words in ("changed their password", "deactivated coordinator Dee Second", "invited a coordinator"):
        assert cai.get_by_text(words).count() == 1, words
    shots(cai, artifacts, "audit")

    stranger = browser.new_context().new_page()
    stranger.goto(f"{url}/c/login")
    stranger.get_by_role("link", name="Forgotten your password?").click()
    stranger.get_by_label("Email").fill("cai@example.org")
    stranger.get_by_role("button", name="Send me a link").click()
    stranger.get_by_text("If that address belongs to a coordinator").wait_for()
    shots(stranger, artifacts, "forgot-sent")
    stranger.goto(f"{url}{link_mailed_to(inbox, 'cai@example.org')}")
    set_password(stranger, THIRD)
    shots(stranger, artifacts, "reset-form")
    stranger.get_by_role("button", name="Save the new password").click()
    stranger.get_by_text("Your password is changed and every session has ended").wait_for()
    shots(stranger, artifacts, "login-after-reset")
    cai.reload()
    assert cai.get_by_text("Please log in").is_visible(), "the reset ended Cai's session"

    for _ in range(5):
        log_in(stranger, url, "cai@example.org", "not the password at all")
    log_in(stranger, url, "cai@example.org", THIRD)
    stranger.get_by_text("Too many failed sign-ins").wait_for()
    shots(stranger, artifacts, "login-locked")
