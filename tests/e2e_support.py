"""Shared steps of the end-to-end scenario, run over HTTP against either transport."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import httpx

T = TypeVar("T")
TZ = ZoneInfo("Europe/London")
MECHANIC = [sys.executable, "-m", "entrypoints.cli"]
"""The ``mechanic`` command of this checkout: the installed script names the module it was installed
from, which may be another worktree's (an editable install) or an older layout's."""
CHECKOUT = str(Path(__file__).resolve().parents[1])


def mechanic_env(settings: dict[str, str]) -> dict[str, str]:
    """The environment for a ``mechanic`` process: ours, ``settings``, and this checkout's code first
    on the path, even where the installed ``mechanic`` is an editable install of another worktree."""
    path = os.pathsep.join(filter(None, [CHECKOUT, os.environ.get("PYTHONPATH")]))
    return os.environ | settings | {"PYTHONPATH": path}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def healthy(http: httpx.Client) -> bool:
    try:
        return http.get("/healthz").status_code == 200
    except httpx.TransportError:
        return False


@dataclass(frozen=True)
class Embedded:
    url: str
    coordinator_token: str
    workdir: Path


@contextmanager
def embedded_process(
    workdir: Path, club: str, env_extra: dict[str, str] | None = None, command: str = "up"
) -> Iterator[Embedded]:
    """A real `mechanic up` (or ``command``, e.g. "api") on a free port and a SQLite file in
    ``workdir``, with one club; stopped with SIGTERM at the end, which must exit cleanly (uvicorn
    alone re-raises the signal once it has shut down). Its output is in up.log."""
    port = free_port()
    env = mechanic_env(
        {
            "MECHANIC_DATABASE_URL": f"sqlite:///{workdir}/mechanic.db",
            "MECHANIC_SOLVE_TIME_LIMIT_S": "2",
            "MECHANIC_DEBOUNCE_S": "0.3",
        }
        | (env_extra or {})
    )
    created = subprocess.run(
        [*MECHANIC, "club", "create", club], env=env, capture_output=True, text=True, check=True, cwd=workdir
    )
    log_path = workdir / "up.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [*MECHANIC, command, "--port", str(port)],
            env=env,
            cwd=workdir,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            with httpx.Client(base_url=url, timeout=5) as http:
                wait_for("the server to answer", lambda: healthy(http), timeout_s=30)
            yield Embedded(url, json.loads(created.stdout)["coordinator_token"], workdir)
        finally:
            proc.terminate()
            clean = 0 if command == "up" else -signal.SIGTERM
            assert proc.wait(timeout=30) == clean, log_path.read_text()


def wait_for(what: str, probe: Callable[[], T | None], timeout_s: float = 60, every_s: float = 0.2) -> T:
    """Poll ``probe`` until it returns something truthy; fail with ``what`` after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while True:
        found = probe()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:.0f}s waiting for {what}")
        time.sleep(every_s)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def tomorrow_at(hour: int) -> datetime:
    day = (datetime.now(TZ) + timedelta(days=1)).date()
    return datetime(day.year, day.month, day.day, hour, tzinfo=TZ).astimezone(UTC)


def add_drivers(
    http: httpx.Client, coordinator: dict[str, str], count: int, max_hours_week: int
) -> dict[str, dict[str, str]]:
    """``count`` drivers living near the depot, free every day 06:00-23:00; member id -> auth header."""
    weekly = [{"weekday": d, "start": "06:00", "end": "23:00"} for d in range(7)]
    tokens: dict[str, dict[str, str]] = {}
    for i in range(count):
        made = http.post(
            "/api/coordinator/members",
            headers=coordinator,
            json={
                "name": f"Member {i}",
                "skills": ["driver"],
                "home_lat": 51.48 + i * 0.002,
                "home_lon": -3.18,
                "max_hours_week": max_hours_week,
                "car_seats": 3,
            },
        )
        assert made.status_code == 201, made.text
        tokens[made.json()["id"]] = bearer(made.json()["token"])
        http.put(
            "/api/member/availability", json={"weekly": weekly}, headers=tokens[made.json()["id"]]
        ).raise_for_status()
    return tokens


def lift_request(title: str, start: datetime, headcount: int, priority: int) -> dict[str, Any]:
    """The JSON body of a one-hour lift from the depot, for drivers."""
    return {
        "kind": "lift",
        "title": title,
        "place_name": "Depot",
        "lat": 51.48,
        "lon": -3.17,
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=1)).isoformat(),
        "headcount": headcount,
        "skills": ["driver"],
        "priority": priority,
    }


def setup_club(http: httpx.Client, coordinator: dict[str, str], members: int = 6) -> dict[str, Any]:
    """A partner, ``members`` drivers free every day 06:00-23:00, and three requests tomorrow."""
    partner = http.post("/api/coordinator/partners", json={"name": "Tenants Union"}, headers=coordinator)
    partner.raise_for_status()
    member_tokens = add_drivers(http, coordinator, members, max_hours_week=20)
    partner_token = bearer(partner.json()["token"])
    request_ids = []
    for hour in (9, 13, 17):
        start = tomorrow_at(hour)
        made = http.post(
            "/api/partner/requests",
            headers=partner_token,
            json=lift_request(f"Lift at {hour}", start, headcount=2, priority=4),
        )
        assert made.status_code == 201, made.text
        request_ids.append(made.json()["id"])
    return {"partner": partner_token, "members": member_tokens, "requests": request_ids}


def proposal_covering(
    http: httpx.Client, coordinator: dict[str, str], request_ids: list[str], newer_than: str | None = None
) -> dict[str, Any] | None:
    got = http.get("/api/coordinator/rosters/proposed", headers=coordinator)
    if got.status_code != 200:
        return None
    roster = got.json()
    covered = {e["request_id"] for e in roster["entries"]} | {u["request_id"] for u in roster["unfilled"]}
    if set(request_ids) <= covered and (newer_than is None or roster["created_at"] > newer_than):
        return roster
    return None


def slots(roster: dict[str, Any]) -> dict[tuple[str, int], str]:
    return {(e["request_id"], e["slot_index"]): e["member_id"] for e in roster["entries"]}


def approve(http: httpx.Client, coordinator: dict[str, str], roster_id: str) -> None:
    answer = http.post(f"/api/coordinator/rosters/{roster_id}/approve", json={}, headers=coordinator)
    assert answer.status_code == 200, answer.text


def member_assignments(http: httpx.Client, token: dict[str, str]) -> list[dict[str, Any]]:
    answer = http.get("/api/member/assignments", headers=token)
    answer.raise_for_status()
    return answer.json()


def decline_one_and_check_replan(
    http: httpx.Client, coordinator: dict[str, str], club: dict[str, Any], approved: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A member declines; the next proposal keeps every other assignment and does not send them again.
    Returns (the declined assignment, the new proposal)."""
    member_id, token = next((m, t) for m, t in club["members"].items() if member_assignments(http, t))
    declined = member_assignments(http, token)[0]
    answer = http.post(
        f"/api/member/assignments/{declined['id']}/decline", json={"reason": "ill"}, headers=token
    )
    assert answer.status_code == 200, answer.text
    replanned = wait_for(
        "a proposal after the decline",
        lambda: proposal_covering(http, coordinator, club["requests"], newer_than=approved["created_at"]),
    )
    before, after = slots(approved), slots(replanned)
    key = (declined["request_id"], declined["slot_index"])
    assert {k: v for k, v in before.items() if k != key} == {k: v for k, v in after.items() if k != key}
    assert after.get(key) != member_id
    assert member_id not in {m for (r, _), m in after.items() if r == declined["request_id"]}
    return declined, replanned


LiveClub = tuple[httpx.Client, dict[str, str], dict[str, Any]]
"""A client of a running ``mechanic up``, the coordinator's headers and the club ``setup_club`` made."""


@contextmanager
def live_club(tmp_path: Path, name: str) -> Iterator[LiveClub]:
    with (
        embedded_process(tmp_path, name) as server,
        httpx.Client(base_url=server.url, timeout=10) as http,
    ):
        coordinator = bearer(server.coordinator_token)
        yield http, coordinator, setup_club(http, coordinator)
