"""Server-rendered pages for partners (/p/{link}), members (/m/{link}) and coordinators (/c/)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.pages import (
    calendar_feed,
    coord_admin,
    coord_alerts,
    coord_auth,
    coord_board,
    coord_keys,
    coord_map,
    coord_people,
    coord_report,
    coord_requests,
    member,
    member_forms,
    member_offers,
    member_signin,
    partner,
    partner_hook,
    places,
)
from api.pages.render import page
from api.pages.security import PageDenied
from services.settings import Settings

STATIC = Path(__file__).resolve().parent.parent / "static"
PAGE_PREFIXES = ("/p/", "/m/", "/c/", "/static/")
TITLES = {
    400: "Not understood",
    403: "Not allowed",
    404: "Not found",
    409: "Not possible",
    410: "Link expired",
    503: "Try again shortly",
}
CSP = (
    "default-src 'self'; img-src 'self' data: {tiles}; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
"""Map tiles are the one thing a page loads from elsewhere: images, from the tile server's host."""
API_CSP = "default-src 'none'; frame-ancestors 'none'"
HEADERS = {
    # Private links carry their secret in the path: never send it to another site in a Referer
    # (same-origin rather than no-referrer, so that browsers still send a real Origin on our forms).
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


def is_page(request: Request) -> bool:
    return request.url.path.startswith(PAGE_PREFIXES)


def is_member(request: Request) -> bool:
    return request.url.path.startswith("/m/")


def way_back(request: Request, status_code: int) -> str:
    """Where a refused person can get in again: members ask for a sign-in link (their session ended
    or their link expired), coordinators log in; an expired partner's or calendar link has no such
    way (the error's sentence names who makes a new one)."""
    if is_member(request) and status_code in (403, 410):
        return "/m/signin"
    return "/c/login" if status_code == 403 else ""


def error_page(request: Request, status_code: int, message: str, login: str = "") -> Response:
    """A bare page with a status and a sentence: it holds no data, so any failure may show it."""
    title = TITLES.get(status_code, "Not possible")
    return page(
        request, "error.html", {"v": None, "title": title, "message": message, "login": login}, status_code
    )


RawHeaders = list[tuple[bytes, bytes]]


def _raw(headers: dict[str, str]) -> tuple[frozenset[bytes], RawHeaders]:
    raw = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()]
    return frozenset(name for name, _ in raw), raw


class PageHeaders:
    """Security headers on every answer, pages and JSON alike. A plain ASGI middleware that edits
    the response's start message: ``@app.middleware("http")`` (Starlette's BaseHTTPMiddleware)
    ran each request in an extra task behind a memory stream, a cost every API call paid. The four
    sets of headers an answer can get are encoded once, and replace any the route set itself."""

    def __init__(self, app: ASGIApp, csp: str, https: bool) -> None:
        self.app = app
        always = dict(HEADERS)
        if https:  # browsers that saw the public https address never try plain http again
            always["Strict-Transport-Security"] = "max-age=31536000"
        self._sets = {
            # JSON needs nothing loaded, framed or run; pages only what CSP above allows
            (page, static): _raw(
                always
                | {"Content-Security-Policy": csp if page else API_CSP}
                # answers hold personal data: never cached
                | ({} if static else {"Cache-Control": "no-store"})
            )
            for page in (True, False)
            for static in (True, False)
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        names, extra = self._sets[
            path.startswith(PAGE_PREFIXES) or path == "/docs", path.startswith("/static/")
        ]

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [h for h in message.get("headers", ()) if h[0].lower() not in names]
                message["headers"] = kept + extra
            await send(message)

        await self.app(scope, receive, with_headers)


def install_pages(app: FastAPI, settings: Settings) -> None:
    """Add the page routes, static files, security headers and compression to ``app``."""
    modules = (
        partner,
        partner_hook,
        member_signin,  # before member, whose /m/{token}/... would take /m/signin/...
        member,
        member_forms,
        member_offers,
        calendar_feed,
        coord_auth,
        coord_alerts,
        coord_board,
        coord_people,  # before coord_admin, whose /c/{kind}/{id}/... would take /c/coordinators/...
        coord_admin,
        coord_keys,
        coord_map,
        coord_report,
        coord_requests,
        places,
    )
    for module in modules:
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    https = (settings.public_url or "").startswith("https://")
    app.add_middleware(
        PageHeaders, csp=CSP.format(tiles=places.tile_source(settings.map_tiles_url)), https=https
    )
    app.add_middleware(GZipMiddleware, minimum_size=1000, compresslevel=5)

    @app.exception_handler(PageDenied)
    async def _denied(request: Request, exc: PageDenied) -> Response:
        return error_page(request, exc.status_code, exc.message, login=way_back(request, exc.status_code))
