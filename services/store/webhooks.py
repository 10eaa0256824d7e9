"""Partner webhooks in SQL: the one URL a partner registers, its secret, and what a status call says.
A URL is checked again when it is stored (``services.hook_urls``)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, select

from services.hook_urls import check_url
from services.notify.ports import RequestStatus, WebhookStore
from services.store.tables import help_requests, partner_webhooks, partners
from services.store.views import partner_requests


def set_hook(conn: Connection, partner_id: str, url: str) -> str:
    """Store (or replace) the partner's webhook; returns the new secret, which is only shown once."""
    checked = check_url(url)
    secret = secrets.token_hex(32)
    conn.execute(delete(partner_webhooks).where(partner_webhooks.c.partner_id == partner_id))
    conn.execute(
        insert(partner_webhooks).values(
            partner_id=partner_id, url=checked, secret=secret, created_at=datetime.now(UTC)
        )
    )
    return secret


def clear_hook(conn: Connection, partner_id: str) -> bool:
    done = conn.execute(delete(partner_webhooks).where(partner_webhooks.c.partner_id == partner_id))
    return done.rowcount > 0


def hook_urls(conn: Connection, partner_ids: list[str]) -> dict[str, dict[str, Any]]:
    """URL and registration time per partner that has a hook; never the secret."""
    w = partner_webhooks.c
    rows = conn.execute(select(w.partner_id, w.url, w.created_at).where(w.partner_id.in_(partner_ids)))
    return {row.partner_id: {"url": row.url, "created_at": row.created_at} for row in rows}


class SqlWebhookStore(WebhookStore):
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def hook(self, partner_id: str) -> tuple[str, str] | None:
        """A deactivated partner has no hook: it learns nothing more, retries of old calls included."""
        w, p = partner_webhooks.c, partners.c
        with self.engine.connect() as conn:
            row = conn.execute(
                select(w.url, w.secret)
                .join(partners, p.id == w.partner_id)
                .where(w.partner_id == partner_id, p.active.is_(True))
            ).first()
        return (row.url, row.secret) if row else None

    def request_status(self, request_id: str) -> RequestStatus | None:
        """The same counts the partner's own pages show (views.partner_requests), so both agree."""
        r = help_requests.c
        with self.engine.connect() as conn:
            owner = conn.execute(select(r.club_id, r.partner_id).where(r.id == request_id)).first()
            if owner is None:
                return None
            found = partner_requests(conn, owner.club_id, owner.partner_id, request_id)
        if not found:  # the club's own business (a lift for its volunteers): not the partner's
            return None
        row = found[0]
        return RequestStatus(
            club_id=owner.club_id,
            partner_id=owner.partner_id,
            request_id=request_id,
            status=row["status"],
            fill_state=row["fill_state"],
            assigned=row["assigned"],
            confirmed=row["confirmed"],
            headcount=row["headcount"],
        )


def partners_with_hooks(conn: Connection, club_id: str) -> list[dict[str, Any]]:
    """The club's partners for its coordinators, with each one's webhook address (if any)."""
    p = partners.c
    rows = [
        dict(r._mapping)
        for r in conn.execute(
            select(p.id, p.name, p.contact_email, p.active).where(p.club_id == club_id).order_by(p.name)
        )
    ]
    hooks = hook_urls(conn, [r["id"] for r in rows])
    return [r | {"hook": hooks.get(r["id"])} for r in rows]
