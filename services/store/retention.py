"""Forgetting on time. Some days after an action ends (the club chooses how many) its place, notes
and free text are removed (where a lift's passengers waited and their phones, as soon as it is
over), and for high-risk work (court support, lookouts, and any kind the club
marks) so is who went, leaving only counts; sent messages are deleted; the outbox, the inbox of
processed events and the dead letters are pruned after the stream's retention (the Kafka topics
keep events exactly as long); the geocoder's answers (the places people searched for) go once they
are too old to be used; the audit trail is kept for the club's retention days, failed sign-ins and
expired password-reset links only as long as they are read. Run by a periodic job in every mode;
idempotent."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy import Connection, Engine, delete, select, update

from services.domain import ALWAYS_HIGH_RISK
from services.store import accounts, audit, geocode_cache, member_signin
from services.store.erasure import forget_assignments
from services.store.lifts import ended_lifts_with_pickups, forget_pickups
from services.store.outbox import append as append_event
from services.store.tables import (
    assignments,
    clubs,
    dead_letters,
    exclusions,
    help_requests,
    notices,
    outbox,
    pins,
    processed_events,
    released_pins,
    roster_entries,
)

log = structlog.get_logger("mechanic.retention")
COARSE_DEGREES = 1
"""Decimals of latitude and longitude kept after retention: about 10 km, enough for statistics."""


@dataclass(frozen=True)
class Pruned:
    requests: int = 0
    links: int = 0
    notices: int = 0
    outbox: int = 0
    processed: int = 0
    dead_letters: int = 0
    pickups: int = 0
    places: int = 0
    audit: int = 0
    sign_ins: int = 0


def apply(engine: Engine, now: datetime, stream_days: int, geocode_days: int = 30) -> Pruned:
    with engine.begin() as conn:
        requests = links = sent = audited = 0
        for club in conn.execute(select(clubs.c.id, clubs.c.retention_days, clubs.c.high_risk_kinds)).all():
            cutoff = now - timedelta(days=club.retention_days)
            high_risk = ALWAYS_HIGH_RISK | set(club.high_risk_kinds or ())
            scrubbed, forgotten = _scrub_requests(conn, club.id, cutoff, high_risk, now)
            requests, links = requests + scrubbed, links + forgotten
            n = notices.c
            sent += conn.execute(
                delete(notices).where(n.club_id == club.id, n.status != "pending", n.created_at < cutoff)
            ).rowcount
            audited += audit.prune(conn, club.id, cutoff)
        stream_cutoff = now - timedelta(days=stream_days)
        return Pruned(
            requests=requests,
            links=links,
            notices=sent,
            outbox=conn.execute(delete(outbox).where(outbox.c.published_at < stream_cutoff)).rowcount,
            processed=conn.execute(
                delete(processed_events).where(processed_events.c.processed_at < stream_cutoff)
            ).rowcount,
            dead_letters=conn.execute(
                delete(dead_letters).where(dead_letters.c.parked_at < stream_cutoff)
            ).rowcount,
            pickups=forget_pickups(conn, ended_lifts_with_pickups(conn, now)),
            places=geocode_cache.prune(conn, now - timedelta(days=geocode_days)),
            audit=audited,
            sign_ins=accounts.prune_attempts(conn, now)
            + accounts.prune_resets(conn, now)
            + member_signin.prune(conn, now),
        )


def _scrub_requests(
    conn: Connection, club_id: str, cutoff: datetime, high_risk: frozenset[str], now: datetime
) -> tuple[int, int]:
    r = help_requests.c
    due = conn.execute(
        select(r.id, r.kind, r.lat, r.lon).where(
            r.club_id == club_id, r.ends_at < cutoff, r.scrubbed_at.is_(None)
        )
    ).all()
    for row in due:
        conn.execute(
            update(help_requests)
            .where(r.id == row.id)
            .values(
                title=f"{row.kind.replace('_', ' ').capitalize()} (details removed)",
                notes="",
                place_name="(removed)",
                lat=round(row.lat, COARSE_DEGREES),
                lon=round(row.lon, COARSE_DEGREES),
                scrubbed_at=now,
            )
        )
    risky = [row.id for row in due if row.kind in high_risk]
    if not risky:
        return len(due), 0
    for table in (roster_entries, released_pins, pins, exclusions):
        conn.execute(delete(table).where(table.c.request_id.in_(risky)))
    forgotten, withdrawn = forget_assignments(conn, club_id, assignments.c.request_id.in_(risky), now)
    for event in withdrawn:
        append_event(conn, event)
    return len(due), forgotten


def run(engine: Engine, stream_days: int, now: datetime | None = None, geocode_days: int = 30) -> Pruned:
    """One round of the job, logged."""
    pruned = apply(engine, now or datetime.now(UTC), stream_days, geocode_days)
    if pruned != Pruned():
        log.info("retention.pruned", **dataclasses.asdict(pruned))
    return pruned
