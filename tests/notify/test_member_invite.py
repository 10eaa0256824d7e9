"""A member's invitation sent by email or Signal: it arrives through the real SMTP server and the
Signal stub with a short-lived sign-in link (never the private link), and opens the member's page."""

from __future__ import annotations

import re
from email.message import Message

from fastapi.testclient import TestClient

from services.delivery import Container
from services.store import audit, tokens
from tests.notify.conftest import SignalStub, run_dispatcher
from tests.notify.test_member_signin import LINK, _body, _sign_in
from tests.pages.support import Site, csrf_of


def test_an_invite_by_email_and_by_signal_arrives_with_a_sign_in_link(
    site: Site, container: Container, smtp: tuple[int, list[Message]], signal_api: SignalStub
) -> None:
    page = site.login().get("/c/members")
    by_mail = site.invite_member(csrf_of(page.text), email="zara@example.org", send_by="email")
    assert by_mail.status_code == 201
    assert "Invitation sent by email to zara@example.org" in by_mail.text and 'class="copy"' in by_mail.text
    private_link = by_mail.text.split('class="copy" readonly value="')[1].split('"')[0]
    by_signal = site.invite_member(
        csrf_of(page.text), name="Owain Rees", phone="+447700900123", send_by="signal"
    )
    assert "Invitation sent by Signal to +447700900123" in by_signal.text
    run_dispatcher(container)

    mail = smtp[1][-1]
    assert mail["To"] == "zara@example.org" and "invites you" in _body(mail)
    assert private_link not in _body(mail)
    code = LINK.search(_body(mail))
    assert code, _body(mail)
    message = signal_api.received[-1]["json"]
    assert message["recipients"] == ["+447700900123"] and LINK.search(message["message"])

    client = TestClient(site.client.app)
    _sign_in(client, code.group(1))
    assert client.get("/m/me/").status_code == 200
    with site.engine.connect() as conn:
        trail = {row["action"] for row in audit.recent(conn, site.club_id)}
    assert {"invite.email", "invite.signal"} <= trail


def test_send_the_invite_again_from_the_member_list(
    site: Site, container: Container, smtp: tuple[int, list[Message]], signal_api: SignalStub
) -> None:
    page = site.login().get("/c/members")
    site.invite_member(csrf_of(page.text), email="zara@example.org")
    listed = site.client.get("/c/members")
    action = re.findall(r'action="(/c/members/[^"]+/invite)"', listed.text)
    assert action, "a member with an address can be sent the invite again"
    again = site.client.post(action[0], data={"csrf": csrf_of(listed.text)})
    assert again.status_code == 200 and "Invitation sent by email to zara@example.org" in again.text
    assert 'class="copy"' not in again.text, "sending again shows no private link"
    run_dispatcher(container)
    assert LINK.search(_body(smtp[1][-1]))


def test_the_json_api_invites_by_email_and_sends_again_by_signal(
    site: Site, container: Container, smtp: tuple[int, list[Message]], signal_api: SignalStub
) -> None:
    with site.engine.begin() as conn:
        key = tokens.issue(
            conn, "coordinator", site.club_id, site.coordinator_id, label="api", expires_at=None
        )
    bearer = {"Authorization": f"Bearer {key}"}
    home = {"home_lat": 51.48, "home_lon": -3.17, "max_hours_week": 6}
    member = {"name": "Zara Ali", "email": "zara@example.org", "phone": "+447700900123", **home}
    made = site.client.post(
        "/api/coordinator/members", params={"send_invite": "email"}, json=member, headers=bearer
    )
    assert made.status_code == 201, made.text
    assert made.json()["invite"].startswith("Invitation sent by email to zara@example.org")
    again = site.client.post(
        f"/api/coordinator/members/{made.json()['id']}/invite", params={"send_by": "signal"}, headers=bearer
    )
    assert again.status_code == 200 and again.json()["sent"].startswith("Invitation sent by Signal")
    run_dispatcher(container)
    assert smtp[1][-1]["To"] == "zara@example.org" and LINK.search(_body(smtp[1][-1]))
    assert made.json()["token"] not in _body(smtp[1][-1]), "never the private link"
    assert LINK.search(signal_api.received[-1]["json"]["message"])

    quiet = site.client.post("/api/coordinator/members", json={"name": "Owain Rees", **home}, headers=bearer)
    assert quiet.status_code == 201 and quiet.json()["invite"] is None
    nowhere = site.client.post(f"/api/coordinator/members/{quiet.json()['id']}/invite", headers=bearer)
    assert nowhere.status_code == 409
    assert nowhere.json()["detail"] == "Nothing was sent: there is no phone number for Signal for Owain Rees."
    unknown = site.client.post("/api/coordinator/members/m-nobody/invite", headers=bearer)
    assert unknown.status_code == 404
