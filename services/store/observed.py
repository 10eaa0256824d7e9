"""What an operator watches, read from the database so every process reports the same truth: the
outbox backlog and its age, parked events, messages waiting or given up, clubs waiting for or
failing planning, and per club the state of its planning and its last solve."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, func, select

from services.domain import RosterStatus
from services.store.db import read_only
from services.store.tables import dead_letters, notices, outbox, rosters, schedule_state


def _age_s(oldest: datetime | None) -> float:
    return (datetime.now(UTC) - oldest.replace(tzinfo=UTC)).total_seconds() if oldest else 0.0


def _oldest_unpublished(conn: Connection) -> tuple[int, datetime | None]:
    backlog, oldest = conn.execute(
        select(func.count(), func.min(outbox.c.created_at)).where(outbox.c.published_at.is_(None))
    ).one()
    return backlog, oldest


def backlog_age_s(engine: Engine) -> float:
    """How long the oldest unpublished outbox row has waited (0 when none waits)."""
    with read_only(engine).connect() as conn:
        return _age_s(_oldest_unpublished(conn)[1])


def gauges(engine: Engine) -> dict[str, float]:
    s = schedule_state.c
    with read_only(engine).connect() as conn:
        backlog, oldest = _oldest_unpublished(conn)
        by_status: dict[str, int] = dict(
            conn.execute(select(notices.c.status, func.count()).group_by(notices.c.status)).all()
        )
        return {
            "outbox_backlog": backlog,
            "outbox_oldest_age_seconds": _age_s(oldest),
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


@dataclass(frozen=True)
class ClubPlanning:
    """One club's planning as an operator sees it: ids and numbers only, never a name."""

    club_id: str
    waiting: bool
    failed: bool
    solve_seconds: float | None
    """The wall time of the solve behind the club's latest proposal, None before its first."""
    solve_status: str | None
    """That solve's status (solver.SolveStatus: optimal, feasible, ...)."""


def clubs(engine: Engine) -> list[ClubPlanning]:
    s, r = schedule_state.c, rosters.c
    current = r.status.in_([RosterStatus.PROPOSED, RosterStatus.APPROVED])
    latest = (
        select(r.club_id, func.max(r.created_at).label("created_at"))
        .where(current)
        .group_by(r.club_id)
        .subquery()
    )
    last_solve = (
        select(r.club_id, r.wall_s, r.solve_status)
        .join(latest, (latest.c.club_id == r.club_id) & (latest.c.created_at == r.created_at))
        .where(current)
        .subquery()
    )
    query = select(
        s.club_id,
        s.generation > s.solved_generation,
        s.failure.is_not(None),
        last_solve.c.wall_s,
        last_solve.c.solve_status,
    ).outerjoin(last_solve, last_solve.c.club_id == s.club_id)
    with read_only(engine).connect() as conn:
        return [
            ClubPlanning(club_id, bool(waiting), bool(failed), wall_s, status)
            for club_id, waiting, failed, wall_s, status in conn.execute(query.order_by(s.club_id))
        ]
