"""HTTP schemas: ``XCreate`` in, ``XPublic`` out. Validation here gives clear 422 messages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from services.text import multi_line, one_line


def _text(check: Callable[[str], str]) -> BeforeValidator:
    """Run ``check`` on a string before the length and pattern constraints see it."""
    return BeforeValidator(lambda v: check(v) if isinstance(v, str) else v)


# Every free-text field is one of these; the constraints come before the check so that their
# messages stay those of a string ("at most 200 characters"). See services/text.py for the rule.
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), _text(one_line)]
Place = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), _text(one_line)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, max_length=64), _text(one_line)]
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$"),
    _text(one_line),
]
Label = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), _text(one_line)
]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000), _text(one_line)]
Notes = Annotated[str, StringConstraints(max_length=4000), _text(multi_line)]
Skill = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,47}$")]

EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)
"""Dates outside these are typing mistakes, and at the ends of Python's range (years 1 and 9999)
a time-zone conversion or a day's arithmetic overflows."""
DateT = TypeVar("DateT", bound=date)


def in_range(value: DateT) -> DateT:
    if not EARLIEST <= (value.date() if isinstance(value, datetime) else value) <= LATEST:
        raise ValueError(f"give a date between {EARLIEST} and {LATEST}")
    return value


Instant = Annotated[AwareDatetime, AfterValidator(in_range)]
Day = Annotated[date, AfterValidator(in_range)]
MAX_REQUEST_HOURS = 24
BUDDY_KINDS = frozenset({"court_support", "lookout"})


class Kind(StrEnum):
    LIFT = "lift"
    COOKING = "cooking"
    COURT_SUPPORT = "court_support"
    BANNER_PAINTING = "banner_painting"
    WATER_DISTRIBUTION = "water_distribution"
    REPAIR = "repair"
    LOOKOUT = "lookout"
    LEAFLETING = "leafleting"
    TRANSLATION = "translation"
    CHILDCARE = "childcare"
    OTHER = "other"


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


MAX_PICKUPS = 20
FirstName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100), _text(one_line)]


class PickupIn(_In):
    """Where some of a lift's passengers wait. The contact is for their driver only."""

    place_name: Name
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    people: int = Field(ge=1, le=50)
    contact_name: FirstName | None = None
    contact_phone: Phone | None = None


class PickupPublic(BaseModel):
    place_name: str
    lat: float
    lon: float
    people: int
    contact_name: str | None
    contact_phone: str | None


class RequestCreate(_In):
    kind: Kind
    title: Name
    notes: Notes = ""
    place_name: Name
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    starts_at: Instant
    ends_at: Instant
    headcount: int = Field(ge=1, le=50)
    skills: list[Skill] = Field(default_factory=list, max_length=10)
    lead_skills: list[Skill] = Field(
        default_factory=list,
        max_length=10,
        description="At least one of the people sent must hold these (e.g. court_support_trained).",
    )
    passengers: int = Field(default=0, ge=0, le=50, description="Lifts only: people to carry.")
    pickups: list[PickupIn] = Field(
        default_factory=list,
        max_length=MAX_PICKUPS,
        description="Lifts only: where the people are. Given pickups, passengers is their total and the "
        "drivers must have them at place_name by starts_at.",
    )
    priority: int = Field(ge=1, le=5)

    # Field validators rather than one model validator: each check runs even when another field is
    # wrong, so a form shows every error at once; a check needing an earlier field that failed waits.
    @field_validator("starts_at")
    @classmethod
    def _not_past(cls, starts_at: datetime) -> datetime:
        if starts_at < datetime.now(UTC):
            raise PydanticCustomError("starts_in_past", "starts_at is in the past: nobody can be sent")
        return starts_at

    @field_validator("ends_at")
    @classmethod
    def _after_start(cls, ends_at: datetime, info: ValidationInfo) -> datetime:
        starts_at = info.data.get("starts_at")
        if starts_at is None:
            return ends_at
        if ends_at <= starts_at:
            raise PydanticCustomError("ends_before_start", "ends_at must be after starts_at")
        if ends_at - starts_at > timedelta(hours=MAX_REQUEST_HOURS):
            raise ValueError(f"a request may last at most {MAX_REQUEST_HOURS} hours; split longer ones")
        return ends_at

    @field_validator("headcount")
    @classmethod
    def _buddies(cls, headcount: int, info: ValidationInfo) -> int:
        kind = info.data.get("kind")
        if kind is not None and kind.value in BUDDY_KINDS and headcount < 2:
            raise ValueError(f"{kind.value} needs a headcount of at least 2: nobody is sent alone")
        return headcount

    @field_validator("passengers")
    @classmethod
    def _lifts_only(cls, passengers: int, info: ValidationInfo) -> int:
        if passengers and info.data.get("kind", Kind.LIFT) is not Kind.LIFT:
            raise ValueError("passengers is only for lift requests")
        return passengers

    def stored(self) -> dict[str, Any]:
        """The values as the store keeps them: the kind's name, skills as a sorted set."""
        return self.model_dump() | {
            "kind": self.kind.value,
            "skills": sorted(set(self.skills)),
            "lead_skills": sorted(set(self.lead_skills)),
        }

    @field_validator("pickups")
    @classmethod
    def _pickups_for_lifts(cls, pickups: list[PickupIn], info: ValidationInfo) -> list[PickupIn]:
        if pickups and info.data.get("kind", Kind.LIFT) is not Kind.LIFT:
            raise ValueError("pickups are only for lift requests")
        given = info.data.get("passengers")
        people = sum(p.people for p in pickups)
        if pickups and given and given != people:
            raise ValueError(f"passengers ({given}) must be the pickups' total ({people}), or left out")
        if people > 50:
            raise ValueError(f"a lift may carry at most 50 people; these pickups have {people}")
        return pickups


class RequestPatch(_In):
    """A partial edit: only the fields sent change; the request is then checked as a whole, as if
    it were sent new (so a lift's ``pickups`` replace the old ones and set its headcount)."""

    kind: Kind | None = None
    title: Name | None = None
    notes: Notes | None = None
    place_name: Name | None = None
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    starts_at: Instant | None = None
    ends_at: Instant | None = None
    headcount: int | None = Field(default=None, ge=1, le=50)
    skills: list[Skill] | None = Field(default=None, max_length=10)
    lead_skills: list[Skill] | None = Field(default=None, max_length=10)
    pickups: list[PickupIn] | None = Field(default=None, max_length=MAX_PICKUPS)
    priority: int | None = Field(default=None, ge=1, le=5)


class RequestPublic(BaseModel):
    id: str
    kind: str
    title: str
    notes: str
    place_name: str
    lat: float
    lon: float
    starts_at: datetime
    ends_at: datetime
    headcount: int
    skills: list[str]
    lead_skills: list[str]
    passengers: int
    pickups: list[PickupPublic] = Field(default_factory=list)
    seats_found: int = Field(
        default=0, description="Lifts: car seats of the drivers sent (never who they are)."
    )
    priority: int
    status: str
    fill_state: str
    assigned: int = 0
    confirmed: int = 0
    volunteers: list[str] = Field(default_factory=list, description="First names members chose to share.")


class RequestEdited(BaseModel):
    request: RequestPublic
    changed: list[str] = Field(
        description="Ids of the requests the edit changed: this one, or with a series scope the other "
        "dates too; empty when nothing differed. Members on a changed request are told what changed."
    )


class MemberFields(_In):
    name: Name
    share_first_name: bool = False
    email: Email | None = None
    phone: Phone | None = None
    skills: list[Skill] = Field(default_factory=list, max_length=30)
    home_place: Place | None = None
    home_lat: float = Field(ge=-90, le=90)
    home_lon: float = Field(ge=-180, le=180)
    exact_home: bool = Field(
        default=False,
        description="Keep the home exactly, for pickup planning (drivers; members who ask for lifts); "
        "otherwise it is stored to about 500 m.",
    )
    max_hours_week: int = Field(ge=0, le=80)
    car_seats: int | None = Field(default=None, ge=0, le=8)
    max_travel_km: int | None = Field(default=None, ge=0, le=500)
    liked_kinds: list[Kind] = Field(default_factory=list)
    refused_kinds: list[Kind] = Field(default_factory=list)
    refused_partners: list[str] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _coherent(self) -> MemberFields:
        both = set(self.liked_kinds) & set(self.refused_kinds)
        if both:
            raise ValueError(f"a kind cannot be both liked and refused: {sorted(k.value for k in both)}")
        return self


class MemberPublic(MemberFields):
    model_config = ConfigDict(extra="ignore")
    # what was stored is shown as it is: a row from before the text rule must not make a 500
    name: str
    email: str | None = None
    phone: str | None = None
    home_place: str | None = None
    id: str
    active: bool


def hhmm(minutes: int) -> str:
    """Minutes since midnight as a clock time; 1440 is "24:00", the end of the day."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


class WeeklyWindow(_In):
    """``start``/``end`` as HH:MM, as ``GET /api/member/availability`` returns them; the
    ``start_minute``/``end_minute`` that GET returned before are still taken, for older clients."""

    weekday: int = Field(ge=0, le=6, description="0 = Monday, in the club's time zone")
    start: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", examples=["18:00"])
    end: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$", examples=["21:30"])

    def minutes(self) -> tuple[int, int, int]:
        def to_min(hhmm: str) -> int:
            h, m = hhmm.split(":")
            return int(h) * 60 + int(m)

        return self.weekday, to_min(self.start), to_min(self.end)

    @classmethod
    def stored(cls, weekday: int, start_minute: int, end_minute: int) -> WeeklyWindow:
        return cls(weekday=weekday, start=hhmm(start_minute), end=hhmm(end_minute))

    @model_validator(mode="before")
    @classmethod
    def _from_minutes(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = dict(data)
            for key in ("start", "end"):
                minute = data.pop(f"{key}_minute", None)
                if isinstance(minute, int) and key not in data:
                    data[key] = hhmm(minute)
        return data

    @model_validator(mode="after")
    def _ordered(self) -> WeeklyWindow:
        _, s, e = self.minutes()
        if e <= s:
            raise ValueError(f"weekly window {self.start}-{self.end}: end must be after start")
        return self


class OneOffWindow(_In):
    starts_at: Instant
    ends_at: Instant

    @model_validator(mode="after")
    def _ordered(self) -> OneOffWindow:
        if self.ends_at <= self.starts_at:
            raise ValueError("window ends_at must be after starts_at")
        return self


class AvailabilityIn(_In):
    weekly: list[WeeklyWindow] = Field(default_factory=list, max_length=100)
    windows: list[OneOffWindow] = Field(default_factory=list, max_length=200)
    blackouts: list[Day] = Field(default_factory=list, max_length=400)


class PartnerCreate(_In):
    name: Name
    contact_email: Email | None = None


class Created(BaseModel):
    id: str
    token: str = Field(description="Shown once: the private link's secret. Only its hash is stored.")


class MemberCreated(Created):
    invite: str | None = Field(
        default=None,
        description="With ?send_invite=email|signal: what was sent where (a single-use sign-in link, "
        "never the private link), or why nothing could be sent.",
    )


class InviteSent(BaseModel):
    sent: str = Field(description="What was sent where, in words.")


class SlotRef(_In):
    request_id: str
    slot_index: int = Field(ge=0)


class ApproveIn(_In):
    remove: list[SlotRef] = Field(default_factory=list)
    pin: list[SlotRef] = Field(default_factory=list)
    replan: bool = Field(
        default=False, description="Work out a new proposal around the pins and removals at once."
    )


class SwapIn(_In):
    first: SlotRef
    second: SlotRef
    force: bool = False
    """Keep it past the rules a coordinator may waive, as an exception the roster shows."""


class PlaceIn(SlotRef):
    member_id: str = Field(min_length=1, max_length=64)
    force: bool = False
    """Place them past the rules a coordinator may waive, as an exception the roster shows."""


class DeclineIn(_In):
    reason: Reason | None = None
