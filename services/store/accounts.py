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
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from services import passwords
from services.ports import AlertChoices, CoordinatorRepository
from services.store import alerts, audit, notices, tokens
from services.store.tables import coordinators, login_attempts, password_resets, web_sessions

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
SESSION_TTL = timedelta(hours=12)
MIN_PASSWORD = passwords.MIN_LENGTH
MAX_FAILURES = 5
"""Failed sign-ins for one email, or from one client address, within FAILURE_WINDOW ..."""
FAILURE_WINDOW = timedelta(minutes=15)
LOCKOUT = timedelta(minutes=15)
"""... after which that email or address may not try again for this long."""
RESET_TTL = timedelta(minutes=30)
MAX_LIVE_RESETS = 3
"""Unused, unexpired reset links one account may have at once: the forgotten-password form cannot
be used to flood someone's mailbox."""


class EmailTaken(ValueError):
    """Another coordinator already uses this email address."""


class Refused(ValueError):
    """A change to coordinators' accounts that the rules do not allow; the message says why."""


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
    """The coordinator id for a correct email and password of an active account, else None. An
    unknown email is checked against a dummy hash, so it takes as long as a known one."""
    c = coordinators.c
    row = conn.execute(
        select(c.id, c.password_hash).where(c.email == email.strip().lower(), c.active.is_(True))
    ).first()
    ok = verify_password(password, row.password_hash if row else _DUMMY)
    return row.id if row and ok else None


# --- sign-in throttling ----------------------------------------------------------------------------


def _attempt_keys(email: str, address: str) -> tuple[str, str]:
    return _digest(f"email:{email.strip().lower()}"), _digest(f"client:{address}")


def locked(conn: Connection, email: str, address: str, now: datetime | None = None) -> bool:
    """Whether sign-ins for this email or from this address are refused just now."""
    now = now or datetime.now(UTC)
    a = login_attempts.c
    found = conn.execute(
        select(a.id).where(
            a.key_hash.in_(_attempt_keys(email, address)), a.kind == "lock", a.at > now - LOCKOUT
        )
    ).first()
    return found is not None


def record_failure(conn: Connection, email: str, address: str, now: datetime | None = None) -> None:
    """Count a failed sign-in against the email and the address; the MAX_FAILURES-th within the
    window locks that key. Rows are in the database, so every API process sees the same counts."""
    now = now or datetime.now(UTC)
    a = login_attempts.c
    for key in _attempt_keys(email, address):
        conn.execute(insert(login_attempts).values(key_hash=key, kind="fail", at=now))
        failures = conn.execute(
            select(func.count()).where(a.key_hash == key, a.kind == "fail", a.at > now - FAILURE_WINDOW)
        ).scalar_one()
        if failures >= MAX_FAILURES:
            conn.execute(insert(login_attempts).values(key_hash=key, kind="lock", at=now))
            conn.execute(delete(login_attempts).where(a.key_hash == key, a.kind == "fail"))


def clear_failures(conn: Connection, email: str) -> None:
    """A successful sign-in wipes the email's failures; a password reset also lifts its lock (the
    client address's stays)."""
    a = login_attempts.c
    conn.execute(delete(login_attempts).where(a.key_hash == _attempt_keys(email, "")[0]))


def prune_attempts(conn: Connection, now: datetime) -> int:
    """Attempts older than any window that reads them; run by the retention job."""
    cutoff = now - max(FAILURE_WINDOW, LOCKOUT)
    return conn.execute(delete(login_attempts).where(login_attempts.c.at < cutoff)).rowcount


def signed_in(conn: Connection, coordinator_id: str, email: str) -> None:
    clear_failures(conn, email)
    conn.execute(
        update(coordinators)
        .where(coordinators.c.id == coordinator_id)
        .values(last_login_at=datetime.now(UTC))
    )
    club_id = conn.execute(
        select(coordinators.c.club_id).where(coordinators.c.id == coordinator_id)
    ).scalar_one()
    audit.record(conn, club_id, coordinator_id, "session.open", "session", coordinator_id)


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


def end_sessions(conn: Connection, coordinator_id: str, keep: str | None = None) -> None:
    """End every session of the coordinator, except the one whose cookie is ``keep``."""
    s = web_sessions.c
    spare = s.id_hash != _digest(keep) if keep else s.id_hash.is_not(None)
    conn.execute(delete(web_sessions).where(s.coordinator_id == coordinator_id, spare))


# --- the club's coordinators ---------------------------------------------------------------------


def club_coordinators(conn: Connection, club_id: str) -> list[dict[str, Any]]:
    c = coordinators.c
    rows = conn.execute(
        select(c.id, c.name, c.email, c.active, c.last_login_at, c.created_at)
        .where(c.club_id == club_id)
        .order_by(c.active.desc(), c.name)
    )
    return [dict(r._mapping) for r in rows]


def email_taken(conn: Connection, email: str) -> bool:
    c = coordinators.c
    return conn.execute(select(c.id).where(c.email == email.strip().lower())).first() is not None


class SqlCoordinators(CoordinatorRepository):
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def active_ids(self, club_id: str) -> set[str]:
        c = coordinators.c
        query = select(c.id).where(c.club_id == club_id, c.active.is_(True)).with_for_update()
        return set(self.conn.execute(query).scalars())

    def deactivate(self, coordinator_id: str) -> None:
        deactivate(self.conn, coordinator_id)

    def email_taken(self, email: str) -> bool:
        return email_taken(self.conn, email)

    def issue_claim(self, club_id: str, coordinator_id: str, expires_at: datetime | None) -> str:
        return tokens.issue(self.conn, "coordinator", club_id, coordinator_id, expires_at=expires_at)

    def queue_invite(self, club_id: str, coordinator_id: str, email: str, subject: str, body: str) -> None:
        notices.queue_email(self.conn, club_id, "coordinator_invite", coordinator_id, email, subject, body)

    def set_alert_choices(self, coordinator_id: str, choices: AlertChoices) -> None:
        alerts.set_choices(self.conn, coordinator_id, asdict(choices))

    def create_account(self, club_id: str, coordinator_id: str, email: str, name: str, password: str) -> None:
        create_coordinator(self.conn, club_id, coordinator_id, email, name, password)
        tokens.revoke_all(self.conn, "coordinator", club_id, coordinator_id)


# --- passwords -----------------------------------------------------------------------------------


def _set_password(conn: Connection, coordinator_id: str, password: str) -> None:
    conn.execute(
        update(coordinators)
        .where(coordinators.c.id == coordinator_id)
        .values(password_hash=hash_password(password))
    )


def change_password(
    conn: Connection, coordinator_id: str, current: str, new: str, session_value: str
) -> None:
    """Check the current password and the policy, store the new one and end the coordinator's other
    sessions (this one stays signed in)."""
    c = coordinators.c
    row = conn.execute(
        select(c.club_id, c.email, c.password_hash).where(c.id == coordinator_id, c.active.is_(True))
    ).one()
    if not verify_password(current, row.password_hash):
        raise Refused("That is not your current password.")
    wrong = passwords.problem(new, row.email)
    if wrong:
        raise Refused(wrong)
    _set_password(conn, coordinator_id, new)
    end_sessions(conn, coordinator_id, keep=session_value)
    audit.record(conn, row.club_id, coordinator_id, "password.change", "coordinator", coordinator_id)


@dataclass(frozen=True)
class ResetLink:
    token: str
    coordinator_id: str
    club_id: str
    email: str
    name: str


def start_reset(conn: Connection, email: str, now: datetime | None = None) -> ResetLink | None:
    """A single-use secret for an active account's password reset, valid RESET_TTL (only its hash is
    stored); None for an unknown or inactive email, or when the account has enough live links."""
    now = now or datetime.now(UTC)
    c, r = coordinators.c, password_resets.c
    row = conn.execute(
        select(c.id, c.club_id, c.email, c.name).where(c.email == email.strip().lower(), c.active.is_(True))
    ).first()
    if row is None:
        return None
    conn.execute(delete(password_resets).where(r.coordinator_id == row.id, r.expires_at < now))
    live = conn.execute(
        select(func.count()).where(r.coordinator_id == row.id, r.used_at.is_(None))
    ).scalar_one()
    if live >= MAX_LIVE_RESETS:
        return None
    token = secrets.token_urlsafe(32)
    conn.execute(
        insert(password_resets).values(
            token_hash=_digest(token), coordinator_id=row.id, created_at=now, expires_at=now + RESET_TTL
        )
    )
    return ResetLink(token, row.id, row.club_id, row.email, row.name)


def reset_holder(conn: Connection, token: str, now: datetime | None = None) -> str | None:
    """The active coordinator a reset link is for, while it is unused and unexpired."""
    now = now or datetime.now(UTC)
    r, c = password_resets.c, coordinators.c
    return conn.execute(
        select(r.coordinator_id)
        .join(coordinators, c.id == r.coordinator_id)
        .where(r.token_hash == _digest(token), r.used_at.is_(None), r.expires_at > now, c.active.is_(True))
    ).scalar()


def finish_reset(conn: Connection, token: str, new: str, now: datetime | None = None) -> None:
    """Set the new password through a live link, use the link up (with the account's other links),
    end all the coordinator's sessions and clear its failed sign-ins."""
    now = now or datetime.now(UTC)
    coordinator_id = reset_holder(conn, token, now)
    if coordinator_id is None:
        raise Refused("This link has expired or has been used. Ask for a new one.")
    c, r = coordinators.c, password_resets.c
    row = conn.execute(select(c.club_id, c.email).where(c.id == coordinator_id)).one()
    wrong = passwords.problem(new, row.email)
    if wrong:
        raise Refused(wrong)
    # a conditional update: of two uses of one link at once, one wins
    won = conn.execute(
        update(password_resets).where(r.token_hash == _digest(token), r.used_at.is_(None)).values(used_at=now)
    )
    if won.rowcount != 1:
        raise Refused("This link has expired or has been used. Ask for a new one.")
    conn.execute(
        update(password_resets)
        .where(r.coordinator_id == coordinator_id, r.used_at.is_(None))
        .values(used_at=now)
    )
    _set_password(conn, coordinator_id, new)
    end_sessions(conn, coordinator_id)
    clear_failures(conn, row.email)
    audit.record(conn, row.club_id, coordinator_id, "password.reset", "coordinator", coordinator_id)


def link_key(token: str) -> str:
    """A stored name for a link (its hash), e.g. to key the message that carries it."""
    return _digest(token)


def prune_resets(conn: Connection, now: datetime) -> int:
    r = password_resets.c
    return conn.execute(delete(password_resets).where(r.expires_at < now)).rowcount
