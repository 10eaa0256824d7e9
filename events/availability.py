"""Members' declared availability: weekly pattern, one-off windows, blackout dates."""

from __future__ import annotations

from typing import Literal

from events.base import Event


class AvailabilityDeclared(Event):
    """The member replaced their availability; the details live in the database."""

    type: Literal["AvailabilityDeclared"] = "AvailabilityDeclared"
    member_id: str
