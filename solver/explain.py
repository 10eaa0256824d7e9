"""Why a slot stays empty, in words a coordinator can act on.

The most specific reason wins: nobody has the skills; nobody with them is free then; the people
who are free are excluded by their own limits or a coordinator; they are at their hour limit;
they are busy elsewhere; or, failing all that, filling the slot would lower the roster's value.
"""

from __future__ import annotations

from solver.problem import Problem
from solver.schema import Explanation, ReasonCode
from solver.state import RosterState
from solver.timefmt import span_text


def _who(problem: Problem, r: int) -> str:
    skills = problem.instance.requests[r].skills
    return f"with {' and '.join(sorted(skills))} " if skills else ""


def _reason(state: RosterState, r: int) -> tuple[ReasonCode, str]:
    pb = state.pb
    emptied = pb.emptied_by[r]
    if emptied is not None:
        return emptied[0].reason, emptied[1]
    when = span_text(pb.instance.horizon_start, pb.start[r], pb.end[r])
    others = [pb.pair_m[p] for p in pb.by_req[r] if p not in state.chosen]
    limited = [m for m in others if state.load[m] + pb.dur[r] > pb.cap[m]]
    busy = [m for m in others if pb.conflicts[r] & state.held[m]]
    who = f"{len(others)} member{'s' if len(others) != 1 else ''} {_who(pb, r)}available on {when}"
    if not others:
        return ReasonCode.BUSY_ELSEWHERE, f"every member {_who(pb, r)}available on {when} is already on it"
    if len(limited) == len(others):
        return ReasonCode.AT_HOUR_LIMIT, f"all {who} are at their hour limit"
    if set(limited) | set(busy) == set(others):
        top = max(
            pb.instance.requests[s].priority for m in busy for s in _bits(pb.conflicts[r] & state.held[m])
        )
        return ReasonCode.BUSY_ELSEWHERE, (
            f"all {who} are busy elsewhere (work up to priority {top}) or at their hour limit"
        )
    return ReasonCode.NOT_WORTH_IT, (
        f"{len(others) - len(set(limited) | set(busy))} of the {who} are free, but sending them "
        "would cost more in travel, fairness or team rules than the slot earns"
    )


def _bits(mask: int) -> list[int]:
    out = []
    while mask:
        low = mask & -mask
        out.append(low.bit_length() - 1)
        mask ^= low
    return out


def explain_unfilled(state: RosterState, used: dict[str, set[int]]) -> list[Explanation]:
    """One explanation per empty slot; ``used`` holds the slot numbers filled per request id."""
    pb = state.pb
    out = []
    for r in range(pb.n_req):
        if state.count[r] < pb.head[r]:
            code, text = _reason(state, r)
            rid = pb.instance.requests[r].id
            empty = [k for k in range(pb.head[r]) if k not in used.get(rid, ())]
            out += [Explanation(request_id=rid, slot_index=k, code=code, text=text) for k in empty]
    return out
