"""Decode any event from JSON: one discriminated union, one TypeAdapter, built once."""

from __future__ import annotations

from typing import Annotated, Any, get_args

from pydantic import Field, TypeAdapter

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
from events.clubs import (
    AlertChoicesChanged,
    ClubCreated,
    CoordinatorAccountCreated,
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

AnyEvent = Annotated[
    RequestSubmitted
    | RequestCancelled
    | RequestChanged
    | LiftAsked
    | MemberRegistered
    | MemberUpdated
    | MemberDeactivated
    | MemberErased
    | NoticePrefsChanged
    | ApiKeyCreated
    | ApiKeyRevoked
    | CalendarLinkRotated
    | PrivateLinkRotated
    | WebhookRegistered
    | WebhookRemoved
    | RetentionChanged
    | CoordinatorDeactivated
    | CoordinatorInvited
    | AlertChoicesChanged
    | ClubCreated
    | CoordinatorAccountCreated
    | PartnerInvited
    | InviteSent
    | SelfSignupChanged
    | AvailabilityDeclared
    | RosterProposed
    | RosterApproved
    | MemberPinned
    | HelpOffered
    | MemberUnpinned
    | PinReleased
    | PinWaiverLapsed
    | ReplanAsked
    | MemberRemoved
    | RemovalUndone
    | AssignmentIssued
    | AssignmentWithdrawn
    | AssignmentAccepted
    | AssignmentDeclined
    | AssignmentNoShow
    | AssignmentChased
    | AssignmentChanged,
    Field(discriminator="type"),
]

EVENT_ADAPTER: TypeAdapter[AnyEvent] = TypeAdapter(AnyEvent)
EVENT_TYPES: tuple[str, ...] = tuple(
    cls.model_fields["type"].default for cls in get_args(get_args(AnyEvent)[0])
)


def decode(data: bytes | str) -> AnyEvent:
    """Parse one event from its JSON form; raises pydantic.ValidationError on anything else."""
    return EVENT_ADAPTER.validate_json(data)


def decode_obj(data: Any) -> AnyEvent:
    return EVENT_ADAPTER.validate_python(data)


def encode(event: AnyEvent) -> bytes:
    return event.model_dump_json().encode()


def json_schema() -> dict[str, Any]:
    """The wire contract, snapshotted by a test so that a change to it is deliberate."""
    return EVENT_ADAPTER.json_schema()
