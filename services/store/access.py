"""API keys, private and calendar links, webhooks as the commands change them: the SQL behind
``AccessRepository``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from services.ports import AccessRepository, LinkRole
from services.store import tokens, webhooks


class SqlAccess(AccessRepository):
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def issue_key(
        self, club_id: str, coordinator_id: str, label: str, expires_at: datetime
    ) -> tuple[str, str]:
        key = tokens.issue(self.conn, "coordinator", club_id, coordinator_id, label, expires_at)
        return key, tokens.key_id(key)

    def revoke_key(self, club_id: str, coordinator_id: str, key_id: str) -> bool:
        return tokens.revoke_key(self.conn, club_id, coordinator_id, key_id)

    def rotate_link(self, role: LinkRole, club_id: str, subject_id: str) -> str:
        return tokens.rotate(self.conn, role, club_id, subject_id)

    def set_hook(self, partner_id: str, url: str) -> str:
        return webhooks.set_hook(self.conn, partner_id, url)

    def clear_hook(self, partner_id: str) -> bool:
        return webhooks.clear_hook(self.conn, partner_id)
