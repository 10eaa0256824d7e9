"""Members joining, changing their details, leaving."""

from __future__ import annotations

from typing import Literal

from events.base import Event


class MemberRegistered(Event):
    type: Literal["MemberRegistered"] = "MemberRegistered"
    member_id: str


class MemberUpdated(Event):
    type: Literal["MemberUpdated"] = "MemberUpdated"
    member_id: str


class MemberDeactivated(Event):
    type: Literal["MemberDeactivated"] = "MemberDeactivated"
    member_id: str


class MemberErased(Event):
    """A member's personal data was deleted at their request: any consumer that keeps its own copy
    of anything about ``member_id`` (messages, caches, search indexes) must delete it too."""

    type: Literal["MemberErased"] = "MemberErased"
    member_id: str


class NoticePrefsChanged(Event):
    """How the member wants to be told changed; the choices stay in the database, where the notifier
    reads them for every message."""

    type: Literal["NoticePrefsChanged"] = "NoticePrefsChanged"
    member_id: str


class InviteSent(Event):
    """A member's invitation went out on ``channel`` (email or signal), with a sign-in link the
    sender makes; never the address or the link."""

    type: Literal["InviteSent"] = "InviteSent"
    member_id: str
    channel: str
    sent_by: str
