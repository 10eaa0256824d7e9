"""The rules of inviting people in, against fakes of the unit of work (tests/pages and tests/notify
send real invitations through the pages, the JSON API and a local SMTP server)."""

from __future__ import annotations

import pytest

from services.commands import InviteCoordinator, InviteMember, InvitePartner, SendInvite, execute
from services.domain import Conflict, NotFound
from tests.unit.fakes import FakeUnitOfWork

ZARA = {"name": "Zara Ali", "email": "zara@example.org", "phone": None}


def test_a_new_member_is_invited_by_email_and_the_stream_hears_of_it_by_id_only() -> None:
    uow = FakeUnitOfWork()
    made = execute(uow, InviteMember("club", ZARA, "coord", "email"))
    assert made.invite.sent and made.invite.text.startswith("Invitation sent by email to zara@example.org")
    assert uow.people.invites == [(made.member_id, "email", "zara@example.org")]
    assert [a[1:5] for a in uow.audited] == [("coord", "invite.email", "member", made.member_id)]
    registered, event = uow.emitted
    assert (registered.type, registered.model_dump()["member_id"]) == ("MemberRegistered", made.member_id)
    assert (event.type, event.model_dump()["channel"]) == ("InviteSent", "email")
    for said in (registered, event):
        assert "zara" not in said.model_dump_json() and made.token not in said.model_dump_json()


@pytest.mark.parametrize(
    ("send_by", "text"), [("signal", "Nothing was sent: there is no phone number"), ("", "")]
)
def test_a_member_with_no_address_for_the_channel_or_none_asked_for_is_added_without_a_message(
    send_by: str, text: str
) -> None:
    uow = FakeUnitOfWork()
    made = execute(uow, InviteMember("club", ZARA, "coord", send_by))
    assert made.member_id in uow.people.members and not made.invite.sent
    assert made.invite.text.startswith(text) and (text or made.invite.text == "")
    assert uow.people.invites == [] and uow.audited == []
    said = [(e.type, e.model_dump()["member_id"]) for e in uow.emitted]
    assert said == [("MemberRegistered", made.member_id)]


def test_an_invitation_again_goes_by_email_when_there_is_one_and_never_to_someone_who_left() -> None:
    uow = FakeUnitOfWork()
    uow.people.members = {"zara": ZARA, "sam": {"name": "Sam", "email": None, "phone": "+447700900123"}}
    uow.people.members["gone"] = dict(ZARA)
    uow.people.inactive.add("gone")
    execute(uow, SendInvite("club", "zara", "coord"))
    execute(uow, SendInvite("club", "sam", "coord"))
    with pytest.raises(Conflict, match="no email address for Sam"):
        execute(uow, SendInvite("club", "sam", "coord", "email"))
    with pytest.raises(Conflict, match="deactivated"):
        execute(uow, SendInvite("club", "gone", "coord"))
    with pytest.raises(NotFound):
        execute(uow, SendInvite("club", "nobody", "coord"))
    assert uow.people.invites == [("zara", "email", "zara@example.org"), ("sam", "signal", "+447700900123")]


def test_a_partner_is_added_audited_and_announced() -> None:
    uow = FakeUnitOfWork()
    partner_id, link = execute(uow, InvitePartner("club", "Food Bank", None, "coord"))
    assert partner_id in uow.people.partners and link
    assert [(e.type, e.model_dump()["partner_id"]) for e in uow.emitted] == [("PartnerInvited", partner_id)]
    assert [a[1:5] for a in uow.audited] == [("coord", "partner.invite", "partner", partner_id)]


def test_a_coordinator_is_invited_by_a_claim_link_once_per_email_address() -> None:
    uow = FakeUnitOfWork()
    uow.coordinators.emails = {"taken@example.org"}
    invite = InviteCoordinator(
        "club", "Dee", " Dee@Example.org ", "coord", "Cai", "Riverside", "https://x.test"
    )
    claim = execute(uow, invite)
    ((token, coordinator_id),) = uow.coordinators.claims.items()
    assert claim.url == f"https://x.test/c/claim/{token}" and claim.days == 7
    ((to, subject, body),) = uow.coordinators.letters
    assert to == "dee@example.org" and subject == "You are invited to coordinate Riverside"
    assert "Cai invites you" in body and claim.url in body
    assert [(e.type, e.model_dump()["coordinator_id"]) for e in uow.emitted] == [
        ("CoordinatorInvited", coordinator_id)
    ]
    assert token not in uow.emitted[0].model_dump_json()
    with pytest.raises(Conflict, match="already uses this email"):
        execute(
            uow,
            InviteCoordinator(
                "club", "T", "taken@example.org", "coord", "Cai", "Riverside", "https://x.test"
            ),
        )
    assert len(uow.emitted) == 1
