"""Lifts with pickups as partners, drivers and coordinators meet them: asked for with places and
people, each driver told whom to collect where and when, the partner told the seats found (never
who drives), and the passengers' places and phones forgotten once the lift is over."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from icalendar import Calendar
from sqlalchemy import func, insert, select, update

from services.commands import EraseMember, execute
from services.notify.compose import compose
from services.ports import MemberRow, PickupRow, PlannedRoute, PlanningSnapshot, RequestRow
from services.store import retention
from services.store.notices import SqlNoticeStore
from services.store.repositories import SqlRosters
from services.store.tables import assignments, lift_routes, notices, request_pickups, rosters, route_stops
from services.store.uow import SqlUnitOfWork
from services.translate import to_instance, to_proposal
from solver import Params, solve
from tests.pages.support import Site, csrf_of

START = (datetime.now(UTC) + timedelta(days=2)).replace(hour=9, minute=0, second=0, microsecond=0)
PICKUPS: list[dict[str, Any]] = [
    {
        "place_name": "Grangetown",
        "lat": 51.468,
        "lon": -3.19,
        "people": 4,
        "contact_name": "Amina",
        "contact_phone": "07700 900111",
    },
    {"place_name": "Splott", "lat": 51.482, "lon": -3.155, "people": 3},
]


def lift_body(**fields: Any) -> dict[str, Any]:
    return {
        "kind": "lift",
        "title": "Lifts to the picket",
        "place_name": "Picket line",
        "lat": 51.49,
        "lon": -3.17,
        "starts_at": START.isoformat(),
        "ends_at": (START + timedelta(hours=2)).isoformat(),
        "headcount": 1,
        "skills": ["driver"],
        "priority": 4,
        "pickups": PICKUPS,
    } | fields


def partner(site: Site) -> dict[str, str]:
    return {"Authorization": f"Bearer {site.partner_token}"}


def ask(site: Site, **fields: Any) -> dict[str, Any]:
    made = site.client.post("/api/partner/requests", json=lift_body(**fields), headers=partner(site))
    assert made.status_code == 201, made.text
    return dict(made.json())


def plan(site: Site, request_id: str, drivers: list[tuple[str, list[int | None], int]]) -> str:
    """Store a proposal with each driver's route (pickup positions in order, None last), as the
    scheduler stores the solver's, approve it as a coordinator and deliver its events."""
    routes = []
    for member_id, order, seats in drivers:
        leave = START - timedelta(minutes=10 * len(order) + 5)
        stops, load = [], 0
        for i, position in enumerate(order):
            load = 0 if position is None else load + PICKUPS[position]["people"]
            stops.append((position, leave + timedelta(minutes=10 * (i + 1)), min(load, seats)))
        routes.append(PlannedRoute(request_id, member_id, leave, 9_500, 6, tuple(stops)))
    slots = [(request_id, i, member_id) for i, (member_id, _, _) in enumerate(drivers)]
    roster_id = site.propose(slots, routes=tuple(routes))
    site.approve(roster_id)
    site.dispatch()
    return roster_id


def test_a_partner_asks_for_a_lift_with_two_pickups_and_sees_people_and_seats_but_not_drivers(
    site: Site,
) -> None:
    made = ask(site)
    assert (made["passengers"], made["headcount"], made["seats_found"]) == (7, 7, 0)
    assert [p["place_name"] for p in made["pickups"]] == ["Grangetown", "Splott"]
    assert made["fill_state"] == "unfilled"
    big, _ = site.add_member("Nia Hughes", car_seats=4)
    small, _ = site.add_member("Owain Price", car_seats=3)
    plan(site, made["id"], [(big, [0, None], 4), (small, [1, None], 3)])
    with site.engine.begin() as conn:  # both accept; both chose to share their first names
        conn.execute(update(assignments).values(status="accepted"))
    seen = site.client.get(f"/api/partner/requests/{made['id']}", headers=partner(site)).json()
    assert (seen["seats_found"], seen["fill_state"]) == (7, "filled")
    assert "Nia" not in str(seen) and "Owain" not in str(seen)
    page = site.client.get(f"/p/{site.partner_token}/requests/{made['id']}").text
    assert "7 of 7 seats found: everyone has a lift" in page and "Grangetown" in page
    assert "Nia" not in page and "Owain" not in page


def test_a_lift_that_cannot_be_a_lift_is_refused_with_the_reason_and_nothing_is_stored(site: Site) -> None:
    cases = {
        "pickups are only for lift requests": lift_body(kind="cooking"),
        "must be the pickups' total": lift_body(passengers=5),
        "greater than or equal to 1": lift_body(pickups=[PICKUPS[0] | {"people": 0}]),
        "at most 50 people": lift_body(pickups=[PICKUPS[0] | {"people": 30}, PICKUPS[1] | {"people": 30}]),
        "Input should be less than or equal to 90": lift_body(pickups=[PICKUPS[0] | {"lat": 91}]),
    }
    for words, body in cases.items():
        answer = site.client.post("/api/partner/requests", json=body, headers=partner(site))
        assert answer.status_code == 422 and words in answer.text, (words, answer.text)
    with site.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(request_pickups)).scalar_one() == 0


def test_each_driver_sees_their_own_route_in_order_with_phones_and_map_links(site: Site) -> None:
    made = ask(site)
    big, big_token = site.add_member("Nia Hughes", car_seats=4)
    small, small_token = site.add_member("Owain Price", car_seats=3)
    _, bystander_token = site.add_member("Cerys Lloyd", car_seats=None, skills=[])
    plan(site, made["id"], [(big, [0, None], 4), (small, [1, None], 3)])
    nia = site.client.get(f"/m/{big_token}/").text
    assert "You drive" in nia and "Grangetown" in nia and "07700 900111" in nia
    assert "geo:51.46800,-3.19000" in nia and "openstreetmap.org/?mlat=51.46800" in nia
    assert "Splott" not in nia, "a driver sees only their own pickups"
    owain = site.client.get(f"/m/{small_token}/").text
    assert "Splott" in owain and "Amina" not in owain
    assert "Grangetown" not in site.client.get(f"/m/{bystander_token}/").text

    feed = Calendar.from_ical(site.client.get(site.calendar_feed(big_token)).content)
    (event,) = feed.walk("VEVENT")
    assert event.decoded("dtstart") == START - timedelta(minutes=25), "the entry starts when they leave"
    assert "collect 4 at Grangetown (Amina 07700 900111)" in str(event["description"])


def test_the_drivers_message_says_whom_to_collect_where_and_when(site: Site) -> None:
    made = ask(site)
    small, _ = site.add_member("Owain Price", car_seats=7, email="owain@example.org")
    plan(site, made["id"], [(small, [1, 0, None], 7)])
    with site.engine.connect() as conn:
        assignment_id = conn.execute(
            select(assignments.c.id).where(assignments.c.member_id == small)
        ).scalar_one()
    info = SqlNoticeStore(site.engine).assignment(assignment_id)
    assert info is not None
    _, body = compose("issued", info)
    lines = body.splitlines()
    drive = lines.index("You drive:")
    assert "leave home" in lines[drive + 1]
    assert "collect 3 at Splott" in lines[drive + 2] and "collect 4 at Grangetown" in lines[drive + 3]
    assert "arrive at Picket line" in lines[drive + 4]


def test_the_board_shows_each_lift_in_people_and_routes(site: Site) -> None:
    made = ask(site)
    big, _ = site.add_member("Nia Hughes", car_seats=4)
    small, _ = site.add_member("Owain Price", car_seats=3)
    plan(site, made["id"], [(big, [0, None], 4), (small, [1, None], 3)])
    board = site.login().get("/c/").text
    assert "<strong>7</strong> people at 2 pickups · 7 carried by 2 drivers" in board
    assert "Routes and pickups" in board and "07700 900111" in board
    assert "up to 7 drivers" in board


def test_passengers_places_and_phones_are_forgotten_once_the_lift_is_over(site: Site) -> None:
    made = ask(site)
    big, _ = site.add_member("Nia Hughes", car_seats=4)
    small, _ = site.add_member("Owain Price", car_seats=3)
    plan(site, made["id"], [(big, [0, None], 4), (small, [1, None], 3)])
    assert retention.apply(site.engine, datetime.now(UTC), stream_days=30).pickups == 0, "not over yet"
    after = START + timedelta(hours=3)
    with site.engine.begin() as conn:  # the drivers were told, by email
        for aid in conn.execute(select(assignments.c.id)).scalars():
            conn.execute(
                insert(notices).values(
                    dedupe_key=f"{aid}:issued:email",
                    club_id=site.club_id,
                    kind="issued",
                    channel="email",
                    address="driver@example.org",
                    subject="Lift",
                    body="collect 4 at Grangetown (Amina 07700 900111)",
                    status="sent",
                    attempts=1,
                    created_at=datetime.now(UTC),
                )
            )
    assert retention.apply(site.engine, after, stream_days=30).pickups > 0
    with site.engine.connect() as conn:
        for table in (request_pickups, lift_routes, route_stops, notices):
            assert conn.execute(select(func.count()).select_from(table)).scalar_one() == 0, table.name
    seen = site.client.get(f"/api/partner/requests/{made['id']}", headers=partner(site)).json()
    assert seen["pickups"] == [] and seen["passengers"] == 7


def test_a_driver_with_a_planned_route_can_be_erased(site: Site) -> None:
    made = ask(site)
    big, _ = site.add_member("Nia Hughes", car_seats=4)
    small, _ = site.add_member("Owain Price", car_seats=3)
    plan(site, made["id"], [(big, [0, None], 4), (small, [1, None], 3)])
    execute(SqlUnitOfWork(site.engine), EraseMember(big, site.club_id))
    with site.engine.connect() as conn:
        left = conn.execute(select(lift_routes.c.member_id)).scalars().all()
    assert left == [small]
    board = site.login().get("/c/")
    assert board.status_code == 200 and "Owain Price" in board.text


def form_action(page: str, ending: str) -> str:
    return next(a.split('"')[0] for a in page.split('action="')[1:] if a.split('"')[0].endswith(ending))


def ask_for_lift(site: Site, token: str) -> tuple[str, str]:
    """Press "I need a lift there" on the member's page; returns the form's address and where it led."""
    page = site.client.get(f"/m/{token}/").text
    url = form_action(page, "/lift")
    sent = site.client.post(url, data={"csrf": csrf_of(page)}, follow_redirects=False)
    assert sent.status_code == 303
    return url, str(sent.headers["location"])


def test_members_without_a_car_ask_for_a_lift_to_their_work_and_become_its_pickups(site: Site) -> None:
    work = site.add_request(48, 2, "Food bank shift", kind="cooking")
    ali, ali_token = site.add_member("Ali Khan", car_seats=None, phone="07700 900222", home_place="Splott")
    bea, bea_token = site.add_member("Bea Jones", car_seats=None)
    site.propose([(work, 0, ali), (work, 1, bea)])
    site.approve(site_roster(site))
    site.dispatch()
    url, went = ask_for_lift(site, ali_token)
    assert went.endswith("answered=lift") and ask_for_lift(site, bea_token)[1].endswith("answered=lift")
    page = site.client.get(f"/m/{ali_token}/").text
    assert "You asked for a lift" in page and "I need a lift there" not in page
    with site.engine.connect() as conn:
        snap = SqlRosters(conn).snapshot(
            site.club_id, datetime.now(UTC), datetime.now(UTC) + timedelta(days=7)
        )
    (lift,) = [r for r in snap.requests if r.kind == "lift"]
    assert (lift.passengers, [p.place_name for p in lift.pickups]) == (2, ["Splott", "Cardiff"])
    assert lift.starts_at < lift.ends_at == next(r.starts_at for r in snap.requests if r.id == work)
    assert [e.type for e in site.outbox_events()].count("LiftAsked") == 2
    listed = site.client.get("/api/partner/requests", headers=partner(site)).json()
    assert [r["title"] for r in listed] == ["Food bank shift"], "the club's lift is not the partner's"
    again = site.client.post(url, data={"csrf": csrf_of(page)}, follow_redirects=False)
    assert again.headers["location"].endswith("answered=stale"), "asked once is enough"

    bea_page = site.client.get(f"/m/{bea_token}/").text
    site.client.post(form_action(bea_page, "/decline"), data={"csrf": csrf_of(bea_page), "reason": ""})
    with site.engine.connect() as conn:
        snap = SqlRosters(conn).snapshot(
            site.club_id, datetime.now(UTC), datetime.now(UTC) + timedelta(days=7)
        )
    (lift,) = [r for r in snap.requests if r.kind == "lift"]
    assert lift.passengers == 1, "who no longer goes needs no lift"


def site_roster(site: Site) -> str:
    with site.engine.connect() as conn:
        return str(conn.execute(select(rosters.c.id).where(rosters.c.status == "proposed")).scalar_one())


def lift_form(site: Site, **fields: str) -> dict[str, str]:
    page = site.client.get(f"/p/{site.partner_token}/new")
    return {
        "csrf": csrf_of(page.text),
        "kind": "lift",
        "title": "Lifts to the picket",
        "place_name": "Picket line",
        "lat": "51.49",
        "lon": "-3.17",
        "day": START.date().isoformat(),
        "starts_at": "09:00",
        "ends_at": "11:00",
        "headcount": "1",
        "skills": "driver",
        "priority": "4",
        "pickups": "2",
        "pickup-0-place_name": "Grangetown",
        "pickup-0-lat": "51.468",
        "pickup-0-lon": "-3.19",
        "pickup-0-people": "4",
        "pickup-0-contact_name": "Amina",
        "pickup-0-contact_phone": "07700 900111",
        "pickup-1-place_name": "Splott",
        "pickup-1-lat": "51.482",
        "pickup-1-lon": "-3.155",
        "pickup-1-people": "3",
    } | fields


def test_a_partner_asks_for_a_lift_with_pickups_on_the_form(site: Site) -> None:
    added = site.client.post(f"/p/{site.partner_token}/new", data=lift_form(site, add_pickup="1"))
    assert added.status_code == 200 and "Pickup 3" in added.text and 'value="Splott"' in added.text
    sent = site.client.post(f"/p/{site.partner_token}/new", data=lift_form(site), follow_redirects=False)
    assert sent.status_code == 303, sent.text
    (made,) = site.client.get("/api/partner/requests", headers=partner(site)).json()
    assert made["passengers"] == 7 and [p["people"] for p in made["pickups"]] == [4, 3]
    assert made["pickups"][0]["contact_phone"] == "07700 900111"


def test_a_wrong_pickup_is_explained_next_to_its_field_and_nothing_is_stored(site: Site) -> None:
    bad = site.client.post(f"/p/{site.partner_token}/new", data=lift_form(site, **{"pickup-1-people": "0"}))
    assert bad.status_code == 422 and "Pickup 2: People waiting here" in bad.text
    not_lift = site.client.post(
        f"/p/{site.partner_token}/new", data=lift_form(site, kind="cooking", skills="")
    )
    assert not_lift.status_code == 422 and "Pickups are for lifts" in not_lift.text
    no_place = site.client.post(
        f"/p/{site.partner_token}/new", data=lift_form(site, **{"pickup-0-lat": "", "pickup-0-lon": ""})
    )
    assert no_place.status_code == 422 and "Pickup 1" in no_place.text
    assert site.client.get("/api/partner/requests", headers=partner(site)).json() == []


def test_a_replan_starts_from_the_approved_routes(site: Site) -> None:
    made = ask(site)
    big, _ = site.add_member("Nia Hughes", car_seats=4)
    small, _ = site.add_member("Owain Price", car_seats=3)
    plan(site, made["id"], [(big, [0, None], 4), (small, [1, None], 3)])
    now = datetime.now(UTC)
    with site.engine.connect() as conn:
        snap = SqlRosters(conn).snapshot(site.club_id, now, now + timedelta(days=7))
    instance = to_instance(snap)
    routes = {r.member_id: [s.pickup_id for s in r.stops] for r in instance.approved_routes}
    assert routes == {big: ["0", None], small: ["1", None]}
    (lift,) = instance.requests
    assert [p.id for p in lift.pickups] == ["0", "1"], "the same names for pickups on both sides"


def test_a_planned_lift_counts_the_drivers_it_needs_not_one_per_passenger() -> None:
    start = datetime(2026, 12, 1, 9, tzinfo=UTC)
    snap = PlanningSnapshot(
        club_id="c",
        timezone="Europe/London",
        horizon_start=start - timedelta(hours=9),
        horizon_end=start + timedelta(days=6),
        requests=(
            RequestRow(
                "r1",
                "p",
                "lift",
                51.49,
                -3.17,
                start,
                start + timedelta(hours=1),
                7,
                ("driver",),
                (),
                7,
                4,
                tuple(
                    PickupRow(i, p["place_name"], p["lat"], p["lon"], p["people"])
                    for i, p in enumerate(PICKUPS)
                ),
            ),
        ),
        members=tuple(
            MemberRow(
                m,
                ("driver",),
                51.48,
                -3.18,
                10,
                seats,
                None,
                (),
                (),
                (),
                weekly=tuple((d, 0, 1440) for d in range(7)),
            )
            for m, seats in (("big", 4), ("small", 3))
        ),
    )
    instance = to_instance(snap)
    roster = solve(instance, Params(time_limit_s=2, product_rules=True))
    proposal = to_proposal("ro-1", snap, instance, roster)
    assert (proposal.filled_slots, proposal.total_slots) == (2, 2), "2 of 2, not 2 of 7"
    assert (
        len(proposal.routes) == 2 and sum(max(load for _, _, load in r.stops) for r in proposal.routes) == 7
    )
