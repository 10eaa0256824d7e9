"""Alerts to coordinators: a consumer of events with its own inbox, like the notifier, plus a periodic
round for what no event announces (planning that keeps failing, the daily digest).

It only records messages (rows of the notification outbox, in the same transaction as its inbox
entry); the notifier's sender loop sends them, so event delivery never waits for a mail server.

Immediate alerts, for each coordinator who has them on:
- a decline, or the withdrawal of a member who left, on work starting within 48 hours: the
  re-solve proposes a replacement, which waits for approval on the board (one alert per event and
  coordinator and channel: the dedupe key holds the event id);
- an urgent or high-priority place (priority 4 or 5) left empty by a new proposal, on work starting
  within 48 hours: once per request and coordinator, however many proposals leave it empty;
- planning failed for the club: at most once a club-local day.

Quiet hours (club time, e.g. 22:00-07:00): an immediate alert recorded then is held until quiet
hours end (the row's next attempt time), except one about work starting within 12 hours
(``QUIET_OVERRIDE``), which goes at once: by 07:00 it may be too late to act. A failed planning is
always held.

The digest, at the hour each coordinator chose (club time), once a day and only when there is
something to say: the proposal waiting for approval, assignments unanswered for longer than the
coordinator's N hours, requests that arrived in the last day.

Messages carry titles, times, ids and a link to the board (``MECHANIC_PUBLIC_URL`` when set), never
members' names or contact details.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from events import AnyEvent, AssignmentDeclined, AssignmentWithdrawn, RosterProposed
from services.notify.ports import Notice, NoticeStore
from services.store import alerts as store
from services.text import printable

ALERTS_CONSUMER = "coordinator_alerts"
URGENT_WITHIN = timedelta(hours=48)
QUIET_OVERRIDE = timedelta(hours=12)
"""Work starting this soon is alerted even in quiet hours."""
KIND = "coord_alert"
DIGEST = "coord_digest"


def in_quiet(hour: int, start: int | None, end: int | None) -> bool:
    if start is None or end is None or start == end:
        return False
    return start <= hour < end if start < end else hour >= start or hour < end


def held_until(choice: store.Choices, now: datetime, starts_at: datetime | None) -> datetime | None:
    """When an immediate alert may go: None for now, or the end of the coordinator's quiet hours."""
    local = now.astimezone(ZoneInfo(choice.timezone))
    if not in_quiet(local.hour, choice.quiet_start, choice.quiet_end):
        return None
    if starts_at is not None and starts_at - now <= QUIET_OVERRIDE:
        return None
    end = local.replace(hour=choice.quiet_end or 0, minute=0, second=0, microsecond=0)
    if end <= local:
        end += timedelta(days=1)
    return end.astimezone(UTC)


def when(starts_at: datetime, ends_at: datetime, timezone: str) -> str:
    tz = ZoneInfo(timezone)
    start, end = starts_at.astimezone(tz), ends_at.astimezone(tz)
    return f"{start.strftime('%a %-d %b %H:%M')}-{end.strftime('%H:%M')}"


class CoordinatorAlerts:
    def __init__(
        self,
        engine: Engine,
        notices: NoticeStore,
        public_url: str | None,
        consumer: str = ALERTS_CONSUMER,
        channels: frozenset[str] | None = None,
    ) -> None:
        """``channels``: the ones this server can send on (None: all); no message is recorded for another."""
        self.engine, self.notices, self.consumer, self.channels = engine, notices, consumer, channels
        self.board = f"{public_url.rstrip('/')}/c/" if public_url else "/c/ on the club's site"

    def on_event(self, event: AnyEvent, now: datetime | None = None) -> bool:
        """Record the alerts an event calls for, once per event; False for one already processed
        (or of no interest)."""
        if not isinstance(event, AssignmentDeclined | AssignmentWithdrawn | RosterProposed):
            return False
        now = now or datetime.now(UTC)
        with self.engine.connect() as conn:
            if isinstance(event, RosterProposed):
                alerts = self._empty_places(conn, event, now)
            else:
                alerts = self._replacement(conn, event, now)
            people = store.recipients(conn, event.club_id) if alerts else []
        items = [
            n
            for key, subject, lines, starts_at in alerts
            for c in people
            if c.immediate
            for n in self._notices(c, f"{key}:{c.coordinator_id}", KIND, subject, lines, starts_at, now)
        ]
        return self.notices.record(self.consumer, str(event.event_id), items)

    def _replacement(
        self, conn: Any, event: AssignmentDeclined | AssignmentWithdrawn, now: datetime
    ) -> list[tuple[str, str, list[str], datetime | None]]:
        facts = store.request_facts(conn, event.request_id)
        if facts is None or facts["status"] != "open" or not now < facts["starts_at"] <= now + URGENT_WITHIN:
            return []
        if isinstance(event, AssignmentWithdrawn) and store.member_active(conn, event.member_id):
            return []  # withdrawn by an approval or a cancellation: the coordinator's own doing
        what = "declined" if isinstance(event, AssignmentDeclined) else "withdrawn (the member left)"
        tz = self._timezone(conn, event.club_id)
        title, time = printable(facts["title"]), when(facts["starts_at"], facts["ends_at"], tz)
        lines = [
            f"An assignment on {title}, {time}, was {what}.",
            "A replacement is being planned; the new proposal waits for your approval on the board.",
            "",
            f"Request:    {facts['id']}",
            f"Assignment: {event.assignment_id}",
        ]
        return [
            (
                f"alert:{event.event_id}",
                f"Urgent: a place to fill on {title}, {time}",
                lines,
                facts["starts_at"],
            )
        ]

    def _empty_places(
        self, conn: Any, event: RosterProposed, now: datetime
    ) -> list[tuple[str, str, list[str], datetime | None]]:
        empty: dict[str, list[dict[str, Any]]] = {}
        for place in store.urgent_unfilled(conn, event.roster_id, now, URGENT_WITHIN):
            empty.setdefault(place["request_id"], []).append(place)
        if not empty:
            return []
        tz, out = self._timezone(conn, event.club_id), []
        for request_id, places in empty.items():
            first = places[0]
            title, time = printable(first["title"]), when(first["starts_at"], first["ends_at"], tz)
            count = f"{len(places)} place{'s' if len(places) > 1 else ''}"
            lines = [
                f"{title}, {time}, still has {count} empty in the newest proposal, and it is urgent.",
                "Nobody suitable is free: place someone by hand from the board.",
                "",
                f"Request:  {request_id}",
                f"Proposal: {event.roster_id}",
            ]
            subject = f"Urgent and still empty: {title}, {time}"
            out.append((f"alert:empty:{request_id}", subject, lines, first["starts_at"]))
        return out

    @staticmethod
    def _timezone(conn: Any, club_id: str) -> str:
        return store.timezone(conn, club_id)

    def _notices(
        self,
        choice: store.Choices,
        key: str,
        kind: str,
        subject: str,
        lines: list[str],
        starts_at: datetime | None,
        now: datetime,
        hold: bool = True,
    ) -> list[Notice]:
        body = "\n".join([*lines, "", f"The board: {self.board}"])
        later = held_until(choice, now, starts_at) if hold else None
        addresses = [("email", choice.email_to), ("signal", choice.signal_number)]
        return [
            Notice(f"{key}:{channel}", choice.club_id, kind, channel, address, subject, body, later)
            for channel, address in addresses
            if address and (self.channels is None or channel in self.channels)
        ]

    def round(self, now: datetime | None = None) -> int:
        """Planning failures and the digests due this hour; returns how many messages were new."""
        now = now or datetime.now(UTC)
        items: list[Notice] = []
        with self.engine.connect() as conn:
            for club_id in store.club_ids(conn):
                people = store.recipients(conn, club_id)
                failure = store.planning_failure(conn, club_id)
                for c in people:
                    day = now.astimezone(ZoneInfo(c.timezone)).date().isoformat()
                    if failure and c.immediate:
                        lines = [
                            "Planning failed for the club: new requests and answers are not being planned.",
                            "It is retried by itself; the board shows the reason.",
                        ]
                        key = f"alert:failed:{club_id}:{day}:{c.coordinator_id}"
                        items += self._notices(c, key, KIND, "Planning failed", lines, None, now)
                    if (
                        c.digest_hour is not None
                        and now.astimezone(ZoneInfo(c.timezone)).hour == c.digest_hour
                    ):
                        items += self._digest(conn, c, day, now)
        return self.notices.add(items) if items else 0

    def _digest(self, conn: Any, c: store.Choices, day: str, now: datetime) -> list[Notice]:
        facts = store.digest_facts(conn, c.club_id, now, timedelta(hours=c.unanswered_hours))
        if not (facts["proposal"] or facts["unanswered"] or facts["new_requests"]):
            return []
        lines = []
        if facts["proposal"]:
            made = (
                facts["proposal"]["created_at"].astimezone(ZoneInfo(c.timezone)).strftime("%a %-d %b %H:%M")
            )
            lines += [f"A proposal waits for your approval (made {made}): {facts['proposal']['id']}", ""]
        if facts["unanswered"]:
            lines.append(f"Not answered for over {c.unanswered_hours} h ({len(facts['unanswered'])}):")
            lines += [self._line(c, row, "assignment") for row in facts["unanswered"]] + [""]
        if facts["new_requests"]:
            lines.append(f"New requests since yesterday ({len(facts['new_requests'])}):")
            lines += [self._line(c, row, "request") for row in facts["new_requests"]] + [""]
        subject = f"Daily summary: {self._summary(facts)}"
        return self._notices(
            c, f"digest:{c.coordinator_id}:{day}", DIGEST, subject, lines, None, now, hold=False
        )

    @staticmethod
    def _line(c: store.Choices, row: dict[str, Any], what: str) -> str:
        start = row["starts_at"].astimezone(ZoneInfo(c.timezone)).strftime("%a %-d %b %H:%M")
        return f"- {printable(row['title'])}, {start} ({what} {row['id']})"

    @staticmethod
    def _summary(facts: dict[str, Any]) -> str:
        parts = ["a proposal to approve"] if facts["proposal"] else []
        if facts["unanswered"]:
            parts.append(f"{len(facts['unanswered'])} unanswered")
        if facts["new_requests"]:
            parts.append(f"{len(facts['new_requests'])} new requests")
        return ", ".join(parts)
