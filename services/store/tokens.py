"""Private links and bearer tokens: only a SHA-256 of each token is stored."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import ColumnElement, Connection, Engine, bindparam, func, insert, or_, select, update

from services.store.db import read_only
from services.store.tables import coordinators, members, partners, tokens

Role = Literal["partner", "member", "coordinator", "calendar"]
"""A calendar token reads one member's feed and nothing else: a calendar service that syncs it holds
no key to the member's page (answers, profile, home)."""


@dataclass(frozen=True)
class Principal:
    role: Role
    club_id: str
    subject_id: str


@dataclass(frozen=True)
class Lifetimes:
    """How long each kind of private link lasts unused. The time slides: every use starts it again,
    so a link in use never stops, while one left in an old email, a lost phone or a calendar nobody
    reads any more stops by itself. Coordinators' API keys and claim links have fixed expiry dates
    instead (``expires_at``)."""

    member: timedelta
    partner: timedelta
    calendar: timedelta

    def of(self, role: Role) -> timedelta | None:
        return {"member": self.member, "partner": self.partner, "calendar": self.calendar}.get(role)


class LinkExpired(Exception):
    """A private link that went unused longer than its lifetime: its holder needs a new one."""

    def __init__(self, role: Role, lifetime: timedelta) -> None:
        super().__init__(f"{role} link unused for {lifetime.days} days")
        self.role = role
        self.lifetime = lifetime


TOUCH_EVERY = timedelta(hours=1)
"""A use is recorded at most this often per link, so reading pages seldom writes (a lifetime is
exact to within this)."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(
    conn: Connection,
    role: Role,
    club_id: str,
    subject_id: str,
    label: str | None = None,
    expires_at: datetime | None = None,
) -> str:
    """Create a fresh token for ``subject_id``; the caller shows it once, we keep only its hash."""
    token = secrets.token_urlsafe(24)
    conn.execute(
        insert(tokens).values(
            token_hash=_digest(token),
            club_id=club_id,
            role=role,
            subject_id=subject_id,
            created_at=datetime.now(UTC),
            label=label,
            expires_at=expires_at,
        )
    )
    return token


def revoke_all(conn: Connection, role: Role, club_id: str, subject_id: str) -> None:
    t = tokens.c
    conn.execute(
        update(tokens)
        .where(t.role == role, t.club_id == club_id, t.subject_id == subject_id, t.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
    )


def _live_keys(club_id: str, coordinator_id: str) -> tuple[ColumnElement[bool], ...]:
    t = tokens.c
    return (
        t.role == "coordinator",
        t.club_id == club_id,
        t.subject_id == coordinator_id,
        t.label.is_not(None),
        t.revoked_at.is_(None),
    )


def key_id(token: str) -> str:
    """The id an API key is shown and revoked by: the start of its hash, never the key."""
    return _digest(token)[:16]


def api_keys(conn: Connection, club_id: str, coordinator_id: str) -> list[dict[str, Any]]:
    """A coordinator's live API keys, by name (never the key)."""
    t = tokens.c
    rows = conn.execute(
        select(t.token_hash, t.label, t.created_at, t.expires_at)
        .where(*_live_keys(club_id, coordinator_id))
        .order_by(t.created_at)
    )
    return [dict(row._mapping) | {"id": row.token_hash[:16]} for row in rows]


def revoke_key(conn: Connection, club_id: str, coordinator_id: str, key_id: str) -> bool:
    t = tokens.c
    done = conn.execute(
        update(tokens)
        .where(*_live_keys(club_id, coordinator_id), t.token_hash.startswith(key_id))
        .values(revoked_at=datetime.now(UTC))
    )
    return done.rowcount == 1


def rotate(conn: Connection, role: Role, club_id: str, subject_id: str) -> str:
    """Revoke every live token of the subject and issue a new one."""
    revoke_all(conn, role, club_id, subject_id)
    return issue(conn, role, club_id, subject_id)


_t = tokens.c
_LIVE_BY_HASH = select(
    _t.role, _t.club_id, _t.subject_id, _t.expires_at, _t.created_at, _t.last_used_at
).where(_t.token_hash == bindparam("token_hash"), _t.revoked_at.is_(None))
_ACTIVE = {
    role: select(table.c.active).where(table.c.id == bindparam("subject_id"))
    for role, table in (
        ("member", members),
        ("calendar", members),
        ("partner", partners),
        ("coordinator", coordinators),
    )
}
"""Built once: every authenticated request runs both, and compiling them afresh cost more than
running them."""


def _judge(
    row: Any, active: bool | None, lifetimes: Lifetimes | None, now: datetime
) -> tuple[Principal, datetime] | None:
    """The token's holder and when it was last used, if it still works: not revoked, not expired,
    not unused beyond its lifetime (LinkExpired), and its holder still active (a deactivated member,
    partner or coordinator loses every credential at once). ``row`` is its live row (or None),
    ``active`` its holder's flag (None: no such holder)."""
    if row is None or (row.expires_at is not None and row.expires_at <= now):
        return None
    if active is False or (active is None and row.role != "coordinator"):
        return None  # a coordinator's link works before its account exists: that is how it is claimed
    used = row.last_used_at or row.created_at
    lifetime = lifetimes.of(row.role) if lifetimes else None
    if lifetime is not None and used + lifetime <= now:
        raise LinkExpired(row.role, lifetime)
    return Principal(row.role, row.club_id, row.subject_id), used


def _find(
    conn: Connection, token: str, lifetimes: Lifetimes | None, now: datetime
) -> tuple[Principal, datetime] | None:
    row = conn.execute(_LIVE_BY_HASH, {"token_hash": _digest(token)}).first()
    if row is None:
        return None
    active = conn.execute(_ACTIVE[row.role], {"subject_id": row.subject_id}).scalar()
    return _judge(row, active, lifetimes, now)


_LIVE_BY_HASHES = select(
    _t.token_hash, _t.role, _t.club_id, _t.subject_id, _t.expires_at, _t.created_at, _t.last_used_at
).where(_t.token_hash.in_(bindparam("hashes", expanding=True)), _t.revoked_at.is_(None))
_ACTIVE_OF = {
    table.name: select(table.c.id, table.c.active).where(table.c.id.in_(bindparam("ids", expanding=True)))
    for table in (members, partners, coordinators)
}
_TABLE_OF: dict[str, str] = {
    "member": members.name,
    "calendar": members.name,
    "partner": partners.name,
    "coordinator": coordinators.name,
}


def find_many(
    conn: Connection, given: list[tuple[str, Lifetimes | None]], now: datetime
) -> list[tuple[Principal, datetime] | LinkExpired | None]:
    """``_judge`` for several tokens at once, in one query for the tokens and one per kind of
    holder, whatever their number: the API's look-ups of a burst of requests share them."""
    digests = [_digest(token) for token, _ in given]
    rows = {row.token_hash: row for row in conn.execute(_LIVE_BY_HASHES, {"hashes": sorted(set(digests))})}
    holders: dict[str, set[str]] = {}
    for live in rows.values():
        holders.setdefault(_TABLE_OF[live.role], set()).add(live.subject_id)
    active: dict[tuple[str, str], bool] = {}
    for table, ids in holders.items():
        for holder in conn.execute(_ACTIVE_OF[table], {"ids": sorted(ids)}):
            active[table, holder.id] = holder.active
    judged: list[tuple[Principal, datetime] | LinkExpired | None] = []
    for digest, (_, lifetimes) in zip(digests, given, strict=True):
        row = rows.get(digest)
        flag = None if row is None else active.get((_TABLE_OF[row.role], row.subject_id))
        try:
            judged.append(_judge(row, flag, lifetimes, now))
        except LinkExpired as expired:
            judged.append(expired)
    return judged


def touch(conn: Connection, token: str, now: datetime) -> None:
    """Record a use of the link, so its lifetime starts again. A conditional write: of two uses at
    once, one records it; a use within TOUCH_EVERY of the last recorded one writes nothing."""
    t = tokens.c
    conn.execute(
        update(tokens)
        .where(
            t.token_hash == _digest(token),
            or_(t.last_used_at.is_(None), t.last_used_at <= now - TOUCH_EVERY),
        )
        .values(last_used_at=now)
    )


def due_for_touch(used: datetime, now: datetime) -> bool:
    return used + TOUCH_EVERY <= now


def resolve(conn: Connection, token: str, lifetimes: Lifetimes | None = None) -> Principal | None:
    """Whose token this is, if it still works (see _find); records no use."""
    found = _find(conn, token, lifetimes, datetime.now(UTC))
    return found[0] if found else None


def use(engine: Engine, token: str, lifetimes: Lifetimes) -> Principal | None:
    """resolve, and record the use (at most once per TOUCH_EVERY) so the link's lifetime starts again.
    Raises LinkExpired for a link unused beyond its lifetime."""
    now = datetime.now(UTC)
    with read_only(engine).connect() as conn:
        found = _find(conn, token, lifetimes, now)
    if found is None:
        return None
    who, used = found
    if due_for_touch(used, now):
        with engine.begin() as conn:
            touch(conn, token, now)
    return who


@dataclass(frozen=True)
class LinkUse:
    """When a live link was last used, or made if it never was (``opened`` says which): its
    lifetime runs from then."""

    at: datetime
    opened: bool


def last_used(conn: Connection, club_id: str, role: Role) -> dict[str, LinkUse]:
    """When each subject's live link of ``role`` was last used (or made, if never used), for the
    coordinators' lists: a link near its lifetime's end can be replaced before it stops."""
    t = tokens.c
    used = func.max(func.coalesce(t.last_used_at, t.created_at))
    rows = conn.execute(
        select(t.subject_id, used.label("used"), func.max(t.last_used_at).label("opened"))
        .where(t.club_id == club_id, t.role == role, t.revoked_at.is_(None))
        .group_by(t.subject_id)
    )
    return {row.subject_id: LinkUse(row.used, row.opened is not None) for row in rows}


def issued_at(conn: Connection, role: Role, club_id: str, subject_id: str) -> datetime | None:
    """When the subject's live token of ``role`` was made (None if there is none)."""
    t = tokens.c
    found = conn.execute(
        select(func.max(t.created_at)).where(
            t.role == role, t.club_id == club_id, t.subject_id == subject_id, t.revoked_at.is_(None)
        )
    ).scalar()
    return found if isinstance(found, datetime) else None
