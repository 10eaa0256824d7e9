"""The rules of a club's own settings, against fakes of the unit of work (tests/pages runs the
members page that changes them)."""

from __future__ import annotations

import pytest

from services.commands import CreateClub, SetRetention, SetSelfSignup, execute
from services.domain import MAX_RETENTION_DAYS, Conflict
from tests.unit.fakes import FakeUnitOfWork


def test_retention_keeps_only_the_kinds_not_always_forgotten_and_is_announced_and_audited() -> None:
    uow = FakeUnitOfWork()
    execute(uow, SetRetention("club", 90, frozenset({"lift", "lookout"}), 30, "coord"))
    assert uow.clubs.retention == {"club": (90, ["lift"])}
    (event,) = uow.emitted
    assert (event.type, event.model_dump()["high_risk_kinds"]) == ("RetentionChanged", ["lift"])
    assert [a[1:3] for a in uow.audited] == [("coord", "retention.change")]


@pytest.mark.parametrize("days", [29, MAX_RETENTION_DAYS + 1, -1])
def test_retention_shorter_than_the_stream_keeps_events_or_over_a_year_is_refused(days: int) -> None:
    uow = FakeUnitOfWork()
    with pytest.raises(Conflict, match=f"from 30 to {MAX_RETENTION_DAYS}"):
        execute(uow, SetRetention("club", days, frozenset(), 30, "coord"))
    assert uow.clubs.retention == {} and uow.emitted == [] and uow.audited == []


def test_self_signup_kinds_are_stored_in_order_announced_and_audited() -> None:
    uow = FakeUnitOfWork()
    execute(uow, SetSelfSignup("club", frozenset({"leafleting", "cooking"}), "coord"))
    assert uow.clubs.self_signup == {"club": ["cooking", "leafleting"]}
    assert [(e.type, e.model_dump()["kinds"]) for e in uow.emitted] == [
        ("SelfSignupChanged", ["cooking", "leafleting"])
    ]
    assert [a[1:3] for a in uow.audited] == [("coord", "self_signup.change")]


def test_a_club_is_made_with_its_first_claim_link_and_announced_by_id_only() -> None:
    uow = FakeUnitOfWork()
    made = execute(uow, CreateClub("  Riverside Mutual Aid ", "Europe/Dublin"))
    assert uow.clubs.names == {made.club_id: ("Riverside Mutual Aid", "Europe/Dublin")}
    assert made.claim_token in uow.coordinators.claims
    assert [(e.type, e.club_id) for e in uow.emitted] == [("ClubCreated", made.club_id)]
    assert "Riverside" not in uow.emitted[0].model_dump_json()


@pytest.mark.parametrize(
    ("name", "timezone", "words"), [(" ", "UTC", "a name"), ("Club", "Mars/Olympus", "time zone")]
)
def test_a_club_without_a_name_or_in_no_time_zone_is_refused(name: str, timezone: str, words: str) -> None:
    uow = FakeUnitOfWork()
    with pytest.raises(Conflict, match=words):
        execute(uow, CreateClub(name, timezone))
    assert uow.clubs.names == {} and uow.emitted == []
