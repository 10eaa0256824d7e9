"""Rosters: proposed by the scheduler, approved by a coordinator."""

from __future__ import annotations

from typing import Literal

from events.base import Event


class RosterProposed(Event):
    type: Literal["RosterProposed"] = "RosterProposed"
    roster_id: str
    filled_slots: int
    total_slots: int
    objective: int


class RosterApproved(Event):
    type: Literal["RosterApproved"] = "RosterApproved"
    roster_id: str
    approved_by: str


class MemberPinned(Event):
    """A coordinator fixed a member on a request's slot (by placing, swapping or ticking pin); every
    later proposal keeps it until it is unpinned or becomes impossible (``PinReleased``)."""

    type: Literal["MemberPinned"] = "MemberPinned"
    request_id: str
    slot_index: int
    member_id: str
    pinned_by: str
    waived: list[str] = []
    """Forced past these rules (``solver.Waiver`` codes: skills, availability, hours...); empty for an
    ordinary pin."""


class HelpOffered(Event):
    """A member offered to take an open place; it is pinned like a coordinator's placement, so the
    next proposal shows them there and a coordinator approves it as usual."""

    type: Literal["HelpOffered"] = "HelpOffered"
    request_id: str
    slot_index: int
    member_id: str


class MemberUnpinned(Event):
    type: Literal["MemberUnpinned"] = "MemberUnpinned"
    request_id: str
    member_id: str
    unpinned_by: str


class PinReleased(Event):
    """The solver let a pin go because it broke a rule (``reason`` is the solver's reason code)."""

    type: Literal["PinReleased"] = "PinReleased"
    roster_id: str
    request_id: str
    member_id: str
    reason: str


class PinWaiverLapsed(Event):
    """A forced pin no longer waives ``waiver`` (a ``solver.Waiver`` code): the member told us
    something new since it was forced (a day off on that date), which the coordinator could not
    have known; the next proposal keeps the pin only if it can stand without the waiver, or
    releases it with the rule it breaks (``PinReleased``)."""

    type: Literal["PinWaiverLapsed"] = "PinWaiverLapsed"
    request_id: str
    member_id: str
    waiver: str


class ReplanAsked(Event):
    """A coordinator asked for a new proposal now ("Re-solve now"), without changing anything."""

    type: Literal["ReplanAsked"] = "ReplanAsked"
    asked_by: str


class MemberRemoved(Event):
    """A coordinator removed a member from a request: no proposal sends them there again until undone."""

    type: Literal["MemberRemoved"] = "MemberRemoved"
    request_id: str
    member_id: str
    removed_by: str


class RemovalUndone(Event):
    type: Literal["RemovalUndone"] = "RemovalUndone"
    request_id: str
    member_id: str
    undone_by: str
