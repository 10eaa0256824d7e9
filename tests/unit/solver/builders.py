"""Builders for tiny hand-made instances and access to the replayed benchmark fixtures."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from solver import Assignment, Instance, Member, Params, Request
from solver.problem import Problem

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "solver"
MONDAY = datetime(2026, 3, 2, tzinfo=UTC)
DAY = 24 * 60
HERE = (51.48, -3.18)
"""All hand-made members and requests sit at one point unless a test moves them."""
SPOTS = st.tuples(st.floats(51.40, 51.56), st.floats(-3.30, -3.06))
"""Points of Cardiff, for generated instances."""


def member(
    mid: str,
    *,
    skills: tuple[str, ...] = (),
    windows: tuple[tuple[int, int], ...] = ((0, 7 * DAY),),
    max_minutes: int = 600,
    at: tuple[float, float] = HERE,
    **extra: Any,
) -> Member:
    return Member(
        id=mid,
        skills=frozenset(skills),
        lat=at[0],
        lon=at[1],
        windows=windows,
        max_minutes=max_minutes,
        **extra,
    )


def request(
    rid: str,
    start: int,
    end: int,
    *,
    headcount: int = 1,
    priority: int = 3,
    skills: tuple[str, ...] = (),
    at: tuple[float, float] = HERE,
    **extra: Any,
) -> Request:
    return Request(
        id=rid,
        lat=at[0],
        lon=at[1],
        start=start,
        end=end,
        headcount=headcount,
        priority=priority,
        skills=frozenset(skills),
        **extra,
    )


def instance(requests: list[Request], members: list[Member], **extra: Any) -> Instance:
    return Instance(
        name="hand-made",
        horizon_start=MONDAY,
        horizon_minutes=7 * DAY,
        requests=tuple(requests),
        members=tuple(members),
        **extra,
    )


def pairs(assignments: tuple[Assignment, ...] | list[Assignment]) -> set[tuple[str, str]]:
    return {(a.request_id, a.member_id) for a in assignments}


def load_fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    return data


def with_product_data(inst: Instance) -> Instance:
    """Lifts, leads, buddy teams, history and a pin on a replayed instance, so every rule binds."""
    skills = sorted({s for m in inst.members for s in m.skills})
    requests = tuple(
        r.model_copy(
            update={
                "passengers": 3 if i % 3 == 0 else 0,
                "lead_skills": frozenset(skills[i % len(skills) :][:1]) if i % 4 == 0 else frozenset(),
                "min_team": 2 if i % 5 == 0 and r.headcount > 1 else 1,
            }
        )
        for i, r in enumerate(inst.requests)
    )
    members = tuple(
        m.model_copy(update={"history_minutes": 60 * (i % 4)}) for i, m in enumerate(inst.members)
    )
    draft = inst.model_copy(update={"requests": requests, "members": members})
    pb = Problem(draft, Params(product_rules=True))
    p = next(p for p, r in enumerate(pb.pair_r) if r % 3 and r % 4 and r % 5)
    pin = Assignment(request_id=requests[pb.pair_r[p]].id, slot_index=0, member_id=members[pb.pair_m[p]].id)
    return draft.model_copy(update={"pinned": (pin,)})
