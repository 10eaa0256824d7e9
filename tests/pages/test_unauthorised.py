"""Every page refuses an unknown, revoked, deactivated or wrong-role link, and a missing, forged or
ended session, with 403/404 and a page that holds none of the club's data."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api.pages.security import link_csrf
from services.commands import DeactivateMember
from services.store import tokens, writes
from tests.commands_support import create_club, run_in
from tests.pages.support import Site, csrf_of, solve_state

PARTNER_PAGES = [
    ("get", "/"),
    ("get", "/new"),
    ("post", "/new"),
    ("get", "/requests/{rid}"),
    ("post", "/requests/{rid}/cancel"),
]
MEMBER_PAGES = [
    ("get", "/"),
    ("get", "/availability"),
    ("post", "/availability"),
    ("get", "/profile"),
    ("post", "/profile"),
    ("post", "/calendar"),
    ("post", "/assignments/{aid}/accept"),
    ("post", "/assignments/{aid}/decline"),
]
COORDINATOR_PAGES = [
    ("get", "/c/"),
    ("get", "/c/status.json"),
    ("post", "/c/approve"),
    ("post", "/c/resolve"),
    ("get", "/c/swap?slot={rid}:0"),
    ("post", "/c/swap"),
    ("get", "/c/members"),
    ("post", "/c/members"),
    ("get", "/c/partners"),
    ("post", "/c/partners"),
    ("post", "/c/members/{mid}/rotate"),
    ("post", "/c/members/{mid}/deactivate"),
    ("post", "/c/partners/{pid}/rotate"),
    ("get", "/c/report"),
    ("get", "/c/report.csv"),
    ("post", "/c/logout"),
]
SECRETS = ("Nia", "Hughes", "Lift to the picket", "Depot", "Tenants Union", "Test club")


def _no_data(answer: object, what: str) -> None:
    text = answer.text  # type: ignore[attr-defined]
    assert not any(s in text for s in SECRETS), (what, text)


def _world(site: Site) -> dict[str, str]:
    member_id, member_token = site.add_member("Nia Hughes")
    request_id = site.add_request()
    return {
        "rid": request_id,
        "mid": member_id,
        "pid": site.partner_id,
        "aid": "a-000000000000",
        "member": member_token,
        "feed": site.calendar_feed(member_token),
    }


def test_link_pages_refuse_unknown_and_wrong_role_links(site: Site) -> None:
    w = _world(site)
    for prefix, pages, wrong in (
        ("/p/", PARTNER_PAGES, w["member"]),
        ("/m/", MEMBER_PAGES, site.partner_token),
    ):
        for method, tail in pages:
            for token in ("not-a-token", wrong):
                answer = getattr(site.client, method)(prefix + token + tail.format(**w))
                assert answer.status_code == 404, (method, prefix, tail)
                _no_data(answer, tail)
    calendar_token = w["feed"].split("/")[2]
    for path in (f"/m/{calendar_token}/", f"/m/{calendar_token}/profile", f"/p/{calendar_token}/"):
        assert site.client.get(path).status_code == 404, "a calendar link opens no page"
    assert site.client.get(
        "/api/member/me", headers={"Authorization": f"Bearer {calendar_token}"}
    ).status_code in (
        401,
        403,
    )
    assert site.client.get(f"/cal/{w['member']}/feed.ics").status_code == 404, "nor a page link a feed"


def test_revoked_and_deactivated_links_stop_working(site: Site) -> None:
    w = _world(site)
    with site.engine.begin() as conn:
        new_partner = tokens.rotate(conn, "partner", site.club_id, site.partner_id)
        run_in(conn, DeactivateMember(site.club_id, w["mid"]))
    assert site.client.get(f"/p/{site.partner_token}/").status_code == 404
    assert site.client.get(f"/p/{new_partner}/").status_code == 200
    answer = site.client.get(w["feed"])
    assert answer.status_code == 404
    _no_data(answer, "calendar")


def test_coordinator_pages_need_a_live_session(site: Site) -> None:
    w = _world(site)
    anonymous, forged = TestClient(site.client.app), TestClient(site.client.app)
    forged.cookies.set("mechanic_session", "forged")
    for client in (anonymous, forged):
        for method, path in COORDINATOR_PAGES:
            answer = getattr(client, method)(path.format(**w))
            assert answer.status_code == 403, (method, path)
            _no_data(answer, path)
    site.login()
    board = site.client.get("/c/")
    site.client.post("/c/logout", data={"csrf": csrf_of(board.text)})
    assert site.client.get("/c/").status_code == 403, "a closed session no longer works"


def test_forms_without_their_csrf_token_change_nothing(site: Site) -> None:
    w = _world(site)
    site.login()
    for path in ("/c/resolve", f"/c/members/{w['mid']}/deactivate"):
        assert site.client.post(path, data={"csrf": "wrong"}).status_code == 403
    assert site.client.post(f"/p/{site.partner_token}/requests/{w['rid']}/cancel", data={}).status_code == 403
    foreign = site.client.post(
        f"/m/{w['member']}/profile",
        headers={"Origin": "https://evil.example"},
        data={"csrf": csrf_of(site.client.get(f"/m/{w['member']}/profile").text)},
    )
    assert foreign.status_code == 403
    assert (
        "Nia" in site.client.get("/c/members").text and "inactive" not in site.client.get("/c/members").text
    )
    assert (
        site.client.get(f"/p/{site.partner_token}/requests/{w['rid']}").text.count("Cancel this request") == 1
    )
    assert solve_state(site.client) == {"pending": False, "failure": None}, (
        "the refused re-solve did not happen"
    )


def test_nothing_crosses_between_partners_members_or_clubs(site: Site) -> None:
    w = _world(site)
    with site.engine.begin() as conn:
        _, other_partner = writes.add_partner(conn, site.club_id, "Food Bank", None)
        other_club, _ = create_club(conn, "Other club")
        _, foreign_partner = writes.add_partner(conn, other_club, "Elsewhere", None)
    for token in (other_partner, foreign_partner):
        assert site.client.get(f"/p/{token}/requests/{w['rid']}").status_code == 404
        page = site.client.get(f"/p/{token}/")
        assert "Lift to the picket" not in page.text
        cancel = site.client.post(f"/p/{token}/requests/{w['rid']}/cancel", data={"csrf": link_csrf(token)})
        assert cancel.status_code == 404


def test_pages_send_security_headers(site: Site) -> None:
    answer = site.client.get(f"/p/{site.partner_token}/")
    assert answer.headers["referrer-policy"] == "same-origin", "private links never leak in a Referer"
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    assert answer.headers["cache-control"] == "no-store"
