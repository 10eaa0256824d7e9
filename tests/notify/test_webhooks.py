"""Partner webhooks against a local receiver: registered on the partner's pages, signed, one call per
event, retried after a failure with back-off, counts but never names, and only to the request's own
partner."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import re
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from ipaddress import ip_network
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from entrypoints.bootstrap import bootstrap
from events import decode
from services.commands import AnswerAssignment, CancelRequest, EditRequest, execute
from services.delivery import Container
from services.notify.egress import EgressPolicy
from services.notify.webhooks import WebhookChannel, WebhookFailed
from services.pump import pump_once
from services.settings import Settings
from services.store import webhooks, writes
from services.store.request_rows import SqlRequests
from services.store.tables import assignments, help_requests, notices, outbox
from services.store.uow import SqlUnitOfWork
from services.store.webhooks import SqlWebhookStore
from tests.commands_support import run_in
from tests.e2e_support import wait_for
from tests.notify.conftest import HookStub, hook_stub, run_dispatcher
from tests.pages.support import Site, csrf_of

SECRET_RE = re.compile(r'<code class="secret">([0-9a-f]+)</code>')


@pytest.fixture
def container(site: Site, app_settings: Settings) -> Iterator[Container]:
    url = site.engine.url.render_as_string(hide_password=False)
    made = bootstrap(app_settings.model_copy(update={"database_url": url}), migrate=False)
    yield made
    made.close()


def register(site: Site, url: str) -> str:
    """Register ``url`` on the partner's webhook page, as a browser would; returns the secret shown."""
    base = f"/p/{site.partner_token}/webhook"
    saved = site.client.post(base, data={"csrf": csrf_of(site.client.get(base).text), "url": url})
    assert saved.status_code == 201, saved.text
    found = SECRET_RE.search(saved.text)
    assert found, "the secret is shown once"
    return found.group(1)


def send_one(site: Site, name: str = "Nia Hughes") -> tuple[str, str]:
    member_id, _ = site.add_member(name)
    request_id = site.add_request(hours_from_now=20, headcount=2)
    roster_id = site.propose([(request_id, 0, member_id)])
    site.approve(roster_id)
    return member_id, request_id


def verified(secret: str, headers: dict[str, str], raw: bytes) -> dict[str, object]:
    """What a partner's receiver does: recompute the signature over timestamp.body, then parse."""
    timestamp = headers["x-mechanic-timestamp"]
    assert abs(int(timestamp) - datetime.now(UTC).timestamp()) < 60
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + raw, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["x-mechanic-signature"], f"sha256={expected}")
    body: dict[str, object] = json.loads(raw)
    assert headers["x-mechanic-delivery"] == body["delivery_id"]
    return body


def test_a_status_change_is_posted_signed_once_and_without_names(
    site: Site, container: Container, hook_server: HookStub
) -> None:
    secret = register(site, hook_server.url)
    assert secret not in site.client.get(f"/p/{site.partner_token}/webhook").text, "shown only once"
    _, request_id = send_one(site)
    run_dispatcher(container)
    assert len(hook_server.received) == 1
    headers, raw = hook_server.received[0]
    body = verified(secret, headers, raw)
    assert body | {"occurred_at": None, "delivery_id": None} == {
        "event": "request.status_changed",
        "request_id": request_id,
        "status": "open",
        "fill_state": "partly_filled",
        "assigned": 1,
        "confirmed": 0,
        "headcount": 2,
        "changes": [],
        "occurred_at": None,
        "delivery_id": None,
    }
    assert b"Nia" not in raw and b"Hughes" not in raw and b"m-" not in raw
    with site.engine.connect() as conn:
        issued = conn.execute(
            select(outbox.c.payload).where(outbox.c.type == "AssignmentIssued")
        ).scalar_one()
    assert container.webhooks.on_event(decode(issued)) is False, "a redelivered event is recognised"
    container.handle_event("embedded", decode(issued))
    assert len(hook_server.received) == 1, "exactly one call per event"


def test_acceptance_and_cancellation_are_reported(
    site: Site, container: Container, hook_server: HookStub
) -> None:
    secret = register(site, hook_server.url)
    member_id, request_id = send_one(site)
    run_dispatcher(container)
    with site.engine.connect() as conn:
        assignment_id = conn.execute(
            select(outbox.c.payload).where(outbox.c.type == "AssignmentIssued")
        ).scalar_one()
    with site.engine.begin() as conn:
        run_in(conn, AnswerAssignment(site.club_id, member_id, decode(assignment_id).assignment_id, True))  # type: ignore[union-attr]
    run_dispatcher(container)
    with site.engine.begin() as conn:
        run_in(conn, CancelRequest(site.club_id, request_id, partner_id=site.partner_id))
    run_dispatcher(container)
    states = [verified(secret, h, raw) for h, raw in hook_server.received]
    assert [(b["fill_state"], b["assigned"], b["confirmed"]) for b in states[:2]] == [
        ("partly_filled", 1, 0),
        ("partly_filled", 1, 1),
    ]
    assert states[-1]["fill_state"] == "cancelled" and states[-1]["status"] == "cancelled"
    assert len({b["delivery_id"] for b in states}) == len(states)


def test_an_edit_is_posted_with_what_changed_and_the_acceptance_it_took_back(
    site: Site, container: Container, hook_server: HookStub
) -> None:
    """A coordinator moves the partner's request by an hour: the partner hears that the time and
    place changed (names of fields, not values) and that the member's acceptance is open again."""
    secret = register(site, hook_server.url)
    member_id, request_id = send_one(site)
    run_dispatcher(container)
    with site.engine.connect() as conn:
        issued = conn.execute(
            select(outbox.c.payload).where(outbox.c.type == "AssignmentIssued")
        ).scalar_one()
        found = SqlRequests(conn).get(site.club_id, request_id)
    assert found is not None
    assignment_id = decode(issued).assignment_id  # type: ignore[union-attr]
    with site.engine.begin() as conn:
        run_in(conn, AnswerAssignment(site.club_id, member_id, assignment_id, True))
    run_dispatcher(container)
    before = len(hook_server.received)
    later = {"starts_at": found.starts_at + timedelta(hours=1), "ends_at": found.ends_at + timedelta(hours=1)}
    values = {**found.fields, **later, "place_name": "Canton Library"}
    execute(SqlUnitOfWork(site.engine), EditRequest(site.club_id, request_id, values, edited_by="coord"))
    run_dispatcher(container)
    calls = [verified(secret, h, raw) for h, raw in hook_server.received[before:]]
    assert [(c["event"], c["changes"], c["confirmed"]) for c in calls] == [
        ("request.changed", ["time", "place"], 0),
        ("request.status_changed", ["time", "place"], 0),
    ], "the edit, then the member's place asked again (no longer confirmed)"
    assert all(c["request_id"] == request_id and c["assigned"] == 1 for c in calls)
    raw = b"".join(body for _, body in hook_server.received[before:])
    assert b"Canton" not in raw and member_id.encode() not in raw and b"Nia" not in raw


def test_a_failed_call_is_retried_after_its_back_off(
    site: Site, container: Container, hook_server: HookStub
) -> None:
    secret = register(site, hook_server.url)
    hook_server.fail_next = 1
    send_one(site)
    run_dispatcher(container)
    with site.engine.connect() as conn:
        row = conn.execute(select(notices).where(notices.c.channel == "webhook")).one()
    assert (row.status, row.attempts, hook_server.received) == ("pending", 1, [])
    assert container.notifier.deliver() == 0, "not before the back-off has passed"
    assert container.notifier.deliver(now=datetime.now(UTC) + timedelta(minutes=2)) == 1
    body = verified(secret, *hook_server.received[0])
    assert body["delivery_id"] == json.loads(row.body)["delivery_id"], "a retry keeps its delivery id"


def test_another_partners_requests_never_reach_this_hook(
    site: Site, container: Container, hook_server: HookStub
) -> None:
    register(site, hook_server.url)
    with site.engine.begin() as conn:
        other_id, _ = writes.add_partner(conn, site.club_id, "Food Bank", None)
    other = dataclasses.replace(site, partner_id=other_id)
    member_id, _ = site.add_member("Nia Hughes")
    request_id = other.add_request(hours_from_now=20, headcount=1)
    roster_id = site.propose([(request_id, 0, member_id)])
    site.approve(roster_id)
    run_dispatcher(container)
    assert hook_server.received == []
    with site.engine.connect() as conn:
        assert conn.execute(select(notices).where(notices.c.channel == "webhook")).first() is None


@pytest.mark.parametrize(
    "url", ["ftp://example.org/x", "https://user:pw@example.org/x", "example.org", "javascript:alert(1)"]
)
def test_an_unusable_url_is_refused(site: Site, url: str) -> None:
    base = f"/p/{site.partner_token}/webhook"
    refused = site.client.post(base, data={"csrf": csrf_of(site.client.get(base).text), "url": url})
    assert refused.status_code == 422 and 'id="e-url"' in refused.text
    with site.engine.connect() as conn:
        assert webhooks.hook_urls(conn, [site.partner_id]) == {}


def test_coordinators_see_and_remove_a_hook_and_the_partner_can_too(
    site: Site, hook_server: HookStub
) -> None:
    register(site, hook_server.url)
    client = site.login()
    listing = client.get("/c/partners")
    assert hook_server.url in listing.text
    removed = client.post(
        f"/c/partners/{site.partner_id}/webhook/remove",
        data={"csrf": csrf_of(listing.text)},
        follow_redirects=False,
    )
    assert removed.status_code == 303 and hook_server.url not in client.get("/c/partners").text
    register(site, hook_server.url)
    base = f"/p/{site.partner_token}/webhook"
    site.client.post(f"{base}/remove", data={"csrf": csrf_of(site.client.get(base).text)})
    with site.engine.connect() as conn:
        assert webhooks.hook_urls(conn, [site.partner_id]) == {}
    told = [e for e in site.outbox_events() if e.type.startswith("Webhook")]
    assert [(e.type, getattr(e, "removed_by", None)) for e in told] == [
        ("WebhookRegistered", None),
        ("WebhookRemoved", site.coordinator_id),
        ("WebhookRegistered", None),
        ("WebhookRemoved", site.partner_id),
    ], "each change announced, with who removed it, never the URL"
    assert all(hook_server.url not in e.model_dump_json() for e in told)


def test_deactivating_a_partner_cancels_its_open_requests_and_silences_its_hook(
    site: Site, container: Container, hook_server: HookStub
) -> None:
    register(site, hook_server.url)
    member_id, request_id = send_one(site)
    run_dispatcher(container)
    calls = len(hook_server.received)
    assert calls >= 1, "the hook was live before"
    client = site.login()
    listing = client.get("/c/partners")
    done = client.post(
        f"/c/partners/{site.partner_id}/deactivate",
        data={"csrf": csrf_of(listing.text), "confirm": "1"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    run_dispatcher(container)
    container.notifier.deliver(now=datetime.now(UTC) + timedelta(hours=1))
    with site.engine.connect() as conn:
        status = conn.execute(select(help_requests.c.status).where(help_requests.c.id == request_id)).scalar()
        answer = conn.execute(
            select(assignments.c.status).where(assignments.c.member_id == member_id)
        ).scalar()
    assert (status, answer) == ("cancelled", "withdrawn")
    assert len(hook_server.received) == calls, "a deactivated partner learns nothing more"


def test_a_slow_partner_endpoint_delays_only_its_own_calls(
    site: Site, container: Container, hook_server: HookStub
) -> None:
    """Event delivery only records calls; the sender serves each endpoint in its own lane."""
    with hook_stub() as slow:
        slow.hold = threading.Event()
        register(site, slow.url)
        with site.engine.begin() as conn:
            other_id, other_token = writes.add_partner(conn, site.club_id, "Food Bank", None)
        fast = dataclasses.replace(site, partner_id=other_id, partner_token=other_token)
        register(fast, hook_server.url)
        member_id, _ = site.add_member("Nia Hughes")
        mine, theirs = (
            site.add_request(hours_from_now=20, headcount=1),
            fast.add_request(hours_from_now=21, headcount=1),
        )
        site.approve(site.propose([(mine, 0, member_id)]))
        site.approve(site.propose([(theirs, 0, member_id)]))
        while pump_once(container.engine, container.embedded_sink(), 500):
            pass
        assert hook_server.received == [] and slow.received == [], "delivering events called nobody"
        sender = threading.Thread(target=container.notifier.deliver)
        sender.start()
        try:
            wait_for("the fast endpoint's call while the slow one hangs", lambda: hook_server.received, 10)
            assert slow.received == []
        finally:
            slow.hold.set()
            sender.join(timeout=30)
        assert slow.received, "the slow endpoint got its call once it answered"


def test_a_hook_is_checked_again_before_every_call(site: Site, hook_server: HookStub) -> None:
    """Registered while the operator allowed loopback; once that setting is gone, no call is made."""
    register(site, hook_server.url)
    strict = WebhookChannel(SqlWebhookStore(site.engine), EgressPolicy(allow_http=True))
    with pytest.raises(WebhookFailed, match="public internet"):
        strict.send(site.partner_id, "", json.dumps({"delivery_id": "d1"}))
    assert hook_server.received == []


def test_the_call_goes_to_the_checked_address_under_the_hosts_name(hook_server: HookStub) -> None:
    if {info[4][0] for info in socket.getaddrinfo("localhost", 80)} != {"127.0.0.1"}:
        pytest.skip("needs localhost to resolve to 127.0.0.1 only")
    port = urlsplit(hook_server.url).port
    policy = EgressPolicy(allow_http=True, allowed_networks=(ip_network("127.0.0.0/8"),))
    answer = policy.post(f"http://localhost:{port}/hook", b"{}", {"X-Probe": "1"}, 5.0)
    assert answer.status_code == 204
    assert hook_server.received[0][0]["host"] == f"localhost:{port}"
