"""Ways in and out that change: a coordinator's API keys, a member's calendar link, a member's or
partner's private link, a partner's webhook. Each is audited and announced by id; the key, link or
signing secret itself is returned once, for the page to show once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from events import (
    ApiKeyCreated,
    ApiKeyRevoked,
    CalendarLinkRotated,
    PrivateLinkRotated,
    WebhookRegistered,
    WebhookRemoved,
)
from services.domain import Conflict, NotFound
from services.hook_urls import check_url
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


@dataclass(frozen=True)
class RotatePrivateLink:
    """A member's or partner's new private link, when the old one was shared or lost; the old one
    stops working at once."""

    club_id: str
    role: Literal["member", "partner"]
    subject_id: str
    by: str
    """The coordinator who asked."""


@dataclass(frozen=True)
class RegisterWebhook:
    club_id: str
    partner_id: str
    url: str


@dataclass(frozen=True)
class RemoveWebhook:
    club_id: str
    partner_id: str
    by: str | None = None
    """The coordinator who removed it (None: the partner itself)."""


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
    token = uow.access.rotate_link("calendar", cmd.club_id, cmd.member_id)
    uow.audit(cmd.club_id, cmd.member_id, "calendar.rotate", "calendar", cmd.member_id)
    uow.emit(CalendarLinkRotated(club_id=cmd.club_id, member_id=cmd.member_id))
    return token


def rotate_private_link(cmd: RotatePrivateLink, uow: UnitOfWork) -> str:
    """Somebody who has left is not let back in by a new link: they are invited again."""
    active = uow.people.member_active if cmd.role == "member" else uow.people.partner_active
    if not active(cmd.club_id, cmd.subject_id):
        raise NotFound(f"{cmd.role} {cmd.subject_id} not found")
    token = uow.access.rotate_link(cmd.role, cmd.club_id, cmd.subject_id)
    uow.audit(cmd.club_id, cmd.by, "link.rotate", cmd.role, cmd.subject_id)
    uow.emit(
        PrivateLinkRotated(club_id=cmd.club_id, role=cmd.role, subject_id=cmd.subject_id, rotated_by=cmd.by)
    )
    return token


def register_webhook(cmd: RegisterWebhook, uow: UnitOfWork) -> str:
    """The signing secret, shown once. The URL must pass ``check_url`` (raises ``BadUrl`` in words);
    whether its host may be reached is the caller's to ask first (a DNS look-up, off the
    transaction)."""
    if not uow.people.partner_active(cmd.club_id, cmd.partner_id):
        raise NotFound(f"partner {cmd.partner_id} not found")
    secret = uow.access.set_hook(cmd.partner_id, check_url(cmd.url))
    uow.audit(cmd.club_id, cmd.partner_id, "webhook.register", "partner", cmd.partner_id)
    uow.emit(WebhookRegistered(club_id=cmd.club_id, partner_id=cmd.partner_id))
    return secret


def remove_webhook(cmd: RemoveWebhook, uow: UnitOfWork) -> None:
    """Removing a webhook that is not there changes nothing and says nothing."""
    if not uow.people.partner_active(cmd.club_id, cmd.partner_id):
        raise NotFound(f"partner {cmd.partner_id} not found")
    if not uow.access.clear_hook(cmd.partner_id):
        return
    by = cmd.by or cmd.partner_id
    uow.audit(cmd.club_id, by, "webhook.remove", "partner", cmd.partner_id)
    uow.emit(WebhookRemoved(club_id=cmd.club_id, partner_id=cmd.partner_id, removed_by=by))
