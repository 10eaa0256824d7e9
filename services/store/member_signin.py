"""Members' sign-in links and sessions: a way back to one's page without the long-lived private link.

Every message to a member carries a short-lived sign-in link instead of the private link. The
message is stored with a placeholder naming the member (``signin_placeholder``); the sender fills it in
with a fresh code at the moment it sends (``fill``), so no usable code is ever kept in ``notices``:
only a SHA-256 of each code is stored, here. A code opens one session, once, within SIGNIN_TTL;
the session is a server-side row keyed by a SHA-256 of its cookie value, with its own CSRF token.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, delete, func, insert, select, update

from services.notify.ports import SIGNIN_PLACEHOLDER
from services.store.tables import login_attempts, member_sessions, member_signins, members

SIGNIN_TTL = timedelta(days=3)
SESSION_TTL = timedelta(days=30)
ASK_WINDOW = timedelta(minutes=15)
"""As long as the coordinators' FAILURE_WINDOW, so that pruning their attempts never shortens it."""
MAX_ASKS_PER_ADDRESS = 3
MAX_ASKS_PER_CLIENT = 10
"""Requests for a sign-in link within ASK_WINDOW, per email or phone asked for and per client."""


@dataclass(frozen=True)
class MemberSession:
    member_id: str
    club_id: str
    csrf: str


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def issue(conn: Connection, club_id: str, member_id: str, now: datetime | None = None) -> str:
    """A fresh single-use code for the member, valid SIGNIN_TTL; only its hash is kept."""
    now = now or datetime.now(UTC)
    code = secrets.token_urlsafe(32)
    conn.execute(delete(member_signins).where(member_signins.c.expires_at < now))
    conn.execute(
        insert(member_signins).values(
            code_hash=_digest(code),
            club_id=club_id,
            member_id=member_id,
            created_at=now,
            expires_at=now + SIGNIN_TTL,
        )
    )
    return code


def fill(conn: Connection, club_id: str, body: str, base: str) -> str:
    """The body with each placeholder replaced by a sign-in link to a new code (an unknown or
    inactive member's placeholder becomes a sentence, never a link)."""

    def link(match: re.Match[str]) -> str:
        member_id = match.group(1)
        active = conn.execute(
            select(members.c.active).where(members.c.id == member_id, members.c.club_id == club_id)
        ).scalar()
        if not active:
            return "(ask your coordinator for a link to your page)"
        return f"{base.rstrip('/')}/m/signin/{issue(conn, club_id, member_id)}"

    return SIGNIN_PLACEHOLDER.sub(link, body)


def redeem(conn: Connection, code: str, now: datetime | None = None) -> str | None:
    """Use a live code up and open a session for its active member; returns the cookie value, or
    None for an unknown, used or expired code (of two uses at once, one wins)."""
    now = now or datetime.now(UTC)
    s, m = member_signins.c, members.c
    row = conn.execute(
        select(s.member_id, s.club_id)
        .join(members, m.id == s.member_id)
        .where(s.code_hash == _digest(code), s.used_at.is_(None), s.expires_at > now, m.active.is_(True))
    ).first()
    if row is None:
        return None
    won = conn.execute(
        update(member_signins).where(s.code_hash == _digest(code), s.used_at.is_(None)).values(used_at=now)
    )
    if won.rowcount != 1:
        return None
    value = secrets.token_urlsafe(32)
    conn.execute(delete(member_sessions).where(member_sessions.c.expires_at < now))
    conn.execute(
        insert(member_sessions).values(
            id_hash=_digest(value),
            member_id=row.member_id,
            club_id=row.club_id,
            csrf=secrets.token_urlsafe(32),
            created_at=now,
            expires_at=now + SESSION_TTL,
        )
    )
    return value


def read_session(conn: Connection, value: str) -> MemberSession | None:
    s, m = member_sessions.c, members.c
    row = conn.execute(
        select(s.member_id, s.club_id, s.csrf)
        .join(members, m.id == s.member_id)
        .where(s.id_hash == _digest(value), s.expires_at > datetime.now(UTC), m.active.is_(True))
    ).first()
    return MemberSession(row.member_id, row.club_id, row.csrf) if row else None


def close_session(conn: Connection, value: str) -> None:
    conn.execute(delete(member_sessions).where(member_sessions.c.id_hash == _digest(value)))


# --- "Send me a sign-in link" ------------------------------------------------------------------


def _ask_keys(address: str, client: str) -> tuple[str, str]:
    return _digest(f"member-ask:{address}"), _digest(f"member-client:{client}")


def allow_ask(conn: Connection, address: str, client: str, now: datetime | None = None) -> bool:
    """Count a request for a sign-in link against the address asked for and the client; False once
    either has asked too often within ASK_WINDOW (the rows share the coordinators' sign-in
    throttling table, with their own kind, and are pruned with it)."""
    now = now or datetime.now(UTC)
    a = login_attempts.c
    by_address, by_client = _ask_keys(address, client)
    counts = [
        conn.execute(
            select(func.count()).where(a.key_hash == key, a.kind == "ask", a.at > now - ASK_WINDOW)
        ).scalar_one()
        for key in (by_address, by_client)
    ]
    if counts[0] >= MAX_ASKS_PER_ADDRESS or counts[1] >= MAX_ASKS_PER_CLIENT:
        return False
    for key in (by_address, by_client):
        conn.execute(insert(login_attempts).values(key_hash=key, kind="ask", at=now))
    return True


def normal_phone(text: str) -> str:
    """Digits of a phone number with a leading + kept, for comparing what was typed with what is stored."""
    text = text.strip()
    digits = re.sub(r"\D", "", text)
    return f"+{digits}" if text.startswith("+") else digits


def find_member(conn: Connection, address: str) -> tuple[str, str, str | None, str | None] | None:
    """(member id, club id, email, phone) of the one active member with this email or phone, else
    None (an address two members share finds nobody: the link must not reach the wrong person)."""
    m = members.c
    address = address.strip()
    if "@" in address:
        rows = conn.execute(
            select(m.id, m.club_id, m.email, m.phone).where(
                func.lower(m.email) == address.lower(), m.active.is_(True)
            )
        ).all()
    else:
        wanted = normal_phone(address)
        if len(wanted.lstrip("+")) < 6:
            return None
        rows = [
            r
            for r in conn.execute(
                select(m.id, m.club_id, m.email, m.phone).where(m.phone.is_not(None), m.active.is_(True))
            )
            if normal_phone(r.phone) == wanted
        ]
    if len(rows) != 1:
        return None
    row = rows[0]
    return row.id, row.club_id, row.email, row.phone


def prune(conn: Connection, now: datetime) -> int:
    """Expired codes and sessions; run by the retention job."""
    gone = conn.execute(delete(member_signins).where(member_signins.c.expires_at < now)).rowcount
    return gone + conn.execute(delete(member_sessions).where(member_sessions.c.expires_at < now)).rowcount
