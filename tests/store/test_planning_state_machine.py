"""Random sequences of what partners, members and coordinators do, through the command layer on a
real database, with the real scheduler and solver after every step.

After each step: the club's re-solve succeeds (planning never stops), the stored proposal passes
the solver's checker against the club as it now is (so nobody is proposed for a cancelled request,
a deactivated member or partner, a day off, a skill they lack...), every pin is kept or released
with a reason, and no live assignment is left on a cancelled request or with a member who left. A
forced placement is kept past the rules it waives, for its own pair only (the checker is given the
waivers and still checks everything else), and the board lists it with the rules in words.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import hypothesis
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import Engine, select

from events import decode
from services.commands import (
    AnswerAssignment,
    ApproveRoster,
    CancelRequest,
    DeactivateMember,
    DeactivatePartner,
    DeclareAvailability,
    PlaceMember,
    SwapSlots,
    UndoRemoval,
    Unpin,
    execute,
)
from services.domain import Conflict, NotFound
from services.handlers import handle
from services.ports import Availability
from services.pump import pump_once
from services.scheduler import Scheduler
from services.settings import Settings
from services.store import board, views, writes
from services.store.outbox import OutboxRow
from services.store.tables import assignments, help_requests, members, pins
from services.store.uow import SqlUnitOfWork
from services.translate import to_instance
from solver import Assignment, Params, ReasonCode, ReleasedPin, check
from tests.commands_support import create_club, declare_availability, register, run_in, submit
from tests.store.test_contract import member_values

T = TypeVar("T")
EXAMPLES = 200 if os.environ.get("CI") else 25
KINDS = ("lift", "cooking", "court_support")
SKILLS = {"lift": ["driver"], "cooking": [], "court_support": ["court_support_trained"]}
LONDON = ZoneInfo("Europe/London")
TODAY = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)


POSITION = st.integers(0, 255)
"""Every choice is drawn as a position before the rule looks at the state, and taken modulo the
length of what is there: ids are random and the solver breaks ties by them, so what is there
differs between runs of an example, and Hypothesis needs the same draws every time."""


def pick(items: Sequence[T], position: int) -> T:
    return items[position % len(items)]


class ClubMachine(RuleBasedStateMachine):
    engine: Engine

    @initialize(
        first=st.lists(
            st.tuples(
                st.integers(0, 1),
                st.integers(0, 2),
                st.integers(7, 20),
                st.sampled_from(KINDS),
                st.integers(1, 3),
            ),
            min_size=2,
            max_size=5,
        )
    )
    def club(self, first: list[tuple[int, int, int, str, int]]) -> None:
        with self.engine.begin() as conn:
            self.club_id, _ = create_club(conn, "Random club")
            self.partners = [
                writes.add_partner(conn, self.club_id, f"Partner {i}", None)[0] for i in range(2)
            ]
        self.members: list[str] = []
        self.requests: list[tuple[str, str]] = []
        self.declared: dict[str, Availability] = {}
        self.off_since: dict[str, dict[date, datetime]] = {}
        """Member -> each day they now have off -> when it was first declared off."""
        self.scheduler = Scheduler(
            lambda: SqlUnitOfWork(self.engine),
            Settings(debounce_s=0, max_delay_s=0, solve_time_limit_s=0.2, solve_workers=1, horizon_days=4),
            _solve,
        )
        for skills in (["driver"], ["court_support_trained"], [], ["driver", "court_support_trained"]):
            self.add_member(skills)
        for request in first:
            self.submit(*request)

    def add_member(self, skills: list[str]) -> None:
        with self.engine.begin() as conn:
            values = member_values(f"Member {len(self.members)}") | {"skills": skills, "car_seats": 3}
            member_id, _ = register(conn, self.club_id, values)
            declare_availability(
                conn, self.club_id, member_id, [(d, 6 * 60, 23 * 60) for d in range(7)], [], []
            )
        self.members.append(member_id)

    @rule(skills=st.sampled_from([["driver"], [], ["court_support_trained"]]))
    def register(self, skills: list[str]) -> None:
        self.add_member(skills)

    @rule(
        partner=st.integers(0, 1),
        day=st.integers(0, 3),
        hour=st.integers(7, 20),
        kind=st.sampled_from(KINDS),
        headcount=st.integers(1, 3),
    )
    def submit(self, partner: int, day: int, hour: int, kind: str, headcount: int) -> None:
        start = TODAY.replace(hour=hour) + timedelta(days=day + 1)
        values = {
            "kind": kind,
            "title": f"{kind} {day}/{hour}",
            "notes": "",
            "place_name": "Hall",
            "lat": 51.48,
            "lon": -3.17,
            "starts_at": start,
            "ends_at": start + timedelta(hours=2),
            "headcount": headcount,
            "skills": SKILLS[kind],
            "lead_skills": [],
            "passengers": 2 if kind == "lift" else 0,
            "priority": 3,
        }
        try:
            with self.engine.begin() as conn:
                request_id = submit(conn, self.club_id, self.partners[partner], values)
        except NotFound:
            return
        self.requests.append((request_id, self.partners[partner]))

    @rule(i=POSITION)
    def cancel(self, i: int) -> None:
        if not self.requests:
            return
        request_id, partner_id = pick(self.requests, i)
        try:
            with self.engine.begin() as conn:
                run_in(conn, CancelRequest(self.club_id, request_id, partner_id=partner_id))
        except (NotFound, Conflict):
            pass

    @rule(
        i=POSITION,
        days_off=st.sets(st.integers(0, 4), max_size=3),
        evenings_only=st.booleans(),
        window_day=st.none() | st.integers(0, 3),
    )
    def declare(self, i: int, days_off: set[int], evenings_only: bool, window_day: int | None) -> None:
        """Weekly hours, days off, and at times a one-off window (a morning the weekly hours leave out)."""
        member_id = pick(self.members, i)
        start = 17 * 60 if evenings_only else 6 * 60
        off = tuple((TODAY + timedelta(days=d)).date() for d in days_off)
        windows: tuple[tuple[datetime, datetime], ...] = ()
        if window_day is not None:
            morning = TODAY.replace(hour=6) + timedelta(days=window_day)
            windows = ((morning, morning + timedelta(hours=11)),)
        self.declaring(member_id, Availability(tuple((d, start, 24 * 60) for d in range(7)), windows, off))

    def declaring(self, member_id: str, declared: Availability) -> None:
        """Declare, and note when each day off the member now has was first declared."""
        with contextlib.suppress(NotFound):  # a member who left declares nothing
            execute(SqlUnitOfWork(self.engine), DeclareAvailability(self.club_id, member_id, declared))
            since = self.off_since.get(member_id, {})
            self.off_since[member_id] = {d: since.get(d, datetime.now(UTC)) for d in declared.days_off}
            self.declared[member_id] = declared

    @rule(i=POSITION, j=POSITION)
    def force_outside_their_hours(self, i: int, j: int) -> None:
        """A member says evenings only, and is then placed on a daytime job anyway."""
        evenings = Availability(tuple((d, 17 * 60, 24 * 60) for d in range(7)))
        self.declaring(pick(self.members, j), evenings)
        self.placing(i, j, force=True)

    @rule(i=POSITION)
    def day_off_under_a_forced_pin(self, i: int) -> None:
        """The member of a pin forced past availability takes that day off as well."""
        with self.engine.connect() as conn:
            rows = [
                row
                for row in conn.execute(
                    select(pins.c.member_id, pins.c.waived, help_requests.c.starts_at)
                    .join(help_requests, help_requests.c.id == pins.c.request_id)
                    .where(pins.c.club_id == self.club_id)
                )
                if "availability" in row.waived
            ]
        if rows:
            row = pick(rows, i)
            before = self.declared.get(row.member_id, Availability())
            day = row.starts_at.astimezone(LONDON).date()
            self.declaring(row.member_id, replace(before, days_off=tuple(sorted({*before.days_off, day}))))
            hypothesis.event("a day off under a pin forced past availability")

    @rule(i=POSITION)
    def deactivate_member(self, i: int) -> None:
        with contextlib.suppress(NotFound):
            execute(SqlUnitOfWork(self.engine), DeactivateMember(self.club_id, pick(self.members, i)))

    @rule(partner=st.integers(0, 1))
    def deactivate_partner(self, partner: int) -> None:
        with contextlib.suppress(NotFound):
            execute(SqlUnitOfWork(self.engine), DeactivatePartner(self.club_id, self.partners[partner]))

    def proposal(self) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            return views.roster(conn, self.club_id, status="proposed")

    def run(self, command: Any) -> None:
        """A refusal (with its reason) is a legal outcome; the invariant checks what it left behind."""
        with contextlib.suppress(Conflict, NotFound):
            execute(SqlUnitOfWork(self.engine), command)

    @rule(removing=st.booleans(), i=POSITION, pins=st.lists(POSITION, max_size=2))
    def approve(self, removing: bool, i: int, pins: list[int]) -> None:
        found = self.proposal()
        if found is None:
            return
        keys: list[tuple[str, int]] = [(e["request_id"], e["slot_index"]) for e in found["entries"]]
        remove = {pick(keys, i)} if keys and removing else set()
        pin = {pick(keys, j) for j in pins} - remove if keys else set()
        self.run(ApproveRoster(self.club_id, found["id"], "coord", frozenset(remove), frozenset(pin)))

    @rule(i=POSITION, j=POSITION)
    def swap(self, i: int, j: int) -> None:
        found = self.proposal()
        if found is None or len(found["entries"]) < 2:
            return
        a, b = pick(found["entries"], i), pick(found["entries"], j)
        self.run(
            SwapSlots(
                self.club_id,
                found["id"],
                (a["request_id"], a["slot_index"]),
                (b["request_id"], b["slot_index"]),
                "coord",
            )
        )

    @rule(i=POSITION, j=POSITION)
    def place(self, i: int, j: int) -> None:
        self.placing(i, j, force=False)

    @rule(i=POSITION, j=POSITION)
    def force_place(self, i: int, j: int) -> None:
        """Place someone past the rules a coordinator may waive (a skill, availability, hours...)."""
        self.placing(i, j, force=True)

    def placing(self, i: int, j: int, force: bool) -> None:
        found = self.proposal()
        if found is None:
            return
        places = [(e["request_id"], e["slot_index"]) for e in found["entries"]]
        places += [(u["request_id"], u["slot_index"]) for u in found["unfilled"]]
        if places:
            slot = pick(places, i)
            self.run(PlaceMember(self.club_id, found["id"], slot, pick(self.members, j), "coord", force))

    @rule(i=POSITION)
    def take_back(self, i: int) -> None:
        with self.engine.connect() as conn:
            decided = board.decisions(conn, self.club_id, TODAY)
        choices = [(Unpin, p) for p in decided["pins"]] + [(UndoRemoval, x) for x in decided["removals"]]
        if choices:
            kind, row = pick(choices, i)
            self.run(kind(self.club_id, row["request_id"], row["member_id"], "coord"))

    @rule(i=POSITION, accept=st.booleans())
    def answer(self, i: int, accept: bool) -> None:
        with self.engine.connect() as conn:
            live = conn.execute(
                select(assignments.c.id, assignments.c.member_id).where(
                    assignments.c.club_id == self.club_id, assignments.c.status.in_(("issued", "accepted"))
                )
            ).all()
        if live:
            row = pick(live, i)
            try:
                with self.engine.begin() as conn:
                    run_in(conn, AnswerAssignment(self.club_id, row.member_id, row.id, accept, "busy"))
            except (NotFound, Conflict):
                pass

    @invariant()
    def planning_goes_on_and_every_proposal_obeys_the_rules(self) -> None:
        if not hasattr(self, "club_id"):
            return
        self.dispatch()
        with SqlUnitOfWork(self.engine) as uow:
            uow.schedule.mark_dirty(self.club_id, datetime.now(UTC) - timedelta(seconds=5))
            uow.commit()
        asyncio.run(self.scheduler.propose_roster(self.club_id))  # 0 when nothing it reads changed
        with self.engine.connect() as conn:
            assert board.solve_state(conn, self.club_id) == {"pending": False, "failure": None}
        self.dispatch()  # pins released by that solve
        with self.engine.connect() as conn:  # an approved roster stays current while nothing changes
            found = views.roster(conn, self.club_id, status="proposed") or views.roster(
                conn, self.club_id, status="approved"
            )
        assert found is not None
        with SqlUnitOfWork(self.engine) as uow:
            snap = uow.rosters.snapshot(self.club_id, found["horizon_start"], found["horizon_end"])
        released = [
            ReleasedPin(
                request_id=x["request_id"],
                member_id=x["member_id"],
                code=ReasonCode(x["code"]),
                text=x["reason"],
            )
            for x in found["released"]
        ]
        # The pins the solver saw are the ones before it released some: put those back for the check.
        instance = to_instance(snap)
        instance = instance.model_copy(
            update={
                "pinned": (
                    *instance.pinned,
                    *(
                        Assignment(request_id=x.request_id, slot_index=0, member_id=x.member_id)
                        for x in released
                    ),
                )
            }
        )
        roster = [
            Assignment(request_id=e["request_id"], slot_index=e["slot_index"], member_id=e["member_id"])
            for e in found["entries"]
        ]
        result = check(instance, roster, Params(product_rules=True), released)
        assert result.violations == []
        with self.engine.connect() as conn:
            stale = conn.execute(
                select(assignments.c.id)
                .join(help_requests, help_requests.c.id == assignments.c.request_id)
                .join(members, members.c.id == assignments.c.member_id)
                .where(
                    assignments.c.club_id == self.club_id,
                    assignments.c.status.in_(("issued", "accepted")),
                    (help_requests.c.status == "cancelled") | members.c.active.is_(False),
                )
            ).all()
            stored = conn.execute(
                select(pins, help_requests.c.starts_at)
                .join(help_requests, help_requests.c.id == pins.c.request_id)
                .where(pins.c.club_id == self.club_id)
            ).all()
            pinned = {(r.request_id, r.member_id) for r in stored}
            listed = board.forced(conn, self.club_id, TODAY)
        assert stale == []
        forced = {(p.request_id, p.member_id) for p in snap.pins if p.waived}
        assert forced <= listed.keys() and all(listed[key]["despite"] for key in forced), "exceptions listed"
        if forced:
            hypothesis.event("a forced pin was kept")
        kept = {(a.request_id, a.member_id) for a in roster}
        assert {(p.request_id, p.member_id) for p in snap.pins} <= kept, "every pin left is in the proposal"
        assert not pinned & {(x.request_id, x.member_id) for x in released}, "released pins are gone"
        for row in stored:  # a forced pin waives availability as it was when forced, no later day off
            since = self.off_since.get(row.member_id, {}).get(row.starts_at.astimezone(LONDON).date())
            assert "availability" not in row.waived or since is None or since < row.pinned_at, row

    def dispatch(self) -> None:
        def sink(rows: list[OutboxRow]) -> None:
            for row in rows:
                handle("embedded", decode(row.payload), SqlUnitOfWork(self.engine))

        while pump_once(self.engine, sink, 500):
            pass


def _solve(instance: Any, params: Params) -> Any:
    from solver import solve

    return solve(instance, params)


def test_no_sequence_of_actions_stops_planning_or_breaks_a_rule(engine: Engine) -> None:
    ClubMachine.engine = engine
    run_state_machine_as_test(
        ClubMachine,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=10,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        ),
    )


pytestmark = pytest.mark.slow
