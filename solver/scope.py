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
        chosen = state.chosen
        pinned = state.pinned
        freed = {
            p
            for m in members
            for p in pb.by_mem[m]
            if p in chosen and p not in pinned and (free_req is None or pb.pair_r[p] in free_req)
        }
        fixed_load: dict[int, int] = {}
        fixed_mask: dict[int, int] = {}
        for m in members:
            fixed_load[m] = state.load[m] - sum(pb.dur[pb.pair_r[p]] for p in pb.by_mem[m] if p in freed)
            fixed_mask[m] = state.held[m] & ~sum(1 << pb.pair_r[p] for p in pb.by_mem[m] if p in freed)
        count = list(state.count)
        for p in freed:
            count[pb.pair_r[p]] -= 1
        pairs = []
        for m in members:
            mask, room = fixed_mask[m], pb.cap[m] - fixed_load[m]
            for p in pb.by_mem[m]:
                r = pb.pair_r[p]
                if (free_req is not None and r not in free_req) or count[r] >= pb.head[r]:
                    continue
                if pb.dur[r] <= room and not (mask >> r) & 1 and not pb.conflicts[r] & mask:
                    pairs.append(p)
        touched = {pb.pair_r[p] for p in pairs}
        fixed_on = {r: [p for p in pb.by_req[r] if p in chosen and p not in freed] for r in touched}
        high, low = state.fairness_extremes(skip=set(members))
        return cls(pairs, fixed_load, fixed_on, high, low, hint=freed)

    @classmethod
    def everything(cls, state: RosterState) -> Scope:
        return cls.around(state, range(state.pb.n_mem), None)
