"""Coordinator accounts and their web sessions.

Passwords are hashed with scrypt (memory-hard, standard library); sessions are server-side rows
keyed by a SHA-256 of the cookie value, so a stolen database gives neither passwords nor live
sessions. Each session carries its own CSRF token (synchronizer-token pattern).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, delete, insert, select, update

from services.store.tables import coordinators, web_sessions

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
SESSION_TTL = timedelta(hours=12)
MIN_PASSWORD = 10


class EmailTaken(ValueError):
    """Another coordinator already uses this email address."""


@dataclass(frozen=True)
class Session:
    coordinator_id: str
    club_id: str
    csrf: str
    name: str


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, encoded: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = encoded.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    expected = base64.b64decode(digest)
    got = hashlib.scrypt(
        password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=len(expected)
    )
    return hmac.compare_digest(got, expected)


# A real hash to compare against when the email is unknown, so timing does not reveal accounts.
_DUMMY = "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="


def create_coordinator(
    conn: Connection, club_id: str, coordinator_id: str, email: str, name: str, password: str
) -> None:
    email = email.strip().lower()
    if conn.execute(select(coordinators.c.id).where(coordinators.c.email == email)).first():
        raise EmailTaken(email)
    conn.execute(
        insert(coordinators).values(
            id=coordinator_id,
            club_id=club_id,
            email=email,
            name=name.strip(),
            password_hash=hash_password(password),
            active=True,
            created_at=datetime.now(UTC),
        )
    )


def has_account(conn: Connection, coordinator_id: str) -> bool:
    return (
        conn.execute(select(coordinators.c.id).where(coordinators.c.id == coordinator_id)).first() is not None
    )


def authenticate(conn: Connection, email: str, password: str) -> str | None:
    """The coordinator id for a correct email and password of an active account, else None."""
    c = coordinators.c
    row = conn.execute(
        select(c.id, c.password_hash).where(c.email == email.strip().lower(), c.active.is_(True))
    ).first()
    ok = verify_password(password, row.password_hash if row else _DUMMY)
    return row.id if row and ok else None


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def open_session(conn: Connection, coordinator_id: str) -> str:
    """A new session; returns the cookie value, which is stored only as a hash."""
    club_id = conn.execute(
        select(coordinators.c.club_id).where(coordinators.c.id == coordinator_id)
    ).scalar_one()
    value, now = secrets.token_urlsafe(32), datetime.now(UTC)
    conn.execute(delete(web_sessions).where(web_sessions.c.expires_at < now))
    conn.execute(
        insert(web_sessions).values(
            id_hash=_digest(value),
            coordinator_id=coordinator_id,
            club_id=club_id,
            csrf=secrets.token_urlsafe(32),
            created_at=now,
            expires_at=now + SESSION_TTL,
        )
    )
    return value


def read_session(conn: Connection, value: str) -> Session | None:
    s, c = web_sessions.c, coordinators.c
    row = conn.execute(
        select(s.coordinator_id, s.club_id, s.csrf, c.name)
        .join(coordinators, c.id == s.coordinator_id)
        .where(s.id_hash == _digest(value), s.expires_at > datetime.now(UTC), c.active.is_(True))
    ).first()
    return Session(row.coordinator_id, row.club_id, row.csrf, row.name) if row else None


def close_session(conn: Connection, value: str) -> None:
    conn.execute(delete(web_sessions).where(web_sessions.c.id_hash == _digest(value)))


def deactivate(conn: Connection, coordinator_id: str) -> None:
    conn.execute(update(coordinators).where(coordinators.c.id == coordinator_id).values(active=False))
    conn.execute(delete(web_sessions).where(web_sessions.c.coordinator_id == coordinator_id))
