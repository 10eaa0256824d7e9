"""What the notifier needs from storage and from a delivery channel, as plain Python.

The SQL store lives in services/store/notices.py; tests may use fakes. Adding SMS means one more
``Channel``: it says which address of a recipient it uses and how to send one message there.
"""

from __future__ import annotations

import abc
import re
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Recipient:
    member_id: str
    name: str
    email: str | None
    phone: str | None
    wants_email: bool
    wants_signal: bool
    wants_reminders: bool


@dataclass(frozen=True)
class AssignmentInfo:
    """An assignment as a member would read it in a message: what, where, when, for whom."""

    assignment_id: str
    club_id: str
    club_name: str
    timezone: str
    status: str
    title: str
    kind: str
    place_name: str
    notes: str
    partner_name: str
    starts_at: datetime
    ends_at: datetime
    recipient: Recipient
    itinerary: tuple[str, ...] = ()
    """A driver's lift: when to leave, whom to collect where (see services/itinerary.py)."""


SIGNIN_PLACEHOLDER = re.compile(r"\[\[sign-in link for ([A-Za-z0-9_.:-]{1,64})\]\]")


def signin_placeholder(member_id: str) -> str:
    """Where a message's sign-in link goes: the stored text names only whose link it is, and the
    store fills in a fresh short-lived link when the message is sent (see store/member_signin.py)."""
    return f"[[sign-in link for {member_id}]]"


@dataclass(frozen=True)
class Notice:
    """One message to one address, stored before it is sent (a notification outbox)."""

    dedupe_key: str
    club_id: str
    kind: str
    channel: str
    address: str
    subject: str
    body: str
    not_before: datetime | None = None
    """Held back until then (a coordinator's quiet hours); None sends at the next round."""


@dataclass(frozen=True)
class PendingNotice:
    id: int
    channel: str
    address: str
    subject: str
    body: str
    attempts: int


class Channel(abc.ABC):
    name: str

    @abc.abstractmethod
    def address(self, recipient: Recipient) -> str | None:
        """The recipient's address on this channel, or None if they cannot or will not get messages here."""

    @abc.abstractmethod
    def send(self, address: str, subject: str, body: str) -> None:
        """Deliver one message or raise; the notifier records the failure and retries later."""


class NoticeStore(abc.ABC):
    @abc.abstractmethod
    def assignment(self, assignment_id: str) -> AssignmentInfo | None: ...

    @abc.abstractmethod
    def record(self, consumer: str, event_id: str, notices: list[Notice]) -> bool:
        """Store ``notices`` and mark the event processed in one transaction; False (and nothing
        stored) if this consumer already processed the event."""

    @abc.abstractmethod
    def add(self, notices: list[Notice]) -> int:
        """Store the notices whose dedupe key is new; returns how many were new."""

    @abc.abstractmethod
    def claim(self, limit: int, max_attempts: int, now: datetime, hold: timedelta) -> list[PendingNotice]:
        """Unsent messages under ``max_attempts`` whose back-off (if any) has run out by ``now``,
        each claimed for ``hold`` so that no other sender (another worker) takes it meanwhile; a
        sender that dies mid-send leaves its claim to expire, and the message is tried again."""

    @abc.abstractmethod
    def mark(
        self, notice_id: int, sent: bool, error: str | None, give_up: bool, retry_at: datetime | None = None
    ) -> None:
        """Record one attempt; a failure that is not given up waits until ``retry_at``."""

    @abc.abstractmethod
    def starting_between(self, start: datetime, end: datetime) -> list[AssignmentInfo]:
        """Live (issued or accepted) assignments whose work starts in [start, end)."""


@dataclass(frozen=True)
class RequestStatus:
    """What a partner's webhook is told about one of its requests: counts only, never who."""

    club_id: str
    partner_id: str
    request_id: str
    status: str
    fill_state: str
    assigned: int
    confirmed: int
    headcount: int


class WebhookStore(abc.ABC):
    @abc.abstractmethod
    def hook(self, partner_id: str) -> tuple[str, str] | None:
        """The partner's (url, secret), or None if it has no webhook."""

    @abc.abstractmethod
    def request_status(self, request_id: str) -> RequestStatus | None: ...
