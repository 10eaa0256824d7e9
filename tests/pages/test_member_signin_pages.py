"""Sign-in links and member sessions without the mail server: opening a link spends nothing (a mail
scanner may open it first), a code expires, the cookie is Secure over https, and a deactivated
member's session stops working at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update

from services.commands import DeactivateMember
from services.store import member_signin
from services.store.tables import member_signins
from tests.commands_support import run_in
from tests.pages.support import Site, csrf_of


def _code(site: Site, member_id: str) -> str:
    with site.engine.begin() as conn:
        return member_signin.issue(conn, site.club_id, member_id)


def test_opening_a_link_spends_nothing_and_the_cookie_is_secure_over_https(site: Site) -> None:
    nia, _ = site.add_member("Nia Hughes")
    site.free_every_day(nia)
    code = _code(site, nia)
    client = TestClient(site.client.app, base_url="https://testserver")
    for _ in range(3):  # a scanner's visits
        opened = client.get(f"/m/signin/{code}")
    done = client.post(f"/m/signin/{code}", data={"csrf": csrf_of(opened.text)}, follow_redirects=False)
    cookie = done.headers["set-cookie"]
    assert done.status_code == 303 and cookie.startswith("__Host-mechanic_member=")
    assert "Secure" in cookie and "HttpOnly" in cookie and "Path=/;" in cookie and "Domain" not in cookie
    assert "Hello Nia" in client.get("/m/me/").text


def test_an_expired_code_is_refused_and_a_deactivated_members_session_ends(site: Site) -> None:
    nia, _ = site.add_member("Nia Hughes")
    site.free_every_day(nia)
    old, fresh = _code(site, nia), _code(site, nia)
    with site.engine.begin() as conn:
        conn.execute(
            update(member_signins)
            .where(member_signins.c.code_hash == member_signin._digest(old))
            .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
        )
    client = TestClient(site.client.app)
    opened = client.get(f"/m/signin/{old}")
    assert client.post(f"/m/signin/{old}", data={"csrf": csrf_of(opened.text)}).status_code == 410
    forged = client.post(f"/m/signin/{fresh}", data={"csrf": csrf_of(opened.text)})
    assert forged.status_code == 403, "each code's form carries its own token"
    opened = client.get(f"/m/signin/{fresh}")
    client.post(f"/m/signin/{fresh}", data={"csrf": csrf_of(opened.text)})
    assert client.get("/m/me/").status_code == 200
    with site.engine.begin() as conn:
        run_in(conn, DeactivateMember(site.club_id, nia))
    assert client.get("/m/me/").status_code == 403
