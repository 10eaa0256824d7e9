"""Leases with an epoch (a fencing token): who may publish the outbox, and proof that they still may.

A session lock dies with its connection and never expires while a paused process keeps it, so
neither a database restart nor a hung leader is handled by one. A lease row expires on its own; each
take-over raises the epoch, and a holder renews only while the row still carries its own name and
epoch and has not expired, so a leader that was paused, cut off or slow learns that it lost the lead
before it marks anything as published. Times are the relays' own clocks (keep them in sync).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, case, select, update

from services.store.tables import leases

RELAY = "relay"


class LeaseLost(RuntimeError):
    """Another holder has the lease now (or it expired): stop acting as the leader."""


def acquire(conn: Connection, name: str, holder: str, now: datetime, ttl: timedelta) -> int | None:
    """Take the lease if it is free or expired (a new epoch), or renew it if ``holder`` already has
    it (same epoch); returns the epoch, or None while someone else holds it."""
    c = leases.c
    done = conn.execute(
        update(leases)
        .where(c.name == name, (c.expires_at <= now) | (c.holder == holder))
        .values(
            epoch=case((c.holder == holder, c.epoch), else_=c.epoch + 1),
            holder=holder,
            expires_at=now + ttl,
        )
    )
    if done.rowcount != 1:
        return None
    return int(conn.execute(select(c.epoch).where(c.name == name)).scalar_one())


def renew(conn: Connection, name: str, holder: str, epoch: int, now: datetime, ttl: timedelta) -> None:
    """Extend the lease, or raise ``LeaseLost`` if it is no longer this holder's at this epoch."""
    c = leases.c
    done = conn.execute(
        update(leases)
        .where(c.name == name, c.holder == holder, c.epoch == epoch, c.expires_at > now)
        .values(expires_at=now + ttl)
    )
    if done.rowcount != 1:
        raise LeaseLost(f"lease {name} epoch {epoch} is no longer held by {holder}")


def release(conn: Connection, name: str, holder: str, epoch: int) -> None:
    """Let a standby take over at once instead of waiting for the expiry."""
    c = leases.c
    conn.execute(
        update(leases)
        .where(c.name == name, c.holder == holder, c.epoch == epoch)
        .values(expires_at=datetime(1970, 1, 1, tzinfo=UTC))
    )
