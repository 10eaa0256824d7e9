"""The rules of the commands that change ways in (API keys, calendar links), against fakes of the
unit of work (tests/pages/test_coordinator_accounts.py and test_member_pages.py run the pages)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.commands import CreateApiKey, RevokeApiKey, RotateCalendarLink, execute
from services.commands.access import MAX_KEY_DAYS
from services.domain import Conflict, NotFound
from tests.unit.fakes import FakeUnitOfWork


def test_a_key_is_returned_once_audited_and_announced_by_id_only() -> None:
    uow = FakeUnitOfWork()
    made = execute(uow, CreateApiKey("club", "coord", "Sync script", 30))
    assert uow.access.keys == {made.key_id: ("club", "coord", "Sync script")}
    assert made.expires_at - datetime.now(UTC) > timedelta(days=29, hours=23)
    assert [a[1:5] for a in uow.audited] == [("coord", "key.create", "key", made.key_id)]
    assert [e.type for e in uow.emitted] == ["ApiKeyCreated"]
    assert made.key not in uow.emitted[0].model_dump_json()


@pytest.mark.parametrize(("label", "days"), [("Sync", 0), ("Sync", MAX_KEY_DAYS + 1), ("  ", 30)])
def test_a_key_without_a_name_or_a_lifetime_within_a_year_is_refused(label: str, days: int) -> None:
    uow = FakeUnitOfWork()
    with pytest.raises(Conflict):
        execute(uow, CreateApiKey("club", "coord", label, days))
    assert uow.access.keys == {} and uow.emitted == [] and uow.audited == []


def test_a_coordinator_revokes_only_their_own_live_key() -> None:
    uow = FakeUnitOfWork()
    mine = execute(uow, CreateApiKey("club", "coord", "Mine", 30)).key_id
    theirs = execute(uow, CreateApiKey("club", "other", "Theirs", 30)).key_id
    for key_id in (theirs, "nonexistent"):
        with pytest.raises(NotFound):
            execute(uow, RevokeApiKey("club", "coord", key_id))
    execute(uow, RevokeApiKey("club", "coord", mine))
    with pytest.raises(NotFound):
        execute(uow, RevokeApiKey("club", "coord", mine))
    assert list(uow.access.keys) == [theirs]
    assert [e.type for e in uow.emitted] == ["ApiKeyCreated", "ApiKeyCreated", "ApiKeyRevoked"]
    assert uow.audited[-1][1:5] == ("coord", "key.revoke", "key", mine)


def test_a_member_gets_a_new_calendar_link_but_one_who_left_does_not() -> None:
    uow = FakeUnitOfWork()
    uow.people.members = {"ann": {}, "bob": {}}
    uow.people.inactive.add("bob")
    first = execute(uow, RotateCalendarLink("club", "ann"))
    assert execute(uow, RotateCalendarLink("club", "ann")) != first
    with pytest.raises(NotFound):
        execute(uow, RotateCalendarLink("club", "bob"))
    assert uow.access.calendars == {"ann": 2}
    assert [e.type for e in uow.emitted] == ["CalendarLinkRotated"] * 2
    assert uow.audited[0][1:5] == ("ann", "calendar.rotate", "calendar", "ann")
