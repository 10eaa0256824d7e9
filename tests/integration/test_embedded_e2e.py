"""End to end in embedded mode: `mechanic up` as a real process on a SQLite file, driven over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e_support import (
    approve,
    bearer,
    decline_one_and_check_replan,
    embedded_process,
    member_assignments,
    proposal_covering,
    setup_club,
    slots,
    wait_for,
)


@pytest.fixture
def embedded(tmp_path: Path) -> Iterator[tuple[httpx.Client, dict[str, str]]]:
    with (
        embedded_process(tmp_path, "E2E club") as server,
        httpx.Client(base_url=server.url, timeout=10) as http,
    ):
        yield http, bearer(server.coordinator_token)


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
