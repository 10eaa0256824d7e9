"""The rules of the commands that change members and partners, against fakes of the unit of work
(tests/store/test_planning_state_machine.py runs them on real databases)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from events import AssignmentWithdrawn, PinWaiverLapsed
from services.commands import (
    DeactivateCoordinator,
    DeactivateMember,
    DeactivatePartner,
    DeclareAvailability,
    EraseMember,
    SetNoticePrefs,
    UpdateMember,
    execute,
)
from services.domain import Conflict, NotFound
from services.ports import Availability, NoticePrefs, Slot
from tests.unit.fakes import FakeUnitOfWork

LATER = datetime.now(UTC) + timedelta(days=2)
PAST = datetime.now(UTC) - timedelta(days=2)
WINDOW = (datetime(2026, 3, 2, 9, tzinfo=UTC), datetime(2026, 3, 2, 12, tzinfo=UTC))
DECLARED = Availability(weekly=((0, 540, 1020),), windows=(WINDOW,), days_off=(date(2026, 3, 4),))


def club() -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    uow.people.members = {"ann": {"name": "Ann"}, "bob": {"name": "Bob"}}
    uow.people.partners = {"p1", "p2"}
    for partner_id, starts in (("p1", LATER), ("p1", LATER), ("p2", LATER), ("p1", PAST)):
        values = {"starts_at": starts, "ends_at": starts + timedelta(hours=2)}
        uow.requests.submit("club", partner_id, values, None)  # r1 .. r4 (r4 is over)
    return uow


def open_requests(uow: FakeUnitOfWork) -> dict[str, str]:
    return {rid: r.status for rid, r in uow.requests.rows.items()}


def types(uow: FakeUnitOfWork) -> list[str]:
    return [e.type for e in uow.emitted]


def test_declaring_availability_replaces_it_and_re_plans() -> None:
    uow = club()
    execute(uow, DeclareAvailability("club", "ann", DECLARED))
    assert uow.people.availability == {"ann": DECLARED}
    assert types(uow) == ["AvailabilityDeclared"] and uow.commits == 1


def test_a_day_off_declared_after_a_forced_pin_takes_back_its_availability_waiver() -> None:
    """Forced past availability on 4 and 5 March, Ann then takes 4 March off: that pin no longer
    waives availability (the next solve releases it, saying why); the one on 5 March keeps its
    waiver, and so does a day off she had already declared when she was forced (6 March)."""
    uow = club()
    forced = frozenset({"availability", "skills"})
    uow.people.availability["ann"] = Availability(days_off=(date(2026, 3, 6),))
    uow.pins.days = {"r4": date(2026, 3, 4), "r5": date(2026, 3, 5), "r6": date(2026, 3, 6)}
    for rid in uow.pins.days:
        uow.pins.pin("club", Slot(rid, 0, "ann", True, forced), "coord")
    uow.pins.pin("club", Slot("r4", 1, "bob", True, forced), "coord")
    off = Availability(days_off=(date(2026, 3, 4), date(2026, 3, 6)))
    execute(uow, DeclareAvailability("club", "ann", off))
    assert {key: slot.waived for key, slot in uow.pins.pinned.items()} == {
        ("r4", "ann"): {"skills"},
        ("r5", "ann"): forced,
        ("r6", "ann"): forced,
        ("r4", "bob"): forced,
    }
    assert uow.emitted[1:] == [
        PinWaiverLapsed(
            club_id="club",
            request_id="r4",
            member_id="ann",
            waiver="availability",
            event_id=uow.emitted[1].event_id,
            occurred_at=uow.emitted[1].occurred_at,
        )
    ]
    execute(uow, DeclareAvailability("club", "ann", off))
    assert types(uow)[2:] == ["AvailabilityDeclared"], "the same days off again are nothing new"


def test_a_member_who_left_declares_nothing() -> None:
    uow = club()
    uow.people.inactive.add("ann")
    with pytest.raises(NotFound):
        execute(uow, DeclareAvailability("club", "ann", DECLARED))
    with pytest.raises(NotFound):
        execute(uow, DeclareAvailability("club", "nobody", DECLARED))
    assert uow.people.availability == {} and uow.emitted == [] and uow.commits == 0


def test_a_profile_keeps_the_home_coarse_unless_the_member_consents() -> None:
    uow = club()
    execute(uow, UpdateMember("club", "ann", {"home_lat": 51.481583, "home_lon": -3.17909}))
    coarse = uow.people.members["ann"]
    assert (coarse["home_lat"], coarse["home_lon"]) != (51.481583, -3.17909)
    execute(
        uow, UpdateMember("club", "bob", {"home_lat": 51.481583, "home_lon": -3.17909, "exact_home": True})
    )
    assert uow.people.members["bob"]["home_lat"] == 51.481583
    assert types(uow) == ["MemberUpdated", "MemberUpdated"]


def test_a_profile_of_a_member_who_left_is_refused() -> None:
    uow = club()
    uow.people.inactive.add("ann")
    with pytest.raises(NotFound):
        execute(uow, UpdateMember("club", "ann", {"name": "Ann B"}))
    assert uow.people.members["ann"] == {"name": "Ann"} and uow.emitted == []


def test_deactivating_a_member_is_audited_when_a_coordinator_asks() -> None:
    uow = club()
    execute(uow, DeactivateMember("club", "ann", by="coord"))
    execute(uow, DeactivateMember("club", "bob"))
    assert uow.people.inactive == {"ann", "bob"}
    assert types(uow) == ["MemberDeactivated", "MemberDeactivated"]
    assert [a[1:5] for a in uow.audited] == [("coord", "member.deactivate", "member", "ann")]


def test_deactivating_twice_is_not_found_and_emits_nothing_more() -> None:
    uow = club()
    execute(uow, DeactivateMember("club", "ann"))
    with pytest.raises(NotFound):
        execute(uow, DeactivateMember("club", "ann"))
    assert types(uow) == ["MemberDeactivated"]


def test_deactivating_a_partner_cancels_its_open_requests_only() -> None:
    uow = club()
    execute(uow, DeactivatePartner("club", "p1", by="coord"))
    assert open_requests(uow) == {"r1": "cancelled", "r2": "cancelled", "r3": "open", "r4": "open"}
    cancelled = [e for e in uow.emitted if e.type == "RequestCancelled"]
    assert [(e.request_id, e.partner_id) for e in cancelled] == [("r1", "p1"), ("r2", "p1")]
    assert [a[1:3] + a[5:] for a in uow.audited] == [
        ("coord", "partner.deactivate", ""),
        ("coord", "request.cancel", "r1"),
        ("coord", "request.cancel", "r2"),
    ], "each request cancelled as a coordinator or the partner would cancel it"


def test_an_unknown_or_inactive_partner_is_not_found() -> None:
    uow = club()
    uow.people.inactive.add("p2")
    for partner in ("p2", "p9"):
        with pytest.raises(NotFound):
            execute(uow, DeactivatePartner("club", partner))
    assert set(open_requests(uow).values()) == {"open"} and uow.emitted == []


def test_erasing_a_member_withdraws_their_work_to_come_and_is_audited() -> None:
    uow = club()
    going = AssignmentWithdrawn(club_id="club", assignment_id="a1", request_id="r1", member_id="ann")
    uow.people.going = {"ann": [going]}
    assert execute(uow, EraseMember("ann", "club", by="coord")) == "club"
    assert uow.people.erased == {"ann"} and "ann" not in uow.people.members
    assert types(uow) == ["AssignmentWithdrawn", "MemberErased"] and uow.emitted[0] == going
    assert [a[1:5] for a in uow.audited] == [("coord", "member.erase", "member", "ann")]


def test_erasure_from_the_cli_finds_the_club_and_writes_no_audit_row() -> None:
    uow = club()
    uow.people.clubs = {"bob": "other"}
    assert execute(uow, EraseMember("bob")) == "other"
    assert uow.emitted[0].club_id == "other" and uow.audited == []


def test_a_coordinator_cannot_erase_another_clubs_member_or_nobody() -> None:
    uow = club()
    uow.people.clubs = {"bob": "other"}
    for member_id in ("bob", "nobody"):
        with pytest.raises(NotFound):
            execute(uow, EraseMember(member_id, "club", by="coord"))
    assert "bob" in uow.people.members and uow.emitted == [] and uow.audited == [] and uow.commits == 0


def test_notice_preferences_are_stored_and_announced() -> None:
    uow = club()
    quiet = NoticePrefs(email=True, signal=False, reminders=False)
    execute(uow, SetNoticePrefs("club", "ann", quiet))
    assert uow.people.prefs == {"ann": quiet}
    assert types(uow) == ["NoticePrefsChanged"] and uow.emitted[0].model_dump()["member_id"] == "ann"


def test_a_member_who_left_sets_no_notice_preferences() -> None:
    uow = club()
    uow.people.inactive.add("bob")
    for member_id in ("bob", "nobody"):
        with pytest.raises(NotFound):
            execute(uow, SetNoticePrefs("club", member_id, NoticePrefs(True, True, True)))
    assert uow.people.prefs == {} and uow.emitted == []


def coordinators() -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    uow.coordinators.active = {"club": {"cat", "dee"}, "other": {"eve"}}
    return uow


def test_a_coordinator_deactivates_another_on_the_audit_trail_with_an_id_only_event() -> None:
    uow = coordinators()
    execute(uow, DeactivateCoordinator("club", "dee", by="cat"))
    assert uow.coordinators.active["club"] == {"cat"}
    assert [e.model_dump(include={"type", "coordinator_id"}) for e in uow.emitted] == [
        {"type": "CoordinatorDeactivated", "coordinator_id": "dee"}
    ]
    assert [a[1:5] for a in uow.audited] == [("cat", "coordinator.deactivate", "coordinator", "dee")]


@pytest.mark.parametrize(
    ("target", "by", "why"),
    [
        ("cat", "cat", "cannot deactivate yourself"),
        ("eve", "cat", "not active in this club"),
        ("dee", "cat", "at least one active"),
    ],
)
def test_deactivating_a_coordinator_is_refused_by_its_rules(target: str, by: str, why: str) -> None:
    uow = coordinators()
    if why == "at least one active":
        uow.coordinators.active["club"] = {"dee"}
    with pytest.raises(Conflict, match=why):
        execute(uow, DeactivateCoordinator("club", target, by=by))
    assert uow.emitted == [] and uow.audited == [] and uow.commits == 0
