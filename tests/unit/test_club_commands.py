"""The rules of a club's own settings, against fakes of the unit of work (tests/pages runs the
members page that changes them)."""

from __future__ import annotations

import pytest

from services.commands import SetRetention, SetSelfSignup, execute
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
