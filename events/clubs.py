"""A club's own settings that consumers of the stream must follow."""

from __future__ import annotations

from typing import Literal

from events.base import Event


class RetentionChanged(Event):
    """The club now keeps personal details ``retention_days`` after an action ends, and forgets who
    went to ``high_risk_kinds`` (beyond those always forgotten): a consumer that keeps its own copy
    of anything about the club's work (topics, caches, exports) must keep it no longer."""

    type: Literal["RetentionChanged"] = "RetentionChanged"
    retention_days: int
    high_risk_kinds: list[str]


class CoordinatorDeactivated(Event):
    """A coordinator of the club can no longer sign in and their API keys stop working; a consumer
    holding their sessions or keys must drop them."""

    type: Literal["CoordinatorDeactivated"] = "CoordinatorDeactivated"
    coordinator_id: str


class SelfSignupChanged(Event):
    """Members may now sign themselves up for the ``kinds`` of work (an offer on a free place they
    can take becomes their accepted assignment at once); on other kinds an offer waits for approval."""

    type: Literal["SelfSignupChanged"] = "SelfSignupChanged"
    kinds: list[str]


class CoordinatorInvited(Event):
    """A coordinator invited someone to coordinate the club; ``coordinator_id`` is the account their
    claim link will set up."""

    type: Literal["CoordinatorInvited"] = "CoordinatorInvited"
    coordinator_id: str
    invited_by: str


class PartnerInvited(Event):
    """A coordinator added a partner to the club (its private link is shown to them once)."""

    type: Literal["PartnerInvited"] = "PartnerInvited"
    partner_id: str
    invited_by: str


class AlertChoicesChanged(Event):
    """A coordinator changed where and when their alerts go (the choices stay in the database: a
    phone number is nobody else's business)."""

    type: Literal["AlertChoicesChanged"] = "AlertChoicesChanged"
    coordinator_id: str


class ClubCreated(Event):
    """A new club (from the operator's command line or the demo); its first coordinator sets up
    their account from the claim link it was made with."""

    type: Literal["ClubCreated"] = "ClubCreated"


class CoordinatorAccountCreated(Event):
    """A coordinator account now exists and signs in with email and password (set up from a claim
    link, or by the operator's command line); the claim link stopped working."""

    type: Literal["CoordinatorAccountCreated"] = "CoordinatorAccountCreated"
    coordinator_id: str
