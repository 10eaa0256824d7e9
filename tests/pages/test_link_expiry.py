"""Private links expire after a time unused (services/store/tokens.Lifetimes): a member's after 90 days,
a partner's after 180, a calendar feed's after 30 by default. Every use starts the time again; an
expired link answers 410 on pages and 401 in the API, saying what to do; coordinators see which
links have expired and make new ones, on the audit trail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from services.store.tables import audit_log, tokens
from services.store.tokens import _digest
from tests.pages.support import Site, csrf_of


def _last_used(site: Site, token: str, days_ago: float | None, made_days_ago: float = 0) -> None:
    """Set when ``token`` was made and last used, as if that much time had passed."""
    now = datetime.now(UTC)
    used = None if days_ago is None else now - timedelta(days=days_ago)
    with site.engine.begin() as conn:
        conn.execute(
            update(tokens)
            .where(tokens.c.token_hash == _digest(token))
            .values(last_used_at=used, created_at=now - timedelta(days=made_days_ago))
        )


def _used_at(site: Site, token: str) -> datetime | None:
    with site.engine.connect() as conn:
        return conn.execute(
            select(tokens.c.last_used_at).where(tokens.c.token_hash == _digest(token))
        ).scalar()


def test_a_member_link_unused_for_90_days_says_to_ask_for_a_sign_in_link(site: Site) -> None:
    _, token = site.add_member("Ola Quiet")
    _last_used(site, token, days_ago=91, made_days_ago=200)
    answer = site.client.get(f"/m/{token}/")
    assert answer.status_code == 410, answer.text
    assert "not used for 90 days" in answer.text and 'href="/m/signin"' in answer.text
    assert "Ola" not in answer.text  # the page holds no data
    api = site.client.get("/api/member/me", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 401 and "/m/signin" in api.json()["detail"]
    assert 'error="invalid_token"' in api.headers["www-authenticate"]


def test_a_link_never_used_expires_from_when_it_was_made(site: Site) -> None:
    _, token = site.add_member("Pat Never")
    _last_used(site, token, days_ago=None, made_days_ago=90.01)
    assert site.client.get(f"/m/{token}/").status_code == 410
    _last_used(site, token, days_ago=None, made_days_ago=89)
    assert site.client.get(f"/m/{token}/").status_code == 200


def test_each_use_starts_the_time_again_but_is_written_at_most_hourly(site: Site) -> None:
    _, token = site.add_member("Rhi Regular")
    _last_used(site, token, days_ago=89, made_days_ago=400)
    assert site.client.get(f"/m/{token}/").status_code == 200
    first = _used_at(site, token)
    assert first is not None and datetime.now(UTC) - first < timedelta(minutes=1)
    assert site.client.get("/api/member/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert _used_at(site, token) == first  # within the hour: no second write
    _last_used(site, token, days_ago=89.9, made_days_ago=400)
    assert site.client.get("/api/member/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert site.client.get(f"/m/{token}/").status_code == 200  # the API's use counted too


def test_a_partner_link_expires_after_180_days_and_the_coordinator_makes_a_new_one(site: Site) -> None:
    token = site.partner_token
    _last_used(site, token, days_ago=179, made_days_ago=400)
    listing = site.login().get("/c/partners")
    assert "Link expired" not in listing.text and "180 days unused" in listing.text
    _last_used(site, token, days_ago=181, made_days_ago=400)
    page = site.client.get(f"/p/{token}/")
    assert page.status_code == 410 and "Ask your coordinator for a new link" in page.text
    assert 'href="/m/signin"' not in page.text
    api = site.client.get("/api/partner/requests", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 401 and "Ask your coordinator" in api.json()["detail"]
    listing = site.client.get("/c/partners")
    assert "Link expired (unused since" in listing.text
    made = site.client.post(f"/c/partners/{site.partner_id}/rotate", data={"csrf": csrf_of(listing.text)})
    new_path = made.text.split('class="copy" readonly value="')[1].split('"')[0].split("testserver", 1)[1]
    assert site.client.get(new_path).status_code == 200
    assert site.client.get(f"/p/{token}/").status_code == 404  # the old one is gone for good
    assert "Link expired" not in site.client.get("/c/partners").text
    with site.engine.connect() as conn:
        actions = conn.execute(select(audit_log.c.action, audit_log.c.object_id)).all()
    assert ("link.rotate", site.partner_id) in actions


def test_the_coordinators_member_list_shows_expired_links(site: Site) -> None:
    member_id, token = site.add_member("Sam Gone")
    _last_used(site, token, days_ago=100, made_days_ago=100)
    listing = site.login().get("/c/members")
    assert listing.status_code == 200
    row = listing.text.split("Sam Gone</th>")[1].split("</tr>")[0]
    assert "Link expired" in row and f"/c/members/{member_id}/rotate" in row


def test_a_calendar_feed_unread_for_30_days_stops_and_its_renewal_is_audited(site: Site) -> None:
    member_id, token = site.add_member("Tom Calendar")
    feed = site.calendar_feed(token)
    cal_token = feed.split("/")[2]
    assert site.client.get(feed).status_code == 200
    _last_used(site, cal_token, days_ago=31, made_days_ago=31)
    gone = site.client.get(feed)
    assert gone.status_code == 410 and "make a new calendar link" in gone.text
    new_feed = site.calendar_feed(token)
    assert site.client.get(new_feed).status_code == 200 and site.client.get(feed).status_code == 404
    with site.engine.connect() as conn:
        actions = conn.execute(select(audit_log.c.action, audit_log.c.actor_id)).all()
    assert actions.count(("calendar.rotate", member_id)) == 2
    trail = site.login().get("/c/audit").text
    assert "Tom Calendar</th>" in trail and "made a new calendar link" in trail


def test_the_member_list_tells_a_link_used_from_one_never_opened(site: Site) -> None:
    _, used = site.add_member("Ann Used")
    site.add_member("Ben Fresh")
    _last_used(site, used, days_ago=10, made_days_ago=40)
    listing = site.login().get("/c/members").text
    ann = listing.split("Ann Used</th>")[1].split("</tr>")[0]
    ben = listing.split("Ben Fresh</th>")[1].split("</tr>")[0]
    assert "used " in ann and "not opened yet" not in ann
    assert "not opened yet (made " in ben
