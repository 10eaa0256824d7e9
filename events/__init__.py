"""Mechanic's event schemas: pydantic v2, versioned, JSON on the wire. Depends on nothing else here."""

from events.access import (
    ApiKeyCreated,
    ApiKeyRevoked,
    CalendarLinkRotated,
    PrivateLinkRotated,
    WebhookRegistered,
    WebhookRemoved,
)
from events.assignments import (
    AssignmentAccepted,
    AssignmentChanged,
    AssignmentChased,
    AssignmentDeclined,
    AssignmentIssued,
    AssignmentNoShow,
    AssignmentWithdrawn,
)
from events.availability import AvailabilityDeclared
from events.base import SCHEMA_VERSION, Event
from events.clubs import (
    CoordinatorDeactivated,
    CoordinatorInvited,
    PartnerInvited,
    RetentionChanged,
    SelfSignupChanged,
)
from events.members import (
    InviteSent,
    MemberDeactivated,
    MemberErased,
    MemberRegistered,
    MemberUpdated,
    NoticePrefsChanged,
)
from events.registry import EVENT_TYPES, AnyEvent, decode, decode_obj, encode, json_schema
from events.requests import LiftAsked, RequestCancelled, RequestChanged, RequestSubmitted
from events.rosters import (
    HelpOffered,
    MemberPinned,
    MemberRemoved,
    MemberUnpinned,
    PinReleased,
    PinWaiverLapsed,
    RemovalUndone,
    ReplanAsked,
    RosterApproved,
    RosterProposed,
)
from events.topics import ALL_TOPICS, topic_for

__all__ = [
    "ALL_TOPICS",
    "EVENT_TYPES",
    "SCHEMA_VERSION",
    "AnyEvent",
    "ApiKeyCreated",
    "ApiKeyRevoked",
    "AssignmentAccepted",
    "AssignmentChanged",
    "AssignmentChased",
    "AssignmentDeclined",
    "AssignmentIssued",
    "AssignmentNoShow",
    "AssignmentWithdrawn",
    "AvailabilityDeclared",
    "CalendarLinkRotated",
    "CoordinatorDeactivated",
    "CoordinatorInvited",
    "Event",
    "HelpOffered",
    "InviteSent",
    "LiftAsked",
    "MemberDeactivated",
    "MemberErased",
    "MemberPinned",
    "MemberRegistered",
    "MemberRemoved",
    "MemberUnpinned",
    "MemberUpdated",
    "NoticePrefsChanged",
    "PartnerInvited",
    "PinReleased",
    "PinWaiverLapsed",
    "PrivateLinkRotated",
    "RemovalUndone",
    "ReplanAsked",
    "RequestCancelled",
    "RequestChanged",
    "RequestSubmitted",
    "RetentionChanged",
    "RosterApproved",
    "RosterProposed",
    "SelfSignupChanged",
    "WebhookRegistered",
    "WebhookRemoved",
    "decode",
    "decode_obj",
    "encode",
    "json_schema",
    "topic_for",
]
