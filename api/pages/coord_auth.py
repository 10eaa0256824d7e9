"""Coordinator log-in: claim an account once from the coordinator's private link, then email and
password; sessions are server-side, the cookie is HttpOnly and SameSite=Lax."""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import TypeAdapter, ValidationError

from api.deps import EngineDep, WriteConn
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
from services.store import accounts, tokens

router = APIRouter(prefix="/c", include_in_schema=False)
NAME: TypeAdapter[str] = TypeAdapter(Name)
EMAIL: TypeAdapter[str] = TypeAdapter(Email)


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _login_page(
    request: Request, csrf: str, error: str = "", email: str = "", status_code: int = 200
) -> Response:
    response = page(
        request, "coord_login.html", {"v": None, "csrf": csrf, "error": error, "email": email}, status_code
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE, csrf, httponly=True, samesite="strict", secure=_secure(request), path="/c"
    )
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> Response:
    return _login_page(request, new_login_csrf())


async def _checked_login(request: Request) -> None:
    await check_form(request, request.cookies.get(LOGIN_CSRF_COOKIE) or "\x00missing")


async def _checked_claim(request: Request, token: str) -> None:
    await check_form(request, link_csrf(token))


# The form is read and checked by a dependency that runs before the write transaction opens, as
# on the other forms, so a slow upload never holds the database's write lock.
@router.post("/login", response_class=HTMLResponse, dependencies=[Depends(_checked_login)])
async def login(request: Request, conn: WriteConn) -> Response:
    form = await request.form()
    email, password = str(form.get("email", "")), str(form.get("password", ""))
    coordinator_id = accounts.authenticate(conn, email, password)
    value = accounts.open_session(conn, coordinator_id) if coordinator_id else None
    if value is None:
        return _login_page(
            request, new_login_csrf(), "That email and password do not match an account.", email, 401
        )
    response = RedirectResponse("/c/", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        value,
        httponly=True,
        samesite="lax",
        secure=_secure(request),
        max_age=int(accounts.SESSION_TTL.total_seconds()),
        path="/",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/c")
    return response


@router.post("/logout")
def logout(request: Request, viewer: CoordinatorPost, conn: WriteConn) -> Response:
    accounts.close_session(conn, request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/c/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
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
        try:
            accounts.create_coordinator(
                conn, club_id, coordinator_id, values["email"], values["name"], password
            )
            # The link has done its job: from now on the account signs in, and programs use named,
            # expiring API keys (/c/keys); a link left in a mailbox or a log is useless.
            tokens.revoke_all(conn, "coordinator", club_id, coordinator_id)
        except accounts.EmailTaken:
            errors["email"] = "Another account uses this email address."
    if errors:
        return page(
            request,
            "coord_claim.html",
            {"v": None, "csrf": link_csrf(token), "token": token, "errors": errors, "values": values},
            422,
        )
    return RedirectResponse("/c/login", status_code=303)


def _claim_errors(values: dict[str, str], password: str, again: str) -> dict[str, str]:
    """The form's errors; name and email in ``values`` are normalised in place, as the API would."""
    errors: dict[str, str] = {}
    try:
        values["name"] = NAME.validate_python(values["name"])
    except ValidationError:
        errors["name"] = "Enter your name, in plain text on one line."
    try:
        values["email"] = EMAIL.validate_python(values["email"])
    except ValidationError:
        errors["email"] = "Enter an email address, e.g. name@example.org."
    if len(password) < accounts.MIN_PASSWORD:
        errors["password"] = f"Use at least {accounts.MIN_PASSWORD} characters."
    elif not hmac.compare_digest(password, again):
        errors["password2"] = "The two passwords differ."
    return errors
