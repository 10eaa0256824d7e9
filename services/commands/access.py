"""Ways in that their owners change: a coordinator's API keys, a member's calendar link. Each is
audited and announced by id; the key or link itself is returned once, for the page to show once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from events import ApiKeyCreated, ApiKeyRevoked, CalendarLinkRotated
from services.domain import Conflict, NotFound
from services.ports import UnitOfWork

MAX_KEY_DAYS = 365
"""A key that never expires outlives the program it was made for: a year at most, then a new one."""


@dataclass(frozen=True)
class CreateApiKey:
    club_id: str
    coordinator_id: str
    label: str
    days: int


@dataclass(frozen=True)
class NewApiKey:
    key: str
    key_id: str
    expires_at: datetime


@dataclass(frozen=True)
class RevokeApiKey:
    club_id: str
    coordinator_id: str
    key_id: str


@dataclass(frozen=True)
class RotateCalendarLink:
    """A new read-only link for the member's calendar app; the old one stops working at once."""

    club_id: str
    member_id: str


def create_api_key(cmd: CreateApiKey, uow: UnitOfWork) -> NewApiKey:
    if not cmd.label.strip():
        raise Conflict("Name the key, e.g. after its program.")
    if not 1 <= cmd.days <= MAX_KEY_DAYS:
        raise Conflict(f"A key lasts from 1 to {MAX_KEY_DAYS} days.")
    expires = datetime.now(UTC) + timedelta(days=cmd.days)
    key, key_id = uow.access.issue_key(cmd.club_id, cmd.coordinator_id, cmd.label, expires)
    made = NewApiKey(key, key_id, expires)
    uow.audit(cmd.club_id, cmd.coordinator_id, "key.create", "key", made.key_id)
    uow.emit(ApiKeyCreated(club_id=cmd.club_id, coordinator_id=cmd.coordinator_id, key_id=made.key_id))
    return made


def revoke_api_key(cmd: RevokeApiKey, uow: UnitOfWork) -> None:
    """Only the coordinator's own live key: another's, or one already revoked, is not found."""
    if not uow.access.revoke_key(cmd.club_id, cmd.coordinator_id, cmd.key_id):
        raise NotFound("No such key.")
    short = cmd.key_id[:16]
    uow.audit(cmd.club_id, cmd.coordinator_id, "key.revoke", "key", short)
    uow.emit(ApiKeyRevoked(club_id=cmd.club_id, coordinator_id=cmd.coordinator_id, key_id=short))


def rotate_calendar_link(cmd: RotateCalendarLink, uow: UnitOfWork) -> str:
    """A member who has left gets no new way in."""
    if not uow.people.member_active(cmd.club_id, cmd.member_id):
        raise NotFound(f"member {cmd.member_id} not found")
    token = uow.access.rotate_calendar(cmd.club_id, cmd.member_id)
    uow.audit(cmd.club_id, cmd.member_id, "calendar.rotate", "calendar", cmd.member_id)
    uow.emit(CalendarLinkRotated(club_id=cmd.club_id, member_id=cmd.member_id))
    return token
