"""The benchmark's JSON formats (../shared/bench/SPEC.md) to and from the solver's typed contract.

The benchmark is a fixed yardstick shared with other implementations, so an instance that breaks
any field rule of SPEC section 1 is rejected with a ``ValueError`` that names the record and field,
rather than being silently repaired.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from solver.schema import Instance, Member, Request, Roster

INSTANCE_FORMAT = "mechanic-bench-instance/1"
ROSTER_FORMAT = "mechanic-bench-roster/1"
KINDS = frozenset(
    {
        "lift",
        "cooking",
        "court_support",
        "banner_painting",
        "water_distribution",
        "repair",
        "lookout",
        "leafleting",
        "translation",
        "childcare",
    }
)


def parse_timestamp(value: object, where: str) -> datetime:
    """A SPEC timestamp: ``YYYY-MM-DDTHH:MM:SSZ`` in UTC with zero seconds."""
    if not isinstance(value, str) or len(value) != 20 or value[10] != "T" or value[-1] != "Z":
        raise ValueError(f"{where}: bad timestamp {value!r} (need YYYY-MM-DDTHH:MM:SSZ)")
    try:
        stamp = datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError as err:
        raise ValueError(f"{where}: bad timestamp {value!r} ({err})") from None
    if stamp.second != 0:
        raise ValueError(f"{where}: timestamp {value!r} must have seconds 00")
    return stamp


class _Reader:
    """Field access with error messages that name the record, so a partner can fix their export."""

    def __init__(self, origin: datetime) -> None:
        self.origin = origin

    def minutes(self, value: object, where: str) -> int:
        delta = parse_timestamp(value, where) - self.origin
        return delta.days * 1440 + delta.seconds // 60

    @staticmethod
    def field(record: Mapping[str, Any], key: str, where: str) -> Any:
        if key not in record:
            raise ValueError(f"{where}: missing field {key!r}")
        return record[key]

    def integer(self, record: Mapping[str, Any], key: str, where: str, low: int, high: int | None) -> int:
        value = self.field(record, key, where)
        if type(value) is not int or value < low or (high is not None and value > high):
            upper = "" if high is None else f"..{high}"
            raise ValueError(f"{where}: {key} must be an integer {low}{upper}, got {value!r}")
        return value

    def number(self, record: Mapping[str, Any], key: str, where: str) -> float:
        value = self.field(record, key, where)
        if type(value) not in (int, float):
            raise ValueError(f"{where}: {key} must be a number, got {value!r}")
        return float(value)

    def skills(self, record: Mapping[str, Any], where: str) -> frozenset[str]:
        value = self.field(record, "skills", where)
        if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
            raise ValueError(f"{where}: skills must be a list of strings")
        return frozenset(value)

    @staticmethod
    def ident(record: Mapping[str, Any], where: str, seen: set[str]) -> str:
        value = record.get("id")
        if not isinstance(value, str) or not value:
            raise ValueError(f"{where}: id must be a non-empty string, got {value!r}")
        if value in seen:
            raise ValueError(f"{where}: duplicate id {value!r}")
        seen.add(value)
        return value


def _records(raw: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = raw.get(key)
    if not isinstance(value, list) or not all(isinstance(x, dict) for x in value):
        raise ValueError(f"instance: {key} must be a list of objects")
    return value


def _request(read: _Reader, raw: Mapping[str, Any], i: int, horizon: int, seen: set[str]) -> Request:
    rid = read.ident(raw, f"request #{i}", seen)
    where = f"request {rid}"
    start = read.minutes(read.field(raw, "start", where), f"{where} start")
    end = read.minutes(read.field(raw, "end", where), f"{where} end")
    if not 0 <= start < end <= horizon:
        raise ValueError(f"{where}: need horizon.start <= start < end <= horizon.end")
    kind = read.field(raw, "kind", where)
    if kind not in KINDS:
        raise ValueError(f"{where}: unknown kind {kind!r}")
    partner = read.field(raw, "partner", where)
    if not isinstance(partner, str):
        raise ValueError(f"{where}: partner must be a string")
    return Request(
        id=rid,
        partner=partner,
        kind=kind,
        lat=read.number(raw, "lat", where),
        lon=read.number(raw, "lon", where),
        start=start,
        end=end,
        headcount=read.integer(raw, "headcount", where, 1, 6),
        skills=read.skills(raw, where),
        priority=read.integer(raw, "priority", where, 1, 5),
    )


def _member(read: _Reader, raw: Mapping[str, Any], i: int, seen: set[str]) -> Member:
    mid = read.ident(raw, f"member #{i}", seen)
    where = f"member {mid}"
    windows = read.field(raw, "availability", where)
    if not isinstance(windows, list):
        raise ValueError(f"{where}: availability must be a list of [start, end] pairs")
    spans = []
    for j, window in enumerate(windows):
        if not isinstance(window, list) or len(window) != 2:
            raise ValueError(f"{where}: availability #{j} must be a [start, end] pair")
        a = read.minutes(window[0], f"{where} availability #{j}")
        b = read.minutes(window[1], f"{where} availability #{j}")
        if a >= b:
            raise ValueError(f"{where}: availability #{j} starts at or after its end")
        spans.append((a, b))
    seats = raw.get("car_seats")
    if seats is not None and (type(seats) is not int or seats < 0):
        raise ValueError(f"{where}: car_seats must be a non-negative integer or null, got {seats!r}")
    return Member(
        id=mid,
        skills=read.skills(raw, where),
        lat=read.number(raw, "lat", where),
        lon=read.number(raw, "lon", where),
        windows=tuple(spans),
        max_minutes=60 * read.integer(raw, "max_hours", where, 0, None),
        car_seats=seats,
    )


def instance_from_bench(raw: object) -> Instance:
    """Validate a SPEC section 1 instance and convert it; raises ``ValueError`` naming the fault."""
    if not isinstance(raw, dict):
        raise ValueError("instance: must be a JSON object")
    if raw.get("format") != INSTANCE_FORMAT:
        raise ValueError(f"instance: format must be {INSTANCE_FORMAT!r}, got {raw.get('format')!r}")
    horizon = raw.get("horizon")
    if not isinstance(horizon, dict):
        raise ValueError("instance: horizon must be an object with start and end")
    origin = parse_timestamp(horizon.get("start"), "horizon start")
    read = _Reader(origin)
    horizon_minutes = read.minutes(horizon.get("end"), "horizon end")
    if horizon_minutes <= 0:
        raise ValueError("horizon: start must be before end")
    name = raw.get("name", "instance")
    if not isinstance(name, str):
        raise ValueError("instance: name must be a string")
    request_ids: set[str] = set()
    member_ids: set[str] = set()
    return Instance(
        name=name,
        horizon_start=origin,
        horizon_minutes=horizon_minutes,
        requests=tuple(
            _request(read, r, i, horizon_minutes, request_ids)
            for i, r in enumerate(_records(raw, "requests"))
        ),
        members=tuple(_member(read, m, i, member_ids) for i, m in enumerate(_records(raw, "members"))),
    )


def roster_to_bench(
    instance: Instance, roster: Roster, meta: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The SPEC section 3 roster document, with the solve figures in ``meta``."""
    figures = {
        "method": "mechanic-solver",
        "status": str(roster.status),
        "objective": roster.objective,
        "bound": roster.bound,
        "wall_s": round(roster.wall_s, 3),
        "first_feasible_s": None if roster.first_feasible_s is None else round(roster.first_feasible_s, 3),
        "filled_slots": roster.filled_slots,
        "total_slots": roster.total_slots,
    }
    return {
        "format": ROSTER_FORMAT,
        "instance": instance.name,
        "assignments": [a.model_dump() for a in roster.assignments],
        "meta": {**figures, **(meta or {})},
    }
