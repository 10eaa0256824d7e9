"""A partner's webhook, on its private link: register a URL (the signing secret is shown once), see it,
remove it. The signature scheme is described on the page and in services/notify/webhooks.py."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from api.deps import ReadConn, WriteConn, run_in
from api.pages.render import page
from api.pages.security import PartnerPost, PartnerView, Viewer
from services.commands import RegisterWebhook, RemoveWebhook
from services.hook_urls import BadUrl, check_url
from services.notify.egress import Refused
from services.store import webhooks

router = APIRouter(prefix="/p/{token}", include_in_schema=False)


def _page(
    request: Request,
    viewer: Viewer,
    conn: Any,
    *,
    url: str = "",
    error: str = "",
    secret: str = "",
    status_code: int = 200,
) -> Response:
    hook = webhooks.hook_urls(conn, [viewer.who.subject_id]).get(viewer.who.subject_id)
    return page(
        request,
        "partner_webhook.html",
        {
            "v": viewer,
            "hook": hook,
            "values": {"url": url},
            "errors": {"url": error} if error else {},
            "secret": secret,
        },
        status_code,
    )


@router.get("/webhook", response_class=HTMLResponse)
def webhook_page(request: Request, viewer: PartnerView, conn: ReadConn) -> Response:
    return _page(request, viewer, conn)


@router.post("/webhook", response_class=HTMLResponse)
async def register(request: Request, viewer: PartnerPost, conn: WriteConn) -> Response:
    url = str((await request.form()).get("url", "")).strip()
    try:
        checked = check_url(url)
        await run_in_threadpool(request.app.state.egress.resolve, checked)  # DNS blocks
        secret = run_in(conn, RegisterWebhook(viewer.who.club_id, viewer.who.subject_id, checked))
    except (BadUrl, Refused) as exc:
        return _page(request, viewer, conn, url=url, error=str(exc), status_code=422)
    return _page(request, viewer, conn, secret=secret, status_code=201)


@router.post("/webhook/remove")
def remove(viewer: PartnerPost, conn: WriteConn) -> Response:
    run_in(conn, RemoveWebhook(viewer.who.club_id, viewer.who.subject_id))
    return RedirectResponse(f"{viewer.base}/webhook", status_code=303)
