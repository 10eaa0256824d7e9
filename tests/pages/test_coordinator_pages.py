"""Coordinator pages: claim and log in, review and approve the board, swap, re-solve, admin, report."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from events import PrivateLinkRotated, ReplanAsked
from services.store import tokens, views
from services.store.tables import assignments, audit_log, coordinators, pins, roster_entries, rosters
from tests.commands_support import create_club
from tests.pages.support import PASSWORD, Site, confirm, csrf_of, solve_state
from tests.pages.test_partner_pages import form as partner_form


def roster_id_of(html: str) -> str:
    return html.split('name="roster_id" value="')[1].split('"')[0]


def test_a_coordinator_claims_an_account_from_the_private_link_then_logs_in(site: Site) -> None:
    with site.engine.begin() as conn:
        _, token = create_club(conn, "Second club")
    claim = site.client.get(f"/c/claim/{token}")
    made = site.client.post(
        f"/c/claim/{token}",
        data={
            "csrf": csrf_of(claim.text),
            "name": "Ana",
            "email": "ana@example.org",
            "password": PASSWORD,
            "password2": PASSWORD,
        },
        follow_redirects=False,
    )
    assert made.status_code == 303
    assert site.client.get(f"/c/claim/{token}").status_code == 404, "a link claims one account only"
    login = site.client.get("/c/login")
    wrong = site.client.post(
        "/c/login", data={"csrf": csrf_of(login.text), "email": "ana@example.org", "password": "nope"}
    )
    assert wrong.status_code == 401 and "do not match" in wrong.text
    login = site.client.get("/c/login")
    ok = site.client.post(
        "/c/login", data={"csrf": csrf_of(login.text), "email": "ANA@example.org", "password": PASSWORD}
    )
    assert ok.status_code == 200 and "Roster" in ok.text and "Second club" in ok.text


def test_log_in_without_the_forms_token_is_refused(site: Site) -> None:
    fresh = TestClient(site.client.app)
    answer = fresh.post("/c/login", data={"csrf": "x", "email": site.coordinator_email, "password": PASSWORD})
    assert answer.status_code == 403 and "mechanic_session" not in answer.headers.get("set-cookie", "")


TITLES = ("Cook for the strike kitchen", "Lift to the picket")


def test_before_any_approval_nothing_is_counted_as_changed_and_a_new_request_says_it_waits(
    site: Site,
) -> None:
    nia, _ = site.add_member("Nia Hughes")
    planned = site.add_request(title="Lift to the picket")
    site.propose([(planned, 0, nia)], unfilled=[(planned, 1)])
    site.add_request(hours_from_now=40, title="Cook for the strike kitchen")
    board = site.login().get("/c/").text
    assert "nothing approved yet" in board and "changed since the approved roster" not in board
    cards = {
        title: card for card in board.split('<article class="req">')[1:] for title in TITLES if title in card
    }
    assert "New since this proposal: the next one plans it" in cards["Cook for the strike kitchen"]
    assert "Nia Hughes" in cards["Lift to the picket"] and "New since" not in cards["Lift to the picket"]


def test_the_board_shows_the_proposal_changes_and_unfilled_reasons_then_approves_with_pins(
    site: Site,
) -> None:
    nia, _ = site.add_member("Nia Hughes")
    owain, _ = site.add_member("Owain Price")
    first, second = (
        site.add_request(30, 2, "Lift to the picket"),
        site.add_request(33, 1, "Lift to the court"),
    )
    roster_id = site.propose([(first, 0, nia), (first, 1, owain), (second, 0, nia)], [])
    board = site.login().get("/c/")
    assert "Nia Hughes" in board.text and "nothing approved yet" in board.text
    asked = site.client.post(
        "/c/approve",
        data={
            "csrf": csrf_of(board.text),
            "roster_id": roster_id,
            "pin": f"{first}:0",
            "remove": f"{second}:0",
        },
    )
    assert "Approve this roster?" in asked.text and "1 place pinned" in asked.text
    assert "This roster fills 3 places with 2 people." in asked.text
    assert "1 place left out" in asked.text
    assert "RosterApproved" not in [e.type for e in site.outbox_events()], "nothing happens before the yes"
    approved = confirm(site.client, asked)
    assert "Approved: members are being told." in approved.text
    site.dispatch()
    with site.engine.connect() as conn:
        issued = sorted((r.request_id, r.member_id) for r in conn.execute(select(assignments)))
        pinned = {
            (r.request_id, r.slot_index)
            for r in conn.execute(select(roster_entries).where(roster_entries.c.pinned))
        }
    assert issued == sorted([(first, nia), (first, owain)]) and pinned == {(first, 0)}
    third = site.add_request(60, 1, "Lift to the rally")
    site.propose([(first, 0, nia, True), (first, 1, nia, False), (third, 0, owain, False)], [(second, 0)])
    board = site.client.get("/c/").text
    assert "2</strong> changed since the approved roster" in board
    assert "<em>was Owain Price</em>" in board and "Unfilled: Nobody with skill driver is free then" in board
    assert f'name="remove" value="{first}:0"' in board
    assert f'name="pin" value="{first}:0"' not in board, "a pinned place offers no second pin"
    assert f'name="pin" value="{first}:1"' in board


def test_a_stale_proposal_cannot_be_approved(site: Site) -> None:
    nia, _ = site.add_member("Nia Hughes")
    request_id = site.add_request()
    old = site.propose([(request_id, 0, nia)])
    board = site.login().get("/c/")
    site.propose([(request_id, 1, nia)])
    answer = site.client.post(
        "/c/approve", data={"csrf": csrf_of(board.text), "roster_id": old, "confirm": "1"}
    )
    assert "A newer proposal arrived" in answer.text
    with site.engine.connect() as conn:
        assert conn.execute(select(rosters.c.status).where(rosters.c.id == old)).scalar_one() == "superseded"


def _two_lifts_one_morning(site: Site, owain_skills: list[str]) -> tuple[str, str, str, str, str]:
    """Nia and Owain on two lifts the day after tomorrow, mid-morning (swaps are offered within one
    club day); returns (roster, first lift, second lift, Nia, Owain)."""
    nia, _ = site.add_member("Nia Hughes")
    owain, _ = site.add_member("Owain Price", skills=owain_skills, car_seats=None)
    for member_id in (nia, owain):
        site.free_every_day(member_id)
    tz = ZoneInfo("Europe/London")
    morning = datetime.combine((datetime.now(tz) + timedelta(days=2)).date(), time(10), tz)
    hours = int((morning - datetime.now(UTC)).total_seconds() // 3600)
    first, second = (
        site.add_request(hours, 1, "Lift to the picket"),
        site.add_request(hours + 3, 1, "Lift to the court"),
    )
    return site.propose([(first, 0, nia), (second, 0, owain)]), first, second, nia, owain


def _swap(site: Site, roster_id: str, first: str, second: str) -> Any:
    form = site.login().get(f"/c/swap?slot={first}:0")
    assert form.status_code == 200 and "Owain Price: Lift to the court" in form.text
    return site.client.post(
        "/c/swap",
        data={
            "csrf": csrf_of(form.text),
            "roster_id": roster_id,
            "slot": f"{first}:0",
            "with": f"{second}:0",
        },
    )


def test_a_swap_exchanges_two_people_and_pins_both(site: Site) -> None:
    roster_id, first, second, nia, owain = _two_lifts_one_morning(site, ["driver"])
    assert "Swapped" in _swap(site, roster_id, first, second).text
    with site.engine.connect() as conn:
        rows = {(r.request_id, r.member_id, r.pinned) for r in conn.execute(select(roster_entries))}
        pinned = {(r.request_id, r.member_id) for r in conn.execute(select(pins))}
    assert rows == {(first, owain, True), (second, nia, True)}
    assert pinned == {(first, owain), (second, nia)}
    assert [e.type for e in site.outbox_events()][-2:] == ["MemberPinned", "MemberPinned"]
    with site.engine.connect() as conn:
        trail = {
            (r.actor_id, r.action, r.object_id, r.related_id)
            for r in conn.execute(select(audit_log).where(audit_log.c.action != "session.open"))
        }
    who = site.coordinator_id
    assert trail == {(who, "slot.swap", owain, first), (who, "slot.swap", nia, second)}


def test_a_swap_that_puts_someone_who_does_not_drive_on_a_lift_is_refused_naming_the_rule(site: Site) -> None:
    roster_id, first, second, nia, owain = _two_lifts_one_morning(site, [])
    refused = _swap(site, roster_id, first, second)
    assert refused.status_code == 409
    assert "Owain Price does not have the driver skill." in refused.text
    with site.engine.connect() as conn:
        rows = {(r.request_id, r.member_id, r.pinned) for r in conn.execute(select(roster_entries))}
        assert conn.execute(select(pins)).first() is None
    assert rows == {(first, nia, False), (second, owain, False)}, "nothing changed"


def test_re_solve_shows_progress_until_the_scheduler_catches_up(site: Site) -> None:
    board = site.login().get("/c/")
    assert solve_state(site.client) == {"pending": False, "failure": None}
    answer = site.client.post("/c/resolve", data={"csrf": csrf_of(board.text)})
    assert "Working out a new proposal" in answer.text and 'data-pending="1"' in answer.text
    assert solve_state(site.client) == {"pending": True, "failure": None}
    asked = [e for e in site.outbox_events() if isinstance(e, ReplanAsked)]
    assert [e.asked_by for e in asked] == [site.coordinator_id]


def test_invite_rotate_and_deactivate_private_links(site: Site) -> None:
    page = site.login().get("/c/members")
    invited = site.invite_member(csrf_of(page.text), email="", phone="")
    assert invited.status_code == 201 and "shown only once" in invited.text
    link = invited.text.split('class="copy" readonly value="')[1].split('"')[0]
    path = link.split("testserver", 1)[1]
    assert site.client.get(path).status_code == 200
    with site.engine.connect() as conn:
        member_id = tokens.resolve(conn, path.split("/")[2]).subject_id  # type: ignore[union-attr]
    rotated = site.client.post(f"/c/members/{member_id}/rotate", data={"csrf": csrf_of(page.text)})
    new_path = rotated.text.split('class="copy" readonly value="')[1].split('"')[0].split("testserver", 1)[1]
    assert site.client.get(path).status_code == 404 and site.client.get(new_path).status_code == 200
    rotations = [e for e in site.outbox_events() if isinstance(e, PrivateLinkRotated)]
    assert [(e.role, e.subject_id, e.rotated_by) for e in rotations] == [
        ("member", member_id, site.coordinator_id)
    ]
    asked = site.client.post(f"/c/members/{member_id}/deactivate", data={"csrf": csrf_of(page.text)})
    assert "Deactivate Zara Ali?" in asked.text and site.client.get(new_path).status_code == 200
    confirm(site.client, asked)
    assert site.client.get(new_path).status_code == 404
    bad = site.invite_member(csrf_of(page.text), name="", home_lat="x", home_lon="0")
    assert bad.status_code == 422 and 'id="e-name"' in bad.text and 'id="e-home_lat"' in bad.text


def test_the_monthly_report_and_its_csv(site: Site) -> None:
    site.add_member("=HYPERLINK(evil)")
    site.add_member("Nia Hughes")
    report = site.login().get("/c/report?weeks=2")
    assert (
        report.status_code == 200
        and "Inactive for 2 weeks" in report.text
        and "never assigned" in report.text
    )
    csv = site.client.get("/c/report.csv")
    lines = csv.text.splitlines()
    assert lines[0] == "member,active,assignments_done,hours,declines,no_shows,upcoming"
    assert "'=HYPERLINK(evil),True,0,0.0,0,0,0" in lines and "Nia Hughes,True,0,0.0,0,0,0" in lines


def test_a_coordinator_erases_a_member_after_a_confirmation_and_their_link_dies(site: Site) -> None:
    member_id, token = site.add_member("Yusuf Erasable", email="yusuf@example.org")
    listing = site.login().get("/c/members")
    assert "30 days after an action ends" in listing.text and "court support, lookout" in listing.text
    confirm = site.client.get(f"/c/members/{member_id}/erase")
    assert confirm.status_code == 200 and "Erase Yusuf Erasable for good" in confirm.text
    assert site.client.get(f"/m/{token}/").status_code == 200
    done = site.client.post(
        f"/c/members/{member_id}/erase", data={"csrf": csrf_of(confirm.text)}, follow_redirects=False
    )
    assert done.status_code == 303
    after = site.client.get("/c/members").text
    assert "Yusuf" not in after and "Erased member" in after
    assert site.client.get(f"/m/{token}/").status_code == 404
    other_club = site.client.get("/c/members/m-nobody/erase")
    assert other_club.status_code == 404


def test_claiming_revokes_the_link_and_programs_use_named_expiring_revocable_keys(site: Site) -> None:
    with site.engine.begin() as conn:
        _, link = create_club(conn, "Another club")
    claim = site.client.get(f"/c/claim/{link}")
    assert (
        site.client.get("/api/coordinator/members", headers={"Authorization": f"Bearer {link}"}).status_code
        == 200
    )
    fields = {"name": "Dee", "email": "dee@example.org", "password": PASSWORD, "password2": PASSWORD}
    claimed = site.client.post(
        f"/c/claim/{link}", data={"csrf": csrf_of(claim.text), **fields}, follow_redirects=False
    )
    assert claimed.status_code == 303
    assert (
        site.client.get("/api/coordinator/members", headers={"Authorization": f"Bearer {link}"}).status_code
        == 401
    )
    assert site.client.get(f"/c/claim/{link}").status_code == 404

    keys = site.login().get("/c/keys")
    made = site.client.post("/c/keys", data={"csrf": csrf_of(keys.text), "label": "Signal bot", "days": "30"})
    assert made.status_code == 200 and "shown only once" in made.text
    key = made.text.split('id="new-key" class="copy" readonly value="')[1].split('"')[0]
    bearer = {"Authorization": f"Bearer {key}"}
    assert site.client.get("/api/coordinator/members", headers=bearer).status_code == 200
    refused = site.client.post("/c/keys", data={"csrf": csrf_of(keys.text), "label": "", "days": "9999"})
    assert refused.status_code == 422 and "from 1 to 365" in refused.text
    key_id = made.text.split('action="/c/keys/')[1].split("/revoke")[0]
    site.client.post(f"/c/keys/{key_id}/revoke", data={"csrf": csrf_of(keys.text)})
    assert site.client.get("/api/coordinator/members", headers=bearer).status_code == 401


def test_an_expired_key_or_a_deactivated_coordinators_key_opens_nothing(site: Site) -> None:
    with site.engine.begin() as conn:
        old = tokens.issue(conn, "coordinator", site.club_id, site.coordinator_id, "old", datetime.now(UTC))
        fresh = tokens.issue(
            conn,
            "coordinator",
            site.club_id,
            site.coordinator_id,
            "fresh",
            datetime.now(UTC) + timedelta(days=1),
        )
    members = "/api/coordinator/members"
    assert site.client.get(members, headers={"Authorization": f"Bearer {old}"}).status_code == 401
    assert site.client.get(members, headers={"Authorization": f"Bearer {fresh}"}).status_code == 200
    with site.engine.begin() as conn:
        conn.execute(
            update(coordinators).where(coordinators.c.id == site.coordinator_id).values(active=False)
        )
    assert site.client.get(members, headers={"Authorization": f"Bearer {fresh}"}).status_code == 401


def test_a_coordinator_enters_a_request_for_a_partner_who_phoned(site: Site) -> None:
    client = site.login()
    page = client.get("/c/requests/new")
    assert page.status_code == 200 and "For which partner" in page.text and "Tenants Union" in page.text
    fields = partner_form(site, csrf=csrf_of(page.text), contact_name="", contact_phone="", notes="")
    unchosen = client.post("/c/requests/new", data=fields)
    assert unchosen.status_code == 422 and "Choose the partner this request is for." in unchosen.text
    assert 'value="Cook for the branch meeting"' in unchosen.text, "what was typed is kept"
    sent = client.post("/c/requests/new", data=fields | {"partner_id": site.partner_id})
    assert sent.status_code == 200 and "1 request stored for Tenants Union" in sent.text
    listed = client.get("/api/partner/requests", headers={"Authorization": f"Bearer {site.partner_token}"})
    assert [r["title"] for r in listed.json()] == ["Cook for the branch meeting"], (
        "the request is the partner's"
    )
    assert "entered a request for Tenants Union" in client.get("/c/audit").text
    assert [e.type for e in site.outbox_events()].count("RequestSubmitted") == 1


def test_a_coordinator_changes_how_long_details_are_kept_never_below_the_streams_days(site: Site) -> None:
    listing = site.login().get("/c/members")
    assert 'name="retention_days"' in listing.text
    assert 'name="high_risk" value="court_support"' not in listing.text
    short = site.client.post(
        "/c/retention", data={"csrf": csrf_of(listing.text), "retention_days": "7", "high_risk": "childcare"}
    )
    assert (
        short.status_code == 422 and "from 30 to 365" in short.text and 'id="e-retention_days"' in short.text
    )
    saved = site.client.post(
        "/c/retention",
        data={
            "csrf": csrf_of(listing.text),
            "retention_days": "60",
            "high_risk": ["childcare", "not a kind"],
        },
    )
    assert saved.status_code == 200 and "60 days after an action ends" in saved.text
    assert "for childcare, court support, lookout so is who went" in saved.text
    with site.engine.connect() as conn:
        assert views.club_policy(conn, site.club_id)["high_risk_kinds"] == [
            "childcare",
            "court_support",
            "lookout",
        ]
    assert "changed how long personal data is kept" in site.client.get("/c/audit").text
    changed = [e for e in site.outbox_events() if e.type == "RetentionChanged"]
    assert len(changed) == 1, "the refused change emitted nothing"
    assert changed[0].retention_days == 60 and changed[0].high_risk_kinds == ["childcare"]


def test_an_invite_says_plainly_why_nothing_was_sent(site: Site) -> None:
    page = site.login().get("/c/members")
    assert 'name="send_by" value="email"' in page.text and 'name="send_by" value="signal"' in page.text
    unsent = site.invite_member(csrf_of(page.text), email="", phone="", send_by="email")
    assert (
        unsent.status_code == 201
        and "Nothing was sent: there is no email address for Zara Ali" in unsent.text
    )
    assert 'class="copy"' in unsent.text, "the link can still be copied"
    no_phone = site.invite_member(
        csrf_of(page.text), name="Owain Rees", email="o@example.org", send_by="signal"
    )
    assert "no phone number for Signal for Owain Rees" in no_phone.text
    listed = site.client.get("/c/members")
    assert listed.text.count("Send the invite again") == 1, "only the member with a contact"
