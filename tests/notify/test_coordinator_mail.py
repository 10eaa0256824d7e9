"""Coordinators' emails through the real local SMTP server: a forgotten password reset end to end
(the link read out of the received mail), and an invitation whose link claims an account."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.message import Message

from fastapi.testclient import TestClient
from sqlalchemy import select

from services.delivery import Container
from services.store import accounts
from services.store.notices import BLANKED
from services.store.tables import notices, password_resets
from tests.notify.conftest import run_dispatcher
from tests.pages.support import PASSWORD, Site, csrf_of

NEW_PASSWORD = "plum tractor window sings"
LINK = re.compile(r"http://testserver(/c/(?:reset|claim)/[A-Za-z0-9_-]+)")
SAME = "If that address belongs to a coordinator, a link is on its way."


def _ask_for_reset(client: TestClient, email: str) -> str:
    form = client.get("/c/forgot")
    answer = client.post("/c/forgot", data={"csrf": csrf_of(form.text), "email": email})
    assert answer.status_code == 200
    return answer.text


def _link_in(message: Message) -> str:
    found = LINK.search(message.get_payload(decode=True).decode())  # type: ignore[union-attr]
    assert found, "the mail holds a link"
    return found.group(1)


def _login(client: TestClient, email: str, password: str) -> int:
    form = client.get("/c/login")
    data = {"csrf": csrf_of(form.text), "email": email, "password": password}
    return client.post("/c/login", data=data, follow_redirects=False).status_code


def test_a_forgotten_password_is_reset_through_the_emailed_link_once(
    site: Site, container: Container, smtp: tuple[int, list[Message]]
) -> None:
    signed_in = site.login(TestClient(site.client.app))
    stranger = TestClient(site.client.app)
    unknown = _ask_for_reset(stranger, "nobody@example.org")
    known = _ask_for_reset(stranger, site.coordinator_email.upper())
    assert SAME in unknown and SAME in known, "the answer does not tell who has an account"
    run_dispatcher(container)
    (mail,) = smtp[1]
    assert mail["To"] == site.coordinator_email and mail["Subject"] == "Reset your password"
    path = _link_in(mail)
    token = path.rsplit("/", 1)[1]
    with site.engine.connect() as conn:
        stored = conn.execute(select(password_resets.c.token_hash)).scalars().all()
        sent = conn.execute(select(notices.c.body, notices.c.status)).one()
    assert token not in str(stored) and len(stored) == 1, "only a hash of the link is kept"
    assert sent == (BLANKED, "sent"), "the sent message no longer holds the link"

    form = stranger.get(path)
    assert form.status_code == 200 and "Choose a new password" in form.text
    weak = stranger.post(
        path,
        data={"csrf": csrf_of(form.text), "new_password": "password1234", "new_password2": "password1234"},
    )
    assert weak.status_code == 422 and "most common" in weak.text
    done = stranger.post(
        path, data={"csrf": csrf_of(form.text), "new_password": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert done.status_code == 200 and "every session has ended" in done.text
    assert signed_in.get("/c/").status_code == 403, "all the coordinator's sessions ended"
    assert _login(stranger, site.coordinator_email, PASSWORD) == 401
    assert _login(stranger, site.coordinator_email, NEW_PASSWORD) == 303
    assert stranger.get(path).status_code == 404, "the link works once"
    audit = stranger.get("/c/audit").text
    assert "reset their password by email" in audit


def test_a_reset_link_expires_after_thirty_minutes(site: Site) -> None:
    with site.engine.begin() as conn:
        link = accounts.start_reset(conn, site.coordinator_email)
        assert link is not None
        later = datetime.now(UTC) + accounts.RESET_TTL + timedelta(seconds=1)
        assert accounts.reset_holder(conn, link.token) == site.coordinator_id
        assert accounts.reset_holder(conn, link.token, later) is None
    with site.engine.begin() as conn:
        extra = [accounts.start_reset(conn, site.coordinator_email) for _ in range(accounts.MAX_LIVE_RESETS)]
    assert extra[-1] is None, "no more than three live links: the form cannot flood a mailbox"


def test_an_invitation_is_emailed_and_its_link_sets_up_the_account(
    site: Site, container: Container, smtp: tuple[int, list[Message]]
) -> None:
    page = site.login().get("/c/coordinators")
    invited = site.client.post(
        "/c/coordinators", data={"csrf": csrf_of(page.text), "name": "Dee Second", "email": "dee@example.org"}
    )
    assert invited.status_code == 201
    run_dispatcher(container)
    (mail,) = smtp[1]
    assert mail["To"] == "dee@example.org" and "Hello Dee Second" in mail.get_payload(decode=True).decode()  # type: ignore[union-attr]
    path = _link_in(mail)
    dee = TestClient(site.client.app)
    claim = dee.get(path)
    fields = {
        "name": "Dee Second",
        "email": "dee@example.org",
        "password": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }
    assert (
        dee.post(path, data={"csrf": csrf_of(claim.text), **fields}, follow_redirects=False).status_code
        == 303
    )
    assert _login(dee, "dee@example.org", NEW_PASSWORD) == 303
    assert "Dee Second" in dee.get("/c/coordinators").text
