"""The rules of asking for a lift, against fakes of the unit of work (tests/pages/test_lifts.py asks
on the member's page, with the real store)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from events import LiftAsked
from services.commands import AskForLift, execute
from services.domain import Conflict, NotFound
from services.ports import AssignmentRow
from tests.unit.fakes import FakeUnitOfWork

START = datetime.now(UTC) + timedelta(days=2)


def club() -> FakeUnitOfWork:
    """Ann is sent to r1 (cooking) and r2 (a lift), and declined r1's second place."""
    uow = FakeUnitOfWork()
    for kind in ("cooking", "lift"):
        uow.requests.submit("club", "p1", {"kind": kind, "starts_at": START, "ends_at": START}, None)
    for a, request_id, slot, status in (
        ("a1", "r1", 0, "issued"),
        ("a2", "r2", 0, "accepted"),
        ("a3", "r1", 1, "declined"),
    ):
        uow.assignments.add(AssignmentRow(a, request_id, slot, "ann", status, "ro1"), "club")
    return uow


def test_a_member_sent_to_work_asks_once_for_a_lift_there() -> None:
    uow = club()
    assert execute(uow, AskForLift("club", "ann", "a1")) == "lift-r1"
    with pytest.raises(Conflict, match="already asked"):
        execute(uow, AskForLift("club", "ann", "a1"))
    assert uow.requests.lifts == {"r1": ["ann"]}
    (told,) = uow.emitted
    assert isinstance(told, LiftAsked)
    assert (told.request_id, told.for_request_id, told.member_id) == ("lift-r1", "r1", "ann")


@pytest.mark.parametrize(
    ("member_id", "assignment_id", "refusal"),
    [("bob", "a1", NotFound), ("ann", "a9", NotFound), ("ann", "a2", Conflict), ("ann", "a3", Conflict)],
)
def test_only_the_members_own_live_assignment_to_work_that_is_no_lift_gets_one(
    member_id: str, assignment_id: str, refusal: type[Exception]
) -> None:
    uow = club()
    with pytest.raises(refusal):
        execute(uow, AskForLift("club", member_id, assignment_id))
    assert uow.requests.lifts == {} and uow.emitted == [] and uow.commits == 0
