"""The relay's readiness read from a real database: a standby is ready, the leader only while its
lease holds and its outbox drains."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, update

from events import AvailabilityDeclared
from services.relay_lead import Progress, RelayLease
from services.store import outbox
from services.store.tables import outbox as outbox_table
from tests.commands_support import create_club


def test_the_leading_relay_is_ready_only_while_its_outbox_drains(engine: Engine) -> None:
    with engine.begin() as conn:
        club_id, _ = create_club(conn, "Readiness club")
        outbox.append(conn, AvailabilityDeclared(club_id=club_id, member_id="m-1"))
    progress = Progress(engine, backlog_within_s=60)
    assert progress.check() is None, "a standby that reaches the database is ready"
    progress.lease = RelayLease("a", 1, timedelta(seconds=15))
    assert progress.check() is None, "a fresh row waits, but not long"
    with engine.begin() as conn:
        conn.execute(update(outbox_table).values(created_at=datetime.now(UTC) - timedelta(seconds=120)))
    reason = progress.check()
    assert reason is not None and reason.startswith("the oldest unpublished outbox row has waited 1")
    with engine.begin() as conn:
        outbox.mark_published(conn, [row.seq for row in outbox.unpublished(conn, 100)])
    assert progress.check() is None


def test_a_leader_whose_lease_lapsed_is_not_ready(engine: Engine) -> None:
    progress = Progress(engine, backlog_within_s=60)
    progress.lease = RelayLease("a", 7, timedelta(milliseconds=1))
    time.sleep(0.01)
    assert progress.check() == "the relay's lease (epoch 7) lapsed before it was renewed"
