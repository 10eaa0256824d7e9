"""The solver's typed contract: an instance in, a roster out.

Times are whole minutes from ``Instance.horizon_start`` (they may be negative for
availability windows that begin before the horizon), so the model works in integers only.
Every product rule is off unless its data is present or its flag in ``Params`` is set,
which makes the benchmark problem (../shared/bench/SPEC.md) the engine's own model with the
extra rules switched off.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Member(_Frozen):
    id: str = Field(min_length=1)
    skills: frozenset[str] = frozenset()
    lat: float
    lon: float
    windows: tuple[tuple[int, int], ...] = ()
    """Availability windows [start, end) in minutes; one window must cover a whole request."""
    max_minutes: int = Field(ge=0)
    car_seats: int | None = Field(default=None, ge=0)
    """Passenger seats (driver excluded) a member can offer on a lift."""
    refused_kinds: frozenset[str] = frozenset()
    liked_kinds: frozenset[str] = frozenset()
    refused_partners: frozenset[str] = frozenset()
    history_minutes: int = Field(default=0, ge=0)
    """Approved load over the recent weeks before this horizon (rolling fairness)."""
    max_travel_km: int | None = Field(default=None, ge=0)


class Pickup(_Frozen):
    """Where some of a lift's passengers wait to be collected."""

    id: str = Field(min_length=1)
    lat: float
    lon: float
    people: int = Field(ge=1)
    label: str = ""
    """The place as people say it ("Grangetown"), for explanations."""


class Request(_Frozen):
    id: str = Field(min_length=1)
    partner: str = ""
    kind: str = "other"
    lat: float
    lon: float
    start: int
    end: int
    headcount: int = Field(ge=1)
    skills: frozenset[str] = frozenset()
    priority: int = Field(ge=1, le=5)
    passengers: int = Field(default=0, ge=0)
    """Lifts: people to carry; the seats of the assigned drivers must cover them."""
    lead_skills: frozenset[str] = frozenset()
    """Roles: if anyone is sent, at least one of them must hold all of these skills."""
    min_team: int = Field(default=1, ge=1)
    """Buddy rule: if anyone is sent, at least this many are sent (nobody goes alone)."""
    pickups: tuple[Pickup, ...] = ()
    """Lifts: where the passengers are; the drivers must bring them all to (lat, lon) by ``start``.
    When given, ``passengers`` is their total (filled in if left at 0)."""

    @model_validator(mode="before")
    @classmethod
    def _passengers_from_pickups(cls, data: object) -> object:
        if isinstance(data, dict) and data.get("pickups") and not data.get("passengers"):
            people = (p.people if isinstance(p, Pickup) else p["people"] for p in data["pickups"])
            return {**data, "passengers": sum(people)}
        return data

    @model_validator(mode="after")
    def _times_ordered(self) -> Request:
        if self.start >= self.end:
            raise ValueError(f"request {self.id}: start must be before end")
        if self.pickups and self.passengers != sum(p.people for p in self.pickups):
            raise ValueError(f"request {self.id}: passengers must be the pickups' total")
        return self

    @property
    def duration(self) -> int:
        return self.end - self.start


class Assignment(_Frozen):
    request_id: str
    slot_index: int = Field(ge=0)
    member_id: str


class Stop(_Frozen):
    pickup_id: str | None
    """The pickup collected here; None for the lift's destination (always the last stop)."""
    arrive: int
    """Minute (from the horizon start) the driver gets here."""
    load: int = Field(ge=0)
    """People in the car when it leaves this stop (0 after the destination)."""


class Route(_Frozen):
    """One driver's lift: leave home, collect pickups in this order, arrive at the destination."""

    request_id: str
    member_id: str
    leave: int
    """Minute the driver leaves home."""
    stops: tuple[Stop, ...]
    metres: int = Field(ge=0)
    """Driving from home to the destination along the stops."""
    detour_minutes: int = Field(ge=0)
    """Minutes more than driving straight from home to the destination."""


class Leg(_Frozen):
    """Driving between two points as a road router measured it (OSRM, Valhalla...)."""

    from_lat: float
    from_lon: float
    to_lat: float
    to_lon: float
    metres: int = Field(ge=0)
    minutes: int = Field(ge=0)


class TravelTable(_Frozen):
    """Measured legs between the points of the lifts (homes, pickups, destinations).

    A pair of points is looked up with coordinates rounded to 6 decimals (about 10 cm), in the
    direction given; a pair the table lacks falls back to the straight-line estimate of
    ``solver.geo`` (30 km/h), so a partial table is still usable."""

    legs: tuple[Leg, ...] = ()


class Waiver(StrEnum):
    """A rule a coordinator may force a pin past, for that (request, member) only.

    Only rules about whether one person suits one job can be waived: the coordinator may know what
    the data does not (Sam drives after all, Nia agreed to the extra hours). What is physically
    impossible (one person in two places, a place the job does not have) or the member's own answer
    (a decline) is never waived, and neither are the team rules (seats for every passenger, a lead,
    nobody alone), which the rest of the team must still meet."""

    SKILLS = "skills"
    AVAILABILITY = "availability"
    HOURS = "hours"
    KINDS = "kinds"
    PARTNERS = "partners"
    TRAVEL_RADIUS = "travel_radius"


class ForcedPin(_Frozen):
    """A pin the coordinator forced: the ``waived`` rules do not apply to this (request, member)."""

    request_id: str
    member_id: str
    waived: frozenset[Waiver]


class Instance(_Frozen):
    name: str = "instance"
    horizon_start: datetime
    horizon_minutes: int = Field(gt=0)
    requests: tuple[Request, ...] = ()
    members: tuple[Member, ...] = ()
    approved: tuple[Assignment, ...] = ()
    """The currently approved roster; changing it costs ``Params.change_weight`` per change."""
    hint: tuple[Assignment, ...] = ()
    """The club's latest proposal: where a re-plan starts. Changing it costs nothing (it was never
    approved), but a re-plan (``solver.replan``) looks only near what differs from it."""
    pinned: tuple[Assignment, ...] = ()
    """Assignments that must appear in the result exactly as given."""
    forbidden: tuple[Assignment, ...] = ()
    """(request, member) pairs that must not appear; slot_index is ignored."""
    forced: tuple[ForcedPin, ...] = ()
    """Pins (also in ``pinned``) the coordinator forced past some rules: the roster carries them as
    explained exceptions, and every other rule still holds for them."""
    approved_routes: tuple[Route, ...] = ()
    """The routes of the approved roster's lifts: re-planning keeps who collects whom where possible."""
    travel: TravelTable | None = None
    """Road distances and times for the lifts' points; without it, straight lines at 30 km/h."""


class Params(_Frozen):
    time_limit_s: float = Field(default=10.0, gt=0)
    workers: int = Field(default=2, ge=1)
    seed: int = 0
    priority_weight: int = 1000
    """Objective gain per filled slot and priority point (SPEC: 1000)."""
    travel_weight: int = 1
    """Objective cost per km of home-to-request distance (SPEC: 1)."""
    fairness_weight: int = 10
    """Objective cost per minute of spread between the most and least loaded member (SPEC: 10)."""
    change_weight: int = 0
    """Stability: cost per assignment of ``Instance.approved`` that is dropped or moved."""
    preference_weight: int = 0
    """Bonus per assignment to a kind of work the member likes."""
    product_rules: bool = False
    """Lifts, roles, buddy rule, preferences, partner refusals, travel radius, history fairness.

    Each of these rules also switches itself on when the instance carries its data (a lift with
    passengers, a member with refusals...), so the flag matters for inert data and for ``check``."""
    max_detour_minutes: int = Field(default=30, ge=0)
    """Lifts: the most a driver's route may take beyond driving straight from home to the action."""
    route_time_limit_s: float = Field(default=1.0, gt=0)
    """Lifts with pickups: seconds of routing search per lift (guided local search stops there; a
    lift whose groups fit the seats only when split is searched twice). ``solve`` keeps this time,
    at most 30% of ``time_limit_s`` in all, for routing."""
    max_rounds: int | None = Field(default=None, ge=0)
    """Stop the neighbourhood search after this many neighbourhoods: with one worker, for runs that
    must be bit-identical whatever the machine's speed (large instances only; small ones are solved
    in one model)."""


class SolveStatus(StrEnum):
    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    NO_SOLUTION = "no_solution"
    INVALID = "invalid"


class SolveKind(StrEnum):
    """Which kind of solve produced a roster."""

    FULL = "full"
    """The whole roster, from the warm start to the time limit."""
    INCREMENTAL = "incremental"
    """The previous roster repaired around what changed (``solver.incremental``)."""
    IMPROVED = "improved"
    """A repaired roster solved whole again in the background, with a longer limit, and found better."""


class ReasonCode(StrEnum):
    NO_SKILL = "no_skill"
    UNAVAILABLE = "unavailable"
    AT_HOUR_LIMIT = "at_hour_limit"
    BUSY_ELSEWHERE = "busy_elsewhere"
    EXCLUDED = "excluded"
    NOT_WORTH_IT = "not_worth_it"


class ReleasedPin(_Frozen):
    """A coordinator's pin that the roster could not keep, and the rule it breaks."""

    request_id: str
    member_id: str
    code: ReasonCode
    text: str
    """Completes a sentence about the member, e.g. "is not available then"."""
    waiver: Waiver | None = None
    """The rule a coordinator could force the pin past; None when no force can keep it."""


class Explanation(_Frozen):
    request_id: str
    slot_index: int
    code: ReasonCode
    text: str
    """A sentence a coordinator can read, e.g. 'no member with court_support_trained is
    available on Tue 09:00-12:00'."""


class LiftNote(_Frozen):
    """Why some of a lift's people are not carried, in the lift's own terms."""

    request_id: str
    pickup_id: str | None = None
    """The pickup left behind, or None when the note is about the whole lift."""
    text: str
    """E.g. "7 people at 2 pickups need 7 seats; the 2 free drivers have 5"."""


class Roster(_Frozen):
    status: SolveStatus
    assignments: tuple[Assignment, ...] = ()
    objective: int = 0
    bound: int | None = None
    unfilled: tuple[Explanation, ...] = ()
    wall_s: float = 0.0
    first_feasible_s: float | None = None
    """Seconds until the first complete roster (the warm start) existed."""
    filled_slots: int = 0
    total_slots: int = 0
    released: tuple[ReleasedPin, ...] = ()
    """Pins of ``Instance.pinned`` left out, each with its reason; every other pin is kept."""
    routes: tuple[Route, ...] = ()
    """Lifts with pickups: each assigned driver's route."""
    lift_notes: tuple[LiftNote, ...] = ()
    kind: SolveKind = SolveKind.FULL

    @property
    def gap(self) -> float | None:
        if self.bound is None or self.bound == 0:
            return None
        return abs(self.bound - self.objective) / abs(self.bound)
