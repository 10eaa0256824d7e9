"""The notifier: a consumer of assignment events, idempotent like the handlers, with its own name.

For each AssignmentIssued or AssignmentWithdrawn it writes one pending message per channel the
member uses, in the same transaction as its inbox entry (so a redelivered event sends nothing
twice), then delivers pending messages. Reminders are written the same way for work starting
within the next day; a unique key per assignment, kind and channel keeps each to one.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import structlog

from events import (
    AnyEvent,
    AssignmentChanged,
    AssignmentChased,
    AssignmentIssued,
    AssignmentWithdrawn,
    decode,
)
from services.notify.compose import compose
from services.notify.ports import AssignmentInfo, Channel, Notice, NoticeStore, PendingNotice
from services.retry import RetryPolicy

NOTIFIER_CONSUMER = "notifier"

SEND_RETRY = RetryPolicy(first=60.0, factor=4.0, cap=64 * 60.0, attempts=5)
"""A message that failed waits 1, 4, 16, 64 minutes; after the fifth failure it is given up."""
REMIND_AHEAD = timedelta(hours=24)
SEND_CONCURRENCY = 8
"""Destinations served at once by one sender."""
CLAIM_HOLD = timedelta(minutes=2)
"""Longer than any one destination's queue takes (a channel times out after 10 s per message)."""
KINDS = {
    AssignmentIssued: "issued",
    AssignmentWithdrawn: "withdrawn",
    AssignmentChased: "chased",
    AssignmentChanged: "changed",
}

log = structlog.get_logger("mechanic.notify")


class Notifier:
    def __init__(
        self,
        store: NoticeStore,
        channels: list[Channel],
        consumer: str = NOTIFIER_CONSUMER,
        concurrency: int = SEND_CONCURRENCY,
    ) -> None:
        self.store, self.channels, self.consumer = store, {c.name: c for c in channels}, consumer
        self.concurrency = concurrency

    def notices(
        self, kind: str, info: AssignmentInfo, occasion: str = "", changes: Sequence[str] = ()
    ) -> list[Notice]:
        """One message per channel the member uses; ``occasion`` tells apart messages of a kind that
        may be sent more than once (each chase, each change), so the unique key keeps only true
        duplicates out."""
        subject, body = compose(kind, info, changes)
        out = []
        for channel in self.channels.values():
            address = channel.address(info.recipient)
            if address:
                key = f"{info.assignment_id}:{kind}{occasion}:{channel.name}"
                out.append(Notice(key, info.club_id, kind, channel.name, address, subject, body))
        return out

    def on_payload(self, payload: bytes | str) -> bool:
        return self.on_event(decode(payload))

    def on_event(self, event: AnyEvent) -> bool:
        """Record the messages an event calls for, once; the sender loop (``deliver``) sends them, so
        a slow mail server or partner endpoint never holds up the delivery of events.
        Returns False for an event already processed (or of no interest)."""
        kind = KINDS.get(type(event))
        if kind is None:
            return False
        info = self.store.assignment(event.assignment_id)  # type: ignore[union-attr]
        again = isinstance(event, AssignmentChased | AssignmentChanged)
        occasion = f":{event.event_id}" if again else ""
        changes = event.changes if isinstance(event, AssignmentChanged) else []
        stale = kind == "chased" and info is not None and info.status != "issued"  # answered meanwhile
        items = self.notices(kind, info, occasion, changes) if info and not stale else []
        return self.store.record(self.consumer, str(event.event_id), items)

    def remind(self, now: datetime | None = None) -> int:
        """Write reminders for live assignments starting within the next day; returns how many were new."""
        now = now or datetime.now(UTC)
        items = [
            n
            for info in self.store.starting_between(now, now + REMIND_AHEAD)
            if info.recipient.wants_reminders
            for n in self.notices("reminder", info)
        ]
        return self.store.add(items) if items else 0

    def deliver(self, limit: int = 100, now: datetime | None = None) -> int:
        """Send what is pending; returns how many were sent. Each destination (a mailbox, a phone, a
        partner's endpoint) gets its messages one at a time and in order, different destinations in
        parallel, so one slow or dead receiver delays only its own messages. A failure is recorded
        and retried on a later round as SEND_RETRY says, so that a receiver that is down is not
        hammered."""
        now = now or datetime.now(UTC)
        queues: dict[tuple[str, str], list[PendingNotice]] = {}
        for item in self.store.claim(limit, SEND_RETRY.attempts or 0, now, CLAIM_HOLD):
            queues.setdefault((item.channel, item.address), []).append(item)
        if not queues:
            return 0
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(queues))) as pool:
            return sum(pool.map(lambda queue: self._send_in_order(queue, now), queues.values()))

    def _send_in_order(self, queue: list[PendingNotice], now: datetime) -> int:
        sent = 0
        for item in queue:
            channel = self.channels.get(item.channel)
            try:
                if channel is None:
                    raise LookupError(f"channel {item.channel} is not configured")
                channel.send(item.address, item.subject, item.body)
            except Exception as exc:  # any delivery failure is recorded and retried
                give_up = SEND_RETRY.parks(item.attempts + 1)
                log.warning(
                    "notify.failed", notice=item.id, channel=item.channel, error=repr(exc), give_up=give_up
                )
                retry_at = now + SEND_RETRY.wait(item.attempts + 1)
                self.store.mark(item.id, False, repr(exc)[:500], give_up, retry_at)
                continue
            self.store.mark(item.id, True, None, False)
            sent += 1
        return sent
