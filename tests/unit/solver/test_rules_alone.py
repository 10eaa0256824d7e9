"""Each rule alone on a tiny CP-SAT model (the cpsat-primer's way of testing a constraint).

For every rule that adds constraints: a feasible assignment is accepted, a violating one is
infeasible when forced, and given an objective under which breaking the rule would pay, the
solver finds the legal choice. Filters (``keep``) drop the ineligible member and keep the other.
For the objective terms (gains and the fairness term), the better choice scores higher. Only the
rule under test touches the model; ``Problem`` merely prepares the pairs of an instance built so
that no other filter removes any.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from ortools.sat.python import cp_model

from solver import Assignment, Instance, Params
from solver.candidates import Candidates, MemberTables
from solver.problem import Problem
from solver.rules import (
    AvailabilityRule,
    BuddyRule,
    CoverageRule,
    FairnessRule,
    LeadRule,
    LiftSeatsRule,
    MaxHoursRule,
    NoDoubleBookingRule,
    PreferencesRule,
    RefusedPartnersRule,
    Rule,
    SkillsRule,
    StabilityRule,
    TravelCostRule,
    TravelRadiusRule,
)
from solver.scope import Scope
from solver.variables import AssignmentVars
from tests.unit.solver.builders import HERE, instance, member, request

Pair = tuple[str, str]
KEPT = Assignment(request_id="r", slot_index=0, member_id="kept")
RULED_OUT = Assignment(request_id="r", slot_index=0, member_id="out")
FAR = (51.60, -3.18)


@dataclass(frozen=True)
class Case:
    rule: Rule
    inst: Instance
    feasible: frozenset[Pair]
    violating: frozenset[Pair]
    weights: dict[Pair, int]
    """An objective under which breaking the rule would pay."""
    legal: frozenset[Pair]
    """What the solver must choose under ``weights`` with the rule in force."""


def case(
    rule: Rule, inst: Instance, ok: set[Pair], bad: set[Pair], w: dict[Pair, int], legal: set[Pair]
) -> Case:
    return Case(rule, inst, frozenset(ok), frozenset(bad), w, frozenset(legal))


HARD = {
    "no double booking": case(
        NoDoubleBookingRule(),
        instance([request("r1", 0, 60), request("r2", 30, 90)], [member("a")]),
        {("r1", "a")},
        {("r1", "a"), ("r2", "a")},
        {("r1", "a"): 2, ("r2", "a"): 3},
        {("r2", "a")},
    ),
    "max hours": case(
        MaxHoursRule(),
        instance([request("r1", 0, 60), request("r2", 120, 180)], [member("a", max_minutes=90)]),
        {("r2", "a")},
        {("r1", "a"), ("r2", "a")},
        {("r1", "a"): 2, ("r2", "a"): 3},
        {("r2", "a")},
    ),
    "lift seats": case(
        LiftSeatsRule(),
        instance(
            [request("lift", 0, 60, headcount=3, passengers=3)],
            [member("small", car_seats=2), member("tiny", car_seats=1), member("big", car_seats=3)],
        ),
        {("lift", "big")},
        {("lift", "small")},
        {("lift", "small"): 5, ("lift", "tiny"): -1, ("lift", "big"): -3},
        {("lift", "small"), ("lift", "tiny")},
    ),
    "lead": case(
        LeadRule(),
        instance(
            [request("r", 0, 60, headcount=2, lead_skills=frozenset({"clerk"}))],
            [member("lead", skills=("clerk",)), member("helper")],
        ),
        {("r", "lead"), ("r", "helper")},
        {("r", "helper")},
        {("r", "lead"): -1, ("r", "helper"): 2},
        {("r", "lead"), ("r", "helper")},
    ),
    "buddy": case(
        BuddyRule(),
        instance([request("r", 0, 60, headcount=2, min_team=2)], [member("a"), member("b")]),
        {("r", "a"), ("r", "b")},
        {("r", "a")},
        {("r", "a"): 3, ("r", "b"): -1},
        {("r", "a"), ("r", "b")},
    ),
    "coverage headcount": case(
        CoverageRule(1000),
        instance([request("r", 0, 60, headcount=1)], [member("a"), member("b")]),
        {("r", "a")},
        {("r", "a"), ("r", "b")},
        {("r", "a"): 1, ("r", "b"): 2},
        {("r", "b")},
    ),
}


class Alone:
    """A model holding every eligible pair of ``inst`` and the constraints of ``rule`` only."""

    def __init__(self, rule: Rule, inst: Instance) -> None:
        self.pb = Problem(inst, Params())
        self.model = cp_model.CpModel()
        scope = Scope(list(range(len(self.pb.pair_r))), {}, {}, None, None)
        self.v = AssignmentVars(self.model, self.pb, scope)
        self.objective = rule.constrain(self.v)
        self.names = {
            (inst.requests[r].id, inst.members[m].id): self.v.x[p]
            for p, (r, m) in enumerate(zip(self.pb.pair_r, self.pb.pair_m, strict=True))
        }

    def force(self, chosen: frozenset[Pair]) -> None:
        for pair, var in self.names.items():
            self.model.add(var == int(pair in chosen))

    def solve(self) -> tuple[cp_model.CpSolverStatus, cp_model.CpSolver]:
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        return solver.solve(self.model), solver


@pytest.mark.parametrize("c", HARD.values(), ids=HARD.keys())
def test_a_feasible_assignment_is_accepted(c: Case) -> None:
    alone = Alone(c.rule, c.inst)
    alone.force(c.feasible)
    assert alone.solve()[0] == cp_model.OPTIMAL


@pytest.mark.parametrize("c", HARD.values(), ids=HARD.keys())
def test_a_violating_assignment_is_infeasible_when_forced(c: Case) -> None:
    alone = Alone(c.rule, c.inst)
    alone.force(c.violating)
    assert alone.solve()[0] == cp_model.INFEASIBLE


@pytest.mark.parametrize("c", HARD.values(), ids=HARD.keys())
def test_the_legal_choice_is_found_where_breaking_the_rule_would_pay(c: Case) -> None:
    alone = Alone(c.rule, c.inst)
    alone.model.maximize(sum(w * alone.names[pair] for pair, w in c.weights.items()))
    status, solver = alone.solve()
    assert status == cp_model.OPTIMAL
    assert {pair for pair, var in alone.names.items() if solver.value(var)} == c.legal
    assert sum(c.weights[pair] for pair in c.violating) > solver.objective_value


def fairness_model() -> Alone:
    """a already has the two-hour job and b the first hour; who takes the second hour?"""
    inst = instance(
        [request("hour1", 0, 60), request("hour2", 120, 180), request("long", 240, 360)],
        [member("a"), member("b")],
    )
    alone = Alone(FairnessRule(1), inst)
    x = alone.names
    alone.model.add(x[("long", "a")] == 1)
    alone.model.add(x[("hour1", "b")] == 1)
    for r in ("hour1", "hour2", "long"):
        alone.model.add(x[(r, "a")] + x[(r, "b")] == 1)
    alone.model.maximize(alone.objective)
    return alone


def test_fairness_gives_the_work_to_the_less_busy_member() -> None:
    alone = fairness_model()
    status, solver = alone.solve()
    assert status == cp_model.OPTIMAL
    assert solver.value(alone.names[("hour2", "b")]) == 1
    assert solver.objective_value == 0


def test_fairness_charges_the_gap_when_the_busy_member_takes_it() -> None:
    alone = fairness_model()
    alone.model.add(alone.names[("hour2", "a")] == 1)
    status, solver = alone.solve()
    assert status == cp_model.OPTIMAL
    assert solver.objective_value == -120  # a works 180 minutes, b 60


def candidates(inst: Instance) -> Candidates:
    """Every member of ``inst`` as a candidate for its first request."""
    return Candidates(inst, MemberTables(inst), 0, np.arange(len(inst.members)))


GAINS = {
    "travel cost": (
        TravelCostRule(1),
        instance([request("r", 0, 60)], [member("far", at=FAR), member("near", at=HERE)]),
        "near",
    ),
    "preferences": (
        PreferencesRule(5),
        instance(
            [request("r", 0, 60, kind="lift")],
            [member("plain"), member("fan", liked_kinds=frozenset({"lift"}))],
        ),
        "fan",
    ),
}


@pytest.mark.parametrize(("rule", "inst", "better"), GAINS.values(), ids=GAINS.keys())
def test_an_objective_term_prefers_the_better_member(rule: Rule, inst: Instance, better: str) -> None:
    gain = rule.gain(candidates(inst))
    assert gain is not None
    best = int(np.argmax(gain))
    assert inst.members[best].id == better
    assert gain[best] > min(gain)


def test_coverage_pays_the_urgent_slot_first() -> None:
    inst = instance([request("calm", 0, 60, priority=1), request("urgent", 0, 60, priority=5)], [member("a")])
    tables, rule = MemberTables(inst), CoverageRule(1000)
    calm, urgent = (rule.gain(Candidates(inst, tables, r, np.arange(1))) for r in (0, 1))
    assert urgent[0] > calm[0] > 0


STAYS = instance(
    [request("r", 0, 60)], [member("kept"), member("out")], approved=(KEPT,), forbidden=(RULED_OUT,)
)
FILTERS = {
    "skills": (
        SkillsRule(),
        instance([request("r", 0, 60, skills=("driver",))], [member("d", skills=("driver",)), member("w")]),
    ),
    "availability": (
        AvailabilityRule(),
        instance([request("r", 0, 60)], [member("in"), member("out", windows=((0, 30),))]),
    ),
    "preferences (refusal)": (
        PreferencesRule(5),
        instance(
            [request("r", 0, 60, kind="lift")],
            [member("ok"), member("no", refused_kinds=frozenset({"lift"}))],
        ),
    ),
    "refused partners": (
        RefusedPartnersRule(),
        instance(
            [request("r", 0, 60, partner="court")],
            [member("ok"), member("no", refused_partners=frozenset({"court"}))],
        ),
    ),
    "travel radius": (
        TravelRadiusRule(),
        instance([request("r", 0, 60, at=FAR)], [member("ok"), member("no", max_travel_km=5)]),
    ),
    "stability (removed)": (StabilityRule(STAYS, 50), STAYS),
}


@pytest.mark.parametrize(("rule", "inst"), FILTERS.values(), ids=FILTERS.keys())
def test_a_filter_keeps_the_eligible_member_and_drops_the_other(rule: Rule, inst: Instance) -> None:
    kept = rule.keep(candidates(inst))
    assert kept is not None
    assert kept.tolist() == [True, False]
    assert Rule().keep(candidates(inst)) is None  # without the rule nobody is dropped


def test_stability_prefers_the_approved_member() -> None:
    gain = StabilityRule(STAYS, 50).gain(candidates(STAYS))
    assert gain.tolist() == [50, 0]
