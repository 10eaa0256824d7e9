"""The roster commands' rules, against fakes of the unit of work (tests/pages and tests/store run
them on real databases)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.commands import ApproveRoster, ReplanNow, execute
from services.domain import Conflict, NotFound
from services.ports import Proposal, Slot
from tests.unit.fakes import FakeUnitOfWork

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)


def with_proposal(*slots: Slot, roster_id: str = "ro-1") -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    uow.rosters.add_proposal(
        Proposal(roster_id, "club", NOW, NOW + timedelta(days=7), "optimal", 0, 0, len(slots), 2, 0.1, slots)
    )
    return uow


def types(uow: FakeUnitOfWork) -> list[str]:
    return [e.type for e in uow.emitted]


def test_approving_removes_and_excludes_removed_members_and_pins_pinned_ones() -> None:
    uow = with_proposal(Slot("r1", 0, "ann"), Slot("r1", 1, "bob"))
    execute(
        uow, ApproveRoster("club", "ro-1", "coord", remove=frozenset({("r1", 1)}), pin=frozenset({("r1", 0)}))
    )
    assert uow.rosters.status["ro-1"] == "approved"
    assert uow.rosters.entries("ro-1") == (Slot("r1", 0, "ann", pinned=True),)
    assert uow.pins.excluded == {("r1", "bob")} and set(uow.pins.pinned) == {("r1", "ann")}
    assert types(uow) == ["MemberRemoved", "MemberPinned", "RosterApproved"]
    assert [club for club, _ in uow.schedule.dirty] == ["club"], "a removal re-plans the slot"


def test_approving_without_changes_does_not_replan() -> None:
    uow = with_proposal(Slot("r1", 0, "ann"))
    execute(uow, ApproveRoster("club", "ro-1", "coord"))
    assert types(uow) == ["RosterApproved"] and uow.schedule.dirty == []


def test_only_the_current_proposal_can_be_approved_and_a_refusal_changes_nothing() -> None:
    uow = with_proposal(Slot("r1", 0, "ann"))
    execute(uow, ApproveRoster("club", "ro-1", "coord"))
    with pytest.raises(Conflict, match="not the current proposal"):
        execute(uow, ApproveRoster("club", "ro-1", "coord", remove=frozenset({("r1", 0)})))
    assert uow.pins.excluded == set() and types(uow) == ["RosterApproved"]


@pytest.mark.parametrize(
    ("remove", "pin", "error"),
    [
        ({("r9", 0)}, set(), "has no slot r9#0"),
        ({("r1", 0)}, {("r1", 0)}, "both removed and pinned"),
    ],
)
def test_approval_refuses_unknown_or_contradictory_slots(remove, pin, error) -> None:
    uow = with_proposal(Slot("r1", 0, "ann"))
    with pytest.raises(Conflict, match=error):
        execute(uow, ApproveRoster("club", "ro-1", "coord", remove=frozenset(remove), pin=frozenset(pin)))
    assert uow.rosters.status["ro-1"] == "proposed" and uow.emitted == []


def test_a_roster_of_another_club_is_not_found() -> None:
    uow = with_proposal(Slot("r1", 0, "ann"))
    with pytest.raises(NotFound):
        execute(uow, ApproveRoster("other-club", "ro-1", "coord"))


def test_re_solve_now_marks_the_club_for_planning_announces_who_asked_and_is_audited() -> None:
    uow = FakeUnitOfWork()
    execute(uow, ReplanNow("club", "coord"))
    assert [club for club, _ in uow.schedule.dirty] == ["club"]
    assert [(e.type, e.model_dump()["asked_by"]) for e in uow.emitted] == [("ReplanAsked", "coord")]
    assert [a[1:3] for a in uow.audited] == [("coord", "roster.replan")] and uow.commits == 1
