"""Assignments: what approval sends to members, and their answers."""

from __future__ import annotations

from typing import Literal

from events.base import Event


class _AssignmentEvent(Event):
    assignment_id: str
    request_id: str
    member_id: str


class AssignmentIssued(_AssignmentEvent):
    type: Literal["AssignmentIssued"] = "AssignmentIssued"
    roster_id: str
    slot_index: int


class AssignmentWithdrawn(_AssignmentEvent):
    """A newer approved roster no longer holds this assignment (or its request was cancelled, or
    changed so that it needs fewer people: ``reason`` says which, as a code)."""

    type: Literal["AssignmentWithdrawn"] = "AssignmentWithdrawn"
    reason: str | None = None


class AssignmentChanged(_AssignmentEvent):
    """The request of a live assignment changed: the member is told what (``changes``), and an
    accepted assignment whose time moved waits for a fresh answer."""

    type: Literal["AssignmentChanged"] = "AssignmentChanged"
    changes: list[str]


class AssignmentAccepted(_AssignmentEvent):
    type: Literal["AssignmentAccepted"] = "AssignmentAccepted"


class AssignmentDeclined(_AssignmentEvent):
    type: Literal["AssignmentDeclined"] = "AssignmentDeclined"


class AssignmentNoShow(_AssignmentEvent):
    """A coordinator recorded, after the request ended, that the member did not turn up."""

    type: Literal["AssignmentNoShow"] = "AssignmentNoShow"
    marked_by: str


class AssignmentChased(_AssignmentEvent):
    """A coordinator asked again for an answer to an assignment nobody has answered."""

    type: Literal["AssignmentChased"] = "AssignmentChased"
    chased_by: str
