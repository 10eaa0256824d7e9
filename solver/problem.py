"""The instance prepared for solving: integer tables, eligible (request, member) pairs, conflicts.

Everything the model, the warm start and the neighbourhood search share is computed here once.
Requests and members are numbered by position; a *pair* is one eligible (request, member)
combination and is the unit the solver decides on (slots of a request are interchangeable, so
which slot a member fills is only an ordering applied at the end).
"""

from __future__ import annotations

import logging

import numpy as np

from solver.candidates import Candidates, MemberTables, dist_m_many
from solver.geo import travel_min
from solver.rules import active_rules
from solver.rules.base import Rule
from solver.schema import Instance, Params, ReasonCode, ReleasedPin

log = logging.getLogger("solver")


def _bitmask(indices: list[int] | np.ndarray, size: int) -> int:
    row = np.zeros(size, dtype=np.bool_)
    row[indices] = True
    return int.from_bytes(np.packbits(row, bitorder="little").tobytes(), "little")


class Problem:
    def __init__(self, instance: Instance, params: Params) -> None:
        self.instance = instance
        self.params = params
        self.rules: list[Rule] = active_rules(instance, params)
        reqs, mems = instance.requests, instance.members
        self.n_req, self.n_mem = len(reqs), len(mems)
        self.req_pos = {r.id: i for i, r in enumerate(reqs)}
        self.mem_pos = {m.id: i for i, m in enumerate(mems)}
        self.start = [r.start for r in reqs]
        self.end = [r.end for r in reqs]
        self.dur = [r.duration for r in reqs]
        self.head = [r.headcount for r in reqs]
        self.cap = [m.max_minutes for m in mems]
        self.history = [m.history_minutes if params.product_rules else 0 for m in mems]
        self.total_slots = sum(self.head)
        self._pairs()
        self._conflicts()
        self.constant = sum(getattr(rule, "constant", 0) for rule in self.rules)
        """Objective offset of rules whose gains pay back a fixed cost (stability)."""
        self.pinned: list[int] = []
        """Pins that can stand together (``solver.pins.admit_pins`` fills it)."""
        self.released: list[ReleasedPin] = []
        approved = (self._known_pair(a.request_id, a.member_id) for a in instance.approved)
        self.approved = sorted({p for p in approved if p is not None})
        """Approved assignments that are still eligible (the others must change anyway)."""
        hinted = (self._known_pair(a.request_id, a.member_id) for a in instance.hint)
        self.hinted = sorted({p for p in hinted if p is not None} - set(self.approved))
        """The latest proposal's assignments that are still eligible and not approved."""

    def _known_pair(self, request_id: str, member_id: str) -> int | None:
        r, m = self.req_pos.get(request_id), self.mem_pos.get(member_id)
        return None if r is None or m is None else self.pair(r, m)

    def release(self, request_id: str, member_id: str, code: ReasonCode, text: str) -> None:
        self.released.append(ReleasedPin(request_id=request_id, member_id=member_id, code=code, text=text))

    def _pairs(self) -> None:
        """Run every rule's filter per request and collect the surviving pairs with their gains."""
        tables = MemberTables(self.instance)
        everyone = np.arange(self.n_mem, dtype=np.int64)
        pair_r: list[np.ndarray] = []
        pair_m: list[np.ndarray] = []
        gains: list[np.ndarray] = []
        kms: list[np.ndarray] = []
        served: list[int] = []
        self.emptied_by: list[tuple[Rule, str] | None] = []
        for r in range(self.n_req):
            cands = Candidates(self.instance, tables, r, everyone)
            emptied = None
            for rule in self.rules:
                keep = rule.keep(cands)
                if keep is not None:
                    cands.narrow(keep)
                    if not cands.members.size:
                        emptied = (rule, rule.describe(cands))
                        break
            self.emptied_by.append(emptied)
            gain = np.zeros(cands.members.size, dtype=np.int64)
            served.append(sum(rule.served_gain(cands) for rule in self.rules))
            for rule in self.rules:
                part = rule.gain(cands)
                if part is not None:
                    gain += part
            pair_r.append(np.full(cands.members.size, r, dtype=np.int64))
            pair_m.append(cands.members)
            gains.append(gain)
            kms.append(cands.km if cands.members.size else np.zeros(0, dtype=np.int64))
        cat = np.concatenate if self.n_req else (lambda _: np.zeros(0, dtype=np.int64))
        self.pair_r: list[int] = cat(pair_r).tolist()
        self.pair_m: list[int] = cat(pair_m).tolist()
        self.gain: list[int] = cat(gains).tolist()
        self.km: list[int] = cat(kms).tolist()
        self.served_gain = served
        """Gain of each request earned once when anybody goes (lifts with pickups; else 0)."""
        self.served = [(r, g) for r, g in enumerate(served) if g]
        self.by_req: list[list[int]] = [[] for _ in range(self.n_req)]
        self.by_mem: list[list[int]] = [[] for _ in range(self.n_mem)]
        for p, (r, m) in enumerate(zip(self.pair_r, self.pair_m, strict=True)):
            self.by_req[r].append(p)
            self.by_mem[m].append(p)
        self.index = {
            r * self.n_mem + m: p for p, (r, m) in enumerate(zip(self.pair_r, self.pair_m, strict=True))
        }
        log.info(
            "prepared %d requests, %d members, %d eligible pairs", self.n_req, self.n_mem, len(self.pair_r)
        )

    def pair(self, r: int, m: int) -> int | None:
        return self.index.get(r * self.n_mem + m)

    def _conflicts(self) -> None:
        """Bitmask per request of the requests it conflicts with (time overlap or travel time).

        Only pairs closer in time than the longest possible trip are measured; the longest trip
        is bounded by twice the largest distance from one request (triangle inequality).
        """
        reqs = self.instance.requests
        n = self.n_req
        self.conflicts = [0] * n
        self.travel_only = [0] * n
        if n < 2:
            return
        lat = np.array([r.lat for r in reqs])
        lon = np.array([r.lon for r in reqs])
        reach = int(dist_m_many(lat[:1], lon[:1], lat, lon).max())
        slack = travel_min(2 * reach + 2)
        start, end = np.array(self.start), np.array(self.end)
        order = np.argsort(start, kind="stable")
        sorted_start = start[order]
        longest = int((end - start).max())
        for r in range(n):
            lo = int(np.searchsorted(sorted_start, start[r] - longest - slack, side="left"))
            hi = int(np.searchsorted(sorted_start, end[r] + slack, side="left"))
            near = order[lo:hi]
            near = near[near != r]
            t = (dist_m_many(lat[r], lon[r], lat[near], lon[near]) + 499) // 500
            hit = near[~((end[r] + t <= start[near]) | (end[near] + t <= start[r]))]
            self.conflicts[r] = _bitmask(hit, n)
            self.travel_only[r] = _bitmask(hit[(end[r] <= start[hit]) | (end[hit] <= start[r])], n)
        log.info("conflicts measured (longest possible trip %d min)", slack)
