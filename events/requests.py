"""Help requests submitted by partner organisations."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, Field

from events.base import Event


class RequestSubmitted(Event):
    type: Literal["RequestSubmitted"] = "RequestSubmitted"
    request_id: str
    partner_id: str
    kind: str
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    headcount: int = Field(ge=1)
    priority: int = Field(ge=1, le=5)


class RequestCancelled(Event):
    type: Literal["RequestCancelled"] = "RequestCancelled"
    request_id: str
    partner_id: str


class RequestChanged(Event):
    """The partner (or a coordinator for them) changed an open request; ``changes`` names what
    changed (time, place, headcount, skills, notes, pickups), never the new values."""

    type: Literal["RequestChanged"] = "RequestChanged"
    request_id: str
    partner_id: str
    changes: list[str]


class LiftAsked(Event):
    """A member sent to ``for_request_id`` asked to be collected from home: they are now a pickup
    on the lift ``request_id`` (made by their ask if it is the first)."""

    type: Literal["LiftAsked"] = "LiftAsked"
    request_id: str
    for_request_id: str
    member_id: str
