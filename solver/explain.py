"""Why a slot stays empty, in words a coordinator can act on.

The most specific reason wins: nobody has the skills; nobody with them is free then; the people
who are free are excluded by their own limits or a coordinator; they are at their hour limit;
they are busy elsewhere; or, failing all that, filling the slot would lower the roster's value.
A lift with pickups that is served has no empty slots: its headcount caps the drivers, it does not
ask for them (``solver.lift_routes`` explains the people a served lift leaves behind).
"""

from __future__ import annotations

from solver.problem import Problem
from solver.schema import Explanation, ReasonCode
from solver.state import RosterState
from solver.timefmt import span_text


def _who(problem: Problem, r: int) -> str:
    skills = problem.instance.requests[r].skills
    return f"with {' and '.join(sorted(skills))} " if skills else ""


def _of(part: int, whole: int, which: str) -> str:
    """'the only member {which} is', 'all 3 members {which} are', '1 of the 3 members {which} is': a
    coordinator reads these, so the words agree with the numbers."""
    if whole == 1:
        return f"the only member {which} is"
    lead = f"all {whole}" if part == whole else f"{part} of the {whole}"
    return f"{lead} members {which} {'is' if part == 1 else 'are'}"


def reason(state: RosterState, r: int) -> tuple[ReasonCode, str]:
    pb = state.pb
    emptied = pb.emptied_by[r]
    if emptied is not None:
        return emptied[0].reason, emptied[1]
    when = span_text(pb.instance.horizon_start, pb.start[r], pb.end[r])
    others = [pb.pair_m[p] for p in pb.by_req[r] if p not in state.chosen]
    limited = [m for m in others if state.load[m] + pb.dur[r] > pb.cap[m]]
    busy = [m for m in others if pb.conflicts[r] & state.held[m]]
    noun = f"{_who(pb, r)}available on {when}"
    if not others:
        return ReasonCode.BUSY_ELSEWHERE, f"every member {_who(pb, r)}available on {when} is already on it"
    if len(limited) == len(others):
        return ReasonCode.AT_HOUR_LIMIT, f"{_of(len(others), len(others), noun)} at their hour limit"
    if set(limited) | set(busy) == set(others):
        top = max(
            pb.instance.requests[s].priority for m in busy for s in _bits(pb.conflicts[r] & state.held[m])
        )
        return ReasonCode.BUSY_ELSEWHERE, (
            f"{_of(len(others), len(others), noun)} busy elsewhere (work up to priority {top}) or at their "
            "hour limit"
        )
    free = [m for m in others if m not in set(limited) | set(busy)]
    free_text = f"{_of(len(free), len(others), noun)} free"
    team = _team_reason(pb, r, free, free_text) if state.count[r] == 0 else None
    return team or (
        ReasonCode.NOT_WORTH_IT,
        f"{free_text}, but sending them would cost more in travel, fairness or "
        "team rules than the slot earns",
    )


def _team_reason(pb: Problem, r: int, free: list[int], free_text: str) -> tuple[ReasonCode, str] | None:
    """A team rule that no choice among the free members can meet: nobody to lead, too few to go
    together, or too few seats for the passengers of a lift."""
    req, members = pb.instance.requests[r], pb.instance.members
    if req.lead_skills and not any(req.lead_skills <= members[m].skills for m in free):
        lead = " and ".join(sorted(req.lead_skills))
        return ReasonCode.NO_SKILL, f"{free_text}, but none of them holds {lead}, needed to lead the team"
    if len(free) < req.min_team:
        return (
            ReasonCode.UNAVAILABLE,
            f"{free_text}, and nobody is sent alone: at least {req.min_team} go together",
        )
    seats = sum(members[m].car_seats or 0 for m in free)
    if req.passengers > seats:
        return (
            ReasonCode.UNAVAILABLE,
            f"{free_text}, but their cars seat {seats} of the {req.passengers} passengers",
        )
    return None


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
        if pb.served_gain[r] and state.count[r]:
            continue  # a lift with pickups is served whole by the drivers it needs, not by its headcount
        if state.count[r] < pb.head[r]:
            code, text = reason(state, r)
            rid = pb.instance.requests[r].id
            empty = [k for k in range(pb.head[r]) if k not in used.get(rid, ())]
            out += [Explanation(request_id=rid, slot_index=k, code=code, text=text) for k in empty]
    return out
