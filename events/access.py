"""Ways in changing: coordinators' API keys and members' calendar links. Ids only, never a key or a
link, so the stream carries nothing that would let anybody in."""

from __future__ import annotations

from typing import Literal

from events.base import Event


class ApiKeyCreated(Event):
    type: Literal["ApiKeyCreated"] = "ApiKeyCreated"
    coordinator_id: str
    key_id: str
    """The start of the key's hash, as the keys page shows it."""


class ApiKeyRevoked(Event):
    type: Literal["ApiKeyRevoked"] = "ApiKeyRevoked"
    coordinator_id: str
    key_id: str


class CalendarLinkRotated(Event):
    """The member's calendar link was replaced: the old one stopped working."""

    type: Literal["CalendarLinkRotated"] = "CalendarLinkRotated"
    member_id: str
