"""A member's invitation sent by email or Signal through the notifier: the message is recorded in
the invite's transaction and sent by the sender loop, which puts a fresh short-lived sign-in link in
it at the moment it sends; the long-lived private link itself never leaves the page."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any, Literal

from services.notify.compose import signin_letter
from services.store import audit, notices, views
from services.store.db import Connection

CHANNELS = {"email": ("email", "email address"), "signal": ("phone", "phone number for Signal")}
SendBy = Literal["email", "signal"]


@dataclass(frozen=True)
class Invite:
    """What happened to an invitation: ``sent`` or not, and the sentence that says so."""

    sent: bool
    text: str


def send_invite(
    conn: Connection, club_id: str, actor_id: str, member_id: str, fields: dict[str, Any], send_by: str
) -> Invite:
    """Queue the invitation on ``send_by`` ("email" or "signal") and say plainly what was sent where,
    or why nothing was; an empty ``send_by`` sends nothing. A sent one goes on the audit trail."""
    if send_by not in CHANNELS:
        return Invite(False, "")
    field, words = CHANNELS[send_by]
    to = fields.get(field) or ""
    if not to:
        return Invite(False, f"Nothing was sent: there is no {words} for {fields['name']}.")
    club_name = views.club_identity(conn, club_id)[1]
    body = signin_letter(
        fields["name"],
        club_name,
        member_id,
        f"{club_name} invites you to help. This link opens your page once, within 3 days:",
        "On your page, tell us when you are free and what you can do.",
    )
    subject = f"You are invited to {club_name}"
    notices.queue_email(conn, club_id, "invite", secrets.token_hex(8), to, subject, body, channel=send_by)
    audit.record(conn, club_id, actor_id, f"invite.{send_by}", "member", member_id)
    where = "by email to" if send_by == "email" else "by Signal to"
    return Invite(True, f"Invitation sent {where} {to}, with a sign-in link that works once within 3 days.")


def resend_channel(member: dict[str, Any]) -> SendBy:
    """Send the invite again by email when the member has an address, else by Signal."""
    return "email" if member.get("email") else "signal"
