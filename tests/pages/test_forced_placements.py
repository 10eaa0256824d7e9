"""A coordinator may place someone past a rule about whether one person suits one job: the page
names the rule, offers "Place anyway", and the board then carries the exception in words. What no
force can change (one person in two places at once) is refused with no such offer."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from httpx import Response
from sqlalchemy import select

from events import MemberPinned
from services.store.tables import audit_log, pins
from tests.pages.support import Site, csrf_of
from tests.pages.test_coordinator_pages import _two_lifts_one_morning


def _lift_and_walker(site: Site) -> tuple[str, str, str]:
    """A lift the day after tomorrow with Nia (a driver) proposed on it, and Owain, who does not
    drive; returns (roster, lift, Owain)."""
    nia, _ = site.add_member("Nia Hughes")
    owain, _ = site.add_member("Owain Price", skills=[], car_seats=None)
    for member_id in (nia, owain):
        site.free_every_day(member_id)
    tz = ZoneInfo("Europe/London")
    morning = datetime.combine((datetime.now(tz) + timedelta(days=2)).date(), time(10), tz)
    lift = site.add_request(int((morning - datetime.now(UTC)).total_seconds() // 3600), 2)
    return site.propose([(lift, 0, nia)], unfilled=[(lift, 1)]), lift, owain


def _place(site: Site, roster_id: str, lift: str, member_id: str, **extra: str) -> Response:
    form = site.login().get(f"/c/place?slot={lift}:1")
    data = {"csrf": csrf_of(form.text), "roster_id": roster_id, "slot": f"{lift}:1", "member_id": member_id}
    return site.client.post("/c/place", data=data | extra)


def test_placing_a_non_driver_on_a_lift_names_the_rule_and_offers_to_place_anyway(site: Site) -> None:
    roster_id, lift, owain = _lift_and_walker(site)
    form = site.login().get(f"/c/place?slot={lift}:1")
    assert "Owain Price does not have the driver skill." in form.text, "listed with the rule, choosable"
    refused = _place(site, roster_id, lift, owain)
    assert refused.status_code == 409
    assert "Owain Price does not have the driver skill." in refused.text
    assert "Place Owain Price anyway" in refused.text and 'name="force" value="1"' in refused.text
    with site.engine.connect() as conn:
        assert conn.execute(select(pins)).first() is None, "nothing stored until forced"

    placed = _place(site, roster_id, lift, owain, force="1")
    assert placed.status_code == 200 and "Placed and pinned" in placed.text
    with site.engine.connect() as conn:
        row = conn.execute(select(pins)).one()
        trail = [(r.actor_id, r.action, r.object_id) for r in conn.execute(select(audit_log))]
    assert (row.member_id, row.waived, row.despite) == (owain, ["skills"], "does not have the driver skill")
    assert (site.coordinator_id, "slot.force", owain) in trail
    event = [e for e in site.outbox_events() if isinstance(e, MemberPinned)][-1]
    assert (event.member_id, event.pinned_by, event.waived) == (owain, site.coordinator_id, ["skills"])
    board = site.client.get("/c/")
    assert "Placed by Cai despite: does not have the driver skill" in board.text
    listed = board.text.split('id="decisions-h"')[1]
    forced_at = datetime.now(ZoneInfo("Europe/London")).strftime("%-d %b")
    assert re.search(
        rf"Owain Price pinned on [^<]*<em class=\"forced\">forced by Cai \w+ on {forced_at} at \d\d:\d\d"
        " despite: does not have the driver skill</em>",
        listed,
    ), "the pins list says it was forced, by whom, when and past which rule"


def test_double_booking_is_refused_even_when_forced_and_no_anyway_is_offered(site: Site) -> None:
    roster_id, lift, owain = _lift_and_walker(site)
    assert _place(site, roster_id, lift, owain, force="1").status_code == 200
    tz = ZoneInfo("Europe/London")
    morning = datetime.combine((datetime.now(tz) + timedelta(days=2)).date(), time(10), tz)
    same_time = site.add_request(int((morning - datetime.now(UTC)).total_seconds() // 3600), 1, "Lift two")
    second = site.propose([], unfilled=[(lift, 0), (lift, 1), (same_time, 0)])
    form = site.login().get(f"/c/place?slot={same_time}:0")
    data = {"csrf": csrf_of(form.text), "roster_id": second, "slot": f"{same_time}:0", "member_id": owain}
    refused = site.client.post("/c/place", data=data | {"force": "1"})
    assert refused.status_code == 409 and "is pinned elsewhere at the same time" in refused.text
    assert 'name="force"' not in refused.text and "Place Owain Price anyway" not in refused.text
    with site.engine.connect() as conn:
        assert [r.request_id for r in conn.execute(select(pins))] == [lift], "only the first pin stands"


def test_a_swap_refused_for_a_skill_can_be_forced_and_only_the_moved_member_carries_it(site: Site) -> None:
    roster_id, first, second, nia, owain = _two_lifts_one_morning(site, [])
    form = site.login().get(f"/c/swap?slot={first}:0")
    data = {"csrf": csrf_of(form.text), "roster_id": roster_id, "slot": f"{first}:0", "with": f"{second}:0"}
    refused = site.client.post("/c/swap", data=data)
    assert refused.status_code == 409 and "Owain Price does not have the driver skill." in refused.text
    assert "Swap anyway" in refused.text
    swapped = site.client.post("/c/swap", data=data | {"force": "1"})
    assert swapped.status_code == 200 and "Swapped" in swapped.text
    with site.engine.connect() as conn:
        stored = {(r.request_id, r.member_id): r.waived for r in conn.execute(select(pins))}
    assert stored == {(first, owain): ["skills"], (second, nia): []}
    assert "Placed by Cai despite: does not have the driver skill" in site.client.get("/c/").text
