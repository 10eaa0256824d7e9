"""The debounced scheduler: re-solves a club once its burst of changes has settled.

Handlers only mark a club dirty (a generation counter in the database). ``tick`` finds clubs
whose last change is older than the debounce (or whose first unsolved change is older than the
max delay), takes a lease so that two workers never solve one club at once, solves off the
event loop, and stores the proposal with its RosterProposed event in one transaction. Changes
that arrive during a solve raise the generation again, so they get a solve of their own.

A re-plan repairs the current roster around what changed (``solver.replan``), which answers in a
fraction of the limit. When the scheduler has nothing else to do, it solves a club whose proposal
is not proven optimal (a repair, or a whole solve the limit cut short) whole in the background,
with a longer limit, and records the result as a new proposal only if it is better and nothing
changed meanwhile (``improve_roster``).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial

import structlog

from events import PinReleased, RosterProposed
from services.domain import RosterStatus, new_id
from services.metrics import SOLVE_SECONDS, SOLVES
from services.ports import PlanningSnapshot, Proposal, UnitOfWork
from services.retry import RetryPolicy
from services.road import RoadTimes
from services.settings import Settings
from services.solve_pool import InThreads, SolveFn, SolveRunner
from services.translate import to_instance, to_proposal
from solver.schema import Instance, Params, Roster, SolveKind, SolveStatus

Solved = tuple[PlanningSnapshot, Instance, Roster]
"""What a solve answered, with what it was asked: a proposal is made from these."""

log = structlog.get_logger("mechanic.scheduler")

HORIZON_CHECK_S = 60.0
"""How often to look for requests that the rolling horizon has reached since the last solve."""
SOLVE_RETRY = RetryPolicy(first=2.0, cap=300.0)
"""A club whose solve fails is retried from 2 s, doubling, up to 5 min; never parked."""
"""Back-off after a failed solve: 2 s, doubling to at most 5 minutes, so a club whose planning
fails costs a log line per change, not a flood, and the other clubs go on."""


def horizon(now: datetime, days: int) -> tuple[datetime, datetime]:
    start = now.astimezone(UTC).replace(second=0, microsecond=0)
    return start, start + timedelta(days=days)


class Scheduler:
    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        settings: Settings,
        solve: SolveFn,
        runner: SolveRunner | None = None,
        owner: str | None = None,
        roads: RoadTimes | None = None,
        improve: SolveFn | None = None,
        reads: Callable[[], UnitOfWork] | None = None,
    ) -> None:
        self.uow_factory = uow_factory
        self.reads = reads or uow_factory
        """A unit of work that only reads (on SQLite: no write lock, so it never holds up the API's
        writer): what to solve is read with it, after the lease is taken and committed."""
        self.roads = roads
        self.settings = settings
        self.solve = solve
        self.improve = improve
        """The whole solve that improves a repaired proposal in the background (None: never)."""
        self.runner: SolveRunner = runner or InThreads()
        self.owner = owner or f"scheduler-{uuid.uuid4().hex[:8]}"
        self._next_horizon_check = 0.0
        self._running: dict[str, asyncio.Task[int]] = {}
        self._resting: dict[str, float] = {}
        """Clubs whose last re-plans cost this process more than its share (``replan_share``) ->
        until when (monotonic) the longest wait does not start their next one."""
        self._to_improve: dict[str, tuple[int, str, int]] = {}
        """Repaired proposals worth a whole solve: club -> (generation, roster id, objective)."""
        self._improving: asyncio.Task[int] | None = None
        self.owns: Callable[[str], bool] = lambda club_id: True
        """Which clubs this scheduler plans: all of them in one process; in Kafka mode those whose
        partition this worker consumes (``services.stream.ownership``)."""
        self._waker: tuple[asyncio.AbstractEventLoop, asyncio.Event] | None = None
        """The loop that ticks and the event that wakes it early (``nudge``)."""
        self.params = Params(
            time_limit_s=settings.solve_time_limit_s,
            workers=settings.solve_workers,
            change_weight=settings.change_weight,
            preference_weight=50,
            product_rules=True,
        )

    def _lease_s(self) -> float:
        # Long enough for a solve and its writes; short, so a worker killed mid-solve holds its
        # club back only briefly.
        return self.settings.solve_time_limit_s * 2 + 10

    async def tick(self) -> int:
        """Start a solve for each due club, longest-waiting first, while fewer than
        ``settings.solve_parallel`` run; returns how many were started. Solves run on without
        holding the tick up, so a long solve never keeps other clubs waiting for a free slot.

        Database work runs in threads: a blocked event loop would also block the API's
        connection clean-up in the embedded process, and with it the database lock."""
        now = time.monotonic()
        if now >= self._next_horizon_check:
            self._next_horizon_check = now + HORIZON_CHECK_S
            await asyncio.to_thread(self._horizon_arrivals)
        free = self.settings.solve_parallel - len(self._running)
        if free <= 0:
            return 0
        started = 0
        due = [
            (club_id, g)
            for club_id, g in await asyncio.to_thread(self._due, self._still_resting())
            if self.owns(club_id)
        ]
        for club_id, _ in due:
            if club_id in self._running:
                continue
            if started == free:
                break
            task = asyncio.create_task(self.propose_roster(club_id), name=f"solve:{club_id}")
            self._running[club_id] = task
            task.add_done_callback(partial(self._finished, club_id))
            started += 1
        if not due and not self._running:
            self._start_improvement()
        return started

    async def run(self, interval_s: float, stopped: Callable[[], bool]) -> None:
        """Tick every ``interval_s``, or at once when nudged, until ``stopped()``; a failed tick is
        logged and the loop goes on."""
        while not stopped():
            try:
                await self.tick()
            except Exception:
                log.exception("scheduler.tick_failed")
            await self.pause(interval_s)

    async def pause(self, seconds: float) -> None:
        """Wait ``seconds`` before the next tick, or less if ``nudge`` is called meanwhile."""
        loop = asyncio.get_running_loop()
        if self._waker is None or self._waker[0] is not loop:
            self._waker = (loop, asyncio.Event())
        nudged = self._waker[1]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(nudged.wait(), timeout=seconds)
        nudged.clear()

    def nudge(self) -> None:
        """Tick now, not at the next poll (from any thread): an urgent change was handled, and a
        tick that had just looked would otherwise leave it a whole poll interval."""
        waker = self._waker
        if waker is not None:
            with contextlib.suppress(RuntimeError):  # the loop has closed: nobody is waiting
                waker[0].call_soon_threadsafe(waker[1].set)

    def _finished(self, club_id: str, _: asyncio.Task[int]) -> None:
        self._running.pop(club_id, None)

    def _start_improvement(self) -> None:
        """One background improvement at a time, and only while no club waits: it is a bonus,
        never a reason for a re-plan to queue behind it in the solver processes."""
        if self._improving is not None and not self._improving.done():
            return
        self._improving = None
        for club_id in [c for c in self._to_improve if not self.owns(c)]:  # moved to another worker
            del self._to_improve[club_id]
        if self.improve is None or not self._to_improve:
            return
        club_id = next(iter(self._to_improve))
        generation, roster_id, objective = self._to_improve.pop(club_id)
        self._improving = asyncio.create_task(
            self.improve_roster(club_id, generation, roster_id, objective), name=f"improve:{club_id}"
        )

    async def settle(self) -> int:
        """Wait for the solves under way (background improvements too); returns how many proposals
        they wrote."""
        improving = [] if self._improving is None else [self._improving]
        return sum(await asyncio.gather(*self._running.values(), *improving))

    async def run_due(self) -> int:
        """Start what is due and wait for it: one round, for tests and one-shot callers."""
        await self.tick()
        return await self.settle()

    async def propose_roster(self, club_id: str) -> int:
        """Solve one club and record its proposal; a failure is recorded against the club (shown
        on its board, retried with back-off) and never reaches the other clubs."""
        began = time.monotonic()
        claim = await asyncio.to_thread(self._claim, club_id)
        if claim is None:
            return 0
        generation, snap, solved, fingerprint = claim
        claimed = time.monotonic()
        if solved == fingerprint:
            await asyncio.to_thread(self._record_unchanged, club_id, generation, fingerprint)
            if club_id in self._to_improve:  # the same proposal answers this generation too
                self._to_improve[club_id] = (generation, *self._to_improve[club_id][1:])
            SOLVES.labels("skipped").inc()
            log.info(
                "solve.skipped",
                club_id=club_id,
                generation=generation,
                reason="nothing that planning reads changed",
            )
            return 0
        try:
            instance = await self._instance(snap)
            log.info(
                "solve.start",
                club_id=club_id,
                generation=generation,
                requests=len(instance.requests),
                members=len(instance.members),
            )
            params = self.params.model_copy(update={"workers": self._workers()})
            prepared = time.monotonic()
            roster = await self._run(self.solve, instance, params)
            solved_at = time.monotonic()
            proposal, recorded = await asyncio.to_thread(
                self._record, (snap, instance, roster), generation, fingerprint
            )
        except Exception as exc:
            await asyncio.to_thread(self._fail, club_id, generation, exc)
            return 0
        SOLVE_SECONDS.observe(roster.wall_s)
        if not recorded:
            log.warning("solve.discarded_stale", club_id=club_id, generation=generation)
            SOLVES.labels("stale").inc()
            return 0
        SOLVES.labels("proposed").inc()
        recorded_at = time.monotonic()
        self._pace(club_id, began, (prepared - began) + (recorded_at - solved_at))
        if roster.status != SolveStatus.OPTIMAL:  # a repair, or a whole solve the limit cut short
            self._to_improve[club_id] = (generation, proposal.roster_id, roster.objective)
        else:
            self._to_improve.pop(club_id, None)
        log.info(
            "solve.done",
            club_id=club_id,
            roster_id=proposal.roster_id,
            kind=roster.kind.value,
            status=roster.status.value,
            filled=proposal.filled_slots,
            total=proposal.total_slots,
            released_pins=len(proposal.released),
            wall_s=round(roster.wall_s, 3),
            # Where a re-plan's time went: reading the club (lease and snapshot), building the
            # instance, the solver processes (hand-off and solve), storing the proposal.
            claim_s=round(claimed - began, 3),
            prepare_s=round(prepared - claimed, 3),
            pool_s=round(solved_at - prepared, 3),
            record_s=round(recorded_at - solved_at, 3),
        )
        return 1

    async def improve_roster(self, club_id: str, generation: int, roster_id: str, objective: int) -> int:
        """Solve the club whole, from its repaired proposal, with ``settings.improve_time_limit_s``;
        record the answer only if it is better and the club is as it was (same generation, solved,
        nobody solving it, the repaired proposal still current). Needs no lease: it never records
        over a newer change, and a re-plan that starts meanwhile is never held up by it."""
        if self.improve is None:
            return 0
        snap = await asyncio.to_thread(self._read_settled, club_id, generation)
        if snap is None:
            return 0
        try:
            instance = await self._instance(snap)
            # A core fewer than a re-plan may use: a re-plan that starts meanwhile keeps one.
            workers = max(1, self.settings.solve_workers - 1)
            params = self.params.model_copy(
                update={"time_limit_s": self.settings.improve_time_limit_s, "workers": workers}
            )
            roster = await self._run(self.improve, instance, params)
            if roster.objective <= objective:
                log.info("improve.none", club_id=club_id, generation=generation, objective=roster.objective)
                return 0
            improved = roster.model_copy(update={"kind": SolveKind.IMPROVED})
            proposal, recorded = await asyncio.to_thread(
                self._record_improvement, (snap, instance, improved), generation, roster_id
            )
        except Exception:  # a bonus that failed: the repaired proposal stands
            log.exception("improve.failed", club_id=club_id, generation=generation)
            return 0
        log.info(
            "improve.done" if recorded else "improve.discarded_stale",
            club_id=club_id,
            generation=generation,
            roster_id=proposal.roster_id,
            objective=roster.objective,
            before=objective,
        )
        return int(recorded)

    async def _run(self, solve: SolveFn, instance: Instance, params: Params) -> Roster:
        """``solve`` in the solver processes, given up (TimeoutError) once it has run twice its
        limit and ten seconds more: a solve that never returns must not hold its club for ever."""
        return await self.runner.run(solve, instance, params, params.time_limit_s * 2 + 10)

    async def _instance(self, snap: PlanningSnapshot) -> Instance:
        """Built in a thread, as the snapshot's fingerprint and the proposal are: each walks the
        whole club (tens of milliseconds for thousands of requests), which on the event loop held
        up every answer the API was giving meanwhile."""
        return await asyncio.to_thread(self._build, snap)

    def _build(self, snap: PlanningSnapshot) -> Instance:
        instance = to_instance(snap)
        return instance if self.roads is None else self.roads.apply(instance)

    def _workers(self) -> int:
        """CP-SAT threads for one solve: the configured number, shared out when several clubs are
        solved at once, so parallel solves do not fight over the cores."""
        return max(1, self.settings.solve_workers // max(1, len(self._running)))

    def _record_unchanged(self, club_id: str, generation: int, fingerprint: str) -> None:
        with self.uow_factory() as uow:
            uow.schedule.mark_solved(club_id, generation, self.owner, fingerprint)
            uow.commit()

    def _read_settled(self, club_id: str, generation: int) -> PlanningSnapshot | None:
        now = datetime.now(UTC)
        with self.reads() as uow:
            if not uow.schedule.settled(club_id, generation):
                return None
            return uow.rosters.snapshot(club_id, *horizon(now, self.settings.horizon_days))

    def _horizon_arrivals(self) -> None:
        now = datetime.now(UTC)
        with self.uow_factory() as uow:
            arrived = uow.schedule.mark_horizon_arrivals(now, horizon(now, self.settings.horizon_days)[1])
            uow.commit()
        if arrived:
            log.info("horizon.arrivals", clubs=len(arrived))

    def _still_resting(self) -> list[str]:
        now = time.monotonic()
        self._resting = {club_id: until for club_id, until in self._resting.items() if until > now}
        return list(self._resting)

    def _due(self, resting: list[str]) -> list[tuple[str, int]]:
        with self.reads() as uow:
            return uow.schedule.due(
                datetime.now(UTC), self.settings.debounce_s, self.settings.max_delay_s, resting
            )

    def _pace(self, club_id: str, began: float, own_s: float) -> None:
        """After a re-plan that took ``own_s`` of this process's time (and began at ``began``), let
        the club rest for as long as keeps its re-plans within ``replan_share`` of the time. The
        longest wait already spaces re-plans by ``max_delay_s``: a club whose re-plan costs less
        than its share of that (a small club's hundredths of a second) never rests."""
        now = time.monotonic()
        cycle = own_s / self.settings.replan_share
        rest = cycle - (now - began)
        if cycle > self.settings.max_delay_s and rest > 0:
            self._resting[club_id] = now + rest
        else:
            self._resting.pop(club_id, None)

    def _claim(self, club_id: str) -> tuple[int, PlanningSnapshot, str | None, str] | None:
        """Take the club's lease with the generation it covers (a short write), then read what to
        solve and the fingerprint of the last solve outside the write turn, and fingerprint what
        was read; None if another scheduler has the club.

        The snapshot of a big club takes tenths of a second to read; inside the lease's write
        transaction it held every other writer (the API's intake) back that long. Read afterwards,
        it holds at least the changes up to that generation and perhaps later ones, which only
        makes the proposal newer: those changes keep the club due, and if the next snapshot reads
        the same, its fingerprint matches and it costs no solve."""
        now = datetime.now(UTC)
        with self.uow_factory() as uow:
            generation = uow.schedule.take_lease(club_id, self.owner, now, self._lease_s())
            if generation is None:
                return None
            uow.commit()
        with self.reads() as uow:
            snap = uow.rosters.snapshot(club_id, *horizon(now, self.settings.horizon_days))
            solved = uow.schedule.solved_fingerprint(club_id)
        return generation, snap, solved, snap.fingerprint()

    def _fail(self, club_id: str, generation: int, exc: Exception) -> None:
        reason = f"{type(exc).__name__}: {exc}"[:500]
        with self.uow_factory() as uow:
            failures = uow.schedule.failures(club_id)
            wait = SOLVE_RETRY.delay(failures + 1)
            first = uow.schedule.mark_failed(
                club_id, generation, self.owner, reason, datetime.now(UTC) + timedelta(seconds=wait)
            )
            uow.commit()
        if first is None:  # e.g. a worker paused past its lease whose solve then timed out
            log.warning("solve.discarded_stale", club_id=club_id, generation=generation, reason=reason)
            SOLVES.labels("stale").inc()
        elif first:
            log.error("solve.failed", club_id=club_id, generation=generation, reason=reason, exc_info=exc)
        else:
            log.info("solve.failed_again", club_id=club_id, generation=generation, retry_in_s=wait)
        if first is not None:
            SOLVES.labels("failed").inc()

    def _record(self, solved: Solved, generation: int, fingerprint: str) -> tuple[Proposal, bool]:
        """The proposal, stored only if this scheduler still holds the club and nothing newer was
        recorded (the fence against a solve that outlived its lease)."""
        proposal = to_proposal(new_id("ro"), *solved)
        with self.uow_factory() as uow:
            if not uow.schedule.mark_solved(proposal.club_id, generation, self.owner, fingerprint):
                return proposal, False
            _store(uow, proposal)
            uow.commit()
        return proposal, True

    def _record_improvement(self, solved: Solved, generation: int, replaces: str) -> tuple[Proposal, bool]:
        proposal = to_proposal(new_id("ro"), *solved)
        with self.uow_factory() as uow:
            head = uow.rosters.head(proposal.club_id, replaces)
            if head is None or head.status != RosterStatus.PROPOSED:
                return proposal, False
            if not uow.schedule.settled(proposal.club_id, generation):
                return proposal, False
            _store(uow, proposal)
            uow.commit()
        return proposal, True


def _store(uow: UnitOfWork, proposal: Proposal) -> None:
    """The proposal, its released pins and its RosterProposed event, in the caller's transaction."""
    uow.rosters.add_proposal(proposal)
    for request_id, member_id, code, _ in proposal.released:
        uow.pins.unpin(proposal.club_id, request_id, member_id)
        uow.emit(
            PinReleased(
                club_id=proposal.club_id,
                roster_id=proposal.roster_id,
                request_id=request_id,
                member_id=member_id,
                reason=code,
            )
        )
    uow.emit(
        RosterProposed(
            club_id=proposal.club_id,
            roster_id=proposal.roster_id,
            filled_slots=proposal.filled_slots,
            total_slots=proposal.total_slots,
            objective=proposal.objective,
        )
    )
