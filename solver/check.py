"""Feasibility and objective of a roster, recomputed from the rules in plain Python.

This is the solver's independent witness: it shares no code with the model (it does not even
import ortools), so a modelling bug shows up as a disagreement. On the benchmark rules it follows
SPEC.md to the letter and reports the same violations, in the same order, as the reference
``score.py``; with ``Params.product_rules`` it also checks the product rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from solver.geo import dist_m, home_km, travel_min
from solver.route_check import check_routes
from solver.schema import Assignment, Instance, Member, Params, ReleasedPin, Request, Roster, Waiver


@dataclass
class CheckResult:
    violations: list[str] = field(default_factory=list)
    objective: int | None = None
    filled: int = 0
    travel_km: int = 0
    fairness: int = 0
    preference_bonus: int = 0
    change_cost: int = 0
    filled_slots: int = 0
    total_slots: int = 0

    @property
    def feasible(self) -> bool:
        return not self.violations


def _structure(instance: Instance, roster: list[Assignment]) -> list[str]:
    reqs = {r.id: r for r in instance.requests}
    mems = {m.id for m in instance.members}
    out, seen = [], set()
    for i, a in enumerate(roster):
        r = reqs.get(a.request_id)
        if r is None:
            out.append(f"S1 assignment #{i}: unknown request_id {a.request_id!r}")
        elif a.member_id not in mems:
            out.append(f"S2 assignment #{i}: unknown member_id {a.member_id!r}")
        elif not 0 <= a.slot_index < r.headcount:
            out.append(
                f"S3 assignment #{i}: slot_index {a.slot_index} outside 0..{r.headcount - 1} of {r.id}"
            )
        elif (a.request_id, a.slot_index) in seen:
            out.append(f"S4 assignment #{i}: slot ({a.request_id}, {a.slot_index}) assigned twice")
        seen.add((a.request_id, a.slot_index))
    return out


def _conflict(r: Request, s: Request) -> bool:
    t = travel_min(dist_m(r.lat, r.lon, s.lat, s.lon))
    return not (r.end + t <= s.start or s.end + t <= r.start)


def _waived(instance: Instance) -> dict[tuple[str, str], frozenset[Waiver]]:
    """The rules each forced pin waives, for its own (request, member) only."""
    return {(f.request_id, f.member_id): f.waived for f in instance.forced}


def _hard(instance: Instance, roster: list[Assignment]) -> list[str]:
    reqs = {r.id: r for r in instance.requests}
    mems = {m.id: m for m in instance.members}
    waived = _waived(instance)
    out = []
    for i, a in enumerate(roster):
        missing = reqs[a.request_id].skills - mems[a.member_id].skills
        if missing and Waiver.SKILLS not in waived.get((a.request_id, a.member_id), ()):
            out.append(f"H1 assignment #{i}: member {a.member_id} lacks {sorted(missing)} for {a.request_id}")
    for i, a in enumerate(roster):
        r = reqs[a.request_id]
        if Waiver.AVAILABILITY in waived.get((a.request_id, a.member_id), ()):
            continue
        if not any(ws <= r.start and r.end <= we for ws, we in mems[a.member_id].windows):
            out.append(f"H2 assignment #{i}: no availability window of {a.member_id} covers {a.request_id}")
    held: dict[str, list[str]] = {}
    for a in roster:
        mine = held.setdefault(a.member_id, [])
        if a.request_id in mine:
            out.append(f"H3 member {a.member_id} holds two slots of {a.request_id}")
        else:
            mine.append(a.request_id)
    for mid, rids in held.items():
        for x, first in enumerate(rids):
            out += [
                f"H4 member {mid}: {first} and {second} conflict"
                for second in rids[x + 1 :]
                if _conflict(reqs[first], reqs[second])
            ]
    for mid, rids in held.items():
        load = sum(reqs[rid].duration for rid in rids if Waiver.HOURS not in waived.get((rid, mid), ()))
        if load > mems[mid].max_minutes:
            out.append(f"H5 member {mid}: load {load} min > max {mems[mid].max_minutes} min")
    return out


def _product(instance: Instance, roster: list[Assignment]) -> list[str]:
    reqs = {r.id: r for r in instance.requests}
    mems = {m.id: m for m in instance.members}
    waived = _waived(instance)
    out = []
    teams: dict[str, list[Member]] = {}
    for a in roster:
        r, m = reqs[a.request_id], mems[a.member_id]
        teams.setdefault(r.id, []).append(m)
        skip = waived.get((r.id, m.id), frozenset())
        if r.kind in m.refused_kinds and Waiver.KINDS not in skip:
            out.append(f"P preferences: {m.id} refuses {r.kind} work ({r.id})")
        if r.partner in m.refused_partners and Waiver.PARTNERS not in skip:
            out.append(f"P partners: {m.id} refuses to work with {r.partner} ({r.id})")
        km = home_km(dist_m(m.lat, m.lon, r.lat, r.lon))
        if m.max_travel_km is not None and km > m.max_travel_km and Waiver.TRAVEL_RADIUS not in skip:
            out.append(f"P travel radius: {r.id} is {km} km from {m.id}, more than {m.max_travel_km}")
    for rid, team in teams.items():
        r = reqs[rid]
        if sum(m.car_seats or 0 for m in team) < r.passengers:
            out.append(f"P lift seats: {rid} sends {len(team)} cars without seats for {r.passengers} people")
        if r.lead_skills and not any(r.lead_skills <= m.skills for m in team):
            out.append(f"P lead: nobody on {rid} holds {sorted(r.lead_skills)}")
        if len(team) < r.min_team:
            out.append(f"P buddy: {rid} sends {len(team)}, fewer than {r.min_team}")
    return out


def _commands(instance: Instance, roster: list[Assignment], released: set[tuple[str, str]]) -> list[str]:
    pairs = {(a.request_id, a.member_id) for a in roster}
    out = [
        f"C pinned {a.request_id}/{a.member_id} is missing"
        for a in instance.pinned
        if (a.request_id, a.member_id) not in pairs | released
    ]
    out += [
        f"C released {r}/{m} was never pinned"
        for r, m in released - {(a.request_id, a.member_id) for a in instance.pinned}
    ]
    out += [
        f"C forbidden {a.request_id}/{a.member_id} is assigned"
        for a in instance.forbidden
        if (a.request_id, a.member_id) in pairs
    ]
    return out


def _could_drive(instance: Instance, r: Request, m: Member) -> bool:
    """Whether ``m`` passes every rule that decides who may go to ``r`` at all."""
    forbidden = {(a.request_id, a.member_id) for a in instance.forbidden}
    km = home_km(dist_m(m.lat, m.lon, r.lat, r.lon))
    return (
        r.skills <= m.skills
        and any(ws <= r.start and r.end <= we for ws, we in m.windows)
        and r.kind not in m.refused_kinds
        and r.partner not in m.refused_partners
        and (m.max_travel_km is None or km <= m.max_travel_km)
        and (r.id, m.id) not in forbidden
    )


def _lift_worth(instance: Instance, r: Request) -> int:
    """Slots a served lift with pickups is worth: the fewest drivers who could seat everyone, taking
    the largest cars of the eligible drivers first (at most the headcount)."""
    seats = sorted((m.car_seats or 0 for m in instance.members if _could_drive(instance, r, m)), reverse=True)
    for k in range(1, r.headcount + 1):
        if sum(seats[:k]) >= r.passengers:
            return k
    return r.headcount


def _objective(instance: Instance, roster: list[Assignment], params: Params, res: CheckResult) -> None:
    reqs = {r.id: r for r in instance.requests}
    mems = {m.id: m for m in instance.members}
    loads: dict[str, int] = {}
    served = {a.request_id for a in roster if reqs[a.request_id].pickups}
    res.filled += sum(
        params.priority_weight * reqs[rid].priority * _lift_worth(instance, reqs[rid]) for rid in served
    )
    for a in roster:
        r, m = reqs[a.request_id], mems[a.member_id]
        res.filled += 0 if r.pickups else params.priority_weight * r.priority
        res.travel_km += home_km(dist_m(m.lat, m.lon, r.lat, r.lon))
        history = m.history_minutes if params.product_rules else 0
        loads[m.id] = loads.get(m.id, history) + r.duration
        res.preference_bonus += params.preference_weight * (r.kind in m.liked_kinds)
    res.fairness = params.fairness_weight * (max(loads.values()) - min(loads.values())) if loads else 0
    kept = {(a.request_id, a.member_id) for a in roster}
    approved = {(a.request_id, a.member_id) for a in instance.approved}
    res.change_cost = params.change_weight * len(approved - kept)
    travel = params.travel_weight * res.travel_km
    res.objective = res.filled - travel - res.fairness + res.preference_bonus - res.change_cost


def check(
    instance: Instance,
    assignments: Iterable[Assignment] | Roster,
    params: Params | None = None,
    released: Iterable[ReleasedPin] = (),
) -> CheckResult:
    """Every violated rule (in SPEC order, so the first matches score.py) or the objective parts.

    A pin may be missing only if ``released`` gives a reason for it (``Roster.released``). Given a
    whole ``Roster``, its released pins count and its lift routes are checked too
    (``solver.route_check``): every driver of a lift with pickups needs a valid route."""
    params = params or Params()
    routes = None
    if isinstance(assignments, Roster):
        routes, released = assignments.routes, (*released, *assignments.released)
        assignments = assignments.assignments
    roster = list(assignments)
    let_go = {(x.request_id, x.member_id) for x in released if x.text}
    res = CheckResult(filled_slots=len(roster), total_slots=sum(r.headcount for r in instance.requests))
    res.violations = _structure(instance, roster)
    if res.violations:
        return res
    res.violations = _hard(instance, roster) + _commands(instance, roster, let_go)
    if params.product_rules:
        res.violations += _product(instance, roster)
    if routes is not None:
        res.violations += check_routes(instance, roster, routes, params)
    if not res.violations:
        _objective(instance, roster, params, res)
    return res
