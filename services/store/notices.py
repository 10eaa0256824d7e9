"""SQL side of the notifier: what a message needs to say, the notification outbox, member preferences.

Messages are stored as rows before they are sent, in the same transaction as the inbox entry of
the event that caused them: a redelivered event adds nothing, and a crash before sending leaves
a pending row that the next delivery round sends.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, Select, and_, insert, or_, select, update

from services.itinerary import itinerary
from services.notify.ports import AssignmentInfo, Notice, NoticeStore, PendingNotice, Recipient
from services.store import lifts, member_signin
from services.store.tables import (
    assignments,
    clubs,
    help_requests,
    members,
    notices,
    notify_prefs,
    partners,
    processed_events,
)

SECRET_KINDS = ("coordinator_invite", "password_reset")
"""Messages that carry a credential (a claim or reset link): their text is blanked once sent or
given up, so the link does not sit in the database until retention."""
BLANKED = "(sent; the link it carried is not kept)"


def queue_email(
    conn: Connection,
    club_id: str,
    kind: str,
    key: str,
    address: str,
    subject: str,
    body: str,
    channel: str = "email",
) -> None:
    """One email (or a message on another ``channel``) for the sender loop, written in the
    caller's transaction."""
    _add_new(conn, [Notice(f"{kind}:{key}", club_id, kind, channel, address, subject, body)])


def prefs(conn: Connection, member_id: str) -> dict[str, bool]:
    """A member's choices; without a row, email and reminders on, Signal off."""
    row = conn.execute(select(notify_prefs).where(notify_prefs.c.member_id == member_id)).first()
    if row is None:
        return {"email": True, "signal": False, "reminders": True}
    return {"email": row.email, "signal": row.signal, "reminders": row.reminders}


def set_prefs(conn: Connection, member_id: str, email: bool, signal: bool, reminders: bool) -> None:
    values = {"email": email, "signal": signal, "reminders": reminders}
    done = conn.execute(update(notify_prefs).where(notify_prefs.c.member_id == member_id).values(**values))
    if done.rowcount == 0:
        conn.execute(insert(notify_prefs).values(member_id=member_id, **values))


def _info_query() -> Select[Any]:
    a, r, p, m, c, n = (t.c for t in (assignments, help_requests, partners, members, clubs, notify_prefs))
    return (
        select(
            a.id,
            a.club_id,
            a.status,
            a.request_id,
            r.lat,
            r.lon,
            c.name.label("club_name"),
            c.timezone,
            r.title,
            r.kind,
            r.place_name,
            r.notes,
            r.starts_at,
            r.ends_at,
            p.name.label("partner_name"),
            m.id.label("member_id"),
            m.name.label("member_name"),
            m.email,
            m.phone,
            n.email.label("p_email"),
            n.signal.label("p_signal"),
            n.reminders.label("p_reminders"),
        )
        .join(help_requests, r.id == a.request_id)
        .join(partners, p.id == r.partner_id)
        .join(members, m.id == a.member_id)
        .join(clubs, c.id == a.club_id)
        .outerjoin(notify_prefs, n.member_id == m.id)
    )


def _itinerary(conn: Connection, row: Any) -> tuple[str, ...]:
    if row.kind != "lift" or row.status not in lifts.SENT:
        return ()
    pickups = lifts.pickups(conn, [row.request_id]).get(row.request_id)
    if not pickups:
        return ()
    route = lifts.driver_route(conn, row.club_id, row.request_id, row.member_id)
    return tuple(itinerary(route, pickups, (row.place_name, row.lat, row.lon), row.starts_at, row.timezone))


def _info(conn: Connection, row: Any) -> AssignmentInfo:
    recipient = Recipient(
        member_id=row.member_id,
        name=row.member_name,
        email=row.email,
        phone=row.phone,
        wants_email=True if row.p_email is None else bool(row.p_email),
        wants_signal=bool(row.p_signal),
        wants_reminders=True if row.p_reminders is None else bool(row.p_reminders),
    )
    return AssignmentInfo(
        assignment_id=row.id,
        club_id=row.club_id,
        club_name=row.club_name,
        timezone=row.timezone,
        status=row.status,
        title=row.title,
        kind=row.kind,
        place_name=row.place_name,
        notes=row.notes,
        partner_name=row.partner_name,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        recipient=recipient,
        itinerary=_itinerary(conn, row),
    )


def _add_new(conn: Connection, items: list[Notice]) -> int:
    added, now = 0, datetime.now(UTC)
    for item in items:
        if conn.execute(select(notices.c.id).where(notices.c.dedupe_key == item.dedupe_key)).first():
            continue
        values = vars(item) | {"next_attempt_at": item.not_before}
        del values["not_before"]
        conn.execute(insert(notices).values(**values, status="pending", attempts=0, created_at=now))
        added += 1
    return added


class SqlNoticeStore(NoticeStore):
    def __init__(self, engine: Engine, link_base: str = "") -> None:
        self.engine = engine
        self.link_base = link_base
        """Where members' sign-in links point (the pages' public address)."""

    def assignment(self, assignment_id: str) -> AssignmentInfo | None:
        with self.engine.connect() as conn:
            row = conn.execute(_info_query().where(assignments.c.id == assignment_id)).first()
            return _info(conn, row) if row else None

    def record(self, consumer: str, event_id: str, items: list[Notice]) -> bool:
        pe = processed_events.c
        with self.engine.begin() as conn:
            seen = conn.execute(select(pe.event_id).where(pe.consumer == consumer, pe.event_id == event_id))
            if seen.first():
                return False
            _add_new(conn, items)
            conn.execute(
                insert(processed_events).values(
                    consumer=consumer, event_id=event_id, processed_at=datetime.now(UTC)
                )
            )
        return True

    def add(self, items: list[Notice]) -> int:
        with self.engine.begin() as conn:
            return _add_new(conn, items)

    def claim(self, limit: int, max_attempts: int, now: datetime, hold: timedelta) -> list[PendingNotice]:
        n = notices.c
        due = and_(
            n.status == "pending",
            n.attempts < max_attempts,
            or_(n.next_attempt_at.is_(None), n.next_attempt_at <= now),
        )
        with self.engine.begin() as conn:
            rows = conn.execute(
                select(n.id, n.club_id, n.channel, n.address, n.subject, n.body, n.attempts)
                .where(due)
                .order_by(n.id)
                .limit(limit)
            ).all()
            claimed = []
            for row in rows:  # a conditional update per row: of two senders, one gets each message
                won = conn.execute(
                    update(notices).where(n.id == row.id, due).values(next_attempt_at=now + hold)
                )
                if won.rowcount == 1:
                    # a member's sign-in link is made now, for this try: the stored body keeps only
                    # its placeholder, so no usable code sits in the database
                    body = member_signin.fill(conn, row.club_id, row.body, self.link_base)
                    claimed.append(
                        PendingNotice(row.id, row.channel, row.address, row.subject, body, row.attempts)
                    )
            return claimed

    def mark(
        self, notice_id: int, sent: bool, error: str | None, give_up: bool, retry_at: datetime | None = None
    ) -> None:
        status = "sent" if sent else "failed" if give_up else "pending"
        with self.engine.begin() as conn:
            conn.execute(
                update(notices)
                .where(notices.c.id == notice_id)
                .values(
                    status=status,
                    attempts=notices.c.attempts + 1,
                    last_error=error,
                    sent_at=datetime.now(UTC) if sent else None,
                    next_attempt_at=None if sent or give_up else retry_at,
                )
            )
            if sent or give_up:
                n = notices.c
                conn.execute(
                    update(notices).where(n.id == notice_id, n.kind.in_(SECRET_KINDS)).values(body=BLANKED)
                )

    def starting_between(self, start: datetime, end: datetime) -> list[AssignmentInfo]:
        r, a = help_requests.c, assignments.c
        with self.engine.connect() as conn:
            rows = conn.execute(
                _info_query().where(
                    a.status.in_(("issued", "accepted")), r.starts_at >= start, r.starts_at < end
                )
            )
            return [_info(conn, row) for row in rows]
