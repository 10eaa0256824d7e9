"""Which part of the roster a model may change, and what the rest of the roster looks like to it.

The full solve and every neighbourhood of the search build the same model from the same rules;
they differ only in their scope. Members and requests outside it are fixed and enter the model as
constants: the load a member already carries, the people already on a request, the fairness
extremes of everybody else.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from solver.problem import Problem
from solver.state import RosterState


@dataclass
class Scope:
    pairs: list[int]
    """The pairs the model decides on."""
    fixed_load: dict[int, int]
    """Minutes each member in scope already carries from assignments that stay."""
    fixed_on: dict[int, list[int]]
    """Pairs that stay, per request in scope."""
    outside_max: int | None
    """Largest counted load among used members outside the scope (None if there are none)."""
    outside_min: int | None
    hint: set[int] = field(default_factory=set)

    @classmethod
    def around(cls, state: RosterState, members: Collection[int], requests: Collection[int] | None) -> Scope:
        """Free every current assignment of ``members`` to ``requests`` (None: to any request)."""
        pb: Problem = state.pb
        free_req = None if requests is None else set(requests)
        pinned = state.pinned

        def released(p: int) -> bool:
            return p not in pinned and (free_req is None or pb.pair_r[p] in free_req)

        let_go = {m: [p for p in state.mine[m] if released(p)] for m in members}
        freed = {p for pairs in let_go.values() for p in pairs}
        fixed_load: dict[int, int] = {}
        fixed_mask: dict[int, int] = {}
        for m, pairs in let_go.items():
            fixed_load[m] = state.load[m] - sum(pb.dur[pb.pair_r[p]] for p in pairs)
            fixed_mask[m] = state.held[m] & ~sum(1 << pb.pair_r[p] for p in pairs)
        count = list(state.count)
        for p in freed:
            count[pb.pair_r[p]] -= 1
        pairs = []
        for p in _candidate_pairs(pb, members, free_req):
            r, m = pb.pair_r[p], pb.pair_m[p]
            mask = fixed_mask[m]
            if (
                count[r] < pb.head[r]
                and pb.dur[r] <= pb.cap[m] - fixed_load[m]
                and not (mask >> r) & 1
                and not pb.conflicts[r] & mask
            ):
                pairs.append(p)
        chosen = state.chosen
        touched = {pb.pair_r[p] for p in pairs}
        fixed_on = {r: [p for p in pb.by_req[r] if p in chosen and p not in freed] for r in touched}
        high, low = state.fairness_extremes(skip=set(members))
        return cls(pairs, fixed_load, fixed_on, high, low, hint=freed)

    @classmethod
    def everything(cls, state: RosterState) -> Scope:
        return cls.around(state, range(state.pb.n_mem), None)


def _candidate_pairs(pb: Problem, members: Collection[int], requests: set[int] | None) -> list[int]:
    """The pairs of ``members`` with ``requests`` (None: any request), member by member, read from
    whichever side is shorter: a window of a few hours has far fewer pairs than its members' weeks."""
    if requests is not None and sum(len(pb.by_req[r]) for r in requests) < sum(
        len(pb.by_mem[m]) for m in members
    ):
        rank = {m: i for i, m in enumerate(members)}
        found = [p for r in requests for p in pb.by_req[r] if pb.pair_m[p] in rank]
        return sorted(found, key=lambda p: (rank[pb.pair_m[p]], p))
    if requests is None:
        return [p for m in members for p in pb.by_mem[m]]
    return [p for m in members for p in pb.by_mem[m] if pb.pair_r[p] in requests]
