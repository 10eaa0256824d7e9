"""The rules of the commands that change ways in and out (API keys, private and calendar links,
webhooks), against fakes of the
unit of work (tests/pages/test_coordinator_accounts.py and test_member_pages.py run the pages)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.commands import (
    CreateApiKey,
    RegisterWebhook,
    RemoveWebhook,
    RevokeApiKey,
    RotateCalendarLink,
    RotatePrivateLink,
    execute,
)
from services.commands.access import MAX_KEY_DAYS
from services.domain import Conflict, NotFound
from services.hook_urls import BadUrl
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
    assert uow.access.links == {("calendar", "ann"): 2}
    assert [e.type for e in uow.emitted] == ["CalendarLinkRotated"] * 2
    assert uow.audited[0][1:5] == ("ann", "calendar.rotate", "calendar", "ann")


@pytest.mark.parametrize("role", ["member", "partner"])
def test_a_private_link_is_rotated_for_someone_still_here_audited_and_announced_by_id(role: str) -> None:
    uow = FakeUnitOfWork()
    uow.people.members, uow.people.partners = {"ann": {}, "bob": {}}, {"p1", "p2"}
    uow.people.inactive |= {"bob", "p2"}
    here, gone = ("ann", "bob") if role == "member" else ("p1", "p2")
    link = execute(uow, RotatePrivateLink("club", role, here, "coord"))  # type: ignore[arg-type]
    with pytest.raises(NotFound):
        execute(uow, RotatePrivateLink("club", role, gone, "coord"))  # type: ignore[arg-type]
    assert uow.access.links == {(role, here): 1}
    assert [a[1:5] for a in uow.audited] == [("coord", "link.rotate", role, here)]
    assert [(e.type, e.model_dump().get("subject_id")) for e in uow.emitted] == [("PrivateLinkRotated", here)]
    assert link not in uow.emitted[0].model_dump_json()


def test_a_webhook_is_registered_with_a_checked_url_and_announced_without_it() -> None:
    uow = FakeUnitOfWork()
    uow.people.partners = {"p1", "p2"}
    uow.people.inactive.add("p2")
    for bad in ("ftp://example.org/hook", "https://user:pw@example.org/hook", "no url"):
        with pytest.raises(BadUrl):
            execute(uow, RegisterWebhook("club", "p1", bad))
    with pytest.raises(NotFound):
        execute(uow, RegisterWebhook("club", "p2", "https://example.org/hook"))
    assert uow.access.hooks == {} and uow.emitted == []
    secret = execute(uow, RegisterWebhook("club", "p1", " https://example.org/hook "))
    assert uow.access.hooks == {"p1": "https://example.org/hook"}
    assert [e.type for e in uow.emitted] == ["WebhookRegistered"]
    assert (
        secret not in uow.emitted[0].model_dump_json()
        and "example.org" not in uow.emitted[0].model_dump_json()
    )


def test_removing_a_webhook_is_announced_once_and_names_who_removed_it() -> None:
    uow = FakeUnitOfWork()
    uow.people.partners = {"p1"}
    uow.access.hooks = {"p1": "https://example.org/hook"}
    execute(uow, RemoveWebhook("club", "p1", by="coord"))
    execute(uow, RemoveWebhook("club", "p1"))  # nothing left to remove: nothing to say
    with pytest.raises(NotFound):
        execute(uow, RemoveWebhook("club", "p9"))
    assert uow.access.hooks == {}
    assert [(e.type, e.model_dump()["removed_by"]) for e in uow.emitted] == [("WebhookRemoved", "coord")]
    assert [a[1:5] for a in uow.audited] == [("coord", "webhook.remove", "partner", "p1")]
