"""The notifier against a real SMTP server and a stub Signal REST API: issued, withdrawn, reminders,
exactly once per event, retried after a failure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import Message

from sqlalchemy import select

from services.commands import CancelRequest, EditRequest, execute
from services.delivery import Container
from services.pump import pump_once
from services.store import notices
from services.store.request_rows import SqlRequests
from services.store.tables import notices as notices_table
from services.store.tables import outbox
from services.store.uow import SqlUnitOfWork
from tests.commands_support import run_in
from tests.notify.conftest import SignalStub, run_dispatcher
from tests.pages.support import Site, csrf_of


def approve_one(site: Site) -> tuple[str, str]:
    nia, _ = site.add_member("Nia Hughes", email="nia@example.org", phone="+447700900123")
    with site.engine.begin() as conn:
        notices.set_prefs(conn, nia, email=True, signal=True, reminders=True)
    request_id = site.add_request(hours_from_now=20, headcount=1)
    roster_id = site.propose([(request_id, 0, nia)])
    site.approve(roster_id)
    return nia, request_id


def test_an_issued_assignment_is_mailed_and_signalled_once(
    site: Site, container: Container, smtp: tuple[int, list[Message]], signal_api: SignalStub
) -> None:
    inbox = smtp[1]
    notifier = container.notifier
    approve_one(site)
    run_dispatcher(container)
    assert [m["To"] for m in inbox] == ["nia@example.org"]
    assert inbox[0]["Subject"].startswith("New assignment: Lift to the picket")
    body = inbox[0].get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert "Hello Nia," in body and "Where: Depot" in body and "Bring a flask" in body
    assert len(signal_api.received) == 1
    sent = signal_api.received[0]
    assert sent["path"] == "/v2/send" and sent["json"]["number"] == "+447700900000"
    assert sent["json"]["recipients"] == ["+447700900123"] and "Lift to the picket" in sent["json"]["message"]
    with site.engine.connect() as conn:
        issued = conn.execute(
            select(outbox.c.payload).where(outbox.c.type == "AssignmentIssued")
        ).scalar_one()
    assert notifier.on_payload(issued) is False, "a redelivered event is recognised"
    assert len(inbox) == 1 and len(signal_api.received) == 1


def test_a_cancelled_request_tells_the_member(
    site: Site, container: Container, smtp: tuple[int, list[Message]], signal_api: SignalStub
) -> None:
    inbox = smtp[1]
    _, request_id = approve_one(site)
    run_dispatcher(container)
    with site.engine.begin() as conn:
        run_in(conn, CancelRequest(site.club_id, request_id, partner_id=site.partner_id))
    run_dispatcher(container)
    assert [m["Subject"].split(":")[0] for m in inbox] == ["New assignment", "Cancelled"]


def test_a_reminder_goes_once_the_day_before(
    site: Site, container: Container, smtp: tuple[int, list[Message]], signal_api: SignalStub
) -> None:
    inbox = smtp[1]
    notifier = container.notifier
    approve_one(site)
    run_dispatcher(container)
    assert notifier.remind(datetime.now(UTC)) == 2, "one per channel"
    assert notifier.remind(datetime.now(UTC)) == 0
    notifier.deliver()
    assert [m["Subject"].split(":")[0] for m in inbox] == ["New assignment", "Tomorrow"]


def test_a_failed_send_is_retried(
    site: Site, container: Container, smtp: tuple[int, list[Message]], signal_api: SignalStub
) -> None:
    notifier = container.notifier
    signal_api.fail_next = 1
    approve_one(site)
    run_dispatcher(container)
    with site.engine.connect() as conn:
        rows = {r.channel: (r.status, r.attempts) for r in conn.execute(select(notices_table))}
    assert rows == {"email": ("sent", 1), "signal": ("pending", 1)}
    assert notifier.deliver() == 0, "a failed message waits out its back-off"
    later = datetime.now(UTC) + timedelta(minutes=2)
    assert notifier.deliver(now=later) == 1 and len(signal_api.received) == 1


def test_two_senders_never_take_the_same_message_and_a_dead_senders_claim_expires(
    site: Site, container: Container
) -> None:
    approve_one(site)
    while pump_once(container.engine, container.embedded_sink(), 500):
        pass
    store, now, hold = container.notifier.store, datetime.now(UTC), timedelta(minutes=2)
    first = store.claim(100, 5, now, hold)
    assert len(first) == 2, "the email and the Signal message"
    assert store.claim(100, 5, now, hold) == [], "another worker's sender finds nothing to take"
    again = store.claim(100, 5, now + hold + timedelta(seconds=1), hold)
    assert {n.id for n in again} == {n.id for n in first}, "unsent after the claim ran out: tried again"


def test_a_changed_request_tells_the_member_what_changed_and_asks_again_after_a_new_time(
    site: Site, container: Container, smtp: tuple[int, list[Message]], signal_api: SignalStub
) -> None:
    inbox = smtp[1]
    _, request_id = approve_one(site)
    run_dispatcher(container)
    with site.engine.connect() as conn:
        found = SqlRequests(conn).get(site.club_id, request_id)
    assert found is not None
    later = {"starts_at": found.starts_at + timedelta(hours=1), "ends_at": found.ends_at + timedelta(hours=1)}
    execute(
        SqlUnitOfWork(site.engine),
        EditRequest(site.club_id, request_id, {**found.fields, **later, "place_name": "Canton Library"}),
    )
    run_dispatcher(container)
    assert [m["Subject"].split(":")[0] for m in inbox] == ["New assignment", "Changed"]
    body = inbox[1].get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert "has changed (the time, the place)" in body and "Where: Canton Library" in body
    assert "please accept or decline again" in body
    assert "changed (the time, the place)" in signal_api.received[-1]["json"]["message"]


def test_a_member_who_signs_up_is_thanked_not_asked_to_accept(
    site: Site, container: Container, smtp: tuple[int, list[Message]], signal_api: SignalStub
) -> None:
    inbox = smtp[1]
    nia, token = site.add_member("Nia Hughes", email="nia@example.org")
    site.free_every_day(nia)
    lift = site.add_request(hours_from_now=26, headcount=1, title="Lift to the picket")
    site.approve(site.propose([], unfilled=[(lift, 0)]))
    coordinator = site.login()
    members = coordinator.get("/c/members")
    coordinator.post("/c/self-signup", data={"csrf": csrf_of(members.text), "kind": ["lift"]})
    page = site.client.get(f"/m/{token}/offers")
    done = site.client.post(
        f"/m/{token}/offers",
        data={"csrf": csrf_of(page.text), "request_id": lift, "slot_index": "0"},
        follow_redirects=False,
    )
    assert done.headers["location"] == f"/m/{token}/offers?offered=in"
    run_dispatcher(container)
    assert [m["Subject"] for m in inbox] == [inbox[0]["Subject"]]
    assert inbox[0]["Subject"].startswith("You are down for: Lift to the picket")
    body = inbox[0].get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert "this place is yours" in body and "accept or decline" not in body
