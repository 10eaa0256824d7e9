"""A member's way back to their page: every message carries a short-lived sign-in link (never the
private link), read here out of the mail a real SMTP server received and the Signal stub's request;
"Send me a sign-in link" answers the same for anyone and sends through the member's own channel."""

from __future__ import annotations

import re
from email.message import Message

from fastapi.testclient import TestClient
from sqlalchemy import select

from services.delivery import Container
from services.store.tables import member_signins, notices
from tests.notify.conftest import SignalStub, run_dispatcher
from tests.notify.test_notifier import approve_one
from tests.pages.support import Site, csrf_of

LINK = re.compile(r"https?://[^\s]+/m/signin/([A-Za-z0-9_-]{20,})")


def _body(mail: Message) -> str:
    return mail.get_payload(decode=True).decode()  # type: ignore[union-attr]


def _sign_in(client: TestClient, code: str) -> None:
    opened = client.get(f"/m/signin/{code}")
    assert opened.status_code == 200 and "Sign in" in opened.text
    done = client.post(f"/m/signin/{code}", data={"csrf": csrf_of(opened.text)}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/m/me/"
    cookie = done.headers["set-cookie"]
    assert cookie.startswith("mechanic_member=") and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    assert "Secure" not in cookie, "plain http in tests: Secure only when the request is https"


def test_an_assignment_message_carries_a_sign_in_link_that_opens_the_members_week(
    site: Site, container: Container, smtp: tuple[int, list[Message]], signal_api: SignalStub
) -> None:
    approve_one(site)
    private_link = site.members["Nia Hughes"][1]
    run_dispatcher(container)
    mail = _body(smtp[1][0])
    assert private_link not in mail and "private link" not in mail
    code = LINK.search(mail)
    assert code, mail
    signal_code = LINK.search(signal_api.received[0]["json"]["message"])
    assert signal_code and signal_code.group(1) != code.group(1), "each message its own code"
    with site.engine.connect() as conn:
        stored = conn.execute(select(notices.c.body)).scalars().all()
        hashes = conn.execute(select(member_signins.c.code_hash)).scalars().all()
    assert stored and not any(code.group(1) in b or "/m/signin/" in b for b in stored), "no code kept"
    assert len(hashes) == 2 and code.group(1) not in hashes, "only hashes of codes"

    client = TestClient(site.client.app)
    _sign_in(client, code.group(1))
    week = client.get("/m/me/")
    assert week.status_code == 200 and "Lift to the picket" in week.text
    # the session's pages take forms with the session's CSRF token, like the private link's
    answers = re.findall(r'action="(/m/me/assignments/[^"]+/accept)"', week.text)
    accepted = client.post(answers[0], data={"csrf": csrf_of(week.text)}, follow_redirects=False)
    assert accepted.status_code == 303 and accepted.headers["location"] == "/m/me/?answered=accept"
    forged = client.post(answers[0].replace("accept", "decline"), data={"csrf": "x"})
    assert forged.status_code == 403
    # the code worked once
    again = TestClient(site.client.app)
    opened = again.get(f"/m/signin/{code.group(1)}")
    spent = again.post(f"/m/signin/{code.group(1)}", data={"csrf": csrf_of(opened.text)})
    assert spent.status_code == 410 and "has been used or has expired" in spent.text
    assert again.get("/m/me/").status_code == 403
    # signing out ends the session on the server, not only the cookie
    value = client.cookies.get("mechanic_member")
    week = client.get("/m/me/")
    out = client.post("/m/me/signout", data={"csrf": csrf_of(week.text)}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/m/signin?signed_out=1"
    replay = TestClient(site.client.app)
    replay.cookies.set("mechanic_member", value or "")
    assert replay.get("/m/me/").status_code == 403
    assert "Send me a sign-in link" in replay.get("/m/me/").text


def test_send_me_a_sign_in_link_answers_the_same_and_sends_by_email_or_signal(
    site: Site, container: Container, smtp: tuple[int, list[Message]], signal_api: SignalStub
) -> None:
    site.add_member("Nia Hughes", email="nia@example.org", phone="+44 7700 900123")
    client = TestClient(site.client.app)

    def ask(address: str) -> str:
        form = client.get("/m/signin")
        answer = client.post("/m/signin", data={"csrf": csrf_of(form.text), "address": address})
        assert answer.status_code == 200
        return answer.text

    known, unknown = ask("Nia@Example.org"), ask("nobody@example.org")
    assert "If it belongs to a member, a link is on its way" in known
    assert known.replace("Nia@Example.org", "") == unknown.replace("nobody@example.org", "")
    ask("07700 900999")
    ask("+447700900123")
    container.notifier.deliver()
    assert [m["To"] for m in smtp[1]] == ["nia@example.org"]
    assert [r["json"]["recipients"] for r in signal_api.received] == [["+44 7700 900123"]]
    code = LINK.search(_body(smtp[1][0]))
    assert code and site.members["Nia Hughes"][1] not in _body(smtp[1][0])
    _sign_in(TestClient(site.client.app), code.group(1))


def test_asking_is_throttled_per_address_without_saying_so(
    site: Site, container: Container, smtp: tuple[int, list[Message]]
) -> None:
    site.add_member("Nia Hughes", email="nia@example.org")
    client = TestClient(site.client.app)
    for _ in range(5):
        form = client.get("/m/signin")
        answer = client.post("/m/signin", data={"csrf": csrf_of(form.text), "address": "nia@example.org"})
        assert "If it belongs to a member, a link is on its way" in answer.text
    container.notifier.deliver()
    assert len(smtp[1]) == 3, "three per address within the window"


def test_a_form_without_the_cookie_token_is_refused(site: Site) -> None:
    client = TestClient(site.client.app)
    refused = client.post("/m/signin", data={"csrf": "forged", "address": "nia@example.org"})
    assert refused.status_code == 403
