"""In-memory fakes of the unit-of-work port, for handler tests (tests/store tests the real one)."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping
from datetime import date, datetime
from typing import Any, Literal

from events import AnyEvent, AssignmentWithdrawn
from services.domain import PartnerQuota
from services.ports import (
    AccessRepository,
    AlertChoices,
    AssignmentRepository,
    AssignmentRow,
    Availability,
    ClubRepository,
    CoordinatorRepository,
    ErasedMember,
    LinkRole,
    MemberContact,
    NoticePrefs,
    PeopleRepository,
    PinRepository,
    PlanningSnapshot,
    Proposal,
    RequestRepository,
    RosterHead,
    RosterRepository,
    ScheduleRepository,
    Slot,
    StoredRequest,
    UnitOfWork,
)


class FakeSchedule(ScheduleRepository):
    def __init__(self) -> None:
        self.dirty: list[tuple[str, datetime]] = []
        self.urgent: list[str] = []

    def mark_dirty(self, club_id: str, at: datetime, urgent: bool = False) -> None:
        self.dirty.append((club_id, at))
        if urgent:
            self.urgent.append(club_id)

    def mark_horizon_arrivals(self, now: datetime, horizon_end: datetime) -> list[str]:
        return []

    def due(
        self, now: datetime, debounce_s: float, max_delay_s: float, resting: Collection[str] = ()
    ) -> list[tuple[str, int]]:
        return []

    def take_lease(self, club_id: str, owner: str, now: datetime, seconds: float) -> int | None:
        return len(self.dirty)

    def mark_solved(self, club_id: str, generation: int, owner: str, fingerprint: str | None = None) -> bool:
        return True

    def solved_fingerprint(self, club_id: str) -> str | None:
        return None

    def settled(self, club_id: str, generation: int) -> bool:
        return False

    def failures(self, club_id: str) -> int:
        return 0

    def mark_failed(
        self, club_id: str, generation: int, owner: str, reason: str, retry_at: datetime
    ) -> bool | None:
        return True


class FakeRosters(RosterRepository):
    def __init__(self) -> None:
        self.rosters: dict[str, tuple[tuple[datetime, datetime], tuple[Slot, ...]]] = {}
        self.status: dict[str, str] = {}
        self.club = "club"

    def snapshot(self, club_id: str, horizon_start: datetime, horizon_end: datetime) -> PlanningSnapshot:
        raise NotImplementedError

    def add_proposal(self, proposal: Proposal) -> None:
        self.rosters[proposal.roster_id] = ((proposal.horizon_start, proposal.horizon_end), proposal.entries)
        self.status[proposal.roster_id] = "proposed"
        self.club = proposal.club_id

    def entries(self, roster_id: str) -> tuple[Slot, ...]:
        return self.rosters[roster_id][1]

    def horizon(self, roster_id: str) -> tuple[datetime, datetime]:
        return self.rosters[roster_id][0]

    def head(self, club_id: str, roster_id: str) -> RosterHead | None:
        if roster_id not in self.rosters or club_id != self.club:
            return None
        (start, end), entries = self.rosters[roster_id]
        return RosterHead(roster_id, club_id, self.status[roster_id], start, end, entries)

    def approve(self, club_id: str, roster_id: str, approved_by: str) -> bool:
        if self.status.get(roster_id) != "proposed":
            return False
        for other, status in self.status.items():
            if status == "approved":
                self.status[other] = "superseded"
        self.status[roster_id] = "approved"
        return True

    def set_entry(self, roster_id: str, slot: Slot) -> None:
        self.drop_entry(roster_id, slot.request_id, slot.slot_index)
        horizon, entries = self.rosters[roster_id]
        self.rosters[roster_id] = (horizon, (*entries, slot))

    def drop_entry(self, roster_id: str, request_id: str, slot_index: int) -> None:
        horizon, entries = self.rosters[roster_id]
        kept = tuple(e for e in entries if (e.request_id, e.slot_index) != (request_id, slot_index))
        self.rosters[roster_id] = (horizon, kept)


class FakePins(PinRepository):
    def __init__(self) -> None:
        self.pinned: dict[tuple[str, str], Slot] = {}
        self.excluded: set[tuple[str, str]] = set()
        self.days: dict[str, date] = {}
        """Request -> the local date it falls on, for waivers that lapse with a day off."""

    def pin(self, club_id: str, slot: Slot, pinned_by: str, despite: str = "") -> None:
        self.pinned[(slot.request_id, slot.member_id)] = slot

    def unpin(self, club_id: str, request_id: str, member_id: str) -> bool:
        return self.pinned.pop((request_id, member_id), None) is not None

    def lapse_waiver(self, club_id: str, member_id: str, days: frozenset[date], waiver: str) -> list[str]:
        lapsed = []
        for (request_id, pinned), slot in self.pinned.items():
            if pinned == member_id and waiver in slot.waived and self.days.get(request_id) in days:
                self.pinned[(request_id, pinned)] = dataclasses.replace(slot, waived=slot.waived - {waiver})
                lapsed.append(request_id)
        return lapsed

    def exclude(self, club_id: str, request_id: str, member_id: str, excluded_by: str) -> None:
        self.excluded.add((request_id, member_id))

    def undo_exclusion(self, club_id: str, request_id: str, member_id: str) -> bool:
        found = (request_id, member_id) in self.excluded
        self.excluded.discard((request_id, member_id))
        return found


class FakeAssignments(AssignmentRepository):
    def __init__(self) -> None:
        self.rows: dict[str, AssignmentRow] = {}
        self.reasons: dict[str, str | None] = {}
        self.requests: dict[str, tuple[str, datetime]] = {}
        """request id -> (status, ends at)"""

    def active_between(self, club_id: str, start: datetime, end: datetime) -> list[AssignmentRow]:
        return [a for a in self.rows.values() if a.status in ("issued", "accepted")]

    def active_for_request(self, request_id: str) -> list[AssignmentRow]:
        return [a for a in self.active_between("", datetime.min, datetime.max) if a.request_id == request_id]

    def active_for_member(self, member_id: str, after: datetime) -> list[AssignmentRow]:
        return [a for a in self.active_between("", datetime.min, datetime.max) if a.member_id == member_id]

    def get(self, club_id: str, assignment_id: str) -> AssignmentRow | None:
        return self.rows.get(assignment_id)

    def add(self, row: AssignmentRow, club_id: str) -> None:
        self.rows[row.id] = row

    def request_state(self, request_id: str) -> tuple[str, datetime] | None:
        return self.requests.get(request_id)

    def set_status(self, assignment_id: str, status: str, decline_reason: str | None = None) -> None:
        self.rows[assignment_id] = dataclasses.replace(self.rows[assignment_id], status=status)
        self.reasons[assignment_id] = decline_reason


class FakePeople(PeopleRepository):
    """Active members and partners by id, with their stored values."""

    def __init__(self) -> None:
        self.members: dict[str, dict[str, Any]] = {}
        self.partners: set[str] = set()
        self.inactive: set[str] = set()
        self.availability: dict[str, Availability] = {}
        self.clubs: dict[str, str] = {}
        """Member -> club, for erasure scoped to a club (members not listed are of "club")."""
        self.going: dict[str, list[AssignmentWithdrawn]] = {}
        """Member -> their live work still to come, which erasure withdraws."""
        self.erased: set[str] = set()
        self.prefs: dict[str, NoticePrefs] = {}
        self.invites: list[tuple[str, str, str]] = []
        """Invitations queued: (member, channel, address)."""

    def register_member(self, club_id: str, values: Mapping[str, Any]) -> tuple[str, str]:
        member_id = f"m{len(self.members) + 1}"
        self.members[member_id] = dict(values)
        return member_id, f"link-{member_id}"

    def add_partner(self, club_id: str, name: str, contact_email: str | None) -> tuple[str, str]:
        partner_id = f"p{len(self.partners) + 1}"
        self.partners.add(partner_id)
        return partner_id, f"link-{partner_id}"

    def contact(self, club_id: str, member_id: str) -> MemberContact | None:
        if member_id not in self.members:
            return None
        v = self.members[member_id]
        return MemberContact(
            v.get("name", ""), v.get("email"), v.get("phone"), member_id not in self.inactive
        )

    def queue_invite(self, club_id: str, member_id: str, channel: str, to: str) -> None:
        self.invites.append((member_id, channel, to))

    def member_active(self, club_id: str, member_id: str) -> bool:
        return member_id in self.members and member_id not in self.inactive

    def partner_active(self, club_id: str, partner_id: str) -> bool:
        return partner_id in self.partners and partner_id not in self.inactive

    def update_member(self, club_id: str, member_id: str, values: Mapping[str, Any]) -> bool:
        if not self.member_active(club_id, member_id):
            return False
        self.members[member_id] |= values
        return True

    def days_off(self, member_id: str) -> frozenset[date]:
        return frozenset(self.availability.get(member_id, Availability()).days_off)

    def declare_availability(self, member_id: str, availability: Availability) -> None:
        self.availability[member_id] = availability

    def deactivate(self, kind: Literal["member", "partner"], club_id: str, row_id: str) -> bool:
        known = self.members if kind == "member" else self.partners
        if row_id not in known or row_id in self.inactive:
            return False
        self.inactive.add(row_id)
        return True

    def set_notice_prefs(self, member_id: str, prefs: NoticePrefs) -> None:
        self.prefs[member_id] = prefs

    def erase_member(self, club_id: str | None, member_id: str, now: datetime) -> ErasedMember | None:
        home = self.clubs.get(member_id, "club")
        if member_id not in self.members or club_id not in (None, home):
            return None
        del self.members[member_id]
        self.erased.add(member_id)
        return ErasedMember(home, tuple(self.going.pop(member_id, [])))


class FakeAccess(AccessRepository):
    """Live keys as id -> (club, coordinator, label); links as (role, subject) -> how many issued;
    webhooks as partner -> URL."""

    def __init__(self) -> None:
        self.keys: dict[str, tuple[str, str, str]] = {}
        self.links: dict[tuple[str, str], int] = {}
        self.hooks: dict[str, str] = {}

    def issue_key(
        self, club_id: str, coordinator_id: str, label: str, expires_at: datetime
    ) -> tuple[str, str]:
        key_id = f"k{len(self.keys) + 1}"
        self.keys[key_id] = (club_id, coordinator_id, label)
        return f"secret-{key_id}", key_id

    def revoke_key(self, club_id: str, coordinator_id: str, key_id: str) -> bool:
        if self.keys.get(key_id, ("", "", ""))[:2] != (club_id, coordinator_id):
            return False
        del self.keys[key_id]
        return True

    def rotate_link(self, role: LinkRole, club_id: str, subject_id: str) -> str:
        self.links[(role, subject_id)] = self.links.get((role, subject_id), 0) + 1
        return f"{role}-{subject_id}-{self.links[(role, subject_id)]}"

    def set_hook(self, partner_id: str, url: str) -> str:
        self.hooks[partner_id] = url
        return f"secret-{partner_id}"

    def clear_hook(self, partner_id: str) -> bool:
        return self.hooks.pop(partner_id, None) is not None


class FakeCoordinators(CoordinatorRepository):
    """Active coordinator ids by club."""

    def __init__(self) -> None:
        self.active: dict[str, set[str]] = {}
        self.emails: set[str] = set()
        self.claims: dict[str, str] = {}
        """Claim token -> the coordinator it sets up."""
        self.letters: list[tuple[str, str, str]] = []
        """(address, subject, body) of each invitation queued."""
        self.alerts: dict[str, AlertChoices] = {}

    def email_taken(self, email: str) -> bool:
        return email in self.emails

    def issue_claim(self, club_id: str, coordinator_id: str, expires_at: datetime | None) -> str:
        token = f"claim{len(self.claims) + 1}"
        self.claims[token] = coordinator_id
        return token

    def queue_invite(self, club_id: str, coordinator_id: str, email: str, subject: str, body: str) -> None:
        self.letters.append((email, subject, body))

    def active_ids(self, club_id: str) -> set[str]:
        return set(self.active.get(club_id, ()))

    def deactivate(self, coordinator_id: str) -> None:
        for ids in self.active.values():
            ids.discard(coordinator_id)

    def set_alert_choices(self, coordinator_id: str, choices: AlertChoices) -> None:
        self.alerts[coordinator_id] = choices

    def create_account(self, club_id: str, coordinator_id: str, email: str, name: str, password: str) -> None:
        self.emails.add(email)
        self.active.setdefault(club_id, set()).add(coordinator_id)
        self.claims = {t: c for t, c in self.claims.items() if c != coordinator_id}


class FakeRequests(RequestRepository):
    """Requests in a dict; submit and cancel record what the SQL would store."""

    def __init__(self) -> None:
        self.rows: dict[str, StoredRequest] = {}
        self.submitted: list[tuple[str, PartnerQuota | None]] = []
        self.lifts: dict[str, list[str]] = {}
        """Work -> the members who asked for a lift there."""

    def submit(
        self, club_id: str, partner_id: str, values: Mapping[str, object], quota: PartnerQuota | None
    ) -> str:
        request_id = f"r{len(self.rows) + 1}"
        fields = {k: v for k, v in values.items() if k not in ("series_id", "pickups")}
        series = values.get("series_id")
        self.rows[request_id] = StoredRequest(
            request_id, partner_id, "open", series if isinstance(series, str) else None, fields
        )
        self.submitted.append((request_id, quota))
        return request_id

    def get(self, club_id: str, request_id: str) -> StoredRequest | None:
        return self.rows.get(request_id)

    def series(self, club_id: str, series_id: str) -> list[StoredRequest]:
        return sorted((r for r in self.rows.values() if r.series_id == series_id), key=lambda r: r.starts_at)

    def update(self, request_id: str, values: Mapping[str, object]) -> None:
        row = self.rows[request_id]
        fields = {k: values.get(k, v) for k, v in row.fields.items()}
        given = values.get("pickups") or []
        assert isinstance(given, list)
        pickups = tuple(dict(p) for p in given)
        self.rows[request_id] = dataclasses.replace(row, fields=fields, pickups=pickups)

    def open_of(self, club_id: str, partner_id: str, now: datetime) -> list[str]:
        return [
            r.id
            for r in self.rows.values()
            if r.partner_id == partner_id and r.status == "open" and r.ends_at > now
        ]

    def cancel(self, request_id: str) -> None:
        self.rows[request_id] = dataclasses.replace(self.rows[request_id], status="cancelled")

    def ask_lift(self, club_id: str, member_id: str, work_id: str) -> str | None:
        riders = self.lifts.setdefault(work_id, [])
        if member_id in riders:
            return None
        riders.append(member_id)
        return f"lift-{work_id}"


class FakeClubs(ClubRepository):
    def __init__(self) -> None:
        self.names: dict[str, tuple[str, str]] = {}
        self.retention: dict[str, tuple[int, list[str]]] = {}
        self.self_signup: dict[str, list[str]] = {}

    def create(self, club_id: str, name: str, timezone: str) -> None:
        self.names[club_id] = (name, timezone)

    def exists(self, club_id: str) -> bool:
        return club_id in self.names

    def set_retention(self, club_id: str, days: int, high_risk_kinds: list[str]) -> None:
        self.retention[club_id] = (days, high_risk_kinds)

    def set_self_signup(self, club_id: str, kinds: list[str]) -> None:
        self.self_signup[club_id] = kinds


class FakeUnitOfWork(UnitOfWork):
    schedule: FakeSchedule
    rosters: FakeRosters
    assignments: FakeAssignments
    pins: FakePins
    people: FakePeople
    coordinators: FakeCoordinators
    requests: FakeRequests
    access: FakeAccess
    clubs: FakeClubs

    def __init__(self) -> None:
        self.schedule = FakeSchedule()
        self.rosters = FakeRosters()
        self.assignments = FakeAssignments()
        self.pins = FakePins()
        self.people = FakePeople()
        self.coordinators = FakeCoordinators()
        self.requests = FakeRequests()
        self.access = FakeAccess()
        self.clubs = FakeClubs()
        self.emitted: list[AnyEvent] = []
        self.processed: set[tuple[str, str]] = set()
        self.commits = 0
        self._pending: list[AnyEvent] = []
        self.audited: list[tuple[str, ...]] = []

    def audit(
        self,
        club_id: str,
        actor_id: str,
        action: str,
        object_kind: str,
        object_id: str,
        related_id: str | None = None,
    ) -> None:
        self.audited.append((club_id, actor_id, action, object_kind, object_id, related_id or ""))

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
