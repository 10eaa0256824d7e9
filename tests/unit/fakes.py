"""In-memory fakes of the unit-of-work port, for handler tests (tests/store tests the real one)."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from events import AnyEvent
from services.ports import (
    AssignmentRepository,
    AssignmentRow,
    PlanningSnapshot,
    Proposal,
    RosterRepository,
    ScheduleRepository,
    Slot,
    UnitOfWork,
)


class FakeSchedule(ScheduleRepository):
    def __init__(self) -> None:
        self.dirty: list[tuple[str, datetime]] = []

    def mark_dirty(self, club_id: str, at: datetime) -> None:
        self.dirty.append((club_id, at))

    def mark_horizon_arrivals(self, now: datetime, horizon_end: datetime) -> list[str]:
        return []

    def due(self, now: datetime, debounce_s: float, max_delay_s: float) -> list[tuple[str, int]]:
        return []

    def take_lease(self, club_id: str, owner: str, now: datetime, seconds: float) -> int | None:
        return len(self.dirty)

    def mark_solved(self, club_id: str, generation: int, owner: str) -> bool:
        return True

    def failures(self, club_id: str) -> int:
        return 0

    def mark_failed(self, club_id: str, generation: int, owner: str, reason: str, retry_at: datetime) -> bool:
        return True


class FakeRosters(RosterRepository):
    def __init__(self) -> None:
        self.rosters: dict[str, tuple[tuple[datetime, datetime], tuple[Slot, ...]]] = {}

    def snapshot(self, club_id: str, horizon_start: datetime, horizon_end: datetime) -> PlanningSnapshot:
        raise NotImplementedError

    def add_proposal(self, proposal: Proposal) -> None:
        self.rosters[proposal.roster_id] = ((proposal.horizon_start, proposal.horizon_end), proposal.entries)

    def entries(self, roster_id: str) -> tuple[Slot, ...]:
        return self.rosters[roster_id][1]

    def horizon(self, roster_id: str) -> tuple[datetime, datetime]:
        return self.rosters[roster_id][0]


class FakeAssignments(AssignmentRepository):
    def __init__(self) -> None:
        self.rows: dict[str, AssignmentRow] = {}

    def active_between(self, club_id: str, start: datetime, end: datetime) -> list[AssignmentRow]:
        return [a for a in self.rows.values() if a.status in ("issued", "accepted")]

    def active_for_request(self, request_id: str) -> list[AssignmentRow]:
        return [a for a in self.active_between("", datetime.min, datetime.max) if a.request_id == request_id]

    def active_for_member(self, member_id: str, after: datetime) -> list[AssignmentRow]:
        return [a for a in self.active_between("", datetime.min, datetime.max) if a.member_id == member_id]

    def add(self, row: AssignmentRow, club_id: str) -> None:
        self.rows[row.id] = row

    def set_status(self, assignment_id: str, status: str) -> None:
        self.rows[assignment_id] = dataclasses.replace(self.rows[assignment_id], status=status)


class FakeUnitOfWork(UnitOfWork):
    schedule: FakeSchedule
    rosters: FakeRosters
    assignments: FakeAssignments

    def __init__(self) -> None:
        self.schedule = FakeSchedule()
        self.rosters = FakeRosters()
        self.assignments = FakeAssignments()
        self.emitted: list[AnyEvent] = []
        self.processed: set[tuple[str, str]] = set()
        self.commits = 0
        self._pending: list[AnyEvent] = []

    def emit(self, event: AnyEvent) -> None:
        self._pending.append(event)

    def already_processed(self, consumer: str, event_id: str) -> bool:
        return (consumer, event_id) in self.processed

    def record_processed(self, consumer: str, event_id: str) -> None:
        self.processed.add((consumer, event_id))

    def commit(self) -> None:
        self.emitted.extend(self._pending)
        self._pending.clear()
        self.commits += 1

    def rollback(self) -> None:
        self._pending.clear()
