"""Which of the coordinators' pins the roster can still keep, and why the others are released.

A pin is a promise made when it was set; the member may have taken the day off since, lost a
skill, left, or been pinned twice into one evening. Refusing to plan until a person notices would
stop the club's planning, so a pin that has become impossible is released with the rule it breaks
(the roster carries the reason for the coordinator) and everything else is planned around the rest.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from solver.candidates import Candidates, MemberTables
from solver.problem import Problem
from solver.schema import ForcedPin, Instance, Params, ReasonCode, ReleasedPin, Waiver
from solver.state import RosterState

GONE = "is no longer in the plan (the request was cancelled or moved, or the member left)"


class Breach(NamedTuple):
    code: ReasonCode
    text: str
    waiver: Waiver | None = None


class _Ledger:
    """What the pins admitted so far hold: people per request, minutes and requests per member."""

    def __init__(self, problem: Problem) -> None:
        self.pb = problem
        self.count = [0] * problem.n_req
        self.load = [0] * problem.n_mem
        self.held = [0] * problem.n_mem
        self._tables: MemberTables | None = None

    def refusal(self, r: int, m: int) -> Breach | None:
        """Why pinning member ``m`` on request ``r`` next to the admitted pins breaks a rule, if it does
        (a forced pin's waived rules aside)."""
        pb = self.pb
        waived = pb.waived.get((r, m), frozenset())
        if pb.pair(r, m) is None:
            self._tables = self._tables or MemberTables(pb.instance)
            return _excluded_by(pb, self._tables, r, m, waived)
        if self.count[r] >= pb.head[r]:
            return Breach(ReasonCode.EXCLUDED, "would be one more than the job needs")
        if (self.held[m] >> r) & 1 or pb.conflicts[r] & self.held[m]:
            return Breach(ReasonCode.BUSY_ELSEWHERE, "is pinned elsewhere at the same time")
        if self.load[m] + pb.dur[r] > pb.cap[m] and Waiver.HOURS not in waived:
            return Breach(ReasonCode.AT_HOUR_LIMIT, "would go over their hours", Waiver.HOURS)
        return None

    def add(self, r: int, m: int) -> None:
        self.count[r] += 1
        self.load[m] += self.pb.dur[r]
        self.held[m] |= 1 << r
        if Waiver.HOURS in self.pb.waived.get((r, m), frozenset()):
            self.pb.cap[m] += self.pb.dur[r]  # the forced job's minutes do not count against the limit


def admit_pins(problem: Problem) -> _Ledger:
    """Set ``problem.pinned`` to the pins that can stand together (the earlier of two clashing pins
    wins); record the others as released. A released forced pin still opens its pair here: plan
    with ``prepare``, which leaves it out."""
    pb = problem
    ledger = _Ledger(pb)
    seen: set[tuple[str, str]] = set()
    for a in pb.instance.pinned:
        if (a.request_id, a.member_id) in seen:
            continue
        seen.add((a.request_id, a.member_id))
        r, m = pb.req_pos.get(a.request_id), pb.mem_pos.get(a.member_id)
        why = Breach(ReasonCode.EXCLUDED, GONE) if r is None or m is None else ledger.refusal(r, m)
        if why is not None:
            pb.release(a.request_id, a.member_id, *why)
            continue
        assert r is not None and m is not None
        ledger.add(r, m)
        p = pb.pair(r, m)
        assert p is not None
        pb.pinned.append(p)
    return ledger


def prepare(instance: Instance, params: Params) -> tuple[Problem, _Ledger]:
    """The problem to plan ``instance`` with, its pins admitted. A released forced pin must not leave
    the pair its waivers opened to the solver (Sam, forced onto a lift, would otherwise be free to be
    sent there unpinned), so when one is released the problem is built without the released pins,
    keeping why they were released."""
    problem = Problem(instance, params)
    ledger = admit_pins(problem)
    return _without_released(problem) if _forced_released(problem) else (problem, ledger)


def _forced_released(pb: Problem) -> bool:
    gone = {(x.request_id, x.member_id) for x in pb.released}
    return bool(gone & {(f.request_id, f.member_id) for f in pb.instance.forced})


def _without_released(pb: Problem) -> tuple[Problem, _Ledger]:
    gone = {(x.request_id, x.member_id) for x in pb.released}
    inst = pb.instance
    fresh = Problem(
        inst.model_copy(
            update={
                "pinned": tuple(a for a in inst.pinned if (a.request_id, a.member_id) not in gone),
                "forced": tuple(f for f in inst.forced if (f.request_id, f.member_id) not in gone),
            }
        ),
        pb.params,
    )
    ledger = admit_pins(fresh)
    fresh.released = [*pb.released, *fresh.released]
    return fresh, ledger


def _excluded_by(pb: Problem, tables: MemberTables, r: int, m: int, waived: frozenset[Waiver]) -> Breach:
    rule = pb.blocking_rule(tables, r, m, waived)
    if rule is None:
        return Breach(ReasonCode.EXCLUDED, "is excluded by a rule of the roster")
    cands = Candidates(pb.instance, tables, r, np.array([m], dtype=np.int64))
    return Breach(rule.reason, rule.pin_why(cands), rule.waiver)


def release_broken_teams(state: RosterState) -> Problem | None:
    """Release the pins of every team that breaks a team rule (seats, lead, buddy) even after the
    warm start filled the request; returns the problem to plan again with (built anew when a forced
    pin was among them, as in ``prepare``), or None when every team stands."""
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
    if not released:
        return None
    return _without_released(pb)[0] if _forced_released(pb) else pb


def unkeepable_pins(instance: Instance, params: Params) -> tuple[ReleasedPin, ...]:
    """The pins of ``instance`` that break a rule on their own or clash with an earlier pin: what a
    coordinator must be told before placing someone, rather than after the next solve."""
    problem, _ = prepare(instance, params)
    return tuple(problem.released)


def breaches(instance: Instance, params: Params, request_id: str, member_id: str) -> list[ReleasedPin]:
    """Every rule the pin of ``member_id`` on ``request_id`` (one of ``instance.pinned``) breaks, in
    the order the solver finds them: empty when it can stand; each with the ``waiver`` that would
    force it past; the last with none when no force can keep it (double booking, a decline...)."""
    key = request_id, member_id
    others = tuple(f for f in instance.forced if (f.request_id, f.member_id) != key)
    found: list[ReleasedPin] = []
    waived: frozenset[Waiver] = frozenset()
    while True:
        forced = ForcedPin(request_id=request_id, member_id=member_id, waived=waived)
        trial = instance.model_copy(update={"forced": (*others, forced)})
        mine = next((x for x in unkeepable_pins(trial, params) if (x.request_id, x.member_id) == key), None)
        if mine is None:
            return found
        found.append(mine)
        if mine.waiver is None or mine.waiver in waived:
            return found
        waived |= {mine.waiver}


def placement_options(instance: Instance, params: Params, request_id: str) -> list[tuple[str, str | None]]:
    """Every member for a place on ``request_id`` next to the instance's pins: those who could be
    pinned there first, best fit (the solver's own gain: travel, preferences) first; then the others,
    each with the rule that stops them."""
    problem, ledger = prepare(instance, params)
    r = problem.req_pos[request_id]
    fits: list[tuple[int, str]] = []
    others: list[tuple[str, str]] = []
    for m, member in enumerate(instance.members):
        why = ledger.refusal(r, m)
        if why is None:
            p = problem.pair(r, m)
            fits.append((-(problem.gain[p] if p is not None else 0), member.id))
        else:
            others.append((member.id, why[1]))
    ranked: list[tuple[str, str | None]] = [(mid, None) for _, mid in sorted(fits)]
    return ranked + list(others)


def member_options(instance: Instance, params: Params, member_id: str) -> dict[str, str | None]:
    """For one member, every request of the instance next to its pins: None where they could be
    pinned, else the rule that stops them (what a member offering to help is told)."""
    problem, ledger = prepare(instance, params)
    m = problem.mem_pos.get(member_id)
    if m is None:
        return {r.id: GONE for r in instance.requests}
    out: dict[str, str | None] = {}
    for r, request in enumerate(instance.requests):
        why = ledger.refusal(r, m)
        out[request.id] = None if why is None else why[1]
    return out


def unstaffable(instance: Instance, params: Params) -> dict[str, tuple[str, ...]]:
    """Requests that no member could be pinned on next to the instance's pins (left out: those the
    pins already fill), each with every member's refusal: what a coordinator must hear about before
    planning reaches the request, while there is time to find someone."""
    problem, ledger = prepare(instance, params)
    out: dict[str, tuple[str, ...]] = {}
    for r, request in enumerate(instance.requests):
        if ledger.count[r] >= problem.head[r]:
            continue
        # Only members the problem pairs with the request can fit: the others' reasons (slower to
        # find) are asked for only when nobody fits.
        paired = (m for m in range(len(instance.members)) if problem.pair(r, m) is not None)
        if any(ledger.refusal(r, m) is None for m in paired):
            continue
        whys = (ledger.refusal(r, m) for m in range(len(instance.members)))
        out[request.id] = tuple(why[1] for why in whys if why is not None)
    return out
