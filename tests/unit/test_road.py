"""Road tables for lifts against local stand-ins that speak OSRM's table service and Valhalla's
matrix service: the legs come back in metres and whole minutes, only lifts' points are asked for,
answers are remembered, and a router that is down or answers nonsense leaves straight lines."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from services.road import Osrm, RoadTimes, Valhalla, lift_points
from solver.schema import Instance, Member, Pickup, Request
from solver.travel import Travel
from tests.e2e_support import free_port

HOME, PICKUP, PICKET = (51.50, -3.20), (51.47, -3.19), (51.49, -3.17)


def instance(with_pickups: bool = True) -> Instance:
    pickups = (
        (Pickup(id="0", lat=PICKUP[0], lon=PICKUP[1], people=2, label="Grangetown"),) if with_pickups else ()
    )
    return Instance(
        horizon_start=datetime(2026, 12, 1, tzinfo=UTC),
        horizon_minutes=7 * 24 * 60,
        requests=(
            Request(
                id="r1",
                kind="lift",
                lat=PICKET[0],
                lon=PICKET[1],
                start=600,
                end=660,
                headcount=2,
                priority=4,
                skills=frozenset({"driver"}),
                pickups=pickups,
                passengers=0 if with_pickups else 2,
            ),
        ),
        members=(
            Member(
                id="driver",
                lat=HOME[0],
                lon=HOME[1],
                max_minutes=600,
                car_seats=3,
                skills=frozenset({"driver"}),
            ),
            Member(id="walker", lat=51.0, lon=-3.0, max_minutes=600),
        ),
    )


class Recorder:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.fail = False


@contextmanager
def stand_in(answer: Any) -> Iterator[tuple[str, Recorder]]:
    """An HTTP server on loopback whose answer to every GET/POST is ``answer(path, query, body)``."""
    seen = Recorder()

    class Handler(BaseHTTPRequestHandler):
        def _reply(self, body: dict[str, Any] | None) -> None:
            url = urlsplit(self.path)
            seen.calls.append({"path": url.path, "query": parse_qs(url.query), "body": body})
            if seen.fail:
                self.send_response(500)
                self.end_headers()
                return
            data = json.dumps(answer(url.path, parse_qs(url.query), body)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._reply(None)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            self._reply(json.loads(self.rfile.read(length)))

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def osrm_table(path: str, query: dict[str, list[str]], body: Any) -> dict[str, Any]:
    """OSRM's real shape: every source -> destination 600 s and 7,000 m, except no road (null) from
    the first source to the last destination (here the pickup to the picket)."""
    sources = query["sources"][0].split(";")
    targets = query["destinations"][0].split(";")
    durations = [[600.0 for _ in targets] for _ in sources]
    distances = [[7000.0 for _ in targets] for _ in sources]
    durations[0][-1] = None  # type: ignore[call-overload]
    return {"code": "Ok", "durations": durations, "distances": distances, "sources": [], "destinations": []}


def valhalla_matrix(path: str, query: dict[str, list[str]], body: Any) -> dict[str, Any]:
    row = [
        {"distance": 7.0, "time": 600, "from_index": 0, "to_index": j} for j, _ in enumerate(body["targets"])
    ]
    return {"sources_to_targets": [row for _ in body["sources"]], "units": "kilometers"}


def test_only_the_points_of_lifts_with_pickups_are_asked_for() -> None:
    sources, targets = lift_points(instance())
    assert sources == sorted([HOME, PICKUP]) and targets == sorted([PICKUP, PICKET]), "no walker's home"
    assert lift_points(instance(with_pickups=False)) == ([], [])


def test_osrm_legs_become_the_solvers_road_times() -> None:
    with stand_in(osrm_table) as (url, seen):
        roads = RoadTimes(Osrm(url))
        planned = roads.apply(instance())
        again = roads.apply(instance())
    assert len(seen.calls) == 1, "the same points are asked for once"
    (call,) = seen.calls
    assert call["path"].startswith("/table/v1/driving/") and "-3.200000,51.500000" in call["path"]
    assert again.travel == planned.travel
    travel = Travel(planned.travel)
    assert travel.leg(HOME, PICKET) == (7000, 10), "600 s is 10 minutes"
    assert travel.leg(PICKUP, PICKET) == Travel(None).leg(PICKUP, PICKET), "no road: the straight line"
    sources, targets = lift_points(instance())
    assert planned.travel is not None and len(planned.travel.legs) == len(sources) * len(targets) - 2, (
        "a pickup to itself and the unroutable pair are left to the straight line"
    )


def test_valhalla_legs_become_the_solvers_road_times() -> None:
    with stand_in(valhalla_matrix) as (url, seen):
        planned = RoadTimes(Valhalla(url)).apply(instance())
    assert seen.calls[0]["path"] == "/sources_to_targets" and seen.calls[0]["body"]["costing"] == "auto"
    assert Travel(planned.travel).leg(PICKUP, PICKET) == (7000, 10)


@pytest.mark.parametrize(
    "answer", [lambda *a: {"code": "NoTable", "message": "too big"}, lambda *a: {"odd": 1}]
)
def test_a_router_that_answers_nonsense_leaves_straight_lines(answer: Any) -> None:
    with stand_in(answer) as (url, _):
        assert RoadTimes(Osrm(url)).apply(instance()).travel is None


def test_a_router_that_is_down_or_failing_leaves_straight_lines() -> None:
    with stand_in(osrm_table) as (url, seen):
        seen.fail = True
        assert RoadTimes(Osrm(url)).apply(instance()).travel is None
    down = RoadTimes(Osrm(f"http://127.0.0.1:{free_port()}", timeout_s=0.5))
    assert down.apply(instance()).travel is None


def test_too_many_points_for_one_table_leaves_straight_lines() -> None:
    with stand_in(osrm_table) as (url, seen):
        assert RoadTimes(Osrm(url), max_points=3).apply(instance()).travel is None
    assert seen.calls == []
