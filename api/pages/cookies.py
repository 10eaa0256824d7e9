"""The pages' cookies: HttpOnly, SameSite, and whenever they are Secure (the request is https, or
MECHANIC_PUBLIC_URL is, behind a proxy that ends TLS) named with the ``__Host-`` prefix.

A browser keeps a ``__Host-`` cookie only if it is Secure, has Path=/ and no Domain, and sends it
only to this exact host: a sibling subdomain or a plain-http page on the same host cannot set or
overwrite it (cookie tossing), so a session cannot be fixed from outside. Every cookie therefore
has Path=/, on http too (embedded mode on a laptop), where the plain name is used because browsers
refuse Secure cookies there. A cookie set under one name is read under the same one: the same
request scheme and settings give the same name.
"""

from __future__ import annotations

from typing import Literal

from fastapi import Request, Response

HOST_PREFIX = "__Host-"


def secure(request: Request) -> bool:
    """Secure cookies on https, and always when the public address is https (behind a proxy that
    ends TLS, a request may reach us over plain http)."""
    public = request.app.state.settings.public_url or ""
    return request.url.scheme == "https" or public.startswith("https://")


def name(request: Request, base: str) -> str:
    return f"{HOST_PREFIX}{base}" if secure(request) else base


def read(request: Request, base: str) -> str | None:
    return request.cookies.get(name(request, base))


def put(
    response: Response,
    request: Request,
    base: str,
    value: str,
    samesite: Literal["lax", "strict"] = "lax",
    max_age: int | None = None,
) -> None:
    response.set_cookie(
        name(request, base),
        value,
        max_age=max_age,
        httponly=True,
        samesite=samesite,
        secure=secure(request),
        path="/",
    )


def drop(response: Response, request: Request, base: str) -> None:
    response.delete_cookie(name(request, base), path="/", secure=secure(request), httponly=True)
