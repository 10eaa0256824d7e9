"""Setting up a coordinator account against fakes (tests/pages run the claim link on a real
database, tests/integration the command line)."""

from __future__ import annotations

import pytest

from services.commands import SetUpCoordinator, execute
from services.domain import Invalid, NotFound
from tests.unit.fakes import FakeUnitOfWork

GOOD_PASSWORD = "plum kettle harbour lantern"


def test_an_account_is_set_up_audited_announced_and_its_claim_link_stops() -> None:
    uow = FakeUnitOfWork()
    uow.clubs.create("club", "Riverside", "Europe/London")
    uow.coordinators.claims = {"claim1": "coord1", "claim2": "coord2"}
    execute(uow, SetUpCoordinator("club", "coord1", " Ana@Example.org ", "Ana Morgan", GOOD_PASSWORD))
    assert uow.coordinators.emails == {"ana@example.org"} and uow.coordinators.active["club"] == {"coord1"}
    assert uow.coordinators.claims == {"claim2": "coord2"}
    assert [a[1:5] for a in uow.audited] == [("coord1", "coordinator.set_up", "coordinator", "coord1")]
    (event,) = uow.emitted
    assert (event.type, event.model_dump()["coordinator_id"]) == ("CoordinatorAccountCreated", "coord1")
    assert "ana" not in event.model_dump_json().lower()


@pytest.mark.parametrize(
    ("email", "password", "field", "words"),
    [
        ("ana@example.org", "short", "password", "at least"),
        ("taken@example.org", GOOD_PASSWORD, "email", "Another account"),
    ],
)
def test_a_weak_password_or_a_taken_email_is_refused_beside_its_field(
    email: str, password: str, field: str, words: str
) -> None:
    uow = FakeUnitOfWork()
    uow.clubs.create("club", "Riverside", "Europe/London")
    uow.coordinators.emails = {"taken@example.org"}
    with pytest.raises(Invalid) as refused:
        execute(uow, SetUpCoordinator("club", "coord1", email, "Ana Morgan", password))
    assert list(refused.value.fields) == [field] and words in refused.value.fields[field]
    assert uow.coordinators.active == {} and uow.emitted == [] and uow.audited == []


def test_an_account_in_a_club_that_does_not_exist_is_refused_with_nothing_written() -> None:
    uow = FakeUnitOfWork()
    with pytest.raises(NotFound, match="no club with the id 'nowhere'"):
        execute(uow, SetUpCoordinator("nowhere", "coord1", "ana@example.org", "Ana Morgan", GOOD_PASSWORD))
    assert uow.coordinators.emails == set() and uow.emitted == [] and uow.audited == []
