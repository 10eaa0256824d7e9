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
