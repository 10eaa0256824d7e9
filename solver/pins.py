"""Which of the coordinators' pins the roster can still keep, and why the others are released.

A pin is a promise made when it was set; the member may have taken the day off since, lost a
skill, left, or been pinned twice into one evening. Refusing to plan until a person notices would
stop the club's planning, so a pin that has become impossible is released with the rule it breaks
(the roster carries the reason for the coordinator) and everything else is planned around the rest.
"""

from __future__ import annotations

import numpy as np

from solver.candidates import Candidates, MemberTables
from solver.problem import Problem
from solver.schema import ReasonCode
from solver.state import RosterState

GONE = "is no longer in the plan (the request was cancelled or moved, or the member left)"


def admit_pins(problem: Problem) -> None:
    """Set ``problem.pinned`` to the pins that can stand together; record the others as released."""
    pb = problem
    tables: MemberTables | None = None
    count = [0] * pb.n_req
    load = [0] * pb.n_mem
    held = [0] * pb.n_mem
    seen: set[tuple[str, str]] = set()
    for a in pb.instance.pinned:
        if (a.request_id, a.member_id) in seen:
            continue
        seen.add((a.request_id, a.member_id))
        r, m = pb.req_pos.get(a.request_id), pb.mem_pos.get(a.member_id)
        if r is None or m is None:
            pb.release(a.request_id, a.member_id, ReasonCode.EXCLUDED, GONE)
            continue
        p = pb.pair(r, m)
        if p is None:
            tables = tables or MemberTables(pb.instance)
            code, text = _excluded_by(pb, tables, r, m)
            pb.release(a.request_id, a.member_id, code, text)
        elif count[r] >= pb.head[r]:
            pb.release(a.request_id, a.member_id, ReasonCode.EXCLUDED, "is one more than the job needs")
        elif load[m] + pb.dur[r] > pb.cap[m]:
            pb.release(a.request_id, a.member_id, ReasonCode.AT_HOUR_LIMIT, "would go over their hours")
        elif pb.conflicts[r] & held[m]:
            pb.release(
                a.request_id, a.member_id, ReasonCode.BUSY_ELSEWHERE, "is pinned elsewhere at the same time"
            )
        else:
            count[r] += 1
            load[m] += pb.dur[r]
            held[m] |= 1 << r
            pb.pinned.append(p)


def _excluded_by(pb: Problem, tables: MemberTables, r: int, m: int) -> tuple[ReasonCode, str]:
    cands = Candidates(pb.instance, tables, r, np.array([m], dtype=np.int64))
    for rule in pb.rules:
        keep = rule.keep(cands)
        if keep is not None and not keep[0]:
            return rule.reason, rule.pin_text
    return ReasonCode.EXCLUDED, "is excluded by a rule of the roster"


def release_broken_teams(state: RosterState) -> bool:
    """Release the pins of every team that breaks a team rule (seats, lead, buddy) even after the
    warm start filled the request; returns whether any pin was released."""
    pb = state.pb
    released = False
    for r in range(pb.n_req):
        team = [p for p in pb.by_req[r] if p in state.chosen]
        members = [pb.pair_m[p] for p in team]
        broken = next((rule for rule in pb.rules if team and not rule.team_ok(pb, r, members)), None)
        if broken is None:
            continue
        for p in team:
            if p in state.pinned:
                pb.pinned.remove(p)
                m = pb.instance.members[pb.pair_m[p]].id
                pb.release(pb.instance.requests[r].id, m, broken.reason, broken.pin_text)
                released = True
    return released
