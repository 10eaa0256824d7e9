from __future__ import annotations

import copy
from typing import Any

import pytest

from solver import Roster, SolveStatus
from solver.bench_format import instance_from_bench, roster_to_bench
from tests.unit.solver.builders import load_fixture


def test_a_generated_instance_converts_with_minutes_from_the_horizon_start() -> None:
    raw = load_fixture("tiny-s1")
    inst = instance_from_bench(raw)
    assert inst.horizon_minutes == 7 * 24 * 60
    assert len(inst.requests) == len(raw["requests"]) and len(inst.members) == len(raw["members"])
    first = raw["members"][0]
    assert inst.members[0].max_minutes == 60 * first["max_hours"]
    assert inst.requests[0].passengers == 0 and inst.requests[0].min_team == 1


def _set(path: tuple[Any, ...], value: Any) -> Any:
    def mutate(raw: dict[str, Any]) -> None:
        target: Any = raw
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return mutate


BROKEN = {
    "format": (_set(("format",), "other/1"), "format"),
    "seconds": (_set(("horizon", "start"), "2026-03-02T00:00:30Z"), "seconds 00"),
    "offset": (_set(("horizon", "end"), "2026-03-09T00:00:00+00:00"), "horizon end"),
    "horizon order": (_set(("horizon", "end"), "2026-03-01T00:00:00Z"), "horizon"),
    "headcount": (_set(("requests", 0, "headcount"), 7), "headcount"),
    "headcount type": (_set(("requests", 0, "headcount"), 2.0), "headcount"),
    "priority": (_set(("requests", 0, "priority"), 0), "priority"),
    "kind": (_set(("requests", 0, "kind"), "gardening"), "kind"),
    "lat": (_set(("requests", 0, "lat"), "51.4"), "lat"),
    "outside horizon": (_set(("requests", 0, "end"), "2026-03-10T00:00:00Z"), "horizon.end"),
    "duplicate request": (_set(("requests", 1, "id"), "r00001"), "duplicate"),
    "empty member id": (_set(("members", 0, "id"), ""), "id"),
    "max_hours": (_set(("members", 0, "max_hours"), -1), "max_hours"),
    "car_seats": (_set(("members", 0, "car_seats"), -2), "car_seats"),
    "window order": (
        _set(("members", 0, "availability"), [["2026-03-03T10:00:00Z", "2026-03-03T09:00:00Z"]]),
        "availability #0",
    ),
    "skills": (_set(("members", 0, "skills"), "driver"), "skills"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_an_invalid_instance_is_rejected_naming_the_field(case: str) -> None:
    mutate, words = BROKEN[case]
    raw = copy.deepcopy(load_fixture("tiny-s1"))
    mutate(raw)
    with pytest.raises(ValueError, match=words.replace(".", r"\.")):
        instance_from_bench(raw)


def test_a_missing_field_is_named_with_its_record() -> None:
    raw = copy.deepcopy(load_fixture("tiny-s1"))
    del raw["members"][2]["max_hours"]
    with pytest.raises(ValueError, match=r"member m00003: missing field 'max_hours'"):
        instance_from_bench(raw)


def test_availability_outside_the_horizon_is_allowed_and_counted_negative() -> None:
    raw = copy.deepcopy(load_fixture("tiny-s1"))
    raw["members"][0]["availability"] = [["2026-03-01T22:00:00Z", "2026-03-02T02:00:00Z"]]
    assert instance_from_bench(raw).members[0].windows == ((-120, 120),)


def test_the_roster_document_follows_the_spec() -> None:
    inst = instance_from_bench(load_fixture("tiny-s1"))
    roster = Roster(status=SolveStatus.OPTIMAL, objective=5, bound=5)
    doc = roster_to_bench(inst, roster, {"seed": 3})
    assert doc["format"] == "mechanic-bench-roster/1" and doc["instance"] == inst.name
    assert doc["assignments"] == [] and doc["meta"]["seed"] == 3 and doc["meta"]["objective"] == 5
