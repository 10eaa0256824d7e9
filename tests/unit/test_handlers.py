from datetime import UTC, datetime, timedelta

from events import (
    AssignmentDeclined,
    AssignmentIssued,
    AssignmentWithdrawn,
    AvailabilityDeclared,
    MemberDeactivated,
    RequestCancelled,
    RequestSubmitted,
    RosterApproved,
)
from services.handlers import handle
from services.ports import AssignmentRow, Proposal, Slot
from tests.unit.fakes import FakeUnitOfWork

T0 = datetime(2026, 3, 2, tzinfo=UTC)


def proposal(roster_id: str, *slots: Slot) -> Proposal:
    return Proposal(
        roster_id, "c", T0, T0 + timedelta(days=7), "optimal", 0, 0, len(slots), len(slots), 0.1, slots
    )


def approve(uow: FakeUnitOfWork, roster_id: str, *slots: Slot) -> None:
    uow.rosters.add_proposal(proposal(roster_id, *slots))
    handle("test", RosterApproved(club_id="c", roster_id=roster_id, approved_by="coord"), uow)


def issued(uow: FakeUnitOfWork) -> list[tuple[str, str]]:
    return [(e.request_id, e.member_id) for e in uow.emitted if isinstance(e, AssignmentIssued)]


def test_a_change_marks_the_club_for_a_resolve() -> None:
    uow = FakeUnitOfWork()
    event = AvailabilityDeclared(club_id="c", member_id="m1")
    handle("test", event, uow)
    assert uow.schedule.dirty == [("c", event.occurred_at)]


def test_a_decline_marks_the_club_for_a_resolve_at_once_and_other_changes_do_not() -> None:
    uow = FakeUnitOfWork()
    handle("test", AvailabilityDeclared(club_id="c", member_id="m1"), uow)
    assert uow.schedule.urgent == [], "an ordinary change waits for the debounce"
    event = AssignmentDeclined(club_id="d", assignment_id="a1", request_id="r1", member_id="m1")
    handle("test", event, uow)
    assert uow.schedule.dirty[-1] == ("d", event.occurred_at)
    assert uow.schedule.urgent == ["d"]


def test_a_redelivered_event_has_no_second_effect() -> None:
    uow = FakeUnitOfWork()
    event = RequestSubmitted(
        club_id="c",
        request_id="r1",
        partner_id="p",
        kind="lift",
        starts_at=T0,
        ends_at=T0 + timedelta(hours=1),
        headcount=1,
        priority=3,
    )
    assert handle("test", event, uow) is True
    assert handle("test", event, uow) is False
    assert len(uow.schedule.dirty) == 1
    assert handle("other-consumer", event, uow) is True


def test_approval_issues_one_assignment_per_slot() -> None:
    uow = FakeUnitOfWork()
    approve(uow, "ro1", Slot("r1", 0, "m1"), Slot("r1", 1, "m2"), Slot("r2", 0, "m1"))
    assert sorted(issued(uow)) == [("r1", "m1"), ("r1", "m2"), ("r2", "m1")]
    assert all(a.status == "issued" for a in uow.assignments.rows.values())


def test_reapproval_keeps_unchanged_assignments_and_withdraws_dropped_ones() -> None:
    uow = FakeUnitOfWork()
    approve(uow, "ro1", Slot("r1", 0, "m1"), Slot("r2", 0, "m2"))
    kept = next(a for a in uow.assignments.rows.values() if a.member_id == "m1")
    uow.assignments.set_status(kept.id, "accepted")
    uow.emitted.clear()
    approve(uow, "ro2", Slot("r1", 0, "m1"), Slot("r2", 0, "m3"))
    assert issued(uow) == [("r2", "m3")]
    withdrawn = [e for e in uow.emitted if isinstance(e, AssignmentWithdrawn)]
    assert [(e.request_id, e.member_id) for e in withdrawn] == [("r2", "m2")]
    assert uow.assignments.rows[kept.id].status == "accepted"


def test_cancelling_a_request_withdraws_its_assignments() -> None:
    uow = FakeUnitOfWork()
    uow.assignments.add(AssignmentRow("a1", "r1", 0, "m1", "accepted", "ro1"), "c")
    uow.assignments.add(AssignmentRow("a2", "r2", 0, "m1", "issued", "ro1"), "c")
    handle("test", RequestCancelled(club_id="c", request_id="r1", partner_id="p"), uow)
    assert uow.assignments.rows["a1"].status == "withdrawn"
    assert uow.assignments.rows["a2"].status == "issued"
    assert [type(e) for e in uow.emitted] == [AssignmentWithdrawn]
    assert uow.schedule.dirty, "a cancellation frees members, so the club is re-solved"


def test_a_deactivated_member_is_taken_off_their_future_work() -> None:
    uow = FakeUnitOfWork()
    uow.assignments.add(AssignmentRow("a1", "r1", 0, "m1", "accepted", "ro1"), "c")
    uow.assignments.add(AssignmentRow("a2", "r1", 1, "m2", "issued", "ro1"), "c")
    handle("test", MemberDeactivated(club_id="c", member_id="m1"), uow)
    assert uow.assignments.rows["a1"].status == "withdrawn"
    assert uow.assignments.rows["a2"].status == "issued"
    assert [type(e) for e in uow.emitted] == [AssignmentWithdrawn]
    assert uow.schedule.dirty, "the freed slot is re-planned"
