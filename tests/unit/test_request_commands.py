"""The request commands' rules against fakes of the unit of work (tests/pages/test_request_edits.py
runs them on real databases): a series gets one id, an edit moves every date in its scope by as
much as the edited one and tells the people on it, a cancellation covers its scope, and requests
under way or cancelled are refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from events import (
    AssignmentChanged,
    AssignmentWithdrawn,
    RequestCancelled,
    RequestChanged,
    RequestSubmitted,
)
from services.commands import CancelRequest, EditRequest, SubmitRequest, execute
from services.domain import Conflict, NotFound, PartnerQuota, SeriesScope
from services.ports import AssignmentRow
from tests.unit.fakes import FakeUnitOfWork

START = (datetime.now(UTC) + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)


def values(week: int = 0, **changes: Any) -> dict[str, Any]:
    start = START + timedelta(weeks=week)
    return {
        "kind": "cooking",
        "title": "Supper",
        "notes": "",
        "place_name": "Hub",
        "lat": 51.4,
        "lon": -3.1,
        "starts_at": start,
        "ends_at": start + timedelta(hours=2),
        "headcount": 2,
        "skills": ["cook"],
        "lead_skills": [],
        "passengers": 0,
        "priority": 3,
    } | changes


def series(uow: FakeUnitOfWork, weeks: int = 3) -> list[str]:
    ids: list[str] = execute(
        uow, SubmitRequest("club", "p1", [values(w) for w in range(weeks)], PartnerQuota(), "coord")
    )
    return ids


def test_one_submission_of_several_dates_is_one_series_within_the_quota_on_the_trail() -> None:
    uow = FakeUnitOfWork()
    ids = series(uow)
    assert len({uow.requests.rows[i].series_id for i in ids}) == 1 and uow.requests.rows[ids[0]].series_id
    assert all(quota == PartnerQuota() for _, quota in uow.requests.submitted)
    assert [a[2] for a in uow.audited] == ["request.create"] * 3
    single: list[str] = execute(uow, SubmitRequest("club", "p1", [values(5)]))
    assert uow.requests.rows[single[0]].series_id is None


def test_each_date_submitted_is_announced_with_the_headcount_its_pickups_make() -> None:
    uow = FakeUnitOfWork()
    pickups = [{"place_name": "Hub", "lat": 51.4, "lon": -3.1, "people": n} for n in (2, 1)]
    lift = values(1, kind="lift", headcount=1, passengers=1, pickups=pickups)
    ids = execute(uow, SubmitRequest("club", "p1", [values(), lift]))
    assert all(isinstance(e, RequestSubmitted) for e in uow.emitted)
    said = [(e.request_id, e.partner_id, e.kind, e.starts_at, e.headcount) for e in uow.emitted]  # type: ignore[union-attr]
    assert said == [
        (ids[0], "p1", "cooking", START, 2),
        (ids[1], "p1", "lift", START + timedelta(weeks=1), 3),
    ]


def test_an_edit_of_this_and_the_following_dates_moves_each_by_as_much() -> None:
    uow = FakeUnitOfWork()
    ids = series(uow)
    later = values(
        1, starts_at=START + timedelta(weeks=1, minutes=30), ends_at=START + timedelta(weeks=1, hours=3)
    )
    changed = execute(uow, EditRequest("club", ids[1], later, SeriesScope.FOLLOWING, partner_id="p1"))
    assert changed == ids[1:]
    starts = [uow.requests.rows[i].starts_at - START for i in ids]
    assert starts == [timedelta(0), timedelta(weeks=1, minutes=30), timedelta(weeks=2, minutes=30)]
    lengths = {uow.requests.rows[i].ends_at - uow.requests.rows[i].starts_at for i in ids[1:]}
    assert lengths == {timedelta(hours=2, minutes=30)}
    assert [e.changes for e in uow.emitted if isinstance(e, RequestChanged)] == [["time"], ["time"]]
    assert [a[1:3] for a in uow.audited[-2:]] == [("p1", "request.edit")] * 2, "the partner's own edit"


def test_a_lower_headcount_withdraws_the_places_beyond_it_and_tells_the_others() -> None:
    uow = FakeUnitOfWork()
    (request_id,) = execute(uow, SubmitRequest("club", "p1", [values()]))
    for i, member in enumerate(("ann", "bob")):
        uow.assignments.add(AssignmentRow(f"a{i}", request_id, i, member, "accepted", "ro-1"), "club")
    execute(uow, EditRequest("club", request_id, values(headcount=1, notes="Aprons"), edited_by="coord"))
    assert uow.assignments.rows["a0"].status == "accepted", "the time did not move: the answer stands"
    assert uow.assignments.rows["a1"].status == "withdrawn"
    told = [(e.member_id, e.changes) for e in uow.emitted if isinstance(e, AssignmentChanged)]
    assert told == [("ann", ["headcount", "details"])]
    gone = [(e.member_id, e.reason) for e in uow.emitted if isinstance(e, AssignmentWithdrawn)]
    assert gone == [("bob", "fewer_needed")]
    assert ("club", "coord", "assignment.fewer_needed", "member", "bob", request_id) in uow.audited


def test_cancelling_the_whole_series_cancels_every_date_not_yet_begun() -> None:
    uow = FakeUnitOfWork()
    ids = series(uow)
    assert execute(uow, CancelRequest("club", ids[2], SeriesScope.ALL, cancelled_by="coord")) == ids
    assert {uow.requests.rows[i].status for i in ids} == {"cancelled"}
    told = [(e.request_id, e.partner_id) for e in uow.emitted if isinstance(e, RequestCancelled)]
    assert told == [(i, uow.requests.rows[i].partner_id) for i in ids], "each cancellation is an event"
    with pytest.raises(Conflict, match="already cancelled"):
        execute(uow, CancelRequest("club", ids[0]))


def test_another_partners_request_is_not_found_and_one_under_way_is_refused() -> None:
    uow = FakeUnitOfWork()
    now = datetime.now(UTC)
    (request_id,) = execute(
        uow,
        SubmitRequest(
            "club", "p1", [values(starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1))]
        ),
    )
    submitted = list(uow.emitted)
    with pytest.raises(NotFound):
        execute(uow, EditRequest("club", request_id, values(), partner_id="p2"))
    with pytest.raises(Conflict, match="already begun"):
        execute(uow, EditRequest("club", request_id, values()))
    assert uow.emitted == submitted, "nothing half-done"
