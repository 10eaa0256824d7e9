"""What handlers and the scheduler need from storage, as plain Python: the unit-of-work port.

The SQL implementation lives in services/store; unit tests use fakes that subclass these.
Rows cross this boundary as frozen dataclasses, so no SQLAlchemy object leaks into handlers.
"""

from __future__ import annotations

import abc
import hashlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from types import TracebackType
from typing import Any, Literal

from events import AnyEvent, AssignmentWithdrawn
from services.domain import PartnerQuota


@dataclass(frozen=True)
class PickupRow:
    """Where some of a lift's passengers wait (their contact stays out of planning)."""

    position: int
    place_name: str
    lat: float
    lon: float
    people: int


@dataclass(frozen=True)
class RequestRow:
    id: str
    partner_id: str
    kind: str
    lat: float
    lon: float
    starts_at: datetime
    ends_at: datetime
    headcount: int
    skills: tuple[str, ...]
    lead_skills: tuple[str, ...]
    passengers: int
    priority: int
    pickups: tuple[PickupRow, ...] = ()


@dataclass(frozen=True)
class StoredRequest:
    """A request as its partner entered it, for edits and cancellations: ``fields`` holds the
    editable columns (kind, title, notes, place_name, lat, lon, starts_at, ends_at, headcount,
    skills, lead_skills, passengers, priority) and ``pickups`` the lift's pickup rows as mappings."""

    id: str
    partner_id: str
    status: str
    series_id: str | None
    fields: dict[str, object]
    pickups: tuple[dict[str, object], ...] = ()

    @property
    def starts_at(self) -> datetime:
        value = self.fields["starts_at"]
        assert isinstance(value, datetime)
        return value

    @property
    def ends_at(self) -> datetime:
        value = self.fields["ends_at"]
        assert isinstance(value, datetime)
        return value


@dataclass(frozen=True)
class MemberRow:
    id: str
    skills: tuple[str, ...]
    home_lat: float
    home_lon: float
    max_hours_week: int
    car_seats: int | None
    max_travel_km: int | None
    liked_kinds: tuple[str, ...]
    refused_kinds: tuple[str, ...]
    refused_partners: tuple[str, ...]
    weekly: tuple[tuple[int, int, int], ...] = ()
    """(weekday, start minute, end minute) in club local time; end may be 1440."""
    windows: tuple[tuple[datetime, datetime], ...] = ()
    blackouts: tuple[date, ...] = ()
    history_minutes: int = 0


@dataclass(frozen=True)
class Slot:
    request_id: str
    slot_index: int
    member_id: str
    pinned: bool = False
    waived: frozenset[str] = frozenset()
    """A forced pin's waived rules (``solver.Waiver`` codes), for this request and member only."""


@dataclass(frozen=True)
class AssignmentRow:
    id: str
    request_id: str
    slot_index: int
    member_id: str
    status: str
    roster_id: str


@dataclass(frozen=True)
class PlanningSnapshot:
    """Everything the scheduler reads to build one solver instance for one club."""

    club_id: str
    timezone: str
    horizon_start: datetime
    horizon_end: datetime
    requests: tuple[RequestRow, ...]
    members: tuple[MemberRow, ...]
    approved: tuple[Slot, ...] = ()
    declined: tuple[tuple[str, str], ...] = ()
    """(request_id, member_id) pairs a member declined or a coordinator removed: never proposed again."""
    pins: tuple[Slot, ...] = ()
    """Coordinators' pins on requests of the horizon (cancelled ones too, so they are released),
    oldest first: when two cannot stand together, the older one stays."""
    approved_routes: tuple[PlannedRoute, ...] = ()
    """The approved roster's lift routes: a re-plan keeps who collects whom where it can."""
    proposed: tuple[Slot, ...] = ()
    """The latest proposal awaiting approval: where a re-plan starts (not an input of the plan, so
    not part of the fingerprint; a new proposal is made only when an input changed)."""
    approved_roster_id: str | None = None
    """The club's approved roster, which a member's self sign-up joins (not a planning input)."""
    self_signup_kinds: frozenset[str] = frozenset()
    """Kinds of work a member's offer goes straight in for (not a planning input)."""

    def fingerprint(self) -> str:
        """What planning reads, without the horizon's exact minute: equal fingerprints, equal plans.
        A change that reaches no solver input (a name, a phone number) then costs no solve."""
        content = (
            self.timezone,
            self.requests,
            self.members,
            self.approved,
            self.declined,
            self.pins,
            self.approved_routes,
        )
        return hashlib.sha256(repr(content).encode()).hexdigest()


@dataclass(frozen=True)
class RosterHead:
    """A stored roster as the commands that edit or approve it need it."""

    id: str
    club_id: str
    status: str
    horizon_start: datetime
    horizon_end: datetime
    entries: tuple[Slot, ...]


@dataclass(frozen=True)
class PlannedRoute:
    """A driver's lift as planned: leave home, collect in order, arrive."""

    request_id: str
    member_id: str
    leave_at: datetime
    metres: int
    detour_minutes: int
    stops: tuple[tuple[int | None, datetime, int], ...]
    """(pickup position, or None for the destination; arrival time; people aboard on leaving)."""


@dataclass(frozen=True)
class Proposal:
    """A solved roster, ready to be stored as the club's current proposal."""

    roster_id: str
    club_id: str
    horizon_start: datetime
    horizon_end: datetime
    solve_status: str
    objective: int
    bound: int | None
    filled_slots: int
    total_slots: int
    wall_s: float
    entries: tuple[Slot, ...]
    unfilled: tuple[tuple[str, int, str, str], ...] = field(default=())
    """(request_id, slot_index, reason code, reason text)."""
    released: tuple[tuple[str, str, str, str], ...] = field(default=())
    """Pins the solver could not keep: (request_id, member_id, reason code, reason text)."""
    routes: tuple[PlannedRoute, ...] = field(default=())
    lift_notes: tuple[tuple[str, int | None, str], ...] = field(default=())
    """Why some of a lift's people are not carried: (request_id, pickup position or None, text)."""
    solve_kind: str = "full"
    """``solver.SolveKind``: the whole roster, or the previous one repaired around what changed."""


class ScheduleRepository(abc.ABC):
    @abc.abstractmethod
    def mark_dirty(self, club_id: str, at: datetime, urgent: bool = False) -> None:
        """A change that may alter the best roster happened in this club; an ``urgent`` one makes
        the club due at once, without the debounce."""

    @abc.abstractmethod
    def mark_horizon_arrivals(self, now: datetime, horizon_end: datetime) -> list[str]:
        """Mark dirty the clubs with open requests that have come within the planning horizon
        since their latest roster was solved (no event announces that); returns those clubs."""

    @abc.abstractmethod
    def due(
        self, now: datetime, debounce_s: float, max_delay_s: float, resting: Collection[str] = ()
    ) -> list[tuple[str, int]]:
        """Clubs whose changes have settled (or waited long enough), with their generation. A club
        in ``resting`` is due only once its changes settle or an urgent one arrives, not by
        ``max_delay_s``: a steady stream of changes then waits for the scheduler's pacing."""

    @abc.abstractmethod
    def take_lease(self, club_id: str, owner: str, now: datetime, seconds: float) -> int | None:
        """Claim the right to solve this club now and return the generation the solve will cover
        (the snapshot, read after this commits, holds at least its changes); None if another
        scheduler holds it."""

    @abc.abstractmethod
    def mark_solved(self, club_id: str, generation: int, owner: str, fingerprint: str | None = None) -> bool:
        """Record that changes up to ``generation`` are in a proposal, solved from inputs with this
        ``fingerprint``, and free the lease.

        The fence: False, and nothing recorded, when ``owner`` lost the lease or a solve of a
        generation as new was recorded meanwhile; the caller must then discard its proposal."""

    @abc.abstractmethod
    def solved_fingerprint(self, club_id: str) -> str | None:
        """The fingerprint recorded with the club's last solve (by any worker)."""

    @abc.abstractmethod
    def settled(self, club_id: str, generation: int) -> bool:
        """Whether ``generation`` is the club's newest and solved, and nobody is solving the club:
        a background improvement of that generation's proposal may then replace it."""

    @abc.abstractmethod
    def failures(self, club_id: str) -> int:
        """Failed solves of this club in a row (0 after a success)."""

    @abc.abstractmethod
    def mark_failed(
        self, club_id: str, generation: int, owner: str, reason: str, retry_at: datetime
    ) -> bool | None:
        """Give the lease back after a failed solve, keep the club due from ``retry_at`` on, and
        show ``reason``; True when this generation had not failed before (worth a log line); None,
        recording nothing, when ``owner`` no longer holds the lease (the fence, as for a proposal)."""


class RosterRepository(abc.ABC):
    @abc.abstractmethod
    def snapshot(self, club_id: str, horizon_start: datetime, horizon_end: datetime) -> PlanningSnapshot: ...

    @abc.abstractmethod
    def add_proposal(self, proposal: Proposal) -> None:
        """Store the proposal and supersede the club's older proposals."""

    @abc.abstractmethod
    def entries(self, roster_id: str) -> tuple[Slot, ...]:
        """The roster's slots on requests still open, for members still active: in Kafka mode a
        cancellation or a deactivation may be handled before the approval of a roster that still
        holds the request or the member."""

    @abc.abstractmethod
    def horizon(self, roster_id: str) -> tuple[datetime, datetime]: ...

    @abc.abstractmethod
    def head(self, club_id: str, roster_id: str) -> RosterHead | None:
        """The club's roster with every entry (cancelled requests and inactive members included)."""

    @abc.abstractmethod
    def approve(self, club_id: str, roster_id: str, approved_by: str) -> bool:
        """Compare-and-set: approve the roster only if it is still the club's current proposal, and
        supersede the previously approved one; False if another approval or proposal got there first."""

    @abc.abstractmethod
    def set_entry(self, roster_id: str, slot: Slot) -> None:
        """Put ``slot.member_id`` on the slot (replacing whoever held it or its unfilled reason)."""

    @abc.abstractmethod
    def drop_entry(self, roster_id: str, request_id: str, slot_index: int) -> None: ...


LinkRole = Literal["member", "partner", "calendar"]
"""Whose private link: a member's or partner's way in, or a member's read-only calendar feed."""


class AccessRepository(abc.ABC):
    """The ways in and out that change: coordinators' API keys, private and calendar links, partners'
    webhooks. A token or secret is returned once, to be shown once; storage keeps only a key's hash."""

    @abc.abstractmethod
    def issue_key(
        self, club_id: str, coordinator_id: str, label: str, expires_at: datetime
    ) -> tuple[str, str]:
        """A new API key and the id it is shown and revoked by; the caller shows the key once."""

    @abc.abstractmethod
    def revoke_key(self, club_id: str, coordinator_id: str, key_id: str) -> bool:
        """False if the coordinator has no live key of that id."""

    @abc.abstractmethod
    def rotate_link(self, role: LinkRole, club_id: str, subject_id: str) -> str:
        """Revoke the subject's links of that role and issue a new one."""

    @abc.abstractmethod
    def set_hook(self, partner_id: str, url: str) -> str:
        """Store (or replace) the partner's webhook; the new signing secret."""

    @abc.abstractmethod
    def clear_hook(self, partner_id: str) -> bool:
        """False if the partner had no webhook."""


class PinRepository(abc.ABC):
    """Coordinators' decisions that outlive any one roster: pins and removals."""

    @abc.abstractmethod
    def pin(self, club_id: str, slot: Slot, pinned_by: str, despite: str = "") -> None:
        """Pin ``slot.member_id`` on the request (at that slot), replacing an earlier pin of the pair;
        a forced pin carries ``slot.waived`` and the rules it breaks in words (``despite``)."""

    @abc.abstractmethod
    def unpin(self, club_id: str, request_id: str, member_id: str) -> bool: ...

    @abc.abstractmethod
    def lapse_waiver(self, club_id: str, member_id: str, days: frozenset[date], waiver: str) -> list[str]:
        """Take ``waiver`` off the member's forced pins on requests that fall on one of ``days`` (the
        club's local dates); the ids of those requests."""

    @abc.abstractmethod
    def exclude(self, club_id: str, request_id: str, member_id: str, excluded_by: str) -> None: ...

    @abc.abstractmethod
    def undo_exclusion(self, club_id: str, request_id: str, member_id: str) -> bool: ...


@dataclass(frozen=True)
class Availability:
    """A member's whole declaration of when they can help, replacing the one before."""

    weekly: tuple[tuple[int, int, int], ...] = ()
    """(weekday, start minute, end minute) in club local time; end may be 1440."""
    windows: tuple[tuple[datetime, datetime], ...] = ()
    days_off: tuple[date, ...] = ()


@dataclass(frozen=True)
class NoticePrefs:
    """How a member wants to be told: by email, by Signal, and whether reminders come too."""

    email: bool
    signal: bool
    reminders: bool


@dataclass(frozen=True)
class AlertChoices:
    """Where and when a coordinator's alerts go: by email (to their account's address) and/or to a
    Signal number; immediate alerts or not; a daily digest at an hour or none; quiet hours or none
    (hours of the club's day, 0-23); after how many hours an unanswered assignment is flagged."""

    email: bool
    signal_number: str | None
    immediate: bool
    digest_hour: int | None
    quiet_start: int | None
    quiet_end: int | None
    unanswered_hours: int


@dataclass(frozen=True)
class ErasedMember:
    club_id: str
    withdrawn: tuple[AssignmentWithdrawn, ...]
    """Work still to come that nobody goes to now: the erasure emits these with ``MemberErased``."""


@dataclass(frozen=True)
class MemberContact:
    """Where a member's invitation can go."""

    name: str
    email: str | None
    phone: str | None
    active: bool = True


class PeopleRepository(abc.ABC):
    """Members and partners, as the commands that change them need them."""

    @abc.abstractmethod
    def register_member(self, club_id: str, values: Mapping[str, Any]) -> tuple[str, str]:
        """A new member and their private link (state only: ``InviteMember`` emits ``MemberRegistered``)."""

    @abc.abstractmethod
    def add_partner(self, club_id: str, name: str, contact_email: str | None) -> tuple[str, str]:
        """A new partner and its private link."""

    @abc.abstractmethod
    def contact(self, club_id: str, member_id: str) -> MemberContact | None: ...

    @abc.abstractmethod
    def queue_invite(self, club_id: str, member_id: str, channel: str, to: str) -> None:
        """The invitation for the sender loop, which puts a fresh sign-in link in it when it sends."""

    @abc.abstractmethod
    def member_active(self, club_id: str, member_id: str) -> bool: ...

    @abc.abstractmethod
    def partner_active(self, club_id: str, partner_id: str) -> bool: ...

    @abc.abstractmethod
    def update_member(self, club_id: str, member_id: str, values: Mapping[str, Any]) -> bool:
        """Store the member's profile columns; False if no active member of the club has that id."""

    @abc.abstractmethod
    def days_off(self, member_id: str) -> frozenset[date]:
        """The days off the member has declared so far."""

    @abc.abstractmethod
    def declare_availability(self, member_id: str, availability: Availability) -> None: ...

    @abc.abstractmethod
    def deactivate(self, kind: Literal["member", "partner"], club_id: str, row_id: str) -> bool:
        """False if the club has no active member or partner of that id."""

    @abc.abstractmethod
    def set_notice_prefs(self, member_id: str, prefs: NoticePrefs) -> None: ...

    @abc.abstractmethod
    def erase_member(self, club_id: str | None, member_id: str, now: datetime) -> ErasedMember | None:
        """Delete everything about the member (of ``club_id``, or of any club when None), keeping
        anonymous counts of their work; None if there is no such member."""


class CoordinatorRepository(abc.ABC):
    """The club's coordinator accounts, as the commands that change them see them."""

    @abc.abstractmethod
    def email_taken(self, email: str) -> bool: ...

    @abc.abstractmethod
    def issue_claim(self, club_id: str, coordinator_id: str, expires_at: datetime | None) -> str:
        """A single-use link token with which the invited coordinator sets up their account."""

    @abc.abstractmethod
    def queue_invite(
        self, club_id: str, coordinator_id: str, email: str, subject: str, body: str
    ) -> None: ...

    @abc.abstractmethod
    def set_alert_choices(self, coordinator_id: str, choices: AlertChoices) -> None: ...

    @abc.abstractmethod
    def create_account(self, club_id: str, coordinator_id: str, email: str, name: str, password: str) -> None:
        """The account, its password hashed (slowly, by design), and its claim links revoked."""

    @abc.abstractmethod
    def active_ids(self, club_id: str) -> set[str]:
        """The club's active coordinators, locked until the transaction ends, so two coordinators
        deactivating each other at once cannot leave the club with none."""

    @abc.abstractmethod
    def deactivate(self, coordinator_id: str) -> None:
        """No more sign-in; their sessions end at once (their API keys stop: see tokens.resolve)."""


class AssignmentRepository(abc.ABC):
    @abc.abstractmethod
    def active_between(self, club_id: str, start: datetime, end: datetime) -> list[AssignmentRow]:
        """Issued or accepted assignments whose request starts in [start, end)."""

    @abc.abstractmethod
    def active_for_request(self, request_id: str) -> list[AssignmentRow]: ...

    @abc.abstractmethod
    def active_for_member(self, member_id: str, after: datetime) -> list[AssignmentRow]:
        """Issued or accepted assignments of the member whose request starts after ``after``."""

    @abc.abstractmethod
    def get(self, club_id: str, assignment_id: str) -> AssignmentRow | None: ...

    @abc.abstractmethod
    def add(self, row: AssignmentRow, club_id: str) -> None: ...

    @abc.abstractmethod
    def request_state(self, request_id: str) -> tuple[str, datetime] | None:
        """The request's status and when it ends, for the rules that depend on them."""

    @abc.abstractmethod
    def set_status(self, assignment_id: str, status: str, decline_reason: str | None = None) -> None:
        """A new state; ``decline_reason`` is kept with a decline."""


class RequestRepository(abc.ABC):
    """Partners' requests. ``submit``, ``update`` and ``cancel`` write state only (the commands emit)."""

    @abc.abstractmethod
    def submit(
        self, club_id: str, partner_id: str, values: Mapping[str, object], quota: PartnerQuota | None
    ) -> str: ...

    @abc.abstractmethod
    def get(self, club_id: str, request_id: str) -> StoredRequest | None:
        """A partner's request (not a lift a member asked for), whatever its status."""

    @abc.abstractmethod
    def series(self, club_id: str, series_id: str) -> list[StoredRequest]:
        """Every request of the series, in time order."""

    @abc.abstractmethod
    def update(self, request_id: str, values: Mapping[str, object]) -> None:
        """Replace the editable fields (and a lift's pickups, given ``pickups``)."""

    @abc.abstractmethod
    def open_of(self, club_id: str, partner_id: str, now: datetime) -> list[str]:
        """The partner's open requests that have not ended (not lifts members asked for)."""

    @abc.abstractmethod
    def cancel(self, request_id: str) -> None: ...

    @abc.abstractmethod
    def ask_lift(self, club_id: str, member_id: str, work_id: str) -> str | None:
        """Add the member as a pickup on the lift to ``work_id`` (made if nobody asked before); the
        lift's id, or None if they had already asked."""


class ClubRepository(abc.ABC):
    """A club's own settings."""

    @abc.abstractmethod
    def create(self, club_id: str, name: str, timezone: str) -> None: ...

    @abc.abstractmethod
    def exists(self, club_id: str) -> bool: ...

    @abc.abstractmethod
    def set_retention(self, club_id: str, days: int, high_risk_kinds: list[str]) -> None: ...

    @abc.abstractmethod
    def set_self_signup(self, club_id: str, kinds: list[str]) -> None: ...


class UnitOfWork(abc.ABC):
    """One transaction: state changes and the events they emit commit together or not at all."""

    schedule: ScheduleRepository
    rosters: RosterRepository
    assignments: AssignmentRepository
    pins: PinRepository
    people: PeopleRepository
    coordinators: CoordinatorRepository
    requests: RequestRepository
    access: AccessRepository
    clubs: ClubRepository

    def __enter__(self) -> UnitOfWork:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.rollback()

    @abc.abstractmethod
    def emit(self, event: AnyEvent) -> None:
        """Queue an event in the outbox, inside this transaction."""

    @abc.abstractmethod
    def audit(
        self,
        club_id: str,
        actor_id: str,
        action: str,
        object_kind: str,
        object_id: str,
        related_id: str | None = None,
    ) -> None:
        """Add to the audit trail who did what, inside this transaction (ids only)."""

    @abc.abstractmethod
    def already_processed(self, consumer: str, event_id: str) -> bool: ...

    @abc.abstractmethod
    def record_processed(self, consumer: str, event_id: str) -> None: ...

    @abc.abstractmethod
    def commit(self) -> None: ...

    @abc.abstractmethod
    def rollback(self) -> None: ...
