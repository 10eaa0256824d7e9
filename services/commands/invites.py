"""Inviting people in: a member (their invitation by email or Signal, now or again later), a
partner, a coordinator. Each is audited and announced by id; private links and claim links are
returned once for the page to show, and never put on the stream."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from events import CoordinatorInvited, InviteSent, MemberRegistered, PartnerInvited
from services.domain import Conflict, NotFound, new_id
from services.ports import MemberContact, UnitOfWork

SendBy = Literal["email", "signal"]
CHANNELS: dict[str, tuple[str, str]] = {
    "email": ("email", "email address"),
    "signal": ("phone", "phone number for Signal"),
}
"""Channel -> the member's field it goes to, and that field in words."""
COORDINATOR_INVITE_DAYS = 7


@dataclass(frozen=True)
class Invite:
    """What happened to an invitation: ``sent`` or not, and the sentence that says so."""

    sent: bool
    text: str


@dataclass(frozen=True)
class Invited:
    member_id: str
    token: str
    invite: Invite


@dataclass(frozen=True)
class InviteMember:
    """A new member; ``send_by`` ("email", "signal") also sends the invitation, "" leaves the
    coordinator to pass the private link on themselves."""

    club_id: str
    values: Mapping[str, Any]
    by: str
    send_by: str = ""


@dataclass(frozen=True)
class SendInvite:
    """The invitation again, with a fresh sign-in link; the private link is left as it is."""

    club_id: str
    member_id: str
    by: str
    send_by: SendBy | None = None
    """None: by email when the member has an address, else by Signal."""


@dataclass(frozen=True)
class InvitePartner:
    club_id: str
    name: str
    contact_email: str | None
    by: str


@dataclass(frozen=True)
class InviteCoordinator:
    """A claim link emailed to a new coordinator of the club; ``claim_base`` is where claim links
    open (the site's public address)."""

    club_id: str
    name: str
    email: str
    by: str
    by_name: str
    club_name: str
    claim_base: str


@dataclass(frozen=True)
class CoordinatorClaim:
    url: str
    days: int


def invite_member(cmd: InviteMember, uow: UnitOfWork) -> Invited:
    member_id, token = uow.people.register_member(cmd.club_id, cmd.values)
    uow.emit(MemberRegistered(club_id=cmd.club_id, member_id=member_id))
    v = cmd.values
    contact = MemberContact(str(v["name"]), v.get("email"), v.get("phone"))
    return Invited(member_id, token, _invite(uow, cmd.club_id, cmd.by, member_id, contact, cmd.send_by))


def send_invite(cmd: SendInvite, uow: UnitOfWork) -> Invite:
    """Refused in words for a member who left or has no address for the channel."""
    found = uow.people.contact(cmd.club_id, cmd.member_id)
    if found is None:
        raise NotFound(f"member {cmd.member_id} not found")
    if not found.active:
        raise Conflict("that member is deactivated: invite them again as a new member")
    invite = _invite(uow, cmd.club_id, cmd.by, cmd.member_id, found, cmd.send_by or resend_channel(found))
    if not invite.sent:
        raise Conflict(invite.text)
    return invite


def resend_channel(member: MemberContact) -> SendBy:
    return "email" if member.email else "signal"


def _invite(
    uow: UnitOfWork, club_id: str, by: str, member_id: str, to: MemberContact, send_by: str
) -> Invite:
    """Queue the invitation on ``send_by`` and say plainly what was sent where, or why nothing was;
    an unknown or empty ``send_by`` sends nothing and says nothing."""
    if send_by not in CHANNELS:
        return Invite(False, "")
    field, words = CHANNELS[send_by]
    address = getattr(to, field) or ""
    if not address:
        return Invite(False, f"Nothing was sent: there is no {words} for {to.name}.")
    uow.people.queue_invite(club_id, member_id, send_by, address)
    uow.audit(club_id, by, f"invite.{send_by}", "member", member_id)
    uow.emit(InviteSent(club_id=club_id, member_id=member_id, channel=send_by, sent_by=by))
    where = "by email to" if send_by == "email" else "by Signal to"
    return Invite(
        True, f"Invitation sent {where} {address}, with a sign-in link that works once within 3 days."
    )


def invite_partner(cmd: InvitePartner, uow: UnitOfWork) -> tuple[str, str]:
    """The partner's id and private link."""
    partner_id, token = uow.people.add_partner(cmd.club_id, cmd.name, cmd.contact_email)
    uow.audit(cmd.club_id, cmd.by, "partner.invite", "partner", partner_id)
    uow.emit(PartnerInvited(club_id=cmd.club_id, partner_id=partner_id, invited_by=cmd.by))
    return partner_id, token


def invite_coordinator(cmd: InviteCoordinator, uow: UnitOfWork) -> CoordinatorClaim:
    """One account per email address, across clubs."""
    email = cmd.email.strip().lower()
    if uow.coordinators.email_taken(email):
        raise Conflict("A coordinator account already uses this email address.")
    coordinator_id = new_id("coord")
    expires = datetime.now(UTC) + timedelta(days=COORDINATOR_INVITE_DAYS)
    url = f"{cmd.claim_base}/c/claim/{uow.coordinators.issue_claim(cmd.club_id, coordinator_id, expires)}"
    body = (
        f"Hello {cmd.name},\n\n{cmd.by_name} invites you to coordinate {cmd.club_name} with them.\n"
        f"To set up your account, open this link within {COORDINATOR_INVITE_DAYS} days:\n\n{url}\n\n"
        "It works once. If you did not expect this message, ignore it."
    )
    subject = f"You are invited to coordinate {cmd.club_name}"
    uow.coordinators.queue_invite(cmd.club_id, coordinator_id, email, subject, body)
    uow.audit(cmd.club_id, cmd.by, "coordinator.invite", "coordinator", coordinator_id)
    uow.emit(CoordinatorInvited(club_id=cmd.club_id, coordinator_id=coordinator_id, invited_by=cmd.by))
    return CoordinatorClaim(url, COORDINATOR_INVITE_DAYS)
