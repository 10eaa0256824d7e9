"""Offer to help: a member sees the open places of the next four weeks they could take (an unfilled
place of the proposal, a request beyond its horizon), offers for one, and it is pinned for the next
proposal with a HelpOffered event; a place the rules keep them from is refused in words."""

from __future__ import annotations

from sqlalchemy import select

from api.pages.security import link_csrf
from events import AssignmentAccepted, AssignmentIssued, HelpOffered
from services.store.tables import assignments, pins
from tests.commands_support import register
from tests.pages.support import MEMBER, Site, csrf_of


def test_a_member_offers_for_an_open_place_and_it_is_pinned_for_the_next_proposal(site: Site) -> None:
    nia, token = site.add_member("Nia Hughes")
    site.free_every_day(nia)
    tomorrow = site.add_request(hours_from_now=26, headcount=2, title="Lift to the picket")
    later = site.add_request(hours_from_now=24 * 12, headcount=1, title="Lift to the tribunal")
    site.add_request(hours_from_now=24 * 40, headcount=1, title="Lift next season")
    site.propose([], unfilled=[(tomorrow, 0), (tomorrow, 1)])
    page = site.client.get(f"/m/{token}/offers")
    assert page.status_code == 200
    assert "Lift to the picket" in page.text and "2 places open" in page.text
    assert "Lift to the tribunal" in page.text, "a request beyond the proposal's horizon"
    assert "Lift next season" not in page.text, "only the next four weeks"
    done = site.client.post(
        f"/m/{token}/offers",
        data={"csrf": csrf_of(page.text), "request_id": later, "slot_index": "0"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == f"/m/{token}/offers?offered=1"
    with site.engine.connect() as conn:
        pinned = conn.execute(select(pins.c.request_id, pins.c.slot_index, pins.c.pinned_by)).all()
    assert [tuple(p) for p in pinned] == [(later, 0, nia)]
    offered = [e for e in site.outbox_events() if isinstance(e, HelpOffered)]
    assert [(e.request_id, e.slot_index, e.member_id) for e in offered] == [(later, 0, nia)]
    after = site.client.get(f"/m/{token}/offers?offered=1")
    assert "Thank you! Your offer goes into the next plan" in after.text
    assert "Your offers" in after.text and after.text.count("Lift to the tribunal") == 1


def test_a_place_the_rules_keep_a_member_from_is_not_listed_and_refused_in_words(site: Site) -> None:
    with site.engine.begin() as conn:
        owain, token = register(conn, site.club_id, MEMBER | {"name": "Owain Price", "skills": []})
    site.free_every_day(owain)
    needs_driver = site.add_request(hours_from_now=24 * 10, headcount=1, title="Lift to the tribunal")
    page = site.client.get(f"/m/{token}/offers")
    assert "Lift to the tribunal" not in page.text and "Nothing open that fits you" in page.text
    refused = site.client.post(
        f"/m/{token}/offers", data={"csrf": link_csrf(token), "request_id": needs_driver, "slot_index": "0"}
    )
    assert refused.status_code == 409
    assert "You cannot take this place: Owain Price does not have the driver skill." in refused.text
    with site.engine.connect() as conn:
        assert conn.execute(select(pins.c.member_id)).first() is None


def test_where_the_club_allows_self_sign_up_an_offer_on_a_free_place_goes_straight_in(site: Site) -> None:
    nia, token = site.add_member("Nia Hughes")
    site.free_every_day(nia)
    lift = site.add_request(hours_from_now=26, headcount=1, title="Lift to the picket")
    shift = site.add_request(hours_from_now=30, headcount=1, title="Food bank shift", kind="food_bank")
    site.approve(site.propose([], unfilled=[(lift, 0), (shift, 0)]))
    coordinator = site.login()
    members = coordinator.get("/c/members")
    assert "Members' offers to help wait for your approval" in members.text, "none by default"
    saved = coordinator.post(
        "/c/self-signup", data={"csrf": csrf_of(members.text), "kind": ["lift", "no such kind"]}
    )
    assert saved.status_code == 200 and "Members may sign themselves up for lift:" in saved.text
    page = site.client.get(f"/m/{token}/offers")
    done = site.client.post(
        f"/m/{token}/offers",
        data={"csrf": csrf_of(page.text), "request_id": lift, "slot_index": "0"},
        follow_redirects=False,
    )
    assert done.headers["location"] == f"/m/{token}/offers?offered=in"
    assert "The place is yours" in site.client.get(done.headers["location"]).text
    pending = site.client.post(
        f"/m/{token}/offers",
        data={"csrf": csrf_of(page.text), "request_id": shift, "slot_index": "0"},
        follow_redirects=False,
    )
    assert pending.headers["location"] == f"/m/{token}/offers?offered=1", "not a self sign-up kind"
    with site.engine.connect() as conn:
        placed = conn.execute(
            select(assignments.c.request_id, assignments.c.member_id, assignments.c.status)
        ).all()
        pinned = conn.execute(select(pins.c.request_id)).scalars().all()
    assert [tuple(a) for a in placed] == [(lift, nia, "accepted")]
    assert sorted(pinned) == sorted([lift, shift]), "both stay pinned for the next proposal"
    events = site.outbox_events()
    assert [e.request_id for e in events if isinstance(e, AssignmentIssued)] == [lift]
    assert [e.request_id for e in events if isinstance(e, AssignmentAccepted)] == [lift]
    board = coordinator.get("/c/").text
    assert "Nia Hughes" in board and "accepted" in board, "on the approved roster the board shows"
    audit = coordinator.get("/c/audit").text
    assert "Nia Hughes</th>\n<td>signed themselves up for a place" in audit


def test_self_sign_up_still_keeps_to_the_rules_and_to_free_places(site: Site) -> None:
    with site.engine.begin() as conn:
        owain, token = register(conn, site.club_id, MEMBER | {"name": "Owain Price", "skills": []})
    site.free_every_day(owain)
    lift = site.add_request(hours_from_now=26, headcount=1, title="Lift to the picket")
    site.approve(site.propose([], unfilled=[(lift, 0)]))
    coordinator = site.login()
    members = coordinator.get("/c/members")
    coordinator.post("/c/self-signup", data={"csrf": csrf_of(members.text), "kind": "lift"})
    refused = site.client.post(
        f"/m/{token}/offers", data={"csrf": link_csrf(token), "request_id": lift, "slot_index": "0"}
    )
    assert refused.status_code == 409 and "does not have the driver skill" in refused.text
    with site.engine.connect() as conn:
        assert conn.execute(select(assignments.c.id)).first() is None
