"""Whether coordinators' placements can stand, asked of the solver before anything is stored.

The same rules that plan the roster judge a swap, a placement or a pin (skills, availability and
days off, refusals, travel radius, declines, hours, double booking with other pins), so a manual
change can never hand the solver a roster it cannot plan around. A coordinator may force a
placement past the rules about whether one person suits one job (``solver.Waiver``); the pin then
carries the rules it breaks, and the solver waives exactly those for exactly that pair.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from services.domain import Conflict
from services.ports import RosterHead, Slot, UnitOfWork
from services.translate import to_instance
from solver import Params, ReleasedPin, breaches, fit_notes, unkeepable_pins, unstaffable
from solver import placement_options as rank

RULES = Params(product_rules=True)


class Refused(Conflict):
    """A placement breaks a rule of the roster: ``text`` completes "<member> ..."; ``waivers`` are
    the rules it breaks that a coordinator may force it past, and ``forceable`` whether those are
    all it breaks."""

    def __init__(
        self,
        member_id: str,
        request_id: str,
        text: str,
        waivers: tuple[str, ...] = (),
        forceable: bool = False,
    ) -> None:
        super().__init__(f"member {member_id} {text} (request {request_id})")
        self.member_id, self.request_id, self.text = member_id, request_id, text
        self.waivers, self.forceable = waivers, forceable

    @classmethod
    def of(cls, member_id: str, request_id: str, found: list[ReleasedPin]) -> Refused:
        waivers = tuple(str(x.waiver) for x in found if x.waiver is not None)
        text = " and ".join(x.text for x in found)
        return cls(member_id, request_id, text, waivers, forceable=len(waivers) == len(found))


def check_placements(
    uow: UnitOfWork,
    head: RosterHead,
    placed: Iterable[Slot],
    dropped: Iterable[tuple[str, str]] = (),
    force: bool = False,
) -> tuple[tuple[Slot, str], ...]:
    """``placed`` as they can be kept next to the club's other pins (less the ``dropped`` (request,
    member) pairs, which the same command takes away), each with the rules it is placed despite in
    words. A placement that breaks a rule raises ``Refused``; with ``force``, one that breaks only
    rules that may be waived comes back carrying them (``Slot.waived``), and only what no force can
    keep is refused."""
    placed = tuple(placed)
    new = {(s.request_id, s.member_id) for s in placed}
    gone = set(dropped) | new
    snap = uow.rosters.snapshot(head.club_id, head.horizon_start, head.horizon_end)
    headcount = {r.id: r.headcount for r in snap.requests}
    for s in placed:
        if s.slot_index >= headcount.get(s.request_id, s.slot_index + 1):
            raise Conflict(f"request {s.request_id} has no place {s.slot_index + 1}")
    kept = tuple(p for p in snap.pins if (p.request_id, p.member_id) not in gone)
    instance = to_instance(dataclasses.replace(snap, pins=(*kept, *placed)))
    unkept = {(x.request_id, x.member_id) for x in unkeepable_pins(instance, RULES)}
    out = []
    for s in placed:
        key = s.request_id, s.member_id
        found = breaches(instance, RULES, *key) if key in unkept else []
        refused = Refused.of(s.member_id, s.request_id, found)
        if found and not (force and refused.forceable):
            raise refused
        out.append((dataclasses.replace(s, waived=frozenset(refused.waivers)), refused.text if found else ""))
    together = to_instance(dataclasses.replace(snap, pins=(*kept, *(slot for slot, _ in out))))
    for x in unkeepable_pins(together, RULES):
        if (x.request_id, x.member_id) in new:
            raise Refused(x.member_id, x.request_id, x.text)
    return tuple(out)


def placement_options(
    uow: UnitOfWork, head: RosterHead, slot: tuple[str, int]
) -> list[tuple[str, str | None, str]]:
    """Members for ``slot`` of the roster: who fits, best first, each with a note on why it fits well,
    then who cannot and why (the slot's current holder's own pin is left out, since placing someone
    else replaces it)."""
    holder = next((e.member_id for e in head.entries if (e.request_id, e.slot_index) == slot), None)
    with uow:
        snap = uow.rosters.snapshot(head.club_id, head.horizon_start, head.horizon_end)
    if slot[0] not in {r.id for r in snap.requests}:
        return []
    snap = dataclasses.replace(
        snap, pins=tuple(p for p in snap.pins if (p.request_id, p.member_id) != (slot[0], holder))
    )
    instance = to_instance(snap)
    options = [o for o in rank(instance, RULES, slot[0]) if o[0] != holder]
    notes = fit_notes(instance, slot[0], [m for m, why in options if why is None])
    return [(m, why, notes.get(m, "")) for m, why in options]


_UNSTAFFABLE: dict[str, tuple[str, dict[str, tuple[str, ...]]]] = {}
"""Per club, the last answer with the fingerprint of the inputs it came from: the board asks on every
load, and building the problem for four weeks of a big club costs more than the whole page may."""


def nobody_can(
    uow: UnitOfWork, club_id: str, start: datetime, end: datetime
) -> dict[str, list[tuple[str, int]]]:
    """Open requests in [start, end) that no active member could be placed on, by the rules that
    plan the roster: each with the rules that stop the members, most common first (rule, members)."""
    with uow:
        snap = uow.rosters.snapshot(club_id, start, end)
    key = snap.fingerprint()
    known = _UNSTAFFABLE.get(club_id)
    if known is None or known[0] != key:
        known = key, unstaffable(to_instance(snap), RULES)
        _UNSTAFFABLE[club_id] = known
    return {rid: Counter(whys).most_common() for rid, whys in known[1].items()}
