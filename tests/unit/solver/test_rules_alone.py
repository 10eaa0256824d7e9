"""Each rule alone, as in the cpsat-primer: on a tiny prepared problem, one roster that keeps the
rule is accepted and one that breaks it is rejected. Hard rules add only their own constraints to
an empty model whose variables are fixed to the roster; filters are asked about one request."""

from __future__ import annotations

import numpy as np
import pytest
from ortools.sat.python import cp_model

from solver import Instance, Params
from solver.candidates import Candidates, MemberTables
from solver.problem import Problem
from solver.rules import (
    AvailabilityRule,
    BuddyRule,
    CoverageRule,
    LeadRule,
    LiftSeatsRule,
    MaxHoursRule,
    NoDoubleBookingRule,
    Rule,
    SkillsRule,
)
from solver.scope import Scope
from solver.variables import AssignmentVars
from tests.unit.solver.builders import DAY, instance, member, request

TWO_AT_ONCE = instance([request("a", 0, 60), request("b", 30, 90)], [member("m1")])
LONG_WEEK = instance(
    [request(f"r{i}", i * DAY, i * DAY + 120) for i in range(3)], [member("m1", max_minutes=240)]
)
PAIR = instance([request("r1", 0, 60, headcount=2)], [member(f"m{i}") for i in range(3)])
TEAM = instance([request("r1", 0, 60, headcount=3, min_team=2)], [member("m1"), member("m2")])
LED = instance(
    [request("r1", 0, 60, headcount=2, lead_skills=frozenset({"legal"}))],
    [member("lead", skills=("legal",)), member("m2"), member("m3")],
)
LIFT = instance(
    [request("r1", 0, 60, headcount=2, passengers=5)],
    [member("big", car_seats=4), member("small", car_seats=1), member("walker")],
)


def keeps(rule: Rule, inst: Instance, roster: set[tuple[str, str]]) -> bool:
    """Whether ``roster`` satisfies ``rule``'s constraints alone (every pair of the tiny instance is
    a variable, fixed to 1 when in ``roster`` and to 0 otherwise)."""
    pb = Problem(inst, Params(workers=1))
    model = cp_model.CpModel()
    v = AssignmentVars(model, pb, Scope(list(range(len(pb.pair_r))), {}, {}, None, None))
    rule.constrain(v)
    names = {p: (inst.requests[pb.pair_r[p]].id, inst.members[pb.pair_m[p]].id) for p in v.x}
    assert roster <= set(names.values()), "every pair of the roster must be a variable"
    for p, var in v.x.items():
        model.add(var == int(names[p] in roster))
    return cp_model.CpSolver().solve(model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)


@pytest.mark.parametrize(
    ("rule", "inst", "kept", "broken"),
    [
        (NoDoubleBookingRule(), TWO_AT_ONCE, {("a", "m1")}, {("a", "m1"), ("b", "m1")}),
        (MaxHoursRule(), LONG_WEEK, {("r0", "m1"), ("r2", "m1")}, {("r0", "m1"), ("r1", "m1"), ("r2", "m1")}),
        (CoverageRule(1000), PAIR, {("r1", "m0"), ("r1", "m2")}, {("r1", "m0"), ("r1", "m1"), ("r1", "m2")}),
        (BuddyRule(), TEAM, {("r1", "m1"), ("r1", "m2")}, {("r1", "m1")}),
        (LeadRule(), LED, {("r1", "lead"), ("r1", "m3")}, {("r1", "m2"), ("r1", "m3")}),
        (LiftSeatsRule(), LIFT, {("r1", "big"), ("r1", "small")}, {("r1", "big"), ("r1", "walker")}),
    ],
    ids=lambda x: type(x).__name__ if isinstance(x, Rule) else "",
)
def test_a_hard_rule_alone_accepts_a_roster_that_keeps_it_and_rejects_one_that_breaks_it(
    rule: Rule, inst: Instance, kept: set[tuple[str, str]], broken: set[tuple[str, str]]
) -> None:
    assert keeps(rule, inst, kept)
    assert not keeps(rule, inst, broken)
    assert keeps(rule, inst, set()), "sending nobody never breaks a hard rule"


@pytest.mark.parametrize(
    ("rule", "inst", "allowed"),
    [
        (
            SkillsRule(),
            instance(
                [request("r1", 0, 60, skills=("driver",))],
                [member("walker"), member("driver", skills=("driver",))],
            ),
            [False, True],
        ),
        (
            AvailabilityRule(),
            instance(
                [request("r1", 0, 60)],
                [member("split", windows=((0, 30), (30, 60))), member("all", windows=((-60, 60),))],
            ),
            [False, True],
        ),
    ],
    ids=lambda x: type(x).__name__ if isinstance(x, Rule) else "",
)
def test_a_filter_alone_keeps_exactly_the_members_who_may_go(
    rule: Rule, inst: Instance, allowed: list[bool]
) -> None:
    everyone = np.arange(len(inst.members), dtype=np.int64)
    keep = rule.keep(Candidates(inst, MemberTables(inst), 0, everyone))
    assert keep is not None
    assert keep.tolist() == allowed
