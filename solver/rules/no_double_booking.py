from __future__ import annotations

from typing import TYPE_CHECKING

from solver.rules.base import Rule

if TYPE_CHECKING:  # CP-SAT loads only for a path that builds its model
    from ortools.sat.python import cp_model

    from solver.rule_inputs import ModelVars


class NoDoubleBookingRule(Rule):
    """A member cannot be in two places at once, and needs the time to travel from one job to the next.

    Jobs that overlap in time are grouped into cliques (every set of jobs running at one moment),
    which gives one "at most one" constraint per group instead of one per pair; the few pairs that
    clash only because of travel time get a constraint of their own.
    """

    def constrain(self, v: ModelVars) -> cp_model.LinearExprT:
        pb = v.pb
        for terms in v.by_mem.values():
            var_of = {pb.pair_r[p]: var for p, var in terms}
            for clique in overlap_cliques(sorted(var_of), pb.start, pb.end):
                v.model.add_at_most_one(var_of[r] for r in clique)
            mine = sum(1 << r for r in var_of)
            for r, var in var_of.items():
                rest = pb.travel_only[r] & mine & ~((2 << r) - 1)
                while rest:
                    s = (rest & -rest).bit_length() - 1
                    v.model.add_bool_or([~var, ~var_of[s]])
                    rest &= rest - 1
        return 0


def overlap_cliques(requests: list[int], start: list[int], end: list[int]) -> list[list[int]]:
    """Maximal sets of requests that all run at one moment (a sweep over start and end times)."""
    events = sorted([(end[r], 0, r) for r in requests] + [(start[r], 1, r) for r in requests])
    active: set[int] = set()
    cliques: list[list[int]] = []
    grew = False
    for _, is_start, r in events:
        if is_start:
            active.add(r)
            grew = True
        else:
            if grew and len(active) > 1:
                cliques.append(sorted(active))
            grew = False
            active.discard(r)
    return cliques
