"""The envelope every event carries, whatever its type.

Events are facts in the past tense. They carry ids and scheduling facts, never personal data:
names, phone numbers and home addresses stay in the database, where reads are authorised.
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1
"""The newest version of the event schemas this code reads and writes; an event that claims a newer
one comes from a newer release and is parked until a worker of that release takes it."""


def _now() -> datetime:
    return datetime.now(UTC)


class Event(BaseModel):
    """Base of all events: subclasses add a ``type`` Literal (the discriminator) and their fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: UUID = Field(default_factory=uuid4)
    schema_version: int = SCHEMA_VERSION
    occurred_at: AwareDatetime = Field(default_factory=_now)
    club_id: str = Field(min_length=1)
    correlation_id: UUID | None = None
    """The id of the event or command that caused this one, to follow a chain end to end."""
