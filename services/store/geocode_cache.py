"""The geocoder's answers, kept so a place is asked for once (services/geocode/service.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, select
from sqlalchemy.exc import IntegrityError

from services.store.tables import geocode_cache

c = geocode_cache.c


class SqlGeocodeCache:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def get(self, provider: str, query: str, fetched_since: datetime) -> list[dict[str, Any]] | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(c.results).where(
                    c.provider == provider, c.query == query, c.fetched_at >= fetched_since
                )
            ).first()
        return None if row is None else list(row.results)

    def put(self, provider: str, query: str, results: list[dict[str, Any]], now: datetime) -> None:
        """Replace what was kept; two processes storing the same answer at once keep either."""
        try:
            with self.engine.begin() as conn:
                conn.execute(delete(geocode_cache).where(c.provider == provider, c.query == query))
                conn.execute(
                    insert(geocode_cache).values(
                        provider=provider, query=query, results=results, fetched_at=now
                    )
                )
        except IntegrityError:
            pass


def prune(conn: Connection, fetched_before: datetime) -> int:
    """Forget answers older than the cache keeps them (the retention job)."""
    return int(conn.execute(delete(geocode_cache).where(c.fetched_at < fetched_before)).rowcount)
