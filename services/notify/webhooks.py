"""Partner webhooks: a consumer of the events that change a request's fill state or the request itself,
idempotent like the notifier, and a channel that POSTs signed JSON.

A call's ``event`` is ``request.status_changed`` (people assigned, confirmed, withdrawn; the request
cancelled) or ``request.changed`` (the request was edited, by the partner or a coordinator for them);
``changes`` names what changed (time, place, headcount, ...), never the new values, and is empty for
a status change. An edit also reaches each member on the request (``AssignmentChanged``), which may
take back an acceptance: each of those is a status call. No call names a member.

Each call is stored as a row of the notification outbox (channel "webhook", address = partner id)
in the same transaction as this consumer's inbox entry, so a redelivered event calls nobody twice
and a failed call is retried with the notifier's back-off. The URL and secret are looked up when the
call is made: a partner that replaces or clears its hook is never called at the old address.

Signature scheme (for partners): ``X-Mechanic-Timestamp`` is the send time in Unix seconds, and
``X-Mechanic-Signature`` is ``sha256=`` + hex HMAC-SHA256, keyed with the secret, of the bytes
``{timestamp}.{raw body}``. A receiver recomputes it, compares in constant time, rejects a
timestamp more than 5 minutes from its clock (a replay), and ignores a ``X-Mechanic-Delivery`` id
it has already seen (a retry of a call it did receive).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from datetime import UTC, datetime

import httpx

from events import (
    AnyEvent,
    AssignmentAccepted,
    AssignmentChanged,
    AssignmentDeclined,
    AssignmentIssued,
    AssignmentWithdrawn,
    RequestCancelled,
    RequestChanged,
)
from services.notify.egress import EgressPolicy, Refused
from services.notify.ports import Channel, Notice, NoticeStore, Recipient, RequestStatus, WebhookStore
from services.redact import origin

WEBHOOKS_CONSUMER = "webhooks"
EVENT_NAME = "request.status_changed"
CHANGED_NAME = "request.changed"
CHANGES = (RequestChanged, AssignmentChanged)
"""Events that say what changed about the request (``changes``)."""
TRIGGERS = (
    AssignmentIssued,
    AssignmentAccepted,
    AssignmentDeclined,
    AssignmentWithdrawn,
    RequestCancelled,
    *CHANGES,
)
TIMEOUT_S = 5.0


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def payload(
    status: RequestStatus, occurred_at: datetime, name: str = EVENT_NAME, changes: tuple[str, ...] = ()
) -> str:
    return json.dumps(
        {
            "event": name,
            "request_id": status.request_id,
            "status": status.status,
            "fill_state": status.fill_state,
            "assigned": status.assigned,
            "confirmed": status.confirmed,
            "headcount": status.headcount,
            "changes": list(changes),
            "occurred_at": occurred_at.astimezone(UTC).isoformat(),
            "delivery_id": str(uuid.uuid4()),
        },
        separators=(",", ":"),
    )


class WebhookFailed(RuntimeError):
    """A call that did not succeed, described by the receiver's origin and what went wrong."""


class WebhookChannel(Channel):
    """Members never have a webhook address; the rows the webhook consumer writes carry a partner id."""

    name = "webhook"

    def __init__(self, hooks: WebhookStore, egress: EgressPolicy, timeout_s: float = TIMEOUT_S) -> None:
        self.hooks, self.egress, self.timeout_s = hooks, egress, timeout_s

    def address(self, recipient: Recipient) -> str | None:
        return None

    def send(self, address: str, subject: str, body: str) -> None:
        hook = self.hooks.hook(address)
        if hook is None:
            raise LookupError(f"partner {address} has no webhook any more")
        url, secret = hook
        raw, timestamp = body.encode(), str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Mechanic-Webhooks/1",
            "X-Mechanic-Delivery": json.loads(body)["delivery_id"],
            "X-Mechanic-Timestamp": timestamp,
            "X-Mechanic-Signature": sign(secret, timestamp, raw),
        }
        try:
            response = self.egress.post(url, raw, headers, self.timeout_s)
        except Refused as exc:
            raise WebhookFailed(f"{origin(url)}: {exc}") from None
        except httpx.HTTPError as exc:
            # httpx names the full URL in some messages; the failure is logged and stored, so only
            # the receiver's origin may appear (its path is often a secret of the partner's)
            raise WebhookFailed(f"{origin(url)}: {type(exc).__name__}") from None
        if response.status_code >= 300:  # a redirect or an error status counts as a failure
            raise WebhookFailed(f"{origin(url)} answered {response.status_code}")


class PartnerWebhooks:
    def __init__(self, store: NoticeStore, hooks: WebhookStore, consumer: str = WEBHOOKS_CONSUMER) -> None:
        self.store, self.hooks, self.consumer = store, hooks, consumer

    def on_event(self, event: AnyEvent) -> bool:
        """Record one call for the request's partner, if it has a hook, once per event (the
        notifier's sender loop makes it).
        Returns False for an event already processed (or of no interest)."""
        if not isinstance(event, TRIGGERS):
            return False
        status = self.hooks.request_status(event.request_id)
        items = []
        if status and self.hooks.hook(status.partner_id):
            key = f"webhook:{event.event_id}:{status.partner_id}"
            name = CHANGED_NAME if isinstance(event, RequestChanged) else EVENT_NAME
            changes = tuple(event.changes) if isinstance(event, CHANGES) else ()
            body = payload(status, event.occurred_at, name, changes)
            items.append(Notice(key, status.club_id, "webhook", "webhook", status.partner_id, name, body))
        return self.store.record(self.consumer, str(event.event_id), items)
