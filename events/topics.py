"""Topic names and which topic each event type goes to. Strings only.

Every message is keyed by club_id, so one club's events stay in order on one partition
while clubs spread over partitions.
"""

from __future__ import annotations

REQUESTS = "mechanic.requests.v1"
MEMBERS = "mechanic.members.v1"
ROSTERS = "mechanic.rosters.v1"
ASSIGNMENTS = "mechanic.assignments.v1"

ALL_TOPICS: tuple[str, ...] = (REQUESTS, MEMBERS, ROSTERS, ASSIGNMENTS)
"""The event topics, the ones consumers read."""

RELAY_POSITIONS = "mechanic.relay-positions.v1"
"""The relay's own record of which outbox rows are on the event topics, written in the same Kafka
transaction as those rows; no consumer reads it but the relay."""

TOPIC_OF: dict[str, str] = {
    "RequestSubmitted": REQUESTS,
    "RequestCancelled": REQUESTS,
    "RequestChanged": REQUESTS,
    "LiftAsked": REQUESTS,
    "MemberRegistered": MEMBERS,
    "MemberUpdated": MEMBERS,
    "MemberDeactivated": MEMBERS,
    "MemberErased": MEMBERS,
    "NoticePrefsChanged": MEMBERS,
    "ApiKeyCreated": MEMBERS,
    "ApiKeyRevoked": MEMBERS,
    "CalendarLinkRotated": MEMBERS,
    "PrivateLinkRotated": MEMBERS,
    "WebhookRegistered": MEMBERS,
    "WebhookRemoved": MEMBERS,
    "RetentionChanged": MEMBERS,
    "CoordinatorDeactivated": MEMBERS,
    "CoordinatorInvited": MEMBERS,
    "AlertChoicesChanged": MEMBERS,
    "ClubCreated": MEMBERS,
    "CoordinatorAccountCreated": MEMBERS,
    "PartnerInvited": MEMBERS,
    "InviteSent": MEMBERS,
    "SelfSignupChanged": MEMBERS,
    "AvailabilityDeclared": MEMBERS,
    "RosterProposed": ROSTERS,
    "RosterApproved": ROSTERS,
    "MemberPinned": ROSTERS,
    "HelpOffered": ROSTERS,
    "MemberUnpinned": ROSTERS,
    "PinReleased": ROSTERS,
    "PinWaiverLapsed": ROSTERS,
    "ReplanAsked": ROSTERS,
    "MemberRemoved": ROSTERS,
    "RemovalUndone": ROSTERS,
    "AssignmentIssued": ASSIGNMENTS,
    "AssignmentWithdrawn": ASSIGNMENTS,
    "AssignmentAccepted": ASSIGNMENTS,
    "AssignmentDeclined": ASSIGNMENTS,
    "AssignmentNoShow": ASSIGNMENTS,
    "AssignmentChased": ASSIGNMENTS,
    "AssignmentChanged": ASSIGNMENTS,
}


def topic_for(event_type: str) -> str:
    return TOPIC_OF[event_type]
