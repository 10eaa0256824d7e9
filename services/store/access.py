"""API keys and calendar links as the commands change them: the SQL behind ``AccessRepository``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from services.ports import AccessRepository
from services.store import tokens


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

    def rotate_calendar(self, club_id: str, member_id: str) -> str:
        return tokens.rotate(self.conn, "calendar", club_id, member_id)
