"""What an operator watches, read from the database so every process reports the same truth: the
outbox backlog and its age, parked events, messages waiting or given up, clubs waiting for or
failing planning."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, func, select

from services.store.db import read_only
from services.store.tables import dead_letters, notices, outbox, schedule_state


def gauges(engine: Engine) -> dict[str, float]:
    s = schedule_state.c
    with read_only(engine).connect() as conn:
        backlog, oldest = conn.execute(
            select(func.count(), func.min(outbox.c.created_at)).where(outbox.c.published_at.is_(None))
        ).one()
        by_status: dict[str, int] = dict(
            conn.execute(select(notices.c.status, func.count()).group_by(notices.c.status)).all()
        )
        return {
            "outbox_backlog": backlog,
            "outbox_oldest_age_seconds": (datetime.now(UTC) - oldest.replace(tzinfo=UTC)).total_seconds()
            if oldest
            else 0.0,
            "dead_letters": conn.execute(select(func.count()).select_from(dead_letters)).scalar_one(),
            "notices_pending": by_status.get("pending", 0),
            "notices_failed": by_status.get("failed", 0),
            "clubs_waiting_for_planning": conn.execute(
                select(func.count()).where(s.generation > s.solved_generation)
            ).scalar_one(),
            "clubs_planning_failed": conn.execute(
                select(func.count()).where(s.failure.is_not(None))
            ).scalar_one(),
        }
