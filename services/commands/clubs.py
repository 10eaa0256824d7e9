"""A club and its own settings: made by the operator (or the demo) with its first coordinator's
claim link, then changed by its coordinators: how long personal details are kept, and which kinds
of work members may sign themselves up for. Consumers of the stream follow the events."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from events import ClubCreated, RetentionChanged, SelfSignupChanged
from services.domain import ALWAYS_HIGH_RISK, MAX_RETENTION_DAYS, Conflict, new_id
from services.ports import UnitOfWork


@dataclass(frozen=True)
class CreateClub:
    """A club, made by the operator's command line or the demo (there is no page for it)."""

    name: str
    timezone: str = "Europe/London"
    """An IANA zone: the club's days, quiet hours and digests are counted in it."""


@dataclass(frozen=True)
class NewClub:
    club_id: str
    coordinator_id: str
    """The first coordinator's, whose account the claim link sets up."""
    claim_token: str
    """The first coordinator's link: it sets up their account once (it does not expire, as the
    operator hands it over by hand)."""


@dataclass(frozen=True)
class SetRetention:
    """Keep details ``days`` after an action ends, and forget who went to ``high_risk_kinds`` too."""

    club_id: str
    days: int
    high_risk_kinds: frozenset[str]
    fewest_days: int
    """The least the operator allows: never shorter than the event stream keeps its events, so the
    topics never remember who went where after the database forgot it."""
    by: str


@dataclass(frozen=True)
class SetSelfSignup:
    club_id: str
    kinds: frozenset[str]
    """Known kinds of work only (the caller keeps them to those)."""
    by: str


def create_club(cmd: CreateClub, uow: UnitOfWork) -> NewClub:
    name = cmd.name.strip()
    if not name:
        raise Conflict("Give the club a name.")
    try:
        ZoneInfo(cmd.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise Conflict(f"{cmd.timezone!r} is not a time zone: use one like Europe/London.") from None
    club_id = new_id("club")
    uow.clubs.create(club_id, name, cmd.timezone)
    coordinator_id = new_id("coord")
    token = uow.coordinators.issue_claim(club_id, coordinator_id, None)
    uow.emit(ClubCreated(club_id=club_id))
    return NewClub(club_id, coordinator_id, token)


def set_retention(cmd: SetRetention, uow: UnitOfWork) -> None:
    if not cmd.fewest_days <= cmd.days <= MAX_RETENTION_DAYS:
        raise Conflict(f"Enter a number of days from {cmd.fewest_days} to {MAX_RETENTION_DAYS}.")
    kinds = sorted(cmd.high_risk_kinds - ALWAYS_HIGH_RISK)
    uow.clubs.set_retention(cmd.club_id, cmd.days, kinds)
    uow.emit(RetentionChanged(club_id=cmd.club_id, retention_days=cmd.days, high_risk_kinds=kinds))
    uow.audit(cmd.club_id, cmd.by, "retention.change", "club", cmd.club_id)


def set_self_signup(cmd: SetSelfSignup, uow: UnitOfWork) -> None:
    kinds = sorted(cmd.kinds)
    uow.clubs.set_self_signup(cmd.club_id, kinds)
    uow.emit(SelfSignupChanged(club_id=cmd.club_id, kinds=kinds))
    uow.audit(cmd.club_id, cmd.by, "self_signup.change", "club", cmd.club_id)
