"""The rules of a coordinator's alert choices against fakes (tests/pages/test_coordinator_alerts.py
and tests/notify send them through the page and a real database)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from services.commands import SetAlertChoices, execute
from services.domain import Invalid
from services.ports import AlertChoices
from tests.unit.fakes import FakeUnitOfWork

GOOD = AlertChoices(
    email=False,
    signal_number="+447700900123",
    immediate=True,
    digest_hour=8,
    quiet_start=22,
    quiet_end=7,
    unanswered_hours=24,
)


def test_choices_are_stored_audited_and_announced_by_id_only() -> None:
    uow = FakeUnitOfWork()
    execute(uow, SetAlertChoices("club", "coord", GOOD))
    assert uow.coordinators.alerts == {"coord": GOOD}
    assert [a[1:5] for a in uow.audited] == [("coord", "alerts.change", "coordinator", "coord")]
    (event,) = uow.emitted
    assert (event.type, event.model_dump()["coordinator_id"]) == ("AlertChoicesChanged", "coord")
    assert "7700900123" not in event.model_dump_json()


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"signal_number": None}, "email", "somewhere to go"),
        ({"signal_number": "07700900123"}, "signal_number", "country code"),
        ({"digest_hour": 24}, "digest_hour", "hour from the list"),
        ({"quiet_start": -1}, "quiet_start", "hour from the list"),
        ({"quiet_end": None}, "quiet_end", "both the start and the end"),
        ({"unanswered_hours": 0}, "unanswered_hours", "from 1 to 168"),
        ({"unanswered_hours": 169}, "unanswered_hours", "from 1 to 168"),
    ],
)
def test_each_wrong_field_is_refused_beside_it_and_nothing_is_written(
    change: dict[str, object], field: str, words: str
) -> None:
    uow = FakeUnitOfWork()
    with pytest.raises(Invalid) as refused:
        execute(uow, SetAlertChoices("club", "coord", replace(GOOD, **change)))  # type: ignore[arg-type]
    assert list(refused.value.fields) == [field] and words in refused.value.fields[field]
    assert uow.coordinators.alerts == {} and uow.emitted == [] and uow.audited == []


def test_no_quiet_hours_and_no_digest_are_choices_too() -> None:
    uow = FakeUnitOfWork()
    quiet = replace(GOOD, digest_hour=None, quiet_start=None, quiet_end=None, email=True)
    execute(uow, SetAlertChoices("club", "coord", quiet))
    assert uow.coordinators.alerts["coord"] == quiet
