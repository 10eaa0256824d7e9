"""Who is asking, for pages: private links for partners and members, a session for coordinators.

An unknown, revoked or deactivated link answers 404, a link unused beyond its lifetime 410 (saying
what to do: services/store/tokens.Lifetimes) and an absent or expired session 403, each with a page
that holds no data. Every form carries a CSRF token: for link pages it is derived from
the link's own secret (a forger would need the link, which is the credential); for coordinators and
for members signed in by a link from a message (pages under /m/me/) it is the session's synchronizer
token; before log-in it is a double-submit cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from api.deps import EngineDep, LifetimesDep, expired_message
from api.pages import cookies
from services.store import accounts, member_signin, tokens, views
from services.store.tokens import LinkExpired, Principal, Role

SESSION_COOKIE = "mechanic_session"
LOGIN_CSRF_COOKIE = "mechanic_login_csrf"
MEMBER_COOKIE = "mechanic_member"
"""A member's session, opened by a sign-in link from a message. Cookies' names are these, or these
with the __Host- prefix when they are Secure: see api/pages/cookies.py."""
MEMBER_SESSION = "me"
"""The member pages under /m/me/ are the same pages as under /m/{private link}/, for the member
whose session cookie comes with the request (no private link is ever 2 characters long)."""


class PageDenied(Exception):
    """Rendered as a bare error page: a status and a sentence, never data."""

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message


NOT_FOUND = "This link does not work. It may have been replaced: ask your coordinator for a new one."


@dataclass(frozen=True)
class Viewer:
    """The caller of a page: identity, the CSRF token its forms carry, club time zone and name."""

    who: Principal
    csrf: str
    tz: str
    club_name: str
    base: str
    name: str = ""


def link_csrf(token: str) -> str:
    return hmac.new(token.encode(), b"mechanic-form", hashlib.sha256).hexdigest()[:32]


def _link_viewer(role: Role, prefix: str) -> Callable[[Request, str, EngineDep, LifetimesDep], Viewer]:
    def resolve(request: Request, token: str, engine: EngineDep, lifetimes: LifetimesDep) -> Viewer:
        try:
            who = tokens.use(engine, token, lifetimes)
        except LinkExpired as expired:
            if expired.role != role:
                raise PageDenied(404, NOT_FOUND) from expired
            raise PageDenied(410, expired_message(expired)) from expired
        if who is None or who.role != role:
            raise PageDenied(404, NOT_FOUND)
        with engine.connect() as conn:
            tz, club_name = views.club_identity(conn, who.club_id)
        return Viewer(who, link_csrf(token), tz, club_name, f"/{prefix}/{token}")

    return resolve


def _member_session_viewer(request: Request, engine: EngineDep) -> Viewer:
    value = cookies.read(request, MEMBER_COOKIE)
    with engine.connect() as conn:
        session = member_signin.read_session(conn, value) if value else None
        if session is None:
            raise PageDenied(403, "Your sign-in has ended. Ask for a new sign-in link: it is sent to you.")
        tz, club_name = views.club_identity(conn, session.club_id)
    who = Principal("member", session.club_id, session.member_id)
    return Viewer(who, session.csrf, tz, club_name, f"/m/{MEMBER_SESSION}")


_member_link_viewer = _link_viewer("member", "m")


def member_viewer(request: Request, token: str, engine: EngineDep, lifetimes: LifetimesDep) -> Viewer:
    """A member by their private link, or by their session under /m/me/."""
    if token == MEMBER_SESSION:
        return _member_session_viewer(request, engine)
    return _member_link_viewer(request, token, engine, lifetimes)


def coordinator_viewer(request: Request, engine: EngineDep) -> Viewer:
    value = cookies.read(request, SESSION_COOKIE)
    with engine.connect() as conn:
        session = accounts.read_session(conn, value) if value else None
        if session is None:
            raise PageDenied(403, "Please log in to see this page.")
        tz, club_name = views.club_identity(conn, session.club_id)
    who = Principal("coordinator", session.club_id, session.coordinator_id)
    return Viewer(who, session.csrf, tz, club_name, "/c", session.name)


async def check_form(request: Request, expected: str) -> None:
    """Refuse a cross-site post: a foreign Origin, or a missing or wrong CSRF token."""
    origin = request.headers.get("origin")
    if origin and origin != f"{request.url.scheme}://{request.url.netloc}":
        raise PageDenied(403, "This form was sent from another site.")
    form = await request.form()
    if not hmac.compare_digest(str(form.get("csrf", "")), expected):
        raise PageDenied(403, "This form has expired. Go back, reload the page and try again.")


partner_viewer = _link_viewer("partner", "p")
calendar_viewer = _link_viewer("calendar", "cal")

PartnerView = Annotated[Viewer, Depends(partner_viewer)]
MemberView = Annotated[Viewer, Depends(member_viewer)]
CalendarView = Annotated[Viewer, Depends(calendar_viewer)]
CoordinatorView = Annotated[Viewer, Depends(coordinator_viewer)]


async def _partner_post(request: Request, viewer: PartnerView) -> Viewer:
    await check_form(request, viewer.csrf)
    return viewer


async def _member_post(request: Request, viewer: MemberView) -> Viewer:
    await check_form(request, viewer.csrf)
    return viewer


async def _coordinator_post(request: Request, viewer: CoordinatorView) -> Viewer:
    await check_form(request, viewer.csrf)
    return viewer


PartnerPost = Annotated[Viewer, Depends(_partner_post)]
MemberPost = Annotated[Viewer, Depends(_member_post)]
CoordinatorPost = Annotated[Viewer, Depends(_coordinator_post)]


def new_login_csrf() -> str:
    return secrets.token_urlsafe(24)
