"""What the browser journeys set up the same way: a club with a coordinator who has a password, and
that coordinator logging in."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from services.store import accounts, tokens, writes


def club_with_coordinator(conn: Connection, club: str, email: str, name: str, password: str) -> str:
    """A new club whose first coordinator has claimed an account; returns the club's id."""
    club_id, token = writes.create_club(conn, club)
    coordinator = tokens.resolve(conn, token)
    assert coordinator is not None
    accounts.create_coordinator(conn, club_id, coordinator.subject_id, email, name, password)
    return club_id


def log_in(page: Any, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/c/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/c/")
