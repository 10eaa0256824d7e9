"""End to end in embedded mode: `mechanic up` as a real process on a SQLite file, driven over HTTP."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e_support import (
    approve,
    bearer,
    decline_one_and_check_replan,
    member_assignments,
    proposal_covering,
    setup_club,
    slots,
    wait_for,
)

MECHANIC = str(Path(sys.executable).with_name("mechanic"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def embedded(tmp_path: Path) -> Iterator[tuple[httpx.Client, dict[str, str]]]:
    port = free_port()
    env = os.environ | {
        "MECHANIC_DATABASE_URL": f"sqlite:///{tmp_path}/mechanic.db",
        "MECHANIC_SOLVE_TIME_LIMIT_S": "2",
        "MECHANIC_DEBOUNCE_S": "0.3",
    }
    created = subprocess.run(
        [MECHANIC, "club", "create", "E2E club"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    coordinator = bearer(json.loads(created.stdout)["coordinator_token"])
    log = (tmp_path / "up.log").open("w")
    proc = subprocess.Popen(
        [MECHANIC, "up", "--port", str(port)], env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            wait_for("the API to answer", lambda: _healthy(http), timeout_s=30)
            yield http, coordinator
    finally:
        proc.terminate()
        assert proc.wait(timeout=30) == 0, (tmp_path / "up.log").read_text()
        log.close()


def _healthy(http: httpx.Client) -> bool:
    try:
        return http.get("/healthz").status_code == 200
    except httpx.TransportError:
        return False


def test_request_to_assignment_and_a_decline_replans_minimally(
    embedded: tuple[httpx.Client, dict[str, str]],
) -> None:
    http, coordinator = embedded
    club = setup_club(http, coordinator)
    proposed = wait_for(
        "a proposal covering every request", lambda: proposal_covering(http, coordinator, club["requests"])
    )
    assert proposed["filled_slots"] == proposed["total_slots"] == 6
    approve(http, coordinator, proposed["id"])
    issued = wait_for(
        "assignments issued to members",
        lambda: (
            [
                (a["request_id"], a["slot_index"], m)
                for m, t in club["members"].items()
                for a in member_assignments(http, t)
            ]
            if len(_all(http, club)) == 6
            else None
        ),
    )
    assert {(r, s): m for r, s, m in issued} == slots(proposed)

    approved = http.get("/api/coordinator/rosters/approved", headers=coordinator).json()
    _declined, replanned = decline_one_and_check_replan(http, coordinator, club, approved)
    approve(http, coordinator, replanned["id"])
    wait_for("the replacement assignment", lambda: len(_all(http, club)) == 7)
    statuses = sorted(a["status"] for a in _all(http, club))
    assert statuses == ["declined"] + ["issued"] * 6, "only the declined slot was re-issued"


def _all(http: httpx.Client, club: dict[str, Any]) -> list[dict[str, Any]]:
    return [a for t in club["members"].values() for a in member_assignments(http, t)]
