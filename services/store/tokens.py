"""Private links and bearer tokens: only a SHA-256 of each token is stored."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, Connection, func, insert, select, update

from services.store.tables import coordinators, members, partners, tokens

Role = Literal["partner", "member", "coordinator", "calendar"]
"""A calendar token reads one member's feed and nothing else: a calendar service that syncs it holds
no key to the member's page (answers, profile, home)."""


@dataclass(frozen=True)
class Principal:
    role: Role
    club_id: str
    subject_id: str


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


def resolve(conn: Connection, token: str) -> Principal | None:
    """Whose token this is, if it still works: not revoked, not expired, and its holder still active
    (a deactivated member, partner or coordinator loses every credential at once)."""
    t = tokens.c
    row = conn.execute(
        select(t.role, t.club_id, t.subject_id, t.expires_at).where(
            t.token_hash == _digest(token), t.revoked_at.is_(None)
        )
    ).first()
    if row is None or (row.expires_at is not None and row.expires_at <= datetime.now(UTC)):
        return None
    table = {"member": members, "calendar": members, "partner": partners, "coordinator": coordinators}[
        row.role
    ]
    active = conn.execute(select(table.c.active).where(table.c.id == row.subject_id)).scalar()
    if active is False or (active is None and row.role != "coordinator"):
        return None  # a coordinator's link works before its account exists: that is how it is claimed
    return Principal(row.role, row.club_id, row.subject_id)


def issued_at(conn: Connection, role: Role, club_id: str, subject_id: str) -> datetime | None:
    """When the subject's live token of ``role`` was made (None if there is none)."""
    t = tokens.c
    found = conn.execute(
        select(func.max(t.created_at)).where(
            t.role == role, t.club_id == club_id, t.subject_id == subject_id, t.revoked_at.is_(None)
        )
    ).scalar()
    return found if isinstance(found, datetime) else None
