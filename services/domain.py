"""The words of the domain shared by commands, handlers, the store and the pages: statuses as
enums, how ids are made, and the two ways a command can refuse."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum


def new_id(prefix: str) -> str:
    """The one way ids are minted: a prefix saying what it names ("m" member, "p" partner, "r"
    request, "a" assignment, "ro" roster, "club", "coord"), then 48 random bits."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


class RosterStatus(StrEnum):
    PROPOSED = "proposed"
    APPROVED = "approved"
    SUPERSEDED = "superseded"


class NotFound(LookupError):
    """No such thing, or not visible to the caller (the two are not told apart, on purpose)."""


class Conflict(RuntimeError):
    """The command no longer applies to the current state, or breaks a rule; the message says
    which, in words a coordinator, member or partner can act on."""


class Invalid(Conflict):
    """A command's input breaks its rules field by field: ``fields`` maps each field to what is
    wrong with it, in words, for a form to show beside it."""

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__(" ".join(fields.values()))
        self.fields = fields


class RequestStatus(StrEnum):
    OPEN = "open"
    CANCELLED = "cancelled"


class AssignmentStatus(StrEnum):
    ISSUED = "issued"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    NO_SHOW = "no_show"


SENT = (AssignmentStatus.ISSUED, AssignmentStatus.ACCEPTED)
"""Assignments of people sent and not withdrawn: the ones a no-show can be recorded for."""


class SeriesScope(StrEnum):
    """Which dates of a weekly series an edit or a cancellation covers."""

    THIS = "this"
    FOLLOWING = "following"
    """This date and the later ones."""
    ALL = "all"
    """Every date of the series that has not begun."""


class RequestChange(StrEnum):
    """What an edit changed, as the people on the request are told it."""

    TIME = "time"
    PLACE = "place"
    HEADCOUNT = "headcount"
    SKILLS = "skills"
    PICKUPS = "pickups"
    DETAILS = "details"
    """Title, kind, priority or notes."""


class WithdrawReason(StrEnum):
    FEWER_NEEDED = "fewer_needed"
    """The request now needs fewer people than the places held."""


class AttentionKind(StrEnum):
    """What a coordinator should look at, most pressing kinds first."""

    PLANNING_FAILED = "planning_failed"
    UNFILLED_SOON = "unfilled_soon"
    DECLINED = "declined"
    UNANSWERED = "unanswered"
    NOBODY_CAN = "nobody_can"


@dataclass(frozen=True)
class PartnerQuota:
    """How much one partner may ask for: a leaked or misused partner link must not flood the club's
    planning (and its members' phones) with requests."""

    open_requests: int = 300
    per_day: int = 100


ALWAYS_HIGH_RISK = frozenset({"court_support", "lookout"})
"""Kinds where who went is never kept past retention, whatever the club marks."""
MAX_RETENTION_DAYS = 365
