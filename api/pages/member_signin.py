"""A member's way back to their page without the private link: a sign-in link from a message.

Every message to a member carries a short-lived, single-use sign-in link (services/store/member_signin.py).
Opening it shows one button; pressing it uses the code up and opens a session, whose pages are the
member's usual pages under /m/me/ (see security.member_viewer). The code is used by a POST, not by
opening the link, so a mail scanner that follows links cannot spend it. Anyone may ask for a new
link at /m/signin with an email address or phone number: the answer is the same whether or not it
belongs to a member, and asking is throttled per address and per client.
"""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import EngineDep, WriteConn
from api.pages import cookies
from api.pages.coord_auth import client_address
from api.pages.render import page
from api.pages.security import (
    MEMBER_COOKIE,
    MEMBER_SESSION,
    check_form,
    link_csrf,
    new_login_csrf,
)
from services.notify.ports import signin_placeholder
from services.store import member_signin, notices, views
from services.store.db import Connection
from services.text import first_name

router = APIRouter(prefix="/m/signin", include_in_schema=False)
ASK_CSRF_COOKIE = "mechanic_member_ask_csrf"
SENT = "If it belongs to a member, a link is on its way. It signs you in once, within 3 days."
SPENT = "This sign-in link has been used or has expired. Ask for a new one below."


def _ask_page(
    request: Request, sent: str = "", error: str = "", status_code: int = 200, notice: str = ""
) -> Response:
    csrf = new_login_csrf()
    context = {"v": None, "csrf": csrf, "sent": sent, "error": error, "notice": notice}
    response = page(request, "member_signin.html", context, status_code)
    cookies.put(response, request, ASK_CSRF_COOKIE, csrf, samesite="strict")
    return response


@router.get("", response_class=HTMLResponse)
def ask_form(request: Request) -> Response:
    if request.query_params.get("signed_out") == "1":
        return _ask_page(request, notice="You are signed out on this device.")
    return _ask_page(request)


async def _checked_ask(request: Request) -> None:
    await check_form(request, cookies.read(request, ASK_CSRF_COOKIE) or "\x00missing")


@router.post("", response_class=HTMLResponse, dependencies=[Depends(_checked_ask)])
async def ask(request: Request, conn: WriteConn) -> Response:
    """The same answer whether or not the address is known, and whether or not it was throttled
    (a throttled address gets no message); the message is recorded here and sent by the sender loop,
    which puts a fresh sign-in link in it at the moment it sends."""
    address = str((await request.form()).get("address", "")).strip()[:320]
    if not address:
        return _ask_page(request, error="Enter your email address or phone number.", status_code=400)
    key = address.lower() if "@" in address else member_signin.normal_phone(address)
    if member_signin.allow_ask(conn, key, client_address(request)):
        found = member_signin.find_member(conn, address)
        if found is not None:
            _queue(conn, *found, by_phone="@" not in address)
    return _ask_page(request, sent=SENT)


def _queue(
    conn: Connection, member_id: str, club_id: str, email: str | None, phone: str | None, by_phone: bool
) -> None:
    channel, to = ("signal", phone) if by_phone else ("email", email)
    if not to:
        return
    first = first_name((views.member_profile(conn, club_id, member_id) or {}).get("name", ""))
    club_name = views.club_identity(conn, club_id)[1]
    body = "\n".join(
        [
            " ".join(filter(None, ["Hello", first])) + ",",
            "",
            "Here is a link to your page, as you asked. It signs you in once, within 3 days:",
            signin_placeholder(member_id),
            "",
            "If you did not ask for it, you can ignore this message.",
            "",
            f"-- {club_name}",
        ]
    )
    subject = f"Your sign-in link for {club_name}"
    notices.queue_email(conn, club_id, "signin", secrets.token_hex(8), to, subject, body, channel=channel)


@router.get("/{code}", response_class=HTMLResponse)
def signin_form(request: Request, code: str) -> Response:
    """One button: opening the link changes nothing (a mail scanner may open it first)."""
    return page(request, "member_signin_code.html", {"v": None, "csrf": link_csrf(code), "code": code})


async def _checked_code(request: Request, code: str) -> None:
    await check_form(request, link_csrf(code))


@router.post("/{code}", response_class=HTMLResponse, dependencies=[Depends(_checked_code)])
def signin(request: Request, code: str, engine: EngineDep) -> Response:
    with engine.begin() as conn:
        value = member_signin.redeem(conn, code)
    if value is None:
        return _ask_page(request, error=SPENT, status_code=410)
    response = RedirectResponse(f"/m/{MEMBER_SESSION}/", status_code=303)
    cookies.put(
        response, request, MEMBER_COOKIE, value, max_age=int(member_signin.SESSION_TTL.total_seconds())
    )
    return response
