"""Ways in and out changing: coordinators' API keys, members' and partners' private links, members'
calendar links, partners' webhooks. Ids only, never a key, a link, a secret or a URL, so the stream
carries nothing that would let anybody in."""

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


class PrivateLinkRotated(Event):
    """A member's or partner's private link was replaced (``role``: member or partner); the old one
    stopped working."""

    type: Literal["PrivateLinkRotated"] = "PrivateLinkRotated"
    role: str
    subject_id: str
    rotated_by: str


class WebhookRegistered(Event):
    """The partner registered (or replaced) its webhook; status calls go there from now on."""

    type: Literal["WebhookRegistered"] = "WebhookRegistered"
    partner_id: str


class WebhookRemoved(Event):
    """The partner's webhook was removed, by the partner or (``removed_by``) a coordinator."""

    type: Literal["WebhookRemoved"] = "WebhookRemoved"
    partner_id: str
    removed_by: str
