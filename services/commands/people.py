"""Members and partners changing: availability, profile, leaving the club. Each command checks that
its subject is still there, writes the change and emits the event that makes planning follow."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from events import (
    AvailabilityDeclared,
    MemberDeactivated,
    MemberErased,
    MemberUpdated,
    NoticePrefsChanged,
    PinWaiverLapsed,
)
from services import homes
from services.commands.requests import cancel_one
from services.domain import NotFound
from services.ports import Availability, NoticePrefs, UnitOfWork
from solver import Waiver


@dataclass(frozen=True)
class DeclareAvailability:
    club_id: str
    member_id: str
    availability: Availability


@dataclass(frozen=True)
class UpdateMember:
    """A member's profile: name, contact, skills, home, limits, likes and refusals."""

    club_id: str
    member_id: str
    values: Mapping[str, Any]


@dataclass(frozen=True)
class SetNoticePrefs:
    club_id: str
    member_id: str
    prefs: NoticePrefs


@dataclass(frozen=True)
class DeactivateMember:
    club_id: str
    member_id: str
    by: str | None = None
    """The coordinator who asked, for the audit trail (None: the member left by themselves)."""


@dataclass(frozen=True)
class EraseMember:
    """A right-to-erasure request: everything about the member goes, for good."""

    member_id: str
    club_id: str | None = None
    """The coordinator's club; None from the operator's CLI, which may erase in any club."""
    by: str | None = None


@dataclass(frozen=True)
class DeactivatePartner:
    club_id: str
    partner_id: str
    by: str | None = None


def declare_availability(cmd: DeclareAvailability, uow: UnitOfWork) -> None:
    """Replace the whole declaration; a pin on a day now off is released at the next solve.

    A forced pin waived availability as it stood when the coordinator forced it; a day off declared
    since is a new fact, so the pin no longer waives it there (and is released with that reason)."""
    if not uow.people.member_active(cmd.club_id, cmd.member_id):
        raise NotFound(f"member {cmd.member_id} not found")
    new_days = frozenset(cmd.availability.days_off) - uow.people.days_off(cmd.member_id)
    uow.people.declare_availability(cmd.member_id, cmd.availability)
    uow.emit(AvailabilityDeclared(club_id=cmd.club_id, member_id=cmd.member_id))
    if not new_days:
        return
    for request_id in uow.pins.lapse_waiver(cmd.club_id, cmd.member_id, new_days, Waiver.AVAILABILITY):
        uow.emit(
            PinWaiverLapsed(
                club_id=cmd.club_id,
                request_id=request_id,
                member_id=cmd.member_id,
                waiver=Waiver.AVAILABILITY,
            )
        )


def update_member(cmd: UpdateMember, uow: UnitOfWork) -> None:
    """The home is kept coarse unless the member consented to exact pickup planning."""
    if not uow.people.update_member(cmd.club_id, cmd.member_id, homes.kept(cmd.values)):
        raise NotFound(f"member {cmd.member_id} not found")
    uow.emit(MemberUpdated(club_id=cmd.club_id, member_id=cmd.member_id))


def set_notice_prefs(cmd: SetNoticePrefs, uow: UnitOfWork) -> None:
    """Only the member's own choice: read by the notifier for every message after this one."""
    if not uow.people.member_active(cmd.club_id, cmd.member_id):
        raise NotFound(f"member {cmd.member_id} not found")
    uow.people.set_notice_prefs(cmd.member_id, cmd.prefs)
    uow.emit(NoticePrefsChanged(club_id=cmd.club_id, member_id=cmd.member_id))


def deactivate_member(cmd: DeactivateMember, uow: UnitOfWork) -> None:
    """The member's links stop working at once; the event withdraws them from work not yet done."""
    if not uow.people.deactivate("member", cmd.club_id, cmd.member_id):
        raise NotFound(f"member {cmd.member_id} not found")
    if cmd.by:
        uow.audit(cmd.club_id, cmd.by, "member.deactivate", "member", cmd.member_id)
    uow.emit(MemberDeactivated(club_id=cmd.club_id, member_id=cmd.member_id))


def erase_member(cmd: EraseMember, uow: UnitOfWork) -> str:
    """Returns the member's club. Work they were still going to is withdrawn (so it is planned
    again) and ``MemberErased`` tells every consumer of the stream to forget them too."""
    erased = uow.people.erase_member(cmd.club_id, cmd.member_id, datetime.now(UTC))
    if erased is None:
        raise NotFound(f"member {cmd.member_id} not found")
    for withdrawn in erased.withdrawn:
        uow.emit(withdrawn)
    uow.emit(MemberErased(club_id=erased.club_id, member_id=cmd.member_id))
    if cmd.by:
        uow.audit(erased.club_id, cmd.by, "member.erase", "member", cmd.member_id)
    return erased.club_id


def deactivate_partner(cmd: DeactivatePartner, uow: UnitOfWork) -> None:
    """The partner's link stops working at once and its webhook is never called again; its requests
    that have not ended are cancelled (members on them are told, through the usual events); past
    requests stay for the record."""
    if not uow.people.deactivate("partner", cmd.club_id, cmd.partner_id):
        raise NotFound(f"partner {cmd.partner_id} not found")
    if cmd.by:
        uow.audit(cmd.club_id, cmd.by, "partner.deactivate", "partner", cmd.partner_id)
    for request_id in uow.requests.open_of(cmd.club_id, cmd.partner_id, datetime.now(UTC)):
        cancel_one(uow, cmd.club_id, cmd.partner_id, request_id, cmd.by)
