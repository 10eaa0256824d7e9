"""Coordinator log-in: claim an account once from the coordinator's private link, then email and
password; sessions are server-side, the cookie is HttpOnly and SameSite=Lax. Failed sign-ins are
counted per email and per client address (services/store/accounts.py); a forgotten password is
reset through a single-use link sent by email."""

from __future__ import annotations

import hmac
from collections.abc import Mapping

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import TypeAdapter, ValidationError

from api.deps import EngineDep, WriteConn, run_in
from api.pages import cookies
from api.pages.render import page
from api.pages.security import (
    LOGIN_CSRF_COOKIE,
    NOT_FOUND,
    SESSION_COOKIE,
    CoordinatorPost,
    PageDenied,
    check_form,
    link_csrf,
    new_login_csrf,
)
from api.schemas import Email, Name
from services import passwords
from services.commands import SetUpCoordinator
from services.domain import Invalid
from services.store import accounts, notices, tokens
from services.store.db import Connection

router = APIRouter(prefix="/c", include_in_schema=False)
NAME: TypeAdapter[str] = TypeAdapter(Name)
EMAIL: TypeAdapter[str] = TypeAdapter(Email)


LOCKED = (
    "Too many failed sign-ins for this account or from this network. "
    f"Please wait {int(accounts.LOCKOUT.total_seconds() // 60)} minutes and try again, "
    "or reset your password."
)
DONE = {"reset": "Your password is changed and every session has ended: log in with the new one."}


def public_base(request: Request) -> str:
    """The pages' address for links sent by email: the setting, else this request's own."""
    configured = request.app.state.settings.public_url
    return (configured or str(request.base_url)).rstrip("/")


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _login_page(
    request: Request, csrf: str, error: str = "", email: str = "", status_code: int = 200
) -> Response:
    notice = DONE.get(request.query_params.get("done", ""), "")
    context = {"error": error, "email": email, "notice": notice}
    return _signed_out_page(request, "coord_login.html", csrf, context, status_code)


def _signed_out_page(
    request: Request, template: str, csrf: str, context: Mapping[str, object], status_code: int = 200
) -> Response:
    """A form shown before log-in: its CSRF token is a double-submit cookie."""
    response = page(request, template, {"v": None, "csrf": csrf, **context}, status_code)
    cookies.put(response, request, LOGIN_CSRF_COOKIE, csrf, samesite="strict")
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> Response:
    return _login_page(request, new_login_csrf())


async def _checked_login(request: Request) -> None:
    await check_form(request, cookies.read(request, LOGIN_CSRF_COOKIE) or "\x00missing")


async def _checked_claim(request: Request, token: str) -> None:
    await check_form(request, link_csrf(token))


# The form is read and checked by a dependency that runs before the write transaction opens, as
# on the other forms, so a slow upload never holds the database's write lock.
@router.post("/login", response_class=HTMLResponse, dependencies=[Depends(_checked_login)])
async def login(request: Request, conn: WriteConn) -> Response:
    form = await request.form()
    email, password = str(form.get("email", ""))[:320], str(form.get("password", ""))
    # scrypt takes tens of milliseconds by design: off the event loop, so a burst of sign-ins
    # (an attacker's included) does not stall every other request
    return await run_in_threadpool(_sign_in, request, conn, email, password)


def _sign_in(request: Request, conn: Connection, email: str, password: str) -> Response:
    address = client_address(request)
    if accounts.locked(conn, email, address):
        return _login_page(request, new_login_csrf(), LOCKED, email, 429)
    coordinator_id = accounts.authenticate(conn, email, password[: passwords.MAX_LENGTH])
    if coordinator_id is None:
        accounts.record_failure(conn, email, address)
        return _login_page(
            request, new_login_csrf(), "That email and password do not match an account.", email, 401
        )
    accounts.signed_in(conn, coordinator_id, email)
    value = accounts.open_session(conn, coordinator_id)
    response = RedirectResponse("/c/", status_code=303)
    cookies.put(response, request, SESSION_COOKIE, value, max_age=int(accounts.SESSION_TTL.total_seconds()))
    cookies.drop(response, request, LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
def logout(request: Request, viewer: CoordinatorPost, conn: WriteConn) -> Response:
    accounts.close_session(conn, cookies.read(request, SESSION_COOKIE) or "")
    response = RedirectResponse("/c/login", status_code=303)
    cookies.drop(response, request, SESSION_COOKIE)
    return response


def _claimable(conn: object, token: str) -> tuple[str, str]:
    who = tokens.resolve(conn, token)  # type: ignore[arg-type]
    if who is None or who.role != "coordinator" or accounts.has_account(conn, who.subject_id):  # type: ignore[arg-type]
        raise PageDenied(404, NOT_FOUND)
    return who.club_id, who.subject_id


@router.get("/claim/{token}", response_class=HTMLResponse)
def claim_form(request: Request, token: str, engine: EngineDep) -> Response:
    with engine.connect() as conn:
        _claimable(conn, token)
    return page(
        request,
        "coord_claim.html",
        {"v": None, "csrf": link_csrf(token), "token": token, "errors": {}, "values": {}},
    )


@router.post("/claim/{token}", response_class=HTMLResponse, dependencies=[Depends(_checked_claim)])
async def claim(request: Request, token: str, conn: WriteConn) -> Response:
    form = await request.form()
    values = {k: str(form.get(k, "")).strip() for k in ("name", "email")}
    password = str(form.get("password", ""))
    errors = _claim_errors(values, password, str(form.get("password2", "")))
    club_id, coordinator_id = _claimable(conn, token)
    if not errors:
        command = SetUpCoordinator(club_id, coordinator_id, values["email"], values["name"], password)
        try:  # scrypt: off the event loop, as sign-in is
            await run_in_threadpool(run_in, conn, command)
        except Invalid as exc:
            errors = exc.fields
    if errors:
        return page(
            request,
            "coord_claim.html",
            {"v": None, "csrf": link_csrf(token), "token": token, "errors": errors, "values": values},
            422,
        )
    return RedirectResponse("/c/login", status_code=303)


def person_errors(values: dict[str, str], whose: str) -> dict[str, str]:
    """Errors of a coordinator's name and email (``whose``: "your" or "their"); both are normalised
    in ``values`` in place, as the API would."""
    errors: dict[str, str] = {}
    try:
        values["name"] = NAME.validate_python(values["name"])
    except ValidationError:
        errors["name"] = f"Enter {whose} name, in plain text on one line."
    try:
        values["email"] = EMAIL.validate_python(values["email"])
    except ValidationError:
        errors["email"] = "Enter an email address, e.g. name@example.org."
    return errors


def _claim_errors(values: dict[str, str], password: str, again: str) -> dict[str, str]:
    """The form's errors; name and email in ``values`` are normalised in place, as the API would."""
    errors = person_errors(values, "your")
    if not hmac.compare_digest(password, again):
        errors["password2"] = "The two passwords differ."
    return errors


# --- a forgotten password ------------------------------------------------------------------------

SENT = "If that address belongs to a coordinator, a link is on its way. It works once, for 30 minutes."


def _forgot_page(request: Request, csrf: str, sent: bool = False) -> Response:
    return _signed_out_page(request, "coord_forgot.html", csrf, {"sent": SENT if sent else ""})


@router.get("/forgot", response_class=HTMLResponse)
def forgot_form(request: Request) -> Response:
    return _forgot_page(request, new_login_csrf())


@router.post("/forgot", response_class=HTMLResponse, dependencies=[Depends(_checked_login)])
async def forgot(request: Request, conn: WriteConn) -> Response:
    """The same answer whether or not the address is known; the email is recorded in this
    transaction and sent by the sender loop, so the answer does not wait for the mail server."""
    email = str((await request.form()).get("email", "")).strip()[:320]
    link = accounts.start_reset(conn, email) if email else None
    if link is not None:
        url = f"{public_base(request)}/c/reset/{link.token}"
        body = (
            f"Hello {link.name},\n\nSomeone (we hope you) asked to reset the password of your coordinator "
            f"account. To choose a new password, open this link within 30 minutes:\n\n{url}\n\n"
            "It works once. If you did not ask, ignore this message: your password stays as it is."
        )
        key = accounts.link_key(link.token)
        notices.queue_email(
            conn, link.club_id, "password_reset", key, link.email, "Reset your password", body
        )
    return _forgot_page(request, new_login_csrf(), sent=True)


async def _checked_reset(request: Request, token: str) -> None:
    await check_form(request, link_csrf(token))


def _reset_page(request: Request, token: str, errors: dict[str, str], status_code: int = 200) -> Response:
    context = {"v": None, "csrf": link_csrf(token), "token": token, "errors": errors}
    return page(request, "coord_reset.html", context, status_code)


GONE = "This link has expired or has been used. Ask for a new one at /c/forgot."


@router.get("/reset/{token}", response_class=HTMLResponse)
def reset_form(request: Request, token: str, engine: EngineDep) -> Response:
    with engine.connect() as conn:
        if accounts.reset_holder(conn, token) is None:
            raise PageDenied(404, GONE)
    return _reset_page(request, token, {})


@router.post("/reset/{token}", response_class=HTMLResponse, dependencies=[Depends(_checked_reset)])
async def reset(request: Request, token: str, conn: WriteConn) -> Response:
    form = await request.form()
    password, again = str(form.get("new_password", "")), str(form.get("new_password2", ""))
    if accounts.reset_holder(conn, token) is None:
        raise PageDenied(404, GONE)
    if not hmac.compare_digest(password, again):
        return _reset_page(request, token, {"new_password2": "The two passwords differ."}, 422)
    try:
        await run_in_threadpool(accounts.finish_reset, conn, token, password)  # scrypt: off the loop
    except accounts.Refused as exc:
        return _reset_page(request, token, {"new_password": str(exc)}, 422)
    response = RedirectResponse("/c/login?done=reset", status_code=303)
    cookies.drop(response, request, SESSION_COOKIE)
    return response
