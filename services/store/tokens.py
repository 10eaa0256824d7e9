"""Private links and bearer tokens: only a SHA-256 of each token is stored."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import Connection, insert, select, update

from services.store.tables import tokens

Role = Literal["partner", "member", "coordinator"]


@dataclass(frozen=True)
class Principal:
    role: Role
    club_id: str
    subject_id: str


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(conn: Connection, role: Role, club_id: str, subject_id: str) -> str:
    """Create a fresh token for ``subject_id``; the caller shows it once, we keep only its hash."""
    token = secrets.token_urlsafe(24)
    conn.execute(
        insert(tokens).values(
            token_hash=_digest(token),
            club_id=club_id,
            role=role,
            subject_id=subject_id,
            created_at=datetime.now(UTC),
        )
    )
    return token


def rotate(conn: Connection, role: Role, club_id: str, subject_id: str) -> str:
    """Revoke every live token of the subject and issue a new one."""
    t = tokens.c
    conn.execute(
        update(tokens)
        .where(t.role == role, t.club_id == club_id, t.subject_id == subject_id, t.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
    )
    return issue(conn, role, club_id, subject_id)


def resolve(conn: Connection, token: str) -> Principal | None:
    t = tokens.c
    row = conn.execute(
        select(t.role, t.club_id, t.subject_id).where(t.token_hash == _digest(token), t.revoked_at.is_(None))
    ).first()
    return Principal(row.role, row.club_id, row.subject_id) if row else None
